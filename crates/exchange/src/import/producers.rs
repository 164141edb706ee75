//! Importing producers: matched by tax code, or by name within the commune when there is none.

use super::{Options, Progress, Report, RowError, collect, in_scope, row_errors};
use crate::sheet::Row;
use domain::Invalid;
use domain::access::Place;
use domain::place::{CommuneCode, DistrictCode};
use domain::registry::{ProducerDraft, ProducerInput};
use domain::text::fold;
use std::collections::{BTreeSet, HashMap};
use store::Db;
use store::directory::Directory;
use store::producers::{self, Producer};

fn input(row: &Row) -> ProducerInput {
    let v = |k: &str| row.get(k).to_owned();
    ProducerInput {
        legal_type: v("legal_type"),
        name: v("name"),
        tax_code: v("tax_code"),
        representative: v("representative"),
        phone: v("phone"),
        email: v("email"),
        province: v("province"),
        commune: v("commune"),
        street: v("street"),
        old_district: v("old_district"),
        old_commune: v("old_commune"),
        established_on: v("established_on"),
        members_count: v("members_count"),
        sales_channels: v("sales_channels"),
    }
}

/// How a producer is recognised in the file and in the database.
fn key(d: &ProducerDraft) -> String {
    match &d.tax_code {
        Some(t) => format!("tax:{t}"),
        None => format!("name:{}:{}", d.commune, fold(&d.name)),
    }
}

enum Action {
    Create(ProducerDraft),
    Update { id: i64, deleted: bool, draft: ProducerDraft },
    Same,
}

pub(super) async fn import(
    db: &Db,
    rows: Vec<Row>,
    options: &Options,
    progress: Progress<'_>,
) -> store::Result<Report> {
    let mut report = Report { rows: rows.len(), ..Report::default() };
    let mut inputs: Vec<(&Row, ProducerInput)> = rows.iter().map(|r| (r, input(r))).collect();

    let commune = |s: &str| CommuneCode::parse(s).map(String::from).ok();
    let communes: BTreeSet<String> = inputs.iter().filter_map(|(_, i)| commune(&i.commune)).collect();
    let old_communes: BTreeSet<String> = inputs.iter().filter_map(|(_, i)| commune(&i.old_commune)).collect();
    let old_districts: BTreeSet<String> =
        inputs.iter().filter_map(|(_, i)| DistrictCode::parse(&i.old_district).map(String::from).ok()).collect();
    let directory = Directory::load(db.conn(), &communes, &old_communes, &old_districts).await?;

    // Historical rows may name only their old commune: the official table gives the current one.
    let mut underivable: HashMap<usize, RowError> = HashMap::new();
    for (row, i) in &mut inputs {
        if i.old_district.trim().is_empty()
            && let Some(district) =
                commune(&i.old_commune).and_then(|c| directory.district_of_old(&c).map(str::to_owned))
        {
            i.old_district = district;
        }
        if i.commune.trim().is_empty() && !i.old_commune.trim().is_empty() {
            match CommuneCode::parse(&i.old_commune).and_then(|c| directory.current_of_old(c.as_str())) {
                Ok((province, commune)) => {
                    if i.province.trim().is_empty() {
                        i.province = province;
                    }
                    i.commune = commune;
                }
                Err(why) => {
                    underivable.insert(row.number, RowError::new(row.number, "old_commune", why));
                }
            }
        }
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    let checked: Vec<(usize, Result<ProducerDraft, Vec<RowError>>)> = inputs
        .iter()
        .map(|(row, i)| {
            let mut errors = Vec::new();
            if let Some(e) = underivable.remove(&row.number) {
                errors.push(e);
            }
            let draft = match i.parse() {
                Ok(d) => Some(d),
                Err(fields) => {
                    // Without a current unit the address fields say nothing new.
                    let address = |e: &RowError| !errors.is_empty() && (e.field == "commune" || e.field == "province");
                    let more: Vec<RowError> = row_errors(row, fields).into_iter().filter(|e| !address(e)).collect();
                    errors.extend(more);
                    None
                }
            };
            if let Some(d) = &draft {
                errors.extend(row_errors(row, directory.check(d)));
                let place =
                    Place { province: Some(d.province.clone()), commune: Some(d.commune.clone()), producer: None };
                if !in_scope(&options.scope, &place) {
                    errors.push(RowError::new(row.number, "province", Invalid::new("invalid-outside-scope")));
                }
                if let Some(first) = seen.insert(key(d), row.number) {
                    errors.push(RowError::new(
                        row.number,
                        "tax_code",
                        Invalid::new("import-duplicate-row").with("row", first),
                    ));
                }
            }
            (
                row.number,
                match draft {
                    Some(d) if errors.is_empty() => Ok(d),
                    _ => Err(errors),
                },
            )
        })
        .collect();
    let good = collect(checked, &mut report);
    progress("checked", rows.len(), rows.len());

    // What is there already.
    let taxes: BTreeSet<String> =
        good.iter().filter_map(|(_, d)| d.tax_code.as_ref().map(ToString::to_string)).collect();
    let untaxed_communes: BTreeSet<String> =
        good.iter().filter(|(_, d)| d.tax_code.is_none()).map(|(_, d)| d.commune.to_string()).collect();
    let mut existing: HashMap<String, Producer> = producers::by_tax_codes(db.conn(), &taxes)
        .await?
        .into_iter()
        .map(|(tax, p)| (format!("tax:{tax}"), p))
        .collect();
    for p in producers::untaxed_in(db.conn(), &untaxed_communes).await? {
        existing.insert(format!("name:{}:{}", p.commune_code, fold(&p.name)), p);
    }

    let mut actions = Vec::with_capacity(good.len());
    for (row, d) in good {
        let action = match existing.get(&key(&d)) {
            None => Action::Create(d),
            Some(p) => {
                let place = Place {
                    province: domain::place::ProvinceCode::parse(&p.province_code).ok(),
                    commune: CommuneCode::parse(&p.commune_code).ok(),
                    producer: Some(p.id),
                };
                if !in_scope(&options.scope, &place) {
                    report.errors.push(RowError::new(row, "tax_code", Invalid::new("invalid-outside-scope")));
                    continue;
                }
                if p.input().parse().as_ref() == Ok(&d) && p.deleted_at.is_none() {
                    Action::Same
                } else {
                    Action::Update { id: p.id, deleted: p.deleted_at.is_some(), draft: d }
                }
            }
        };
        actions.push(action);
    }
    report.errors.sort_by_key(|e| e.row);
    if !report.errors.is_empty() && !options.import_good_rows {
        return Ok(report);
    }

    let tx = db.write().await?;
    let mut creates = Vec::new();
    for action in actions {
        match action {
            Action::Same => report.unchanged += 1,
            Action::Create(d) => creates.push(d),
            Action::Update { id, deleted, draft } => {
                if deleted {
                    producers::restore(&tx, &options.who, id).await?;
                }
                let current = producers::get(&tx, id).await?.ok_or(store::StoreError::NotFound)?;
                producers::update(&tx, &options.who, id, current.version, &draft).await?;
                report.updated += 1;
            }
        }
    }
    report.created = creates.len();
    producers::create_many(&tx, &options.who, &creates, &directory, false).await?;
    tx.commit().await?;
    report.written = true;
    progress("written", rows.len(), rows.len());
    Ok(report)
}

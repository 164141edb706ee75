//! Importing producers: matched by tax code, else by platform code, else by name within the
//! commune; a matched producer changes only in the columns the file has.

use super::owners::Owners;
use super::places::{CommuneCell, Places, is_name};
use super::{Options, Progress, Report, RowChange, RowError, collect, differences, in_scope, row_errors};
use crate::sheet::{Row, Table};
use domain::Invalid;
use domain::access::{Listing, Place};
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use domain::producer::{parse_platform_code, platform_code};
use domain::registry::{ProducerDraft, ProducerInput};
use domain::tax_code::TaxCode;
use domain::text::fold;
use std::collections::{BTreeSet, HashMap};
use store::Db;
use store::directory::Directory;
use store::producers::{self, Producer};

/// The fields a producer file may change, in column order.
const FIELDS: &[&str] = &[
    "tax_code",
    "name",
    "legal_type",
    "representative",
    "phone",
    "email",
    "province",
    "commune",
    "street",
    "old_district",
    "old_commune",
    "established_on",
    "members_count",
    "sales_channels",
];

/// A row as read: the fields its columns give (unit names turned into codes), and which fields
/// those are (its columns, and the address fields filled in for it).
struct Raw<'a> {
    row: &'a Row,
    input: ProducerInput,
    given: BTreeSet<&'static str>,
    errors: Vec<RowError>,
}

/// Turns unit names into codes and fills what the file leaves to the importer's province and
/// the official mapping.
fn resolve(row: &Row, places: &Places, scope_province: Option<&str>) -> (ProducerInput, Vec<RowError>) {
    let mut input = ProducerInput::default();
    for (key, value) in &row.values {
        if let Some(field) = input.field_mut(key) {
            field.clone_from(value);
        }
    }
    let mut errors = Vec::new();
    // A field's code, or its error kept and the field left as typed.
    let mut settle = |field: &'static str, result: Result<String, Invalid>, value: &mut String| match result {
        Ok(code) => *value = code,
        Err(why) => errors.push(RowError::new(row.number, field, why)),
    };
    let typed = input.province.clone();
    settle("province", places.province(&typed), &mut input.province);
    if input.province.is_empty()
        && let Some(p) = scope_province
    {
        input.province = p.to_owned();
    }
    let province = input.province.clone();
    match places.commune(&province, &input.commune) {
        Ok(CommuneCell::Current(code)) => input.commune = code,
        Ok(CommuneCell::Old(code)) => {
            if input.old_commune.trim().is_empty() {
                input.old_commune = code;
            }
            input.commune = String::new();
        }
        Err(why) => settle("commune", Err(why), &mut input.commune),
    }
    let typed = input.old_district.clone();
    settle("old_district", places.old_district(&province, &typed), &mut input.old_district);
    let typed = input.old_commune.clone();
    settle("old_commune", places.old_commune(&province, &input.old_district, &typed), &mut input.old_commune);
    (input, errors)
}

/// The province an importer's scope is bound to, if one.
pub(super) fn scope_province(scope: &Listing) -> Option<String> {
    match scope {
        Listing::Province(p) | Listing::Commune(p, _) => Some(p.to_string()),
        _ => None,
    }
}

/// The producer on record a row names: its tax code, else its platform code, else its name in
/// its commune among producers without another tax code. `Err` for a platform code no producer
/// has, or a name several producers share.
fn find(owners: &Owners, row: &Row, input: &ProducerInput) -> Result<Option<i64>, RowError> {
    let tax = TaxCode::parse(&input.tax_code).ok().map(String::from);
    if let Some(p) = tax.as_deref().and_then(|t| owners.by_tax(t)) {
        return Ok(Some(p.id));
    }
    let code = row.get("code").trim();
    if !code.is_empty() {
        return match parse_platform_code(code).and_then(|id| owners.live(id)) {
            Some(p) => Ok(Some(p.id)),
            None => {
                Err(RowError::new(row.number, "code", Invalid::new("import-producer-code-unknown").with("code", code)))
            }
        };
    }
    let named: Vec<i64> = owners
        .named(&input.commune, &input.name)
        .into_iter()
        .filter(|p| p.tax_code.is_none() || p.tax_code == tax)
        .map(|p| p.id)
        .collect();
    match named.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(RowError::new(
            row.number,
            "name",
            Invalid::new("import-producer-name-ambiguous")
                .with("name", input.name.trim())
                .with("codes", many.iter().map(|id| platform_code(*id)).collect::<Vec<_>>().join(", ")),
        )),
    }
}

/// A good row: the producer on record it matched (if any) and what it becomes.
type Matched = (Option<i64>, ProducerDraft);

enum Action {
    Create(ProducerDraft),
    Update { id: i64, deleted: bool, draft: ProducerDraft },
    Same,
}

pub(super) async fn import(db: &Db, table: &Table, options: &Options, progress: Progress<'_>) -> store::Result<Report> {
    let rows = &table.rows;
    let mut report = Report { rows: rows.len(), ..Report::default() };
    let scope = scope_province(&options.scope);
    let by_name = rows.iter().filter(|r| ["commune", "old_district", "old_commune"].iter().any(|k| is_name(r.get(k))));
    let places = Places::load(db, by_name.map(|r| r.get("province")), scope.as_deref()).await?;
    let mut raws: Vec<Raw> = rows
        .iter()
        .map(|row| {
            let (input, errors) = resolve(row, &places, scope.as_deref());
            let mut given: BTreeSet<&'static str> = row.values.keys().copied().collect();
            if !input.province.is_empty() {
                given.insert("province");
            }
            Raw { row, input, given, errors }
        })
        .collect();

    // Historical rows may name only their old commune: the official table gives the current one.
    let commune = |s: &str| CommuneCode::parse(s).map(String::from).ok();
    let communes: BTreeSet<String> = raws.iter().filter_map(|r| commune(&r.input.commune)).collect();
    let old_communes: BTreeSet<String> = raws.iter().filter_map(|r| commune(&r.input.old_commune)).collect();
    let old_districts: BTreeSet<String> =
        raws.iter().filter_map(|r| DistrictCode::parse(&r.input.old_district).map(String::from).ok()).collect();
    let mut directory = Directory::load(db.conn(), &communes, &old_communes, &old_districts).await?;
    for raw in &mut raws {
        let i = &mut raw.input;
        if i.old_district.trim().is_empty()
            && let Some(district) =
                commune(&i.old_commune).and_then(|c| directory.district_of_old(&c).map(str::to_owned))
        {
            i.old_district = district;
            raw.given.insert("old_district");
        }
        if i.commune.trim().is_empty() && !i.old_commune.trim().is_empty() {
            match CommuneCode::parse(&i.old_commune).and_then(|c| directory.current_of_old(c.as_str())) {
                Ok((province, commune)) => {
                    if i.province.trim().is_empty() {
                        i.province = province;
                    }
                    i.commune = commune;
                    raw.given.extend(["province", "commune"]);
                }
                Err(why) => raw.errors.push(RowError::new(raw.row.number, "old_commune", why)),
            }
        }
    }

    let taxes: BTreeSet<String> =
        raws.iter().filter_map(|r| TaxCode::parse(&r.input.tax_code).ok().map(String::from)).collect();
    let ids: BTreeSet<i64> = raws.iter().filter_map(|r| parse_platform_code(r.row.get("code"))).collect();
    let named_in: BTreeSet<String> =
        raws.iter().filter_map(|r| CommuneCode::parse(&r.input.commune).ok().map(String::from)).collect();
    let owners = Owners::load(db, &taxes, &ids, &named_in).await?;
    let matched: BTreeSet<i64> = raws.iter().filter_map(|r| find(&owners, r.row, &r.input).ok().flatten()).collect();
    let existing: HashMap<i64, Producer> = producers::by_ids(db.conn(), &matched).await?;
    // Units of matched producers the file does not name (their stored address is checked again).
    let more: BTreeSet<String> = existing.values().map(|p| p.commune_code.clone()).collect();
    if !more.is_subset(&communes) {
        let old: BTreeSet<String> =
            existing.values().filter_map(|p| p.old_commune_code.clone()).chain(old_communes).collect();
        let districts: BTreeSet<String> =
            existing.values().filter_map(|p| p.old_district_code.clone()).chain(old_districts).collect();
        directory = Directory::load(db.conn(), &communes.union(&more).cloned().collect(), &old, &districts).await?;
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    let checked: Vec<(usize, Result<Matched, Vec<RowError>>)> = raws
        .into_iter()
        .map(|raw| {
            let Raw { row, input: mut typed, given, mut errors } = raw;
            let found = match find(&owners, row, &typed) {
                Ok(found) => found,
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            let current = found.and_then(|id| existing.get(&id));
            // A matched producer changes only where the file has a column; a blank tax code
            // never removes one on record.
            let mut input = current.map(Producer::input).unwrap_or_default();
            for key in given {
                if key == "tax_code" && typed.tax_code.trim().is_empty() && current.is_some() {
                    continue;
                }
                if let (Some(to), Some(from)) = (input.field_mut(key), typed.field_mut(key)) {
                    *to = std::mem::take(from);
                }
            }
            let draft = match input.parse() {
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
                    Place { province: Some(d.province.clone()), commune: Some(d.commune.clone()), producer: found };
                if !in_scope(&options.scope, &place) {
                    errors.push(RowError::new(row.number, "province", Invalid::new("invalid-outside-scope")));
                }
                if let Some(p) = current {
                    let stored = Place {
                        province: ProvinceCode::parse(&p.province_code).ok(),
                        commune: CommuneCode::parse(&p.commune_code).ok(),
                        producer: Some(p.id),
                    };
                    if !in_scope(&options.scope, &stored) {
                        errors.push(RowError::new(row.number, "tax_code", Invalid::new("invalid-outside-scope")));
                    }
                }
                let key = match (found, &d.tax_code) {
                    (Some(id), _) => format!("id:{id}"),
                    (None, Some(t)) => format!("tax:{t}"),
                    (None, None) => format!("name:{}:{}", d.commune, fold(&d.name)),
                };
                if let Some(first) = seen.insert(key, row.number) {
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
                    Some(d) if errors.is_empty() => Ok((found, d)),
                    _ => Err(errors),
                },
            )
        })
        .collect();
    let good = collect(checked, &mut report);
    progress("checked", rows.len(), rows.len());

    let mut actions = Vec::with_capacity(good.len());
    for (row, (found, d)) in good {
        let current = found.and_then(|id| existing.get(&id));
        let after = ProducerInput::from_draft(&d);
        let (action, change) = match current {
            None => {
                (Action::Create(d), RowChange { row, action: "created", record: String::new(), fields: Vec::new() })
            }
            Some(p) => {
                let before = p.input().parse().map(|b| ProducerInput::from_draft(&b)).unwrap_or_else(|_| p.input());
                let fields = differences(
                    FIELDS,
                    &serde_json::to_value(&before).unwrap_or_default(),
                    &serde_json::to_value(&after).unwrap_or_default(),
                );
                if fields.is_empty() && p.deleted_at.is_none() {
                    (Action::Same, RowChange { row, action: "unchanged", record: p.code(), fields })
                } else {
                    (
                        Action::Update { id: p.id, deleted: p.deleted_at.is_some(), draft: d },
                        RowChange { row, action: "updated", record: p.code(), fields },
                    )
                }
            }
        };
        actions.push(action);
        report.changes.push(change);
    }
    report.errors.sort_by_key(|e| e.row);
    if (!report.errors.is_empty() && !options.import_good_rows) || options.dry_run {
        count(&mut report);
        return Ok(report);
    }

    let tx = db.write().await?;
    let mut creates = Vec::new();
    for action in actions {
        match action {
            Action::Same => {}
            Action::Create(d) => creates.push(d),
            Action::Update { id, deleted, draft } => {
                if deleted {
                    producers::restore(&tx, &options.who, id).await?;
                }
                let current = producers::get(&tx, id).await?.ok_or(store::StoreError::NotFound)?;
                producers::update(&tx, &options.who, id, current.version, &draft).await?;
            }
        }
    }
    producers::create_many(&tx, &options.who, &creates, &directory, false).await?;
    tx.commit().await?;
    count(&mut report);
    report.written = true;
    progress("written", rows.len(), rows.len());
    Ok(report)
}

/// The created, updated and unchanged counts from the rows' changes.
pub(super) fn count(report: &mut Report) {
    let n = |a: &str| report.changes.iter().filter(|c| c.action == a).count();
    (report.created, report.updated, report.unchanged) = (n("created"), n("updated"), n("unchanged"));
}

//! Importing products, with the certificates they held: matched by product code, or by name
//! within the producer when the file gives no code; certificates by number.

use super::{Options, Progress, Report, RowError, collect, in_scope, row_errors};
use crate::sheet::Row;
use domain::Invalid;
use domain::access::Place;
use domain::certificate::{Stars, expiry};
use domain::criteria::version_in_force;
use domain::place::{CommuneCode, ProvinceCode};
use domain::product_code::{FIRST_YEAR, LAST_YEAR, ProductCode};
use domain::registry::{ProductDraft, ProductInput, parse_date};
use domain::tax_code::TaxCode;
use domain::text::fold;
use std::collections::{BTreeSet, HashMap};
use store::Db;
use store::certificates::{self, CertificateFact, Level};
use store::producers::{self, Placed};
use store::products::{self, CodeChoice, NewProduct, Product};

fn input(row: &Row) -> ProductInput {
    let v = |k: &str| row.get(k).to_owned();
    ProductInput {
        name: v("name"),
        sheet: v("sheet"),
        gtin: v("gtin"),
        description: v("description"),
        ingredients: v("ingredients"),
        packaging: v("packaging"),
        price: v("price"),
        capacity: v("capacity"),
    }
}

/// `3`, `4★`, `4 sao`, `5` (recognised centrally), `5p` / `tiềm năng 5 sao` (potential 5★).
fn rank(raw: &str) -> Result<(Stars, Level), Invalid> {
    let f = fold(raw);
    let potential = f.contains("tiem nang") || f.trim_end().ends_with('p');
    let digits: String = f.chars().filter(char::is_ascii_digit).collect();
    let stars = Stars::parse(if digits.is_empty() { raw } else { &digits })?;
    if !stars.recognised() {
        return Err(Invalid::new("import-rank-not-recognised"));
    }
    match (stars.get(), potential) {
        (5, true) => Ok((stars, Level::Province)),
        (_, true) => Err(Invalid::new("import-rank-potential")),
        (5, false) => Ok((stars, Level::Central)),
        _ => Ok((stars, Level::Province)),
    }
}

/// The certificate a row records, if it has a rank; every missing or bad field named.
fn certificate(row: &Row) -> Result<Option<CertificateFact>, domain::FieldErrors> {
    let mut e = domain::FieldErrors::new();
    let fields = ["certificate_number", "decision_number", "decision_date", "issued_on", "expires_on", "revoked_on"];
    if row.get("rank").trim().is_empty() {
        if fields.iter().any(|f| !row.get(f).trim().is_empty()) {
            e.add("rank", Invalid::new("import-rank-required"));
        }
        return e.into_result().map(|()| None);
    }
    let date = |e: &mut domain::FieldErrors, field: &str| -> Option<time::Date> {
        let raw = row.get(field);
        if raw.trim().is_empty() { None } else { e.check(field, parse_date(raw)) }
    };
    let rank = e.check("rank", rank(row.get("rank")));
    let number = domain::text::clean(row.get("certificate_number"));
    if number.is_empty() {
        e.add("certificate_number", Invalid::new("invalid-required"));
    }
    let issued = date(&mut e, "issued_on");
    if issued.is_none() && row.get("issued_on").trim().is_empty() {
        e.add("issued_on", Invalid::new("invalid-required"));
    }
    let expires = date(&mut e, "expires_on");
    let decision_date = date(&mut e, "decision_date");
    let revoked = date(&mut e, "revoked_on");
    if let (Some(i), Some(x)) = (issued, expires)
        && x < i
    {
        e.add("expires_on", Invalid::new("invalid-expiry-before-issue"));
    }
    match (rank, issued) {
        (Some((stars, level)), Some(issued_on)) if e.is_empty() => Ok(Some(CertificateFact {
            number,
            stars,
            level,
            decision_number: domain::text::clean(row.get("decision_number")),
            decision_date,
            signer: String::new(),
            issued_on,
            expires_on: expires.unwrap_or_else(|| expiry(issued_on)),
            revoked_on: revoked,
            revocation_ground: Some(domain::text::clean(row.get("revocation_ground"))).filter(|s| !s.is_empty()),
            revocation_decision: None,
            criteria_version: Some(domain::text::clean(row.get("criteria_version")))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| version_in_force(issued_on).to_owned()),
            source: "import",
        })),
        _ => Err(e),
    }
}

struct Checked {
    producer: Placed,
    draft: ProductDraft,
    code: Option<ProductCode>,
    year: u16,
    certificate: Option<CertificateFact>,
}

fn name_key(producer_id: i64, name: &str) -> String {
    format!("{producer_id}:{}", fold(name))
}

enum Action {
    Create(NewProduct),
    Update { id: i64, deleted: bool, draft: ProductDraft },
    Same(i64),
}

pub(super) async fn import(
    db: &Db,
    rows: Vec<Row>,
    options: &Options,
    progress: Progress<'_>,
) -> store::Result<Report> {
    let mut report = Report { rows: rows.len(), ..Report::default() };
    let set = store::criteria::current().map_err(|detail| store::StoreError::Corrupt { table: "criteria", detail })?;
    let taxes: BTreeSet<String> =
        rows.iter().filter_map(|r| TaxCode::parse(r.get("producer_tax_code")).ok().map(String::from)).collect();
    let owners = producers::placed_by_tax_codes(db.conn(), &taxes).await?;

    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut first_seen = |key: String, row: usize| seen.insert(key, row);
    let checked: Vec<(usize, Result<Checked, Vec<RowError>>)> = rows
        .iter()
        .map(|row| {
            let mut errors = Vec::new();
            let producer = match TaxCode::parse(row.get("producer_tax_code")) {
                Err(why) => {
                    errors.push(RowError::new(row.number, "producer_tax_code", why));
                    None
                }
                Ok(tax) => match owners.get(tax.as_str()) {
                    None => {
                        let why = Invalid::new("import-producer-unknown").with("tax_code", &tax);
                        errors.push(RowError::new(row.number, "producer_tax_code", why));
                        None
                    }
                    Some(p) if p.deleted_at.is_some() => {
                        errors.push(RowError::new(
                            row.number,
                            "producer_tax_code",
                            Invalid::new("invalid-producer-deleted"),
                        ));
                        None
                    }
                    Some(p) => Some(p.clone()),
                },
            };
            if let Some(p) = &producer {
                let place = Place {
                    province: ProvinceCode::parse(&p.province_code).ok(),
                    commune: CommuneCode::parse(&p.commune_code).ok(),
                    producer: Some(p.id),
                };
                if !in_scope(&options.scope, &place) {
                    errors.push(RowError::new(row.number, "producer_tax_code", Invalid::new("invalid-outside-scope")));
                }
            }
            let draft = match input(row).parse(producer.as_ref().map_or(0, |p| p.id), set) {
                Ok(d) => Some(d),
                Err(fields) => {
                    errors.extend(row_errors(row, fields));
                    None
                }
            };
            let code = match row.get("code").trim() {
                "" => None,
                raw => match ProductCode::parse(raw) {
                    Ok(c) => Some(c),
                    Err(why) => {
                        errors.push(RowError::new(row.number, "code", why));
                        None
                    }
                },
            };
            let year = match row.get("year").trim() {
                "" => Some(options.year),
                raw => match raw.parse::<u16>().ok().filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y)) {
                    Some(y) => Some(y),
                    None => {
                        errors.push(RowError::new(
                            row.number,
                            "year",
                            Invalid::new("import-year").with("first", FIRST_YEAR),
                        ));
                        None
                    }
                },
            };
            let certificate = match certificate(row) {
                Ok(c) => c,
                Err(fields) => {
                    errors.extend(row_errors(row, fields));
                    None
                }
            };
            // The same product, GTIN or certificate twice in one file.
            let mut once = |key: String, field: &str| {
                if let Some(first) = first_seen(key, row.number) {
                    errors.push(RowError::new(
                        row.number,
                        field,
                        Invalid::new("import-duplicate-row").with("row", first),
                    ));
                }
            };
            if let Some(c) = &code {
                once(format!("code:{c}"), "code");
            } else if let (Some(p), Some(d)) = (&producer, &draft) {
                once(format!("name:{}", name_key(p.id, &d.name)), "name");
            }
            if let Some(g) = draft.as_ref().and_then(|d| d.gtin.as_ref()) {
                once(format!("gtin:{g}"), "gtin");
            }
            if let Some(c) = &certificate {
                once(format!("certificate:{}", c.number), "certificate_number");
            }
            (
                row.number,
                match (producer, draft, year) {
                    (Some(producer), Some(draft), Some(year)) if errors.is_empty() => {
                        Ok(Checked { producer, draft, code, year, certificate })
                    }
                    _ => Err(errors),
                },
            )
        })
        .collect();
    let good = collect(checked, &mut report);
    progress("checked", rows.len(), rows.len());

    // What is there already.
    let codes: BTreeSet<String> = good.iter().filter_map(|(_, c)| c.code.as_ref().map(ToString::to_string)).collect();
    let by_code = products::by_codes(db.conn(), &codes).await?;
    let uncoded_producers: BTreeSet<i64> =
        good.iter().filter(|(_, c)| c.code.is_none()).map(|(_, c)| c.producer.id).collect();
    let by_name: HashMap<String, Product> = products::of_producers(db.conn(), &uncoded_producers)
        .await?
        .into_iter()
        .map(|p| (name_key(p.producer_id, &p.name), p))
        .collect();
    let gtins: BTreeSet<String> =
        good.iter().filter_map(|(_, c)| c.draft.gtin.as_ref().map(ToString::to_string)).collect();
    let gtin_owners = products::gtin_owners(db.conn(), &gtins).await?;
    let numbers: BTreeSet<String> =
        good.iter().filter_map(|(_, c)| c.certificate.as_ref().map(|f| f.number.clone())).collect();
    let recorded = certificates::existing_numbers(db.conn(), &numbers).await?;

    let mut actions: Vec<(Action, Option<CertificateFact>)> = Vec::with_capacity(good.len());
    for (row, c) in good {
        let existing = match &c.code {
            Some(code) => by_code.get(&code.to_string()),
            None => by_name.get(&name_key(c.producer.id, &c.draft.name)),
        };
        if let Some(p) = existing
            && p.producer_id != c.producer.id
        {
            report.errors.push(RowError::new(row, "code", Invalid::new("import-code-other-producer")));
            continue;
        }
        if let Some(g) = &c.draft.gtin
            && let Some(owner) = gtin_owners.get(g.as_str())
            && existing.is_none_or(|p| p.id != *owner)
        {
            report.errors.push(RowError::new(row, "gtin", Invalid::new("invalid-gtin-taken")));
            continue;
        }
        let certificate = c.certificate.filter(|f| !recorded.contains(&f.number));
        let action = match existing {
            Some(p) if p.deleted_at.is_none() && p.input().parse(p.producer_id, set).as_ref() == Ok(&c.draft) => {
                Action::Same(p.id)
            }
            Some(p) => Action::Update { id: p.id, deleted: p.deleted_at.is_some(), draft: c.draft },
            None => Action::Create(NewProduct {
                criteria_version: certificate
                    .as_ref()
                    .map_or_else(|| set.version.clone(), |f| f.criteria_version.clone()),
                code: match c.code {
                    Some(code) => CodeChoice::Given(code),
                    None => CodeChoice::Next { year: c.year },
                },
                province: c.producer.province_code.clone(),
                commune: c.producer.commune_code.clone(),
                draft: c.draft,
            }),
        };
        actions.push((action, certificate));
    }
    report.errors.sort_by_key(|e| e.row);
    if !report.errors.is_empty() && !options.import_good_rows {
        return Ok(report);
    }

    let tx = db.write().await?;
    let mut creates = Vec::new();
    // A certificate belongs to a product already stored, or to the n-th one created here.
    enum Holder {
        Stored(i64),
        Created(usize),
    }
    let mut facts: Vec<(Holder, CertificateFact)> = Vec::new();
    for (action, certificate) in actions {
        let holder = match action {
            Action::Same(id) => {
                if certificate.is_some() {
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
                Holder::Stored(id)
            }
            Action::Update { id, deleted, draft } => {
                if deleted {
                    products::restore(&tx, &options.who, id).await?;
                }
                let current = products::get(&tx, id).await?.ok_or(store::StoreError::NotFound)?;
                products::update(&tx, &options.who, id, current.version, &draft).await?;
                report.updated += 1;
                Holder::Stored(id)
            }
            Action::Create(new) => {
                creates.push(new);
                Holder::Created(creates.len() - 1)
            }
        };
        if let Some(fact) = certificate {
            facts.push((holder, fact));
        }
    }
    report.created = creates.len();
    progress("writing", 0, creates.len());
    let created = products::create_many(&tx, &options.who, creates, false).await?;
    progress("writing", created.len(), created.len());
    let facts: Vec<(i64, CertificateFact)> = facts
        .into_iter()
        .filter_map(|(holder, fact)| match holder {
            Holder::Stored(id) => Some((id, fact)),
            Holder::Created(n) => created.get(n).map(|(id, _)| (*id, fact)),
        })
        .collect();
    report.certificates = facts.len();
    certificates::record_many(&tx, &options.who, &facts).await?;
    tx.commit().await?;
    report.written = true;
    progress("written", rows.len(), rows.len());
    Ok(report)
}

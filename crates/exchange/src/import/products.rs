//! Importing products, with the certificates they held: matched by product code, or by name
//! within the producer when the file gives no code; certificates by number.

use super::owners::Owners;
use super::places::{CommuneCell, Places, is_name, pick};
use super::producers::{count, scope_province};
use super::{Options, Progress, Report, RowChange, RowError, collect, differences, in_scope, row_errors};
use crate::sheet::{Row, Table};
use domain::Invalid;
use domain::access::Place;
use domain::certificate::{Evidence, IssuerKind, Stars, completes, expiry, known_from_year, placeholder_number};
use domain::criteria::{CriteriaSet, version_in_force};
use domain::gtin::Gtin;
use domain::place::{CommuneCode, ProvinceCode};
use domain::producer::{parse_platform_code, platform_code};
use domain::product_code::{FIRST_YEAR, LAST_YEAR, ProductCode};
use domain::registry::{ProductDraft, ProductInput, parse_date};
use domain::tax_code::TaxCode;
use domain::text::fold;
use std::collections::{BTreeSet, HashMap};
use store::Db;
use store::certificates::{self, CertificateFact, Level};
use store::producers::Placed;
use store::products::{self, CodeChoice, NewProduct, Product};

/// The fields a product file may change, in column order.
const FIELDS: &[&str] = &["name", "sheet", "gtin", "description", "ingredients", "packaging", "price", "capacity"];

/// A product as the row has it over what is on record: only the file's columns change.
fn input(row: &Row, current: Option<&Product>, sheet: Option<&str>) -> ProductInput {
    let mut input = current.map(Product::input).unwrap_or_default();
    for key in FIELDS {
        if let (Some(to), Some(from)) = (input.field_mut(key), row.values.get(key)) {
            to.clone_from(from);
        }
    }
    if let Some(code) = sheet {
        input.sheet = code.to_owned();
    }
    input
}

/// A criteria sheet cell: its code, or its group's name (whole, its first words, or a part only
/// one sheet has).
fn sheet(raw: &str, set: &CriteriaSet) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() || s.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(s.to_owned());
    }
    let sheets: Vec<_> = set.sheets().collect();
    if let Ok(one) = pick(s, &sheets, |x| &x.name_vi, |x| &x.code) {
        return Ok(one.code.clone());
    }
    // A group named by its first words ("Mật ong") before one that only mentions them.
    let wanted = fold(s);
    let starting: Vec<_> = sheets.iter().filter(|x| fold(&x.name_vi).starts_with(&wanted)).collect();
    let holding: Vec<_> = if starting.is_empty() {
        sheets.iter().filter(|x| fold(&x.name_vi).contains(&wanted)).collect()
    } else {
        starting
    };
    match holding.as_slice() {
        [one] => Ok(one.code.clone()),
        [] => Err(Invalid::new("import-unit-unknown").with("name", s)),
        many => Err(Invalid::new("import-unit-ambiguous")
            .with("name", s)
            .with("units", many.iter().map(|x| format!("{} ({})", x.name_vi, x.code)).collect::<Vec<_>>().join(", "))),
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
    let fields = [
        "certificate_number",
        "decision_number",
        "decision_date",
        "issued_on",
        "expires_on",
        "revoked_on",
        "issuer",
        "evidence",
    ];
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
    let evidence = e.check("evidence", Evidence::parse(row.get("evidence"))).unwrap_or(Evidence::Decision);
    let number = domain::text::clean(row.get("certificate_number"));
    if number.is_empty() && evidence.on_file() {
        e.add("certificate_number", Invalid::new("invalid-required"));
    }
    // A recognition known from news may give only its year (`known_from_year`).
    let year = row.get("year").trim().parse::<i32>().ok();
    let issued = match (date(&mut e, "issued_on"), year) {
        (Some(d), _) => Some(d),
        (None, Some(y)) if !evidence.on_file() && row.get("issued_on").trim().is_empty() => known_from_year(y),
        (None, _) => None,
    };
    if issued.is_none() && row.get("issued_on").trim().is_empty() {
        e.add("issued_on", Invalid::new(if evidence.on_file() { "invalid-required" } else { "import-year-or-date" }));
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
            // The kind follows from the name once the product's province is known.
            issuer_kind: None,
            issuer_name: domain::text::clean(row.get("issuer")),
            evidence,
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
    /// The product on record the row matched.
    existing: Option<i64>,
}

fn name_key(producer_id: i64, name: &str) -> String {
    format!("{producer_id}:{}", fold(name))
}

enum Action {
    Create(NewProduct),
    Update { id: i64, deleted: bool, draft: ProductDraft },
    Same(i64),
}

/// The producer a row names: by tax code, platform code, or name with its commune (only when a
/// person confirmed such links); a row naming none updates the product its code matched.
fn find<'a>(
    owners: &'a Owners,
    row: &Row,
    commune: Option<&str>,
    confirm: bool,
    coded: Option<i64>,
) -> Result<&'a Placed, RowError> {
    let refuse = |field: &str, why: Invalid| Err(RowError::new(row.number, field, why));
    let tax = row.get("producer_tax_code").trim();
    if !tax.is_empty() {
        let tax = match TaxCode::parse(tax) {
            Ok(t) => t,
            Err(why) => return refuse("producer_tax_code", why),
        };
        return match owners.by_tax(tax.as_str()) {
            Some(p) => Ok(p),
            None => refuse("producer_tax_code", Invalid::new("import-producer-unknown").with("tax_code", &tax)),
        };
    }
    let code = row.get("producer_code").trim();
    if !code.is_empty() {
        return match parse_platform_code(code).and_then(|id| owners.live(id)) {
            Some(p) => Ok(p),
            None => refuse("producer_code", Invalid::new("import-producer-code-unknown").with("code", code)),
        };
    }
    let name = row.get("producer_name").trim();
    if name.is_empty() {
        return match coded.and_then(|id| owners.live(id)) {
            Some(p) => Ok(p),
            None => refuse("producer_tax_code", Invalid::new("import-producer-required")),
        };
    }
    let Some(commune) = commune else {
        return refuse("producer_commune", Invalid::new("import-producer-required"));
    };
    let found: Vec<&Placed> = owners.named(commune, name).into_iter().filter(|p| p.deleted_at.is_none()).collect();
    match found.as_slice() {
        [] => refuse("producer_name", Invalid::new("import-producer-name-unknown").with("name", name)),
        [p] if confirm => Ok(p),
        [p] => refuse(
            "producer_name",
            Invalid::new("import-producer-by-name").with("name", name).with("code", platform_code(p.id)),
        ),
        many => refuse(
            "producer_name",
            Invalid::new("import-producer-name-ambiguous")
                .with("name", name)
                .with("codes", many.iter().map(|p| platform_code(p.id)).collect::<Vec<_>>().join(", ")),
        ),
    }
}

pub(super) async fn import(db: &Db, table: &Table, options: &Options, progress: Progress<'_>) -> store::Result<Report> {
    let rows = &table.rows;
    let mut report = Report { rows: rows.len(), ..Report::default() };
    let set = store::criteria::current().map_err(|detail| store::StoreError::Corrupt { table: "criteria", detail })?;

    // The products on record rows name by code.
    let codes: BTreeSet<String> =
        rows.iter().filter_map(|r| ProductCode::parse(r.get("code")).ok().map(|c| c.to_string())).collect();
    let by_code = products::by_codes(db.conn(), &codes).await?;

    // A producer named by name is looked for in its commune (a code or a name in the province).
    let scope = scope_province(&options.scope);
    let by_name = rows.iter().filter(|r| is_name(r.get("producer_commune")));
    let places = Places::load(db, by_name.map(|r| r.get("producer_province")), scope.as_deref()).await?;
    let mut communes_of: HashMap<usize, Result<Option<String>, RowError>> = HashMap::new();
    for r in rows {
        let raw = r.get("producer_commune");
        let named_otherwise =
            !r.get("producer_tax_code").trim().is_empty() || !r.get("producer_code").trim().is_empty();
        if raw.trim().is_empty() || named_otherwise {
            continue;
        }
        let province = match places.province(r.get("producer_province")) {
            Ok(p) if !p.is_empty() => p,
            Ok(_) => scope.clone().unwrap_or_default(),
            Err(why) => {
                communes_of.insert(r.number, Err(RowError::new(r.number, "producer_province", why)));
                continue;
            }
        };
        let found = match places.commune(&province, raw) {
            Ok(CommuneCell::Current(code)) => Ok(Some(code)),
            Ok(CommuneCell::Old(_)) => Err(RowError::new(
                r.number,
                "producer_commune",
                Invalid::new("import-unit-old").with("name", raw.trim()),
            )),
            Err(why) => Err(RowError::new(r.number, "producer_commune", why)),
        };
        communes_of.insert(r.number, found);
    }
    let communes: BTreeSet<String> = communes_of.values().filter_map(|c| c.as_ref().ok().cloned().flatten()).collect();
    let taxes: BTreeSet<String> =
        rows.iter().filter_map(|r| TaxCode::parse(r.get("producer_tax_code")).ok().map(String::from)).collect();
    let ids: BTreeSet<i64> = rows
        .iter()
        .filter_map(|r| parse_platform_code(r.get("producer_code")))
        .chain(by_code.values().map(|p| p.producer_id))
        .collect();
    let owners = Owners::load(db, &taxes, &ids, &communes).await?;

    // … or by name within their producer.
    let by_name: HashMap<String, Product> = products::of_producers(db.conn(), &owners.ids())
        .await?
        .into_iter()
        .map(|p| (name_key(p.producer_id, &p.name), p))
        .collect();

    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut first_seen = |key: String, row: usize| seen.insert(key, row);
    let checked: Vec<(usize, Result<Checked, Vec<RowError>>)> = rows
        .iter()
        .map(|row| {
            let mut errors = Vec::new();
            let commune = match communes_of.remove(&row.number) {
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    errors.push(e);
                    None
                }
                None => None,
            };
            let coded = ProductCode::parse(row.get("code"))
                .ok()
                .and_then(|c| by_code.get(&c.to_string()))
                .map(|p| p.producer_id);
            let producer = match find(&owners, row, commune.as_deref(), options.confirm_name_links, coded) {
                Ok(p) if p.deleted_at.is_some() => {
                    errors.push(RowError::new(
                        row.number,
                        "producer_tax_code",
                        Invalid::new("invalid-producer-deleted"),
                    ));
                    None
                }
                Ok(p) => Some(p.clone()),
                Err(e) => {
                    if errors.is_empty() {
                        errors.push(e);
                    }
                    None
                }
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
            let existing = match (&code, &producer) {
                (Some(c), _) => by_code.get(&c.to_string()),
                (None, Some(p)) => by_name.get(&name_key(p.id, row.get("name"))),
                (None, None) => None,
            };
            if let (Some(e), Some(p)) = (existing, &producer)
                && e.producer_id != p.id
            {
                errors.push(RowError::new(row.number, "code", Invalid::new("import-code-other-producer")));
            }
            let sheet_code = match sheet(row.get("sheet"), set) {
                Ok(c) if row.values.contains_key("sheet") => Some(c),
                Ok(_) => None,
                Err(why) => {
                    errors.push(RowError::new(row.number, "sheet", why));
                    None
                }
            };
            let draft = if sheet_code.is_some() || !row.values.contains_key("sheet") {
                match input(row, existing, sheet_code.as_deref()).parse(producer.as_ref().map_or(0, |p| p.id), set) {
                    Ok(d) => Some(d),
                    Err(fields) => {
                        errors.extend(row_errors(row, fields));
                        None
                    }
                }
            } else {
                None
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
                Ok(mut c) => {
                    if let (Some(f), Some(p)) = (&mut c, &producer)
                        && !f.issuer_name.is_empty()
                    {
                        f.issuer_kind = Some(IssuerKind::infer(&f.issuer_name, places.province_name(&p.province_code)));
                    }
                    c
                }
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
                once(format!("gtin:{}", g.gtin14()), "gtin");
            }
            if let Some(c) = certificate.as_ref().filter(|c| !c.number.is_empty()) {
                once(format!("certificate:{}", c.number), "certificate_number");
            }
            (
                row.number,
                match (producer, draft, year) {
                    (Some(producer), Some(draft), Some(year)) if errors.is_empty() => {
                        Ok(Checked { producer, draft, code, year, certificate, existing: existing.map(|p| p.id) })
                    }
                    _ => Err(errors),
                },
            )
        })
        .collect();
    let mut good = collect(checked, &mut report);
    progress("checked", rows.len(), rows.len());

    // What is there already.
    let gtins: BTreeSet<String> = good.iter().filter_map(|(_, c)| c.draft.gtin.as_ref().map(Gtin::gtin14)).collect();
    let gtin_owners = products::gtin_owners(db.conn(), &gtins).await?;
    // A recognition without its number is known by the one made up for it on its product.
    for (_, c) in &mut good {
        if let (Some(f), Some(id)) = (&mut c.certificate, c.existing)
            && f.number.is_empty()
        {
            f.number = placeholder_number(id, f.issued_on);
        }
    }
    let numbers: BTreeSet<String> =
        good.iter().filter_map(|(_, c)| c.certificate.as_ref().map(|f| f.number.clone())).collect();
    let holders = certificates::holders(db.conn(), &numbers).await?;
    // Recognitions on record without their decision, which a row with the decision completes.
    let known: BTreeSet<i64> = good.iter().filter_map(|(_, c)| c.existing).collect();
    let awaiting = certificates::awaiting_of(db.conn(), &known).await?;
    let mut completions: Vec<(i64, CertificateFact)> = Vec::new();
    let stored: HashMap<i64, &Product> = by_code.values().chain(by_name.values()).map(|p| (p.id, p)).collect();

    let mut actions: Vec<(Action, Option<CertificateFact>)> = Vec::with_capacity(good.len());
    for (row, c) in good {
        let existing = c.existing.and_then(|id| stored.get(&id).copied());
        if let Some(g) = &c.draft.gtin
            && let Some(owner) = gtin_owners.get(&g.gtin14())
            && existing.is_none_or(|p| p.id != *owner)
        {
            report.errors.push(RowError::new(row, "gtin", Invalid::new("invalid-gtin-taken")));
            continue;
        }
        // A certificate number is one product's: on another product it is an error, on this one
        // it is already recorded. A decision completes this product's recognition from news of
        // the same stars in the same year rather than adding a second one.
        let (certificate, completing) = match c.certificate {
            None => (None, None),
            Some(f) => match holders.get(&f.number) {
                Some(holder) if existing.is_none_or(|p| p.id != *holder) => {
                    let why = Invalid::new("import-certificate-other-product").with("number", &f.number);
                    report.errors.push(RowError::new(row, "certificate_number", why));
                    continue;
                }
                Some(_) => (None, None),
                None => {
                    let from_news = awaiting.iter().find(|a| {
                        f.evidence.on_file()
                            && existing.is_some_and(|p| p.id == a.product_id)
                            && completes(
                                (u8::try_from(a.stars).unwrap_or(0), a.issued_on),
                                (f.stars.get(), f.issued_on),
                            )
                    });
                    match from_news {
                        Some(a) => (None, Some((a.id, f))),
                        None => (Some(f), None),
                    }
                }
            },
        };
        let after = serde_json::to_value(ProductInput::from_draft(&c.draft)).unwrap_or_default();
        let (action, mut change) = match existing {
            Some(p) => {
                let before = p
                    .input()
                    .parse(p.producer_id, set)
                    .map(|b| ProductInput::from_draft(&b))
                    .unwrap_or_else(|_| p.input());
                let fields = differences(FIELDS, &serde_json::to_value(before).unwrap_or_default(), &after);
                if fields.is_empty() && p.deleted_at.is_none() {
                    (Action::Same(p.id), RowChange { row, action: "unchanged", record: p.code.clone(), fields })
                } else {
                    (
                        Action::Update { id: p.id, deleted: p.deleted_at.is_some(), draft: c.draft },
                        RowChange { row, action: "updated", record: p.code.clone(), fields },
                    )
                }
            }
            None => (
                Action::Create(NewProduct {
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
                RowChange { row, action: "created", record: String::new(), fields: Vec::new() },
            ),
        };
        if let Some(f) = certificate.as_ref().or(completing.as_ref().map(|(_, f)| f)) {
            if change.action == "unchanged" {
                change.action = "updated";
            }
            // A recognition without its decision has no number to show: its stars say it.
            change.fields.push(if f.number.is_empty() {
                ("rank".into(), String::new(), format!("{}★", f.stars.get()))
            } else {
                ("certificate_number".into(), String::new(), f.number.clone())
            });
        }
        completions.extend(completing);
        report.changes.push(change);
        actions.push((action, certificate));
    }
    report.errors.sort_by_key(|e| e.row);
    report.certificates = actions.iter().filter(|(_, c)| c.is_some()).count() + completions.len();
    if (!report.errors.is_empty() && !options.import_good_rows) || options.dry_run {
        count(&mut report);
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
            Action::Same(id) => Holder::Stored(id),
            Action::Update { id, deleted, draft } => {
                if deleted {
                    products::restore(&tx, &options.who, id).await?;
                }
                let current = products::get(&tx, id).await?.ok_or(store::StoreError::NotFound)?;
                products::update(&tx, &options.who, id, current.version, &draft).await?;
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
    certificates::record_many(&tx, &options.who, &facts).await?;
    for (id, fact) in &completions {
        certificates::complete(&tx, &options.who, *id, fact).await?;
    }
    tx.commit().await?;
    count(&mut report);
    report.written = true;
    progress("written", rows.len(), rows.len());
    Ok(report)
}

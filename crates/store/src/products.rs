//! Products (sản phẩm OCOP): their codes, details, current certificate, and search.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, count, execute, execute_values, fetch_all, fetch_in, fetch_optional, fetch_values, now};
use crate::producers::{scope, words};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::FieldErrors;
use domain::Invalid;
use domain::access::Listing;
use domain::certificate::CertificateStatus;
use domain::gtin::Gtin;
use domain::money::Vnd;
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use domain::producer::LegalType;
use domain::product_code::ProductCode;
use domain::registry::{ProductDraft, ProductInput};
use domain::text::{fold, sort_key};
use sea_orm::Value;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::{Date, Duration};

/// Where a new product's code comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeChoice {
    /// The commune's next sequence number in this year.
    Next { year: u16 },
    /// A code issued before (historical records, re-imports).
    Given(ProductCode),
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Product {
    pub id: i64,
    /// `(T)-(X)-(STT)-(năm)`, e.g. `01-00577-012-2026`.
    pub code: String,
    pub name: String,
    pub sheet_code: String,
    pub criteria_version: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub producer_legal_type: String,
    pub province_code: String,
    pub province_name: String,
    pub commune_code: String,
    pub commune_name: String,
    /// The producer's pre-2025 district, for records made before the reorganisation.
    pub old_district_name: Option<String>,
    pub gtin: Option<String>,
    pub description: String,
    pub ingredients: String,
    pub packaging: String,
    pub price_vnd: Option<i64>,
    pub capacity: String,
    pub stars: Option<i64>,
    /// A provincial result of 90 points or more awaiting the central council.
    pub potential_five: bool,
    #[schema(value_type = Option<String>, format = Date)]
    pub certificate_expires_on: Option<Date>,
    /// A late re-rating keeps the certificate in force after its expiry, at most to this day.
    #[schema(value_type = Option<String>, format = Date)]
    pub certificate_extended_until: Option<Date>,
    pub certificate_revoked: bool,
    /// The current certificate, if any.
    pub certificate_id: Option<i64>,
    pub demo: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

impl Product {
    /// The values this product shows in a form, and compares by on re-import.
    pub fn input(&self) -> ProductInput {
        ProductInput {
            name: self.name.clone(),
            sheet: self.sheet_code.clone(),
            gtin: self.gtin.clone().unwrap_or_default(),
            description: self.description.clone(),
            ingredients: self.ingredients.clone(),
            packaging: self.packaging.clone(),
            price: self.price_vnd.map(|v| v.to_string()).unwrap_or_default(),
            capacity: self.capacity.clone(),
        }
    }

    /// The certificate's status on `today`, or `None` for a product never certified.
    pub fn certificate_status(&self, today: Date) -> Option<CertificateStatus> {
        let expires = self.certificate_expires_on?;
        Some(CertificateStatus::on(today, expires, self.certificate_extended_until, self.certificate_revoked, false))
    }
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    code: String,
    name: String,
    sheet_code: String,
    criteria_version: String,
    producer_id: i64,
    producer_name: String,
    producer_legal_type: String,
    province_code: String,
    province_name: String,
    commune_code: String,
    commune_name: String,
    old_district_name: Option<String>,
    gtin: Option<String>,
    description: String,
    ingredients: String,
    packaging: String,
    price_vnd: Option<i64>,
    capacity: String,
    stars: Option<i64>,
    potential_five: bool,
    certificate_expires_on: Option<Date>,
    certificate_extended_until: Option<Date>,
    certificate_revoked: bool,
    certificate_id: Option<i64>,
    demo: bool,
    version: i64,
    created_at: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
}

impl From<Row> for Product {
    fn from(r: Row) -> Self {
        Product {
            id: r.id,
            code: r.code,
            name: r.name,
            sheet_code: r.sheet_code,
            criteria_version: r.criteria_version,
            producer_id: r.producer_id,
            producer_name: r.producer_name,
            producer_legal_type: r.producer_legal_type,
            province_code: r.province_code,
            province_name: r.province_name,
            commune_code: r.commune_code,
            commune_name: r.commune_name,
            old_district_name: r.old_district_name,
            gtin: r.gtin.map(|g| domain::gtin::printed(&g).to_owned()),
            description: r.description,
            ingredients: r.ingredients,
            packaging: r.packaging,
            price_vnd: r.price_vnd,
            capacity: r.capacity,
            stars: r.stars,
            potential_five: r.potential_five,
            certificate_expires_on: r.certificate_expires_on,
            certificate_extended_until: r.certificate_extended_until,
            certificate_revoked: r.certificate_revoked,
            certificate_id: r.certificate_id,
            demo: r.demo,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

const SELECT: &str = "x.id, x.code, x.name, x.sheet_code, x.criteria_version, x.producer_id, p.name AS producer_name, \
    p.legal_type AS producer_legal_type, x.province_code, pr.name AS province_name, x.commune_code, c.name AS commune_name, \
    (SELECT MAX(o.district_name) FROM old_unit o WHERE o.district_code = p.old_district_code) AS old_district_name, \
    x.gtin, x.description, x.ingredients, x.packaging, x.price_vnd, x.capacity, x.stars, x.potential_five, \
    x.certificate_expires_on, x.certificate_extended_until, x.certificate_revoked, x.certificate_id, x.demo, x.version, x.created_at, x.updated_at, x.deleted_at";
/// The last day a product `x`'s current certificate is in force (unless revoked): its expiry, or
/// the end of a late re-rating's extension.
pub const IN_FORCE_UNTIL: &str = "COALESCE(x.certificate_extended_until, x.certificate_expires_on)";
const FROM: &str = "product x JOIN producer p ON p.id = x.producer_id \
    JOIN province pr ON pr.code = x.province_code JOIN commune c ON c.code = x.commune_code";

/// What a product is found by: its name, packaging, GTIN and codes (the current one and any it
/// had before), each code both whole and in parts so that `00577` or `2021` find it too.
fn own_search_text(name: &str, packaging: &str, gtin: Option<String>, codes: &[&str]) -> String {
    let mut parts = vec![name.to_owned(), packaging.to_owned()];
    for c in codes {
        parts.push((*c).to_owned());
        parts.push(c.replace('-', " "));
    }
    parts.extend(gtin);
    fold(&parts.join(" "))
}

fn duplicate(e: StoreError) -> StoreError {
    match e {
        StoreError::Duplicate(what) if what.contains("gtin") => {
            StoreError::Invalid(FieldErrors::single("gtin", Invalid::new("invalid-gtin-taken")))
        }
        StoreError::Duplicate(what) if what.contains("code") => {
            StoreError::Invalid(FieldErrors::single("code", Invalid::new("invalid-product-code-taken")))
        }
        other => other,
    }
}

fn audited(p: &Product) -> serde_json::Value {
    serde_json::json!({
        "code": p.code, "name": p.name, "sheet_code": p.sheet_code, "producer_id": p.producer_id,
        "gtin": p.gtin, "description": p.description, "ingredients": p.ingredients, "packaging": p.packaging,
        "price_vnd": p.price_vnd, "capacity": p.capacity, "deleted_at": p.deleted_at,
    })
}

/// Reserves `n` consecutive sequence numbers of a commune's year and returns the first. Safe
/// under concurrent creation on both databases: the upsert takes the row's lock on PostgreSQL,
/// and SQLite's writer lock is already held.
async fn reserve_sequence(tx: &Tx, commune: &str, year: u16, n: u32) -> Result<u32> {
    #[derive(FromQueryResult)]
    struct Last {
        last_value: i64,
    }
    let last = fetch_optional::<Last>(
        tx,
        "INSERT INTO product_sequence (commune_code, year, last_value) VALUES ($1, $2, $3) \
         ON CONFLICT (commune_code, year) DO UPDATE SET last_value = product_sequence.last_value + excluded.last_value \
         RETURNING last_value",
        [commune.into(), i64::from(year).into(), i64::from(n).into()],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let last = u32::try_from(last.last_value)
        .map_err(|e| StoreError::Corrupt { table: "product_sequence", detail: e.to_string() })?;
    Ok(last + 1 - n)
}

/// Keeps each commune's counter of each year above every sequence number already given, so
/// that generated codes never repeat an imported one.
pub(crate) async fn raise_sequences<'a>(tx: &Tx, codes: impl IntoIterator<Item = &'a ProductCode>) -> Result<()> {
    let mut highest: BTreeMap<(&str, u16), u32> = BTreeMap::new();
    for code in codes {
        let e = highest.entry((code.commune.as_str(), code.year)).or_insert(0);
        *e = (*e).max(code.sequence);
    }
    let rows: Vec<Vec<Value>> =
        highest.into_iter().map(|((c, year), n)| vec![c.into(), i64::from(year).into(), i64::from(n).into()]).collect();
    execute_values(
        tx,
        "INSERT INTO product_sequence (commune_code, year, last_value)",
        " ON CONFLICT (commune_code, year) DO UPDATE SET last_value = CASE WHEN product_sequence.last_value < \
         excluded.last_value THEN excluded.last_value ELSE product_sequence.last_value END",
        3,
        rows,
    )
    .await
}

/// A product to create at its producer's place.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub draft: ProductDraft,
    pub code: CodeChoice,
    pub province: String,
    pub commune: String,
    /// The decision whose criteria it is (to be) rated under.
    pub criteria_version: String,
}

/// Creates a product at its producer's place.
pub async fn create(
    tx: &Tx,
    who: &Who,
    d: &ProductDraft,
    code: CodeChoice,
    criteria_version: &str,
    demo: bool,
) -> Result<Product> {
    let producer = crate::producers::get(tx, d.producer_id).await?;
    let Some(producer) = producer.filter(|p| p.deleted_at.is_none()) else {
        return Err(StoreError::Invalid(FieldErrors::single(
            "producer",
            Invalid::new("invalid-producer-unknown").with("id", d.producer_id),
        )));
    };
    let row = NewProduct {
        draft: d.clone(),
        code,
        province: producer.province_code,
        commune: producer.commune_code,
        criteria_version: criteria_version.to_owned(),
    };
    let created = create_many(tx, who, vec![row], demo).await?;
    let (id, _) = created.first().ok_or(StoreError::NotFound)?;
    get(tx, *id).await?.ok_or(StoreError::NotFound)
}

/// Creates products in bulk with one audit entry each; returns `(id, code)` in order. Given
/// codes raise their commune's counters first, then each commune reserves one block of numbers
/// per year for the codes it generates.
pub async fn create_many(tx: &Tx, who: &Who, rows: Vec<NewProduct>, demo: bool) -> Result<Vec<(i64, String)>> {
    raise_sequences(tx, rows.iter().filter_map(|r| if let CodeChoice::Given(c) = &r.code { Some(c) } else { None }))
        .await?;
    let mut wanted: BTreeMap<(&str, u16), u32> = BTreeMap::new();
    for r in &rows {
        if let CodeChoice::Next { year } = r.code {
            *wanted.entry((r.commune.as_str(), year)).or_insert(0) += 1;
        }
    }
    let mut next: BTreeMap<(String, u16), u32> = BTreeMap::new();
    for ((commune, year), n) in wanted {
        next.insert((commune.to_owned(), year), reserve_sequence(tx, commune, year, n).await?);
    }
    let t = now();
    let mut codes = Vec::with_capacity(rows.len());
    let mut values = Vec::with_capacity(rows.len());
    for r in &rows {
        let code = match &r.code {
            CodeChoice::Given(code) => code.clone(),
            CodeChoice::Next { year } => {
                let sequence = next.get_mut(&(r.commune.clone(), *year)).ok_or(StoreError::NotFound)?;
                let province = ProvinceCode::parse(&r.province).map_err(|e| corrupt(e.key))?;
                let commune = CommuneCode::parse(&r.commune).map_err(|e| corrupt(e.key))?;
                let code = ProductCode::new(province, commune, *sequence, *year)
                    .map_err(|why| FieldErrors::single("code", why))?;
                *sequence += 1;
                code
            }
        }
        .to_string();
        let d = &r.draft;
        values.push(vec![
            d.producer_id.into(),
            code.clone().into(),
            d.name.clone().into(),
            d.sheet_code.clone().into(),
            r.criteria_version.clone().into(),
            r.province.clone().into(),
            r.commune.clone().into(),
            d.gtin.as_ref().map(Gtin::gtin14).into(),
            d.description.clone().into(),
            d.ingredients.clone().into(),
            d.packaging.clone().into(),
            d.price.map(Vnd::dong).into(),
            d.capacity.clone().into(),
            demo.into(),
            own_search_text(&d.name, &d.packaging, d.gtin.as_ref().map(Gtin::gtin14), &[&code]).into(),
            sort_key(&d.name).into(),
            t.into(),
            t.into(),
        ]);
        codes.push(code);
    }
    #[derive(FromQueryResult)]
    struct Inserted {
        id: i64,
        code: String,
    }
    let ids: HashMap<String, i64> = fetch_values::<Inserted>(
        tx,
        "INSERT INTO product (producer_id, code, name, sheet_code, criteria_version, province_code, commune_code, gtin, \
         description, ingredients, packaging, price_vnd, capacity, demo, search_fold, sort_key, created_at, updated_at)",
        " RETURNING id, code",
        18,
        values,
    )
    .await
    .map_err(duplicate)?
    .into_iter()
    .map(|r| (r.code, r.id))
    .collect();
    let mut out = Vec::with_capacity(rows.len());
    let mut changes = Vec::with_capacity(rows.len());
    for (r, code) in rows.iter().zip(codes) {
        let id = ids.get(&code).copied().ok_or(StoreError::NotFound)?;
        let after = serde_json::json!({ "code": code, "draft": r.draft });
        changes.push(Change::new("product.create", "product", id).province(Some(&r.province)).after(&after));
        out.push((id, code));
    }
    audit::append_many(tx, who, changes).await?;
    Ok(out)
}

#[derive(FromQueryResult)]
struct Coded {
    id: i64,
    code: String,
}

/// The ids of products by code: a product's current code or one it had before it was given
/// the code of its evaluation year.
pub async fn ids_by_code(c: &impl ConnectionTrait, codes: &[String]) -> Result<HashMap<String, i64>> {
    let mut found: HashMap<String, i64> =
        fetch_in::<Coded, _>(c, "SELECT id, code FROM product WHERE code IN", codes.iter().cloned())
            .await?
            .into_iter()
            .map(|f| (f.code, f.id))
            .collect();
    let rest: Vec<String> = codes.iter().filter(|k| !found.contains_key(*k)).cloned().collect();
    if !rest.is_empty() {
        let earlier =
            fetch_in::<Coded, _>(c, "SELECT product_id AS id, code FROM product_code_alias WHERE code IN", rest)
                .await?;
        found.extend(earlier.into_iter().map(|f| (f.code, f.id)));
    }
    Ok(found)
}

/// The codes a product had before its current one, oldest first.
pub async fn earlier_codes(c: &impl ConnectionTrait, id: i64) -> Result<Vec<String>> {
    let rows = fetch_all::<Coded>(
        c,
        "SELECT product_id AS id, code FROM product_code_alias WHERE product_id = $1 ORDER BY replaced_at, code",
        [id.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.code).collect())
}

/// Gives a product the code of the year it is evaluated in, when the rule says it takes one
/// (`ProductCode::recoded_for`): the next sequence number of its commune's year. The code it
/// had stays as an alias. Returns the new code, if any.
pub async fn recode_for_evaluation(tx: &Tx, who: &Who, id: i64, year: u16) -> Result<Option<String>> {
    let p = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let current = ProductCode::parse(&p.code).map_err(|e| corrupt(e.key))?;
    let certified = count(tx, "SELECT COUNT(*) AS n FROM certificate WHERE product_id = $1", [id.into()]).await? > 0;
    if !current.recoded_for(year, certified) {
        return Ok(None);
    }
    let province = ProvinceCode::parse(&p.province_code).map_err(|e| corrupt(e.key))?;
    let commune = CommuneCode::parse(&p.commune_code).map_err(|e| corrupt(e.key))?;
    let sequence = reserve_sequence(tx, commune.as_str(), year, 1).await?;
    let code = ProductCode::new(province, commune, sequence, year)
        .map_err(|why| StoreError::Invalid(FieldErrors::single("code", why)))?
        .to_string();
    execute(
        tx,
        "INSERT INTO product_code_alias (code, product_id, replaced_at) VALUES ($1, $2, $3)",
        [p.code.clone().into(), id.into(), now().into()],
    )
    .await?;
    let mut codes = vec![code.as_str()];
    let earlier = earlier_codes(tx, id).await?;
    codes.extend(earlier.iter().map(String::as_str));
    execute(
        tx,
        "UPDATE product SET code = $1, search_fold = $2, updated_at = $3, version = version + 1 WHERE id = $4",
        [
            code.clone().into(),
            own_search_text(
                &p.name,
                &p.packaging,
                p.gtin.as_deref().and_then(|g| Gtin::parse(g).ok()).map(|g| g.gtin14()),
                &codes,
            )
            .into(),
            now().into(),
            id.into(),
        ],
    )
    .await
    .map_err(duplicate)?;
    audit::append(
        tx,
        who,
        Change::new("product.recode", "product", id)
            .province(Some(&p.province_code))
            .before(&serde_json::json!({ "code": p.code }))
            .after(&serde_json::json!({ "code": code, "year": year })),
    )
    .await?;
    Ok(Some(code))
}

fn corrupt(detail: &str) -> StoreError {
    StoreError::Corrupt { table: "producer", detail: detail.to_owned() }
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Product>> {
    Ok(fetch_optional::<Row>(c, &format!("SELECT {SELECT} FROM {FROM} WHERE x.id = $1"), [id.into()])
        .await?
        .map(Product::from))
}

/// The product with this code, or that had it before it took the code of its evaluation year.
pub async fn find_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<Product>> {
    let current =
        fetch_optional::<Row>(c, &format!("SELECT {SELECT} FROM {FROM} WHERE x.code = $1"), [code.into()]).await?;
    let row = match current {
        Some(row) => Some(row),
        None => {
            let sql = format!(
                "SELECT {SELECT} FROM {FROM} WHERE x.id = (SELECT a.product_id FROM product_code_alias a WHERE a.code = $1)"
            );
            fetch_optional::<Row>(c, &sql, [code.into()]).await?
        }
    };
    Ok(row.map(Product::from))
}

/// The live product holding a GTIN (stored as GTIN-14, whatever form was typed).
pub async fn find_by_gtin(c: &impl ConnectionTrait, gtin: &Gtin) -> Result<Option<Product>> {
    let sql = format!("SELECT {SELECT} FROM {FROM} WHERE x.gtin = $1 AND x.deleted_at IS NULL");
    Ok(fetch_optional::<Row>(c, &sql, [gtin.gtin14().into()]).await?.map(Product::from))
}

/// Changes a product if nobody changed it since `expected_version`. Its code stays.
pub async fn update(tx: &Tx, who: &Who, id: i64, expected_version: i64, d: &ProductDraft) -> Result<Product> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.version != expected_version {
        return Err(StoreError::Stale);
    }
    if before.deleted_at.is_some() || before.producer_id != d.producer_id {
        return Err(StoreError::NotFound);
    }
    let earlier = earlier_codes(tx, id).await?;
    let mut codes = vec![before.code.as_str()];
    codes.extend(earlier.iter().map(String::as_str));
    let changed = execute(
        tx,
        "UPDATE product SET name = $1, sheet_code = $2, gtin = $3, description = $4, ingredients = $5, packaging = $6, \
         price_vnd = $7, capacity = $8, search_fold = $9, sort_key = $10, updated_at = $11, version = version + 1 \
         WHERE id = $12 AND version = $13",
        [
            d.name.clone().into(),
            d.sheet_code.clone().into(),
            d.gtin.as_ref().map(Gtin::gtin14).into(),
            d.description.clone().into(),
            d.ingredients.clone().into(),
            d.packaging.clone().into(),
            d.price.map(Vnd::dong).into(),
            d.capacity.clone().into(),
            own_search_text(&d.name, &d.packaging, d.gtin.as_ref().map(Gtin::gtin14), &codes).into(),
            sort_key(&d.name).into(),
            now().into(),
            id.into(),
            expected_version.into(),
        ],
    )
    .await
    .map_err(duplicate)?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("product.update", "product", id)
            .province(Some(&after.province_code))
            .before(&audited(&before))
            .after(&audited(&after)),
    )
    .await?;
    Ok(after)
}

pub async fn soft_delete(tx: &Tx, who: &Who, id: i64, expected_version: i64) -> Result<()> {
    let p = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if p.version != expected_version {
        return Err(StoreError::Stale);
    }
    let t = now();
    execute(
        tx,
        "UPDATE product SET deleted_at = $1, updated_at = $1, version = version + 1 WHERE id = $2",
        [t.into(), id.into()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("product.delete", "product", id).province(Some(&p.province_code)).before(&audited(&p)),
    )
    .await?;
    Ok(())
}

pub async fn restore(tx: &Tx, who: &Who, id: i64) -> Result<Product> {
    let p = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let producer = crate::producers::get(tx, p.producer_id).await?.ok_or(StoreError::NotFound)?;
    if producer.deleted_at.is_some() {
        // Restore the producer first: a product cannot stand without it.
        return Err(StoreError::Invalid(FieldErrors::single("producer", Invalid::new("invalid-producer-deleted"))));
    }
    execute(
        tx,
        "UPDATE product SET deleted_at = NULL, updated_at = $1, version = version + 1 WHERE id = $2",
        [now().into(), id.into()],
    )
    .await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("product.restore", "product", id).province(Some(&after.province_code)).after(&audited(&after)),
    )
    .await?;
    Ok(after)
}

/// After a producer changed, its products take its place.
pub(crate) async fn follow_producer(tx: &Tx, producer_id: i64) -> Result<()> {
    execute(
        tx,
        "UPDATE product SET province_code = (SELECT province_code FROM producer WHERE id = $1), \
         commune_code = (SELECT commune_code FROM producer WHERE id = $1) WHERE producer_id = $1",
        [producer_id.into()],
    )
    .await?;
    Ok(())
}

/// The products of one producer, live ones first, in name order.
pub async fn of_producer(c: &impl ConnectionTrait, producer_id: i64) -> Result<Vec<Product>> {
    let rows = fetch_all::<Row>(
        c,
        &format!("SELECT {SELECT} FROM {FROM} WHERE x.producer_id = $1 ORDER BY x.deleted_at IS NOT NULL, x.sort_key"),
        [producer_id.into()],
    )
    .await?;
    Ok(rows.into_iter().map(Product::from).collect())
}

/// The star filter's choices: `5` means recognised 5★ by the central council, `5p` potential 5★.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StarsFilter {
    Three,
    Four,
    PotentialFive,
    Five,
    /// Never certified.
    None,
}

impl StarsFilter {
    pub fn parse(s: &str) -> Option<StarsFilter> {
        match s.trim() {
            "3" => Some(StarsFilter::Three),
            "4" => Some(StarsFilter::Four),
            "5p" => Some(StarsFilter::PotentialFive),
            "5" => Some(StarsFilter::Five),
            "0" | "none" => Some(StarsFilter::None),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    #[default]
    Name,
    Code,
    StarsDesc,
    Newest,
    /// The most recently certified first (certificates run 36 months: the latest expiry).
    NewestCertificate,
}

impl ProductSort {
    pub fn parse(s: &str) -> ProductSort {
        match s {
            "code" => ProductSort::Code,
            "stars" => ProductSort::StarsDesc,
            "newest" => ProductSort::Newest,
            "certified" => ProductSort::NewestCertificate,
            _ => ProductSort::Name,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Words of the product's or its producer's names, codes, tax code or places.
    pub q: Option<String>,
    pub stars: Option<StarsFilter>,
    /// Any of these sheets (a product group is its list of sheets).
    pub sheets: Vec<String>,
    pub province: Option<ProvinceCode>,
    pub commune: Option<CommuneCode>,
    pub old_district: Option<DistrictCode>,
    pub legal_type: Option<LegalType>,
    pub status: Option<CertificateStatus>,
    pub producer_id: Option<i64>,
    /// A kind of sales channel its producer sells through today.
    pub channel: Option<String>,
    pub deleted: bool,
    pub sort: ProductSort,
}

/// Adds the certificate-status condition as of `today`.
fn status_condition(w: &mut Conditions, status: CertificateStatus, today: Date) {
    let window_end = today + Duration::days(domain::rules::current().rerating_opens_days);
    match status {
        CertificateStatus::Revoked => {
            w.raw("x.certificate_revoked = TRUE");
        }
        CertificateStatus::Superseded => {
            // The current certificate is never a superseded one.
            w.raw("1 = 0");
        }
        CertificateStatus::Expired => {
            w.raw("x.certificate_revoked = FALSE");
            w.and(&format!("{IN_FORCE_UNTIL} < ?"), today);
        }
        CertificateStatus::Extended => {
            w.raw("x.certificate_revoked = FALSE");
            w.and("x.certificate_expires_on < ?", today);
            w.and("x.certificate_extended_until >= ?", today);
        }
        CertificateStatus::Expiring => {
            w.raw("x.certificate_revoked = FALSE");
            w.and("x.certificate_expires_on >= ?", today);
            w.and("x.certificate_expires_on <= ?", window_end);
        }
        CertificateStatus::Valid => {
            w.raw("x.certificate_revoked = FALSE");
            w.and("x.certificate_expires_on > ?", window_end);
        }
    }
}

/// Products the listing may show. `public` keeps only those whose certificate is in force today
/// (what the public catalogue shows).
pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &ProductFilter,
    today: Date,
    public: bool,
    page: Page,
) -> Result<Paged<Product>> {
    let mut w = Conditions::default();
    scope(&mut w, listing, "x.producer_id");
    let then = match f.sort {
        ProductSort::Name => "x.sort_key, x.id",
        ProductSort::Code => "x.code",
        ProductSort::StarsDesc => "x.stars IS NULL, x.stars DESC, x.potential_five, x.sort_key",
        ProductSort::Newest => "x.created_at DESC, x.id DESC",
        ProductSort::NewestCertificate => "x.certificate_expires_on IS NULL, x.certificate_expires_on DESC, x.sort_key",
    };
    let order = words(&mut w, "x.search_fold || ' ' || p.search_fold", f.q.as_deref(), then)?;
    w.raw(if f.deleted { "x.deleted_at IS NOT NULL" } else { "x.deleted_at IS NULL" });
    if public {
        w.raw("x.certificate_revoked = FALSE");
        w.and(&format!("{IN_FORCE_UNTIL} >= ?"), today);
    }
    match f.stars {
        Some(StarsFilter::Three) => {
            w.raw("x.stars = 3");
        }
        Some(StarsFilter::Four) => {
            w.raw("x.stars = 4");
        }
        Some(StarsFilter::PotentialFive) => {
            w.raw("x.stars = 5 AND x.potential_five = TRUE");
        }
        Some(StarsFilter::Five) => {
            w.raw("x.stars = 5 AND x.potential_five = FALSE");
        }
        Some(StarsFilter::None) => {
            w.raw("x.stars IS NULL");
        }
        None => {}
    }
    if !f.sheets.is_empty() {
        w.and_in("x.sheet_code", f.sheets.iter().cloned());
    }
    if let Some(p) = &f.province {
        w.and("x.province_code = ?", p.as_str());
    }
    if let Some(x) = &f.commune {
        w.and("x.commune_code = ?", x.as_str());
    }
    if let Some(d) = &f.old_district {
        w.and("p.old_district_code = ?", d.as_str());
    }
    if let Some(t) = f.legal_type {
        w.and("p.legal_type = ?", t.as_str());
    }
    if let Some(id) = f.producer_id {
        w.and("x.producer_id = ?", id);
    }
    if let Some(kind) = &f.channel {
        w.and_values(
            "EXISTS (SELECT 1 FROM sales_channel c WHERE c.producer_id = x.producer_id AND c.kind = ? \
             AND (c.since IS NULL OR c.since <= ?) AND (c.until IS NULL OR c.until >= ?))",
            vec![kind.clone().into(), today.into(), today.into()],
        );
    }
    if let Some(status) = f.status {
        status_condition(&mut w, status, today);
    }
    Ok(w.page::<Row>(c, SELECT, FROM, (&order.0, order.1), page).await?.map(Product::from))
}

/// Products by code (current or earlier, as `find_by_code`), deleted ones included, keyed by
/// the code asked for.
pub async fn by_codes(c: &impl ConnectionTrait, codes: &BTreeSet<String>) -> Result<HashMap<String, Product>> {
    let rows =
        fetch_in::<Row, _>(c, &format!("SELECT {SELECT} FROM {FROM} WHERE x.code IN"), codes.iter().cloned()).await?;
    let mut found: HashMap<String, Product> = rows.into_iter().map(|r| (r.code.clone(), Product::from(r))).collect();
    let rest: Vec<String> = codes.iter().filter(|k| !found.contains_key(*k)).cloned().collect();
    if !rest.is_empty() {
        let earlier: HashMap<i64, String> =
            fetch_in::<Coded, _>(c, "SELECT product_id AS id, code FROM product_code_alias WHERE code IN", rest)
                .await?
                .into_iter()
                .map(|a| (a.id, a.code))
                .collect();
        let ids: BTreeSet<i64> = earlier.keys().copied().collect();
        let rows = fetch_in::<Row, _>(c, &format!("SELECT {SELECT} FROM {FROM} WHERE x.id IN"), ids).await?;
        for r in rows {
            if let Some(code) = earlier.get(&r.id) {
                found.insert(code.clone(), Product::from(r));
            }
        }
    }
    Ok(found)
}

/// The products of these producers.
pub async fn of_producers(c: &impl ConnectionTrait, producers: &BTreeSet<i64>) -> Result<Vec<Product>> {
    let rows = fetch_in::<Row, _>(
        c,
        &format!("SELECT {SELECT} FROM {FROM} WHERE x.producer_id IN"),
        producers.iter().copied(),
    )
    .await?;
    Ok(rows.into_iter().map(Product::from).collect())
}

/// Which product holds each of these GTINs, by their GTIN-14 form.
pub async fn gtin_owners(c: &impl ConnectionTrait, gtins: &BTreeSet<String>) -> Result<HashMap<String, i64>> {
    #[derive(FromQueryResult)]
    struct Owner {
        id: i64,
        gtin: String,
    }
    let rows = fetch_in::<Owner, _>(c, "SELECT id, gtin FROM product WHERE gtin IN", gtins.iter().cloned()).await?;
    Ok(rows.into_iter().map(|o| (o.gtin, o.id)).collect())
}

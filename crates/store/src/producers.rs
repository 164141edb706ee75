//! Producers (chủ thể OCOP): create, read, change with optimistic concurrency, soft delete and
//! restore, search. Every change is audited in its transaction.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, execute, execute_values, fetch_in, fetch_optional, now, word_start_pattern};
use crate::directory::Directory;
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use domain::producer::{LegalType, SalesChannel};
use domain::registry::{MergeSide, ProducerDraft, ProducerInput};
use domain::tax_code::TaxCode;
use domain::text::sort_key;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use time::Date;

/// A stored producer, with the names of its places.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Producer {
    pub id: i64,
    /// `cooperative`, `cooperative_group`, `enterprise`, `household`, `farm` or `association`.
    pub legal_type: String,
    pub name: String,
    pub tax_code: Option<String>,
    pub representative: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub province_code: String,
    pub province_name: String,
    pub commune_code: String,
    pub commune_name: String,
    pub street: String,
    pub old_district_code: Option<String>,
    pub old_district_name: Option<String>,
    pub old_commune_code: Option<String>,
    pub old_commune_name: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub established_on: Option<Date>,
    pub members_count: Option<i64>,
    /// Comma-separated channel codes.
    pub sales_channels: String,
    pub demo: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    /// The producer this one was merged into (it is then deleted).
    pub merged_into: Option<i64>,
    pub product_count: i64,
}

impl Producer {
    /// The platform's code (`CT000123`), which every producer has.
    pub fn code(&self) -> String {
        domain::producer::platform_code(self.id)
    }

    /// The values this producer shows in a form, and compares by on re-import.
    pub fn input(&self) -> ProducerInput {
        ProducerInput {
            legal_type: self.legal_type.clone(),
            name: self.name.clone(),
            tax_code: self.tax_code.clone().unwrap_or_default(),
            representative: self.representative.clone(),
            phone: self.phone.clone().unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            province: self.province_code.clone(),
            commune: self.commune_code.clone(),
            street: self.street.clone(),
            old_district: self.old_district_code.clone().unwrap_or_default(),
            old_commune: self.old_commune_code.clone().unwrap_or_default(),
            established_on: self.established_on.map(domain::fmt_date).unwrap_or_default(),
            members_count: self.members_count.map(|n| n.to_string()).unwrap_or_default(),
            sales_channels: self.sales_channels.clone(),
        }
    }
}

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    legal_type: String,
    name: String,
    tax_code: Option<String>,
    representative: String,
    phone: Option<String>,
    email: Option<String>,
    province_code: String,
    province_name: String,
    commune_code: String,
    commune_name: String,
    street: String,
    old_district_code: Option<String>,
    old_district_name: Option<String>,
    old_commune_code: Option<String>,
    old_commune_name: Option<String>,
    established_on: Option<Date>,
    members_count: Option<i64>,
    sales_channels: String,
    demo: bool,
    version: i64,
    created_at: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
    merged_into: Option<i64>,
    product_count: i64,
}

impl From<Row> for Producer {
    fn from(r: Row) -> Self {
        Producer {
            id: r.id,
            legal_type: r.legal_type,
            name: r.name,
            tax_code: r.tax_code,
            representative: r.representative,
            phone: r.phone,
            email: r.email,
            province_code: r.province_code,
            province_name: r.province_name,
            commune_code: r.commune_code,
            commune_name: r.commune_name,
            street: r.street,
            old_district_code: r.old_district_code,
            old_district_name: r.old_district_name,
            old_commune_code: r.old_commune_code,
            old_commune_name: r.old_commune_name,
            established_on: r.established_on,
            members_count: r.members_count,
            sales_channels: r.sales_channels,
            demo: r.demo,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            merged_into: r.merged_into,
            product_count: r.product_count,
        }
    }
}

/// The old district and commune names come from either edition of the pre-2025 lists.
const SELECT: &str = "p.id, p.legal_type, p.name, p.tax_code, p.representative, p.phone, p.email, \
    p.province_code, pr.name AS province_name, p.commune_code, c.name AS commune_name, p.street, \
    p.old_district_code, (SELECT MAX(o.district_name) FROM old_unit o WHERE o.district_code = p.old_district_code) AS old_district_name, \
    p.old_commune_code, (SELECT MAX(o.commune_name) FROM old_unit o WHERE o.commune_code = p.old_commune_code AND o.commune_code <> '') AS old_commune_name, \
    p.established_on, p.members_count, p.sales_channels, p.demo, p.version, p.created_at, p.updated_at, p.deleted_at, p.merged_into, \
    (SELECT COUNT(*) FROM product x WHERE x.producer_id = p.id AND x.deleted_at IS NULL) AS product_count";
const FROM: &str = "producer p JOIN province pr ON pr.code = p.province_code JOIN commune c ON c.code = p.commune_code";

/// Checks the places and returns the search text, from a directory of this producer's units.
async fn checked_search_text(c: &impl ConnectionTrait, d: &ProducerDraft) -> Result<String> {
    let directory = Directory::for_producer(c, d).await?;
    directory.check(d).into_result().map_err(StoreError::Invalid)?;
    Ok(directory.producer_search_text(d))
}

fn values(d: &ProducerDraft) -> Vec<Value> {
    vec![
        d.legal_type.as_str().into(),
        d.name.clone().into(),
        d.tax_code.as_ref().map(|t| t.to_string()).into(),
        d.representative.clone().into(),
        d.phone.as_ref().map(|p| p.to_string()).into(),
        d.email.as_ref().map(|e| e.to_string()).into(),
        d.province.as_str().into(),
        d.commune.as_str().into(),
        d.street.clone().into(),
        d.old_district.as_ref().map(|x| x.to_string()).into(),
        d.old_commune.as_ref().map(|x| x.to_string()).into(),
        d.established_on.into(),
        d.members_count.into(),
        SalesChannel::join(&d.sales_channels).into(),
    ]
}

fn duplicate_tax_code(e: StoreError) -> StoreError {
    match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("tax_code", Invalid::new("invalid-tax-code-taken")))
        }
        other => other,
    }
}

fn audited(p: &Producer) -> serde_json::Value {
    serde_json::to_value(p)
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                for derived in ["product_count", "updated_at", "version", "province_name", "commune_name"] {
                    o.remove(derived);
                }
            }
            v
        })
        .unwrap_or_default()
}

pub async fn create(tx: &Tx, who: &Who, d: &ProducerDraft, demo: bool) -> Result<Producer> {
    let directory = Directory::for_producer(tx, d).await?;
    directory.check(d).into_result().map_err(StoreError::Invalid)?;
    let ids = create_many(tx, who, std::slice::from_ref(d), &directory, demo).await.map_err(duplicate_tax_code)?;
    let id = ids.first().copied().ok_or(StoreError::NotFound)?;
    get(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Creates producers whose places the caller has checked against `directory`, with one audit
/// entry each; returns their ids in order. Rows with a tax code go in multi-row inserts and are
/// found again by it; the others are inserted one by one.
pub async fn create_many(
    tx: &Tx,
    who: &Who,
    drafts: &[ProducerDraft],
    directory: &Directory,
    demo: bool,
) -> Result<Vec<i64>> {
    const INSERT: &str = "INSERT INTO producer (legal_type, name, tax_code, representative, phone, email, province_code, \
        commune_code, street, old_district_code, old_commune_code, established_on, members_count, sales_channels, demo, \
        search_fold, sort_key, created_at, updated_at)";
    let t = now();
    let row = |d: &ProducerDraft| {
        let mut v = values(d);
        v.extend([demo.into(), directory.producer_search_text(d).into(), sort_key(&d.name).into(), t.into(), t.into()]);
        v
    };
    let with_tax: Vec<Vec<Value>> = drafts.iter().filter(|d| d.tax_code.is_some()).map(row).collect();
    execute_values(tx, INSERT, "", 19, with_tax).await?;
    let codes: BTreeSet<String> = drafts.iter().filter_map(|d| d.tax_code.as_ref().map(ToString::to_string)).collect();
    #[derive(FromQueryResult)]
    struct Found {
        id: i64,
        tax_code: String,
    }
    let by_tax: HashMap<String, i64> =
        fetch_in::<Found, _>(tx, "SELECT id, tax_code FROM producer WHERE tax_code IN", codes.iter().cloned())
            .await?
            .into_iter()
            .map(|f| (f.tax_code, f.id))
            .collect();
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let mut ids = Vec::with_capacity(drafts.len());
    let mut changes = Vec::with_capacity(drafts.len());
    for d in drafts {
        let id = match &d.tax_code {
            Some(tax) => by_tax.get(tax.as_str()).copied().ok_or(StoreError::NotFound)?,
            None => {
                let placeholders: Vec<String> = (1..=19).map(|i| format!("${i}")).collect();
                let sql = format!("{INSERT} VALUES ({}) RETURNING id", placeholders.join(", "));
                fetch_optional::<Id>(tx, &sql, row(d)).await?.ok_or(StoreError::NotFound)?.id
            }
        };
        ids.push(id);
        changes.push(Change::new("producer.create", "producer", id).province(Some(d.province.as_str())).after(d));
    }
    audit::append_many(tx, who, changes).await?;
    // The kinds of channel a new producer lists become its channel records.
    let selling: Vec<i64> =
        ids.iter().zip(drafts).filter(|(_, d)| !d.sales_channels.is_empty()).map(|(id, _)| *id).collect();
    crate::outlets::channels::sync_kinds(tx, &selling, crate::evaluation::today()).await?;
    Ok(ids)
}

/// A producer, deleted or not (callers decide who may see deleted ones).
pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Producer>> {
    Ok(fetch_optional::<Row>(c, &format!("SELECT {SELECT} FROM {FROM} WHERE p.id = $1"), [id.into()])
        .await?
        .map(Producer::from))
}

pub async fn find_by_tax_code(c: &impl ConnectionTrait, tax_code: &TaxCode) -> Result<Option<Producer>> {
    let row = fetch_optional::<Row>(
        c,
        &format!("SELECT {SELECT} FROM {FROM} WHERE p.tax_code = $1"),
        [tax_code.as_str().into()],
    )
    .await?;
    Ok(row.map(Producer::from))
}

/// A producer without a tax code is recognised by its name in its commune.
pub async fn find_by_name(c: &impl ConnectionTrait, name: &str, commune: &CommuneCode) -> Result<Option<Producer>> {
    let row = fetch_optional::<Row>(
        c,
        &format!("SELECT {SELECT} FROM {FROM} WHERE p.commune_code = $1 AND p.sort_key = $2 AND p.tax_code IS NULL"),
        [commune.as_str().into(), sort_key(name).into()],
    )
    .await?;
    Ok(row.map(Producer::from))
}

/// Changes a producer if nobody changed it since `expected_version`. Its products move with it
/// (their place and search text follow the producer's).
pub async fn update(tx: &Tx, who: &Who, id: i64, expected_version: i64, d: &ProducerDraft) -> Result<Producer> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.version != expected_version {
        return Err(StoreError::Stale);
    }
    if before.deleted_at.is_some() {
        return Err(StoreError::NotFound);
    }
    let search = checked_search_text(tx, d).await?;
    let mut v = values(d);
    v.extend([search.into(), sort_key(&d.name).into(), now().into(), id.into(), expected_version.into()]);
    let changed = execute(
        tx,
        "UPDATE producer SET legal_type = $1, name = $2, tax_code = $3, representative = $4, phone = $5, email = $6, \
         province_code = $7, commune_code = $8, street = $9, old_district_code = $10, old_commune_code = $11, \
         established_on = $12, members_count = $13, sales_channels = $14, search_fold = $15, sort_key = $16, \
         updated_at = $17, version = version + 1 WHERE id = $18 AND version = $19",
        v,
    )
    .await
    .map_err(duplicate_tax_code)?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    crate::products::follow_producer(tx, id).await?;
    if before.sales_channels != SalesChannel::join(&d.sales_channels) {
        crate::outlets::channels::sync_kinds(tx, &[id], crate::evaluation::today()).await?;
    }
    // The producer's accounts are placed where the producer is (their scope names its place).
    execute(
        tx,
        "UPDATE app_user SET province_code = $1, commune_code = $2 WHERE producer_id = $3 \
         AND (province_code <> $1 OR commune_code <> $2)",
        [d.province.as_str().into(), d.commune.as_str().into(), id.into()],
    )
    .await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("producer.update", "producer", id)
            .province(Some(&after.province_code))
            .before(&audited(&before))
            .after(&audited(&after)),
    )
    .await?;
    Ok(after)
}

/// Marks a producer deleted (and its products with it); [`restore`] brings both back.
pub async fn soft_delete(tx: &Tx, who: &Who, id: i64, expected_version: i64) -> Result<()> {
    let p = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if p.version != expected_version {
        return Err(StoreError::Stale);
    }
    let t = now();
    execute(
        tx,
        "UPDATE producer SET deleted_at = $1, version = version + 1, updated_at = $1 WHERE id = $2",
        [t.into(), id.into()],
    )
    .await?;
    execute(
        tx,
        "UPDATE product SET deleted_at = $1, updated_at = $1, deleted_with_producer = TRUE \
         WHERE producer_id = $2 AND deleted_at IS NULL",
        [t.into(), id.into()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change::new("producer.delete", "producer", id).province(Some(&p.province_code)).before(&audited(&p)),
    )
    .await?;
    Ok(())
}

pub async fn restore(tx: &Tx, who: &Who, id: i64) -> Result<Producer> {
    let p = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if p.deleted_at.is_none() {
        return Ok(p);
    }
    execute(
        tx,
        "UPDATE producer SET deleted_at = NULL, version = version + 1, updated_at = $1 WHERE id = $2",
        [now().into(), id.into()],
    )
    .await?;
    // Products deleted together with the producer come back; those deleted earlier stay deleted.
    execute(
        tx,
        "UPDATE product SET deleted_at = NULL, deleted_with_producer = FALSE \
         WHERE producer_id = $1 AND deleted_with_producer = TRUE",
        [id.into()],
    )
    .await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("producer.restore", "producer", id).province(Some(&after.province_code)).after(&audited(&after)),
    )
    .await?;
    Ok(after)
}

/// What points at a producer, moved by [`merge`]: `(table, column)`.
const PRODUCER_REFERENCES: &[(&str, &str)] = &[
    ("product", "producer_id"),
    ("registration", "producer_id"),
    ("sales_channel", "producer_id"),
    ("sales_point", "operator_producer_id"),
    ("inquiry", "producer_id"),
    ("finding", "producer_id"),
    ("training_participant", "producer_id"),
    ("support_record", "producer_id"),
    ("app_user", "producer_id"),
];

/// Merges a producer recorded twice into the one kept: its products (with their certificates and
/// labels), dossiers, channels, inquiries, findings, trainings, support and accounts move; an
/// event or an inspection plan both were in stays on the duplicate's record. The duplicate is
/// deleted and points at the one kept, so its platform code still leads there; a tax code only
/// the duplicate had moves to the one kept. `domain::registry::merge_tax_code` decides.
pub async fn merge(tx: &Tx, who: &Who, keep_id: i64, duplicate_id: i64) -> Result<Producer> {
    let keep = get(tx, keep_id).await?.ok_or(StoreError::NotFound)?;
    let duplicate = get(tx, duplicate_id).await?.ok_or(StoreError::NotFound)?;
    fn side(p: &Producer) -> MergeSide<'_> {
        MergeSide {
            id: p.id,
            province: &p.province_code,
            tax_code: p.tax_code.as_deref(),
            gone: p.deleted_at.is_some() || p.merged_into.is_some(),
        }
    }
    let tax = domain::registry::merge_tax_code(side(&keep), side(&duplicate))
        .map_err(|why| StoreError::Invalid(FieldErrors::single("duplicate", why)))?;
    let mut moved = serde_json::Map::new();
    for (table, column) in PRODUCER_REFERENCES {
        let n = execute(
            tx,
            &format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2"),
            [keep.id.into(), duplicate.id.into()],
        )
        .await?;
        if n > 0 {
            moved.insert((*table).to_owned(), n.into());
        }
    }
    for (table, key) in [("event_participant", "event_id"), ("inspection", "plan_id")] {
        let n = execute(
            tx,
            &format!(
                "UPDATE {table} SET producer_id = $1 WHERE producer_id = $2 \
                 AND {key} NOT IN (SELECT {key} FROM {table} WHERE producer_id = $1)"
            ),
            [keep.id.into(), duplicate.id.into()],
        )
        .await?;
        if n > 0 {
            moved.insert((*table).to_owned(), n.into());
        }
    }
    let t = now();
    execute(
        tx,
        "UPDATE producer SET deleted_at = $1, merged_into = $2, tax_code = NULL, version = version + 1, updated_at = $1 \
         WHERE id = $3",
        [t.into(), keep.id.into(), duplicate.id.into()],
    )
    .await?;
    // Producers merged into the duplicate earlier now lead to the one kept, in one step.
    execute(tx, "UPDATE producer SET merged_into = $1 WHERE merged_into = $2", [keep.id.into(), duplicate.id.into()])
        .await?;
    crate::outlets::channels::refresh_summary(tx, keep.id, crate::evaluation::today()).await?;
    if tax != keep.tax_code {
        let mut input = get(tx, keep.id).await?.ok_or(StoreError::NotFound)?.input();
        input.tax_code = tax.unwrap_or_default();
        let draft = input.parse().map_err(StoreError::Invalid)?;
        let current = get(tx, keep.id).await?.ok_or(StoreError::NotFound)?;
        update(tx, who, keep.id, current.version, &draft).await?;
    }
    let after = get(tx, keep.id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("producer.merge", "producer", keep.id)
            .province(Some(&keep.province_code))
            .before(&serde_json::json!({ "kept": audited(&keep), "duplicate": audited(&duplicate) }))
            .after(&serde_json::json!({ "kept": audited(&after), "moved": moved })),
    )
    .await?;
    Ok(after)
}

/// Pairs of live producers in one commune whose names say they may be one producer recorded
/// twice (`domain::registry::may_be_duplicates`), in the listing's reach: `(first, second)` by id.
pub async fn possible_duplicates(c: &impl ConnectionTrait, listing: &Listing) -> Result<Vec<(Producer, Producer)>> {
    #[derive(FromQueryResult)]
    struct Named {
        id: i64,
        name: String,
        commune_code: String,
    }
    let mut w = Conditions::default();
    scope(&mut w, listing, "p.id");
    w.raw("p.deleted_at IS NULL");
    // Names only: the full records are read for the pairs found.
    let named: Vec<Named> = crate::db::fetch_all(
        c,
        &format!("SELECT p.id, p.name, p.commune_code FROM producer p{} ORDER BY p.commune_code, p.id", w.sql()),
        w.values.clone(),
    )
    .await?;
    let mut ids = Vec::new();
    for commune in named.chunk_by(|a, b| a.commune_code == b.commune_code) {
        for (i, a) in commune.iter().enumerate() {
            for b in &commune[i + 1..] {
                if domain::registry::may_be_duplicates(&a.name, &b.name) {
                    ids.push((a.id, b.id));
                }
            }
        }
    }
    let records = by_ids(c, &ids.iter().flat_map(|(a, b)| [*a, *b]).collect()).await?;
    Ok(ids.into_iter().filter_map(|(a, b)| Some((records.get(&a)?.clone(), records.get(&b)?.clone()))).collect())
}

/// How a producer list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProducerSort {
    /// Vietnamese alphabetical order of the name.
    #[default]
    Name,
    Newest,
}

#[derive(Debug, Clone, Default)]
pub struct ProducerFilter {
    /// Words of the name, tax code, representative or any place, diacritics ignored.
    pub q: Option<String>,
    pub legal_type: Option<LegalType>,
    pub province: Option<ProvinceCode>,
    pub commune: Option<CommuneCode>,
    pub old_district: Option<DistrictCode>,
    /// Only deleted producers (the office's recycle bin) instead of live ones.
    pub deleted: bool,
    /// Only producers with a product whose certificate is in force on this day (the public's
    /// view).
    pub certified_on: Option<Date>,
    pub sort: ProducerSort,
}

/// Adds the scope of a listing as conditions on the producer alias `p`.
pub(crate) fn scope(w: &mut Conditions, listing: &Listing, producer_column: &str) {
    match listing {
        Listing::All => {}
        Listing::Province(p) => {
            w.and("p.province_code = ?", p.as_str());
        }
        Listing::Commune(_, c) => {
            w.and("p.commune_code = ?", c.as_str());
        }
        Listing::Producer(id) => {
            w.and(&format!("{producer_column} = ?"), *id);
        }
        // Assignments (councils, inspection plans) arrive with their issues: nothing assigned yet.
        Listing::AssignedTo(_) => {
            w.raw("1 = 0");
        }
    }
}

/// Each folded word of the query must start a word of the search text (`anh` finds "Đông Anh",
/// not "Thanh"), alone, joined with a neighbour or split in two (`domain::text::search_alternatives`). Returns the ordering that puts texts holding the whole query as a phrase first,
/// then `then`.
pub(crate) fn words(w: &mut Conditions, text: &str, q: Option<&str>, then: &str) -> Result<(String, Vec<Value>)> {
    let terms = domain::text::search_terms(q.unwrap_or_default())
        .map_err(|why| StoreError::Invalid(domain::FieldErrors::single("q", why)))?;
    let Some(q) = terms else {
        return Ok((then.to_owned(), Vec::new()));
    };
    let spaced = format!("(' ' || {text})");
    for alternatives in domain::text::search_alternatives(&q) {
        let like = vec![format!("{spaced} LIKE ? ESCAPE '\\'"); alternatives.len()];
        w.and_values(
            &format!("({})", like.join(" OR ")),
            alternatives.iter().map(|a| word_start_pattern(a).into()).collect(),
        );
    }
    let phrase = format!("CASE WHEN {spaced} LIKE ? ESCAPE '\\' THEN 0 ELSE 1 END, {then}");
    Ok((phrase, vec![word_start_pattern(&q).into()]))
}

pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    f: &ProducerFilter,
    page: Page,
) -> Result<Paged<Producer>> {
    let mut w = Conditions::default();
    scope(&mut w, listing, "p.id");
    let by_name = match f.sort {
        ProducerSort::Name => "p.sort_key, p.id",
        ProducerSort::Newest => "p.created_at DESC, p.id DESC",
    };
    let order = words(&mut w, "p.search_fold", f.q.as_deref(), by_name)?;
    w.raw(if f.deleted { "p.deleted_at IS NOT NULL" } else { "p.deleted_at IS NULL" });
    if let Some(t) = f.legal_type {
        w.and("p.legal_type = ?", t.as_str());
    }
    if let Some(p) = &f.province {
        w.and("p.province_code = ?", p.as_str());
    }
    if let Some(x) = &f.commune {
        w.and("p.commune_code = ?", x.as_str());
    }
    if let Some(d) = &f.old_district {
        w.and("p.old_district_code = ?", d.as_str());
    }
    if let Some(day) = f.certified_on {
        w.and(
            &format!(
                "EXISTS (SELECT 1 FROM product x WHERE x.producer_id = p.id AND x.deleted_at IS NULL \
                 AND x.certificate_revoked = FALSE AND {} >= ?)",
                crate::products::IN_FORCE_UNTIL
            ),
            day,
        );
    }
    Ok(w.page::<Row>(c, SELECT, FROM, (&order.0, order.1), page).await?.map(Producer::from))
}

/// Producers by id, deleted ones included.
pub async fn by_ids(c: &impl ConnectionTrait, ids: &BTreeSet<i64>) -> Result<HashMap<i64, Producer>> {
    let rows =
        fetch_in::<Row, _>(c, &format!("SELECT {SELECT} FROM {FROM} WHERE p.id IN"), ids.iter().copied()).await?;
    Ok(rows.into_iter().map(|r| (r.id, Producer::from(r))).collect())
}

/// Who a producer is and where, for checking rows that name it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Placed {
    pub id: i64,
    pub name: String,
    pub tax_code: Option<String>,
    pub province_code: String,
    pub commune_code: String,
    pub deleted_at: Option<i64>,
    pub merged_into: Option<i64>,
}

/// The producers a file names by tax code, by platform code (id) or by name in a commune (all
/// producers of those communes): light rows, deleted and merged ones included.
pub async fn placed(
    c: &impl ConnectionTrait,
    tax_codes: &BTreeSet<String>,
    ids: &BTreeSet<i64>,
    communes: &BTreeSet<String>,
) -> Result<Vec<Placed>> {
    const COLUMNS: &str =
        "SELECT id, name, tax_code, province_code, commune_code, deleted_at, merged_into FROM producer";
    let mut found =
        fetch_in::<Placed, _>(c, &format!("{COLUMNS} WHERE tax_code IN"), tax_codes.iter().cloned()).await?;
    found.extend(fetch_in::<Placed, _>(c, &format!("{COLUMNS} WHERE id IN"), ids.iter().copied()).await?);
    found
        .extend(fetch_in::<Placed, _>(c, &format!("{COLUMNS} WHERE commune_code IN"), communes.iter().cloned()).await?);
    // A merged producer leads to the one it was merged into.
    let targets: BTreeSet<i64> = found.iter().filter_map(|p| p.merged_into).collect();
    found.extend(fetch_in::<Placed, _>(c, &format!("{COLUMNS} WHERE id IN"), targets.iter().copied()).await?);
    let mut seen = BTreeSet::new();
    found.retain(|p| seen.insert(p.id));
    Ok(found)
}

/// The tax codes of producers by id (those that have one).
pub async fn tax_codes(c: &impl ConnectionTrait, ids: &BTreeSet<i64>) -> Result<HashMap<i64, String>> {
    #[derive(FromQueryResult)]
    struct Taxed {
        id: i64,
        tax_code: String,
    }
    let rows = fetch_in::<Taxed, _>(
        c,
        "SELECT id, tax_code FROM producer WHERE tax_code IS NOT NULL AND id IN",
        ids.iter().copied(),
    )
    .await?;
    Ok(rows.into_iter().map(|t| (t.id, t.tax_code)).collect())
}

//! `ocop demo`: a deterministic, clearly labelled (`demo = TRUE`) synthetic data set for Hà Nội,
//! shaped like the programme's public figures: 1,649 certified products at the end of 2021
//! (4 five-star, 13 potential five-star, 1,098 four-star, 534 three-star) growing to 3,460 by
//! mid-2025, producers of every legal type on real communes with their pre-2025 addresses, some
//! certificates re-rated, some expired, some revoked, and a few products not yet rated.
//!
//! Loading replaces the previous demo rows and writes them with multi-row inserts in one
//! transaction, so it takes seconds; the audit log gets one `demo.load` entry with the counts.

mod outlets;
mod plan;
mod rng;
mod rounds;
mod supervision;
mod trace;
mod words;

use crate::audit::{self, Change, Who};
use crate::db::{execute, execute_values, fetch_all, now};
use crate::{Db, Result, StoreError};
use domain::text::{fold, sort_key};
use plan::{Place, Plan};
use sea_orm::{FromQueryResult, Value};
use serde::Serialize;
use std::collections::HashMap;

pub use plan::TODAY_FOR_DEMO;

/// What was loaded, and the figures it is shaped after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub producers: usize,
    pub products: usize,
    pub certificates: usize,
    /// Products certified at least once by 30 June 2025.
    pub certified_by_mid_2025: usize,
    pub revoked: usize,
    pub not_yet_rated: usize,
    /// Registrations in the demo's evaluation rounds.
    pub registrations: usize,
    /// Labels issued on the demo's lots.
    pub labels: usize,
    /// Market outlets: producers' sales channels, sales points, fairs and events, inquiries.
    pub channels: usize,
    pub sales_points: usize,
    pub events: usize,
    pub inquiries: usize,
    /// Supervision: producers in the year's inspection plan, those inspected, the products the
    /// inspected ones cover, findings; training classes and their participants; support records.
    pub planned_inspections: usize,
    pub inspected: usize,
    pub products_inspected: usize,
    pub findings: usize,
    pub training_classes: usize,
    pub trainees: usize,
    pub support_records: usize,
}

#[derive(FromQueryResult)]
struct OldCommuneRow {
    district_code: String,
    district_name: String,
    commune_code: String,
    commune_name: String,
    new_unit_code: String,
    new_unit_name: String,
}

/// Hà Nội's communes of 2020–2024 with the current unit each went (whole, where it did).
async fn places(tx: &crate::Tx) -> Result<Vec<Place>> {
    let rows = fetch_all::<OldCommuneRow>(
        tx,
        "SELECT o.district_code, o.district_name, o.commune_code, o.commune_name, \
         m.new_unit_code, n.name AS new_unit_name \
         FROM old_unit o JOIN unit_mapping m ON m.old_commune_code = o.commune_code \
         JOIN commune n ON n.code = m.new_unit_code \
         WHERE o.edition = '2020_2024' AND o.province_code = '01' AND o.commune_code <> '' \
         ORDER BY o.commune_code, m.partly, m.new_unit_code",
        [],
    )
    .await?;
    let mut out: Vec<Place> = Vec::new();
    for r in rows {
        if out.last().is_some_and(|p| p.old_commune == r.commune_code) {
            continue;
        }
        out.push(Place {
            old_district: r.district_code,
            old_district_name: r.district_name,
            old_commune: r.commune_code,
            old_commune_name: r.commune_name,
            commune: r.new_unit_code,
            commune_name: r.new_unit_name,
        });
    }
    Ok(out)
}

#[derive(FromQueryResult)]
struct Coded {
    code: String,
}

/// Each commune's highest sequence number of each year among the codes that remain once the old
/// demo rows are gone (products' and their earlier codes), so that the same seed gives the same
/// codes every time.
async fn remaining_sequences(tx: &crate::Tx) -> Result<HashMap<(String, u16), u32>> {
    let remaining =
        fetch_all::<Coded>(tx, "SELECT code FROM product UNION ALL SELECT code FROM product_code_alias", []).await?;
    let codes: Vec<domain::product_code::ProductCode> =
        remaining.iter().filter_map(|row| domain::product_code::ProductCode::parse(&row.code).ok()).collect();
    execute(tx, "DELETE FROM product_sequence", []).await?;
    crate::products::raise_sequences(tx, &codes).await?;
    let mut highest: HashMap<(String, u16), u32> = HashMap::new();
    for code in &codes {
        let e = highest.entry((code.commune.to_string(), code.year)).or_insert(0);
        *e = (*e).max(code.sequence);
    }
    Ok(highest)
}

#[derive(FromQueryResult)]
struct KeyId {
    key: String,
    id: i64,
}

async fn ids(tx: &crate::Tx, sql: &str) -> Result<HashMap<String, i64>> {
    Ok(fetch_all::<KeyId>(tx, sql, []).await?.into_iter().map(|r| (r.key, r.id)).collect())
}

/// Replaces the demo rows with the data set of `seed`.
pub async fn load(db: &Db, seed: u64) -> Result<Summary> {
    let tx = db.write().await?;
    supervision::clear(&tx).await?;
    rounds::clear(&tx).await?;
    trace::clear(&tx).await?;
    outlets::clear(&tx).await?;
    execute(&tx, "DELETE FROM certificate WHERE product_id IN (SELECT id FROM product WHERE demo = TRUE)", []).await?;
    execute(&tx, "DELETE FROM product_photo WHERE product_id IN (SELECT id FROM product WHERE demo = TRUE)", [])
        .await?;
    execute(&tx, "DELETE FROM product WHERE demo = TRUE", []).await?;
    execute(&tx, "DELETE FROM producer WHERE demo = TRUE", []).await?;

    let places = places(&tx).await?;
    let sequences = remaining_sequences(&tx).await?;
    let plan = Plan::generate(seed, &places, sequences);
    let t = now();

    let producer_rows = plan
        .producers
        .iter()
        .map(|p| {
            let search = fold(&format!(
                "{} {} {} {} {} Thành phố Hà Nội {} {}",
                p.name,
                p.representative,
                p.street,
                p.tax_code,
                p.place.commune_name,
                p.place.old_commune_name,
                p.place.old_district_name
            ));
            vec![
                p.legal_type.as_str().into(),
                p.name.clone().into(),
                p.tax_code.clone().into(),
                p.representative.clone().into(),
                p.phone.clone().into(),
                "01".into(),
                p.place.commune.clone().into(),
                p.street.clone().into(),
                p.place.old_district.clone().into(),
                p.place.old_commune.clone().into(),
                Value::from(p.established_on),
                p.members_count.into(),
                p.channels.clone().into(),
                true.into(),
                search.into(),
                sort_key(&p.name).into(),
                t.into(),
                t.into(),
            ]
        })
        .collect();
    execute_values(
        &tx,
        "INSERT INTO producer (legal_type, name, tax_code, representative, phone, province_code, commune_code, street, \
         old_district_code, old_commune_code, established_on, members_count, sales_channels, demo, search_fold, sort_key, \
         created_at, updated_at)",
        "",
        18,
        producer_rows,
    )
    .await?;
    let producer_ids = ids(&tx, "SELECT tax_code AS key, id FROM producer WHERE demo = TRUE").await?;

    let mut product_rows = Vec::with_capacity(plan.products.len());
    for x in &plan.products {
        let owner = &plan.producers[x.producer];
        let Some(&producer_id) = producer_ids.get(&owner.tax_code) else { continue };
        product_rows.push(vec![
            producer_id.into(),
            x.code.clone().into(),
            x.name.clone().into(),
            x.sheet.into(),
            x.criteria_version.into(),
            "01".into(),
            owner.place.commune.clone().into(),
            x.gtin.clone().into(),
            x.description.clone().into(),
            x.packaging.into(),
            x.price.into(),
            true.into(),
            fold(&format!("{} {} {} {}", x.name, x.code, x.packaging, x.gtin.clone().unwrap_or_default())).into(),
            sort_key(&x.name).into(),
            t.into(),
            t.into(),
        ]);
    }
    execute_values(
        &tx,
        "INSERT INTO product (producer_id, code, name, sheet_code, criteria_version, province_code, commune_code, gtin, \
         description, packaging, price_vnd, demo, search_fold, sort_key, created_at, updated_at)",
        "",
        16,
        product_rows,
    )
    .await?;
    let product_ids = ids(&tx, "SELECT code AS key, id FROM product WHERE demo = TRUE").await?;

    let mut certificate_rows = Vec::new();
    for x in &plan.products {
        let Some(&product_id) = product_ids.get(&x.code) else { continue };
        for c in &x.certificates {
            certificate_rows.push(vec![
                product_id.into(),
                c.number.clone().into(),
                i64::from(c.stars).into(),
                if c.central { "central" } else { "province" }.into(),
                c.decision_number.clone().into(),
                Value::from(Some(c.decision_date)),
                c.signer.into(),
                Value::from(c.issued_on),
                Value::from(c.expires_on),
                Value::from(c.revoked_on),
                c.revocation_ground.map(str::to_owned).into(),
                c.revoked_on.map(|d| format!("{}/QĐ-UBND", 3000 + d.ordinal())).into(),
                c.criteria_version.into(),
                "demo".into(),
                t.into(),
            ]);
        }
    }
    let certificates = certificate_rows.len();
    execute_values(
        &tx,
        "INSERT INTO certificate (product_id, number, stars, level, decision_number, decision_date, signer, issued_on, \
         expires_on, revoked_on, revocation_ground, revocation_decision, criteria_version, source, created_at)",
        "",
        15,
        certificate_rows,
    )
    .await?;
    let mut demo_products: Vec<i64> = product_ids.values().copied().collect();
    demo_products.sort_unstable();
    crate::certificates::relink(&tx, &demo_products).await?;
    let codes: Vec<domain::product_code::ProductCode> = plan
        .products
        .iter()
        .map(|p| domain::product_code::ProductCode::parse(&p.code))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| StoreError::Corrupt { table: "product", detail: e.key.to_owned() })?;
    crate::products::raise_sequences(&tx, &codes).await?;

    let registrations = rounds::load(&tx, seed, &plan, &product_ids, &producer_ids, t).await?;
    let labels = trace::load(&tx, seed, t).await?;
    let outlets = outlets::load(&tx, seed, t).await?;
    let supervised = supervision::load(&tx, seed, t).await?;
    let summary = Summary {
        planned_inspections: supervised.planned,
        inspected: supervised.inspected,
        products_inspected: supervised.products_inspected,
        findings: supervised.findings,
        training_classes: supervised.classes,
        trainees: supervised.trainees,
        support_records: supervised.support,
        registrations,
        labels,
        sales_points: outlets.points,
        events: outlets.events,
        inquiries: outlets.inquiries,
        channels: outlets.channels,
        ..plan.summary(certificates)
    };
    // The office's contact shown to shoppers beside a label that is not genuine (a made-up
    // address at a reserved domain: no one real is reached).
    if crate::offices::contact(&tx, "01").await?.is_none() {
        let contact = domain::reports::OfficeContact {
            name: "Văn phòng Điều phối Chương trình OCOP thành phố Hà Nội (dữ liệu mẫu)".into(),
            phone: None,
            email: domain::email::Email::parse("van-phong-ocop@example.com").ok(),
            address: String::new(),
        };
        crate::offices::put(&tx, "01", &contact).await?;
    }
    audit::append(&tx, &Who::cli(), Change::new("demo.load", "dataset", "demo").province(Some("01")).after(&summary))
        .await?;
    tx.commit().await?;
    Ok(summary)
}

/// How many demo producers there are (0 when none was loaded).
pub async fn loaded(c: &impl sea_orm::ConnectionTrait) -> Result<i64> {
    crate::db::count(c, "SELECT COUNT(*) AS n FROM producer WHERE demo = TRUE", []).await
}

//! Administrative units (đơn vị hành chính): the current two-tier units, the pre-2025 three-tier
//! units, and the official 2025 conversion table — copied from `data/admin/` into the binary and
//! loaded into the database by `ocop migrate` whenever the files change.

use crate::db::{execute, execute_values, fetch_all, fetch_optional, now};
use crate::{Db, Result, StoreError};
use domain::text::fold;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const UNITS_2025: &str = include_str!("../../../data/admin/units-2025.csv");
const UNITS_PRE2025: &str = include_str!("../../../data/admin/units-pre2025.csv");
const UNITS_2020_2024: &str = include_str!("../../../data/admin/units-2020-2024.csv");
const MAPPING_2025: &str = include_str!("../../../data/admin/mapping-2025.csv");

const DATASET: &str = "admin_units";

/// Edition of the pre-2025 lists: the GSO list of 2025-01-04 (the one the mapping starts from).
pub const EDITION_PRE2025: &str = "pre2025";
/// Edition of the pre-2025 lists: the c. 2023 list most 2019–2024 OCOP records use.
pub const EDITION_2020_2024: &str = "2020_2024";

/// A fingerprint of the embedded files: the data is reloaded when it changes.
pub fn fingerprint() -> String {
    let mut h = Sha256::new();
    for file in [UNITS_2025, UNITS_PRE2025, UNITS_2020_2024, MAPPING_2025] {
        h.update(file.len().to_le_bytes());
        h.update(file.as_bytes());
    }
    hex::encode(h.finalize())
}

#[derive(Deserialize)]
struct CurrentCsv {
    province_code: String,
    province_name: String,
    unit_code: String,
    unit_name: String,
    unit_type: String,
}

#[derive(Deserialize)]
struct OldCsv {
    province_code: String,
    province_name: String,
    district_code: String,
    district_name: String,
    district_type: String,
    commune_code: String,
    commune_name: String,
    commune_type: String,
    #[serde(default)]
    status_in_pre2025: Option<String>,
}

#[derive(Deserialize)]
struct MappingCsv {
    old_province_code: String,
    old_district_code: String,
    old_district_name: String,
    old_commune_code: String,
    old_commune_name: String,
    new_province_code: String,
    new_unit_code: String,
    #[serde(rename = "new_unit_name")]
    _new_unit_name: String,
    is_partly_merged: u8,
    old_split_count: i64,
}

fn parse<T: for<'de> Deserialize<'de>>(name: &'static str, text: &str) -> Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<std::result::Result<Vec<T>, _>>()
        .map_err(|e| StoreError::Corrupt { table: name, detail: e.to_string() })
}

#[derive(FromQueryResult)]
struct Loaded {
    checksum: String,
}

/// Loads the embedded units unless the database already holds this exact data. Returns whether
/// it loaded. Current units are upserted (accounts and records refer to them); the pre-2025
/// lists and the mapping are replaced.
pub async fn ensure_loaded(db: &Db) -> Result<bool> {
    let checksum = fingerprint();
    let loaded =
        fetch_optional::<Loaded>(db.conn(), "SELECT checksum FROM ocop_dataset WHERE name = $1", [DATASET.into()])
            .await?;
    if loaded.is_some_and(|l| l.checksum == checksum) {
        return Ok(false);
    }
    let current: Vec<CurrentCsv> = parse("units-2025.csv", UNITS_2025)?;
    let tx = db.write().await?;

    let mut provinces: Vec<Vec<Value>> = Vec::new();
    for u in &current {
        if provinces.last().and_then(|p| p.first()) != Some(&Value::from(u.province_code.clone())) {
            provinces.push(vec![
                u.province_code.clone().into(),
                u.province_name.clone().into(),
                fold(&u.province_name).into(),
            ]);
        }
    }
    execute_values(
        &tx,
        "INSERT INTO province (code, name, name_fold)",
        " ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_fold = excluded.name_fold",
        3,
        provinces,
    )
    .await?;
    let communes = current
        .iter()
        .map(|u| {
            vec![
                u.unit_code.clone().into(),
                u.province_code.clone().into(),
                u.unit_name.clone().into(),
                u.unit_type.clone().into(),
                fold(&u.unit_name).into(),
            ]
        })
        .collect();
    execute_values(
        &tx,
        "INSERT INTO commune (code, province_code, name, kind, name_fold)",
        " ON CONFLICT (code) DO UPDATE SET province_code = excluded.province_code, name = excluded.name, \
         kind = excluded.kind, name_fold = excluded.name_fold",
        5,
        communes,
    )
    .await?;

    execute(&tx, "DELETE FROM old_unit", []).await?;
    for (edition, file, text) in [
        (EDITION_PRE2025, "units-pre2025.csv", UNITS_PRE2025),
        (EDITION_2020_2024, "units-2020-2024.csv", UNITS_2020_2024),
    ] {
        let rows = parse::<OldCsv>(file, text)?
            .into_iter()
            .map(|o| {
                vec![
                    edition.into(),
                    o.province_code.into(),
                    o.province_name.into(),
                    o.district_code.into(),
                    o.district_name.into(),
                    o.district_type.into(),
                    o.commune_code.into(),
                    o.commune_name.into(),
                    o.commune_type.into(),
                    o.status_in_pre2025.into(),
                ]
            })
            .collect();
        execute_values(
            &tx,
            "INSERT INTO old_unit (edition, province_code, province_name, district_code, district_name, district_kind, \
             commune_code, commune_name, commune_kind, status)",
            "",
            10,
            rows,
        )
        .await?;
    }

    execute(&tx, "DELETE FROM unit_mapping", []).await?;
    let mapping = parse::<MappingCsv>("mapping-2025.csv", MAPPING_2025)?
        .into_iter()
        .map(|m| {
            vec![
                m.old_province_code.into(),
                m.old_district_code.into(),
                m.old_district_name.into(),
                m.old_commune_code.into(),
                m.old_commune_name.into(),
                m.new_province_code.into(),
                m.new_unit_code.into(),
                (m.is_partly_merged != 0).into(),
                m.old_split_count.into(),
            ]
        })
        .collect();
    execute_values(
        &tx,
        "INSERT INTO unit_mapping (old_province_code, old_district_code, old_district_name, old_commune_code, \
         old_commune_name, new_province_code, new_unit_code, partly, split_count)",
        "",
        9,
        mapping,
    )
    .await?;

    execute(
        &tx,
        "INSERT INTO ocop_dataset (name, checksum, loaded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, loaded_at = excluded.loaded_at",
        [DATASET.into(), checksum.into(), now().into()],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Province {
    pub code: String,
    pub name: String,
}

/// A current commune-level unit (xã, phường, đặc khu).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Commune {
    pub code: String,
    pub province_code: String,
    pub name: String,
    /// `xã`, `phường` or `đặc khu`.
    pub kind: String,
}

/// A pre-2025 district (quận, huyện, thị xã, thành phố thuộc tỉnh).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct OldDistrict {
    pub code: String,
    /// The former province it belonged to (which may since have merged into another).
    pub province_code: String,
    pub province_name: String,
    pub name: String,
    pub kind: String,
}

/// A pre-2025 commune, as one edition of the lists has it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct OldCommune {
    pub edition: String,
    pub province_code: String,
    pub province_name: String,
    pub district_code: String,
    pub district_name: String,
    pub commune_code: String,
    pub commune_name: String,
    pub commune_kind: String,
    /// In the 2020–2024 edition: `same`, `renamed` or `absent` compared with the 2025 list.
    pub status: Option<String>,
}

/// Where (part of) an old commune went on 1 July 2025.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CurrentUnitOf {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub province_code: String,
    /// Only part of the old commune went here; which part depends on the street address.
    pub partly: bool,
    /// Into how many new units the old commune was divided.
    pub split_count: i64,
}

/// An old commune and the current unit(s) it became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OldCommuneLookup {
    /// The commune as each edition of the old lists names it (usually both).
    pub old: Vec<OldCommune>,
    /// The current units, the one that took the whole commune (if any) first.
    pub current: Vec<CurrentUnitOf>,
}

pub async fn provinces(c: &impl ConnectionTrait) -> Result<Vec<Province>> {
    fetch_all(c, "SELECT code, name FROM province ORDER BY code", []).await
}

pub async fn province(c: &impl ConnectionTrait, code: &str) -> Result<Option<Province>> {
    fetch_optional(c, "SELECT code, name FROM province WHERE code = $1", [code.into()]).await
}

/// The current units of a province in the official order (by code).
pub async fn communes(c: &impl ConnectionTrait, province_code: &str) -> Result<Vec<Commune>> {
    fetch_all(
        c,
        "SELECT code, province_code, name, kind FROM commune WHERE province_code = $1 ORDER BY code",
        [province_code.into()],
    )
    .await
}

pub async fn commune(c: &impl ConnectionTrait, code: &str) -> Result<Option<Commune>> {
    fetch_optional(c, "SELECT code, province_code, name, kind FROM commune WHERE code = $1", [code.into()]).await
}

/// The pre-2025 districts of a current province, from both editions: its own former districts
/// first, then those of the former provinces merged into it on 1 July 2025 (found through the
/// official mapping), each with the former province it belonged to.
pub async fn old_districts(c: &impl ConnectionTrait, province_code: &str) -> Result<Vec<OldDistrict>> {
    let mut districts: Vec<OldDistrict> = fetch_all(
        c,
        "SELECT district_code AS code, MAX(province_code) AS province_code, MAX(province_name) AS province_name, \
         MAX(district_name) AS name, MAX(district_kind) AS kind FROM old_unit \
         WHERE province_code = $1 \
            OR district_code IN (SELECT old_district_code FROM unit_mapping WHERE new_province_code = $1) \
         GROUP BY district_code",
        [province_code.into()],
    )
    .await?;
    districts
        .sort_by(|a, b| (a.province_code != province_code, &a.code).cmp(&(b.province_code != province_code, &b.code)));
    Ok(districts)
}

/// The pre-2025 communes of a district (both editions; a commune in both appears once per edition).
pub async fn old_communes(c: &impl ConnectionTrait, district_code: &str) -> Result<Vec<OldCommune>> {
    fetch_all(
        c,
        "SELECT edition, province_code, province_name, district_code, district_name, commune_code, commune_name, \
         commune_kind, status FROM old_unit WHERE district_code = $1 AND commune_code <> '' \
         ORDER BY commune_code, edition DESC",
        [district_code.into()],
    )
    .await
}

/// Looks up an old commune code and where it went on 1 July 2025. `None` if no edition of the old
/// lists knows the code. An old commune the official table does not map (e.g. one merged away in
/// January 2025) has an empty `current`.
pub async fn lookup_old_commune(c: &impl ConnectionTrait, code: &str) -> Result<Option<OldCommuneLookup>> {
    let old: Vec<OldCommune> = fetch_all(
        c,
        "SELECT edition, province_code, province_name, district_code, district_name, commune_code, commune_name, \
         commune_kind, status FROM old_unit WHERE commune_code = $1 ORDER BY edition DESC",
        [code.into()],
    )
    .await?;
    if old.is_empty() {
        return Ok(None);
    }
    let current = fetch_all(
        c,
        "SELECT n.code, n.name, n.kind, n.province_code, m.partly, m.split_count \
         FROM unit_mapping m JOIN commune n ON n.code = m.new_unit_code \
         WHERE m.old_commune_code = $1 ORDER BY m.partly, n.code",
        [code.into()],
    )
    .await?;
    Ok(Some(OldCommuneLookup { old, current }))
}

/// An old commune that went (wholly or partly) to a current province on 1 July 2025.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct OldCommuneInto {
    pub code: String,
    pub name: String,
    pub district_code: String,
    pub district_name: String,
}

/// The old communes the official mapping sends into a current province, whatever their former
/// province (for reading unit names in a spreadsheet).
pub async fn old_communes_into(c: &impl ConnectionTrait, province_code: &str) -> Result<Vec<OldCommuneInto>> {
    fetch_all(
        c,
        "SELECT old_commune_code AS code, MAX(old_commune_name) AS name, MAX(old_district_code) AS district_code, \
         MAX(old_district_name) AS district_name FROM unit_mapping WHERE new_province_code = $1 \
         GROUP BY old_commune_code ORDER BY old_commune_code",
        [province_code.into()],
    )
    .await
}

/// How many rows each table holds, for `ocop migrate` to report and tests to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub provinces: i64,
    pub communes: i64,
    pub old_units: i64,
    pub mappings: i64,
}

pub async fn counts(c: &impl ConnectionTrait) -> Result<Counts> {
    use crate::db::count;
    Ok(Counts {
        provinces: count(c, "SELECT COUNT(*) AS n FROM province", []).await?,
        communes: count(c, "SELECT COUNT(*) AS n FROM commune", []).await?,
        old_units: count(c, "SELECT COUNT(*) AS n FROM old_unit", []).await?,
        mappings: count(c, "SELECT COUNT(*) AS n FROM unit_mapping", []).await?,
    })
}

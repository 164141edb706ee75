//! The administrative units a batch of records mentions, loaded once and consulted in memory:
//! checking a producer's places and building its search text cost no query per record, which
//! is what makes importing a hundred thousand rows fast. The single-record paths use the same
//! checks on a directory of just their own codes.

use crate::db::fetch_in;
use crate::{Result, units};
use domain::registry::ProducerDraft;
use domain::text::fold;
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Default)]
pub struct Directory {
    provinces: HashMap<String, String>,
    /// code → (province code, name)
    communes: HashMap<String, (String, String)>,
    /// old commune code → (district code, district name, commune name), one per edition
    old_communes: HashMap<String, Vec<(String, String, String)>>,
    /// old district code → name
    old_districts: HashMap<String, String>,
    /// old commune code → (new unit code, partly)
    mapping: HashMap<String, Vec<(String, bool)>>,
}

#[derive(FromQueryResult)]
struct CommuneRow {
    code: String,
    province_code: String,
    name: String,
}

#[derive(FromQueryResult)]
struct OldRow {
    district_code: String,
    district_name: String,
    commune_code: String,
    commune_name: String,
}

#[derive(FromQueryResult)]
struct MapRow {
    old_commune_code: String,
    new_unit_code: String,
    partly: bool,
}

impl Directory {
    /// The units these codes name (unknown codes are simply absent).
    pub async fn load(
        c: &impl ConnectionTrait,
        communes: &BTreeSet<String>,
        old_communes: &BTreeSet<String>,
        old_districts: &BTreeSet<String>,
    ) -> Result<Directory> {
        let mut d = Directory::default();
        for p in units::provinces(c).await? {
            d.provinces.insert(p.code, p.name);
        }
        let mapped: Vec<MapRow> = fetch_in(
            c,
            "SELECT old_commune_code, new_unit_code, partly FROM unit_mapping WHERE old_commune_code IN",
            old_communes,
        )
        .await?;
        let mut wanted_communes = communes.clone();
        wanted_communes.extend(mapped.iter().map(|m| m.new_unit_code.clone()));
        for r in
            fetch_in::<CommuneRow, _>(c, "SELECT code, province_code, name FROM commune WHERE code IN", wanted_communes)
                .await?
        {
            d.communes.insert(r.code, (r.province_code, r.name));
        }
        for m in mapped {
            d.mapping.entry(m.old_commune_code).or_default().push((m.new_unit_code, m.partly));
        }
        let old_sql = "SELECT district_code, district_name, commune_code, commune_name FROM old_unit WHERE";
        for r in fetch_in::<OldRow, _>(c, &format!("{old_sql} commune_code IN"), old_communes.iter().cloned()).await? {
            d.old_districts.insert(r.district_code.clone(), r.district_name.clone());
            d.old_communes.entry(r.commune_code).or_default().push((r.district_code, r.district_name, r.commune_name));
        }
        for r in fetch_in::<OldRow, _>(c, &format!("{old_sql} district_code IN"), old_districts.iter().cloned()).await?
        {
            d.old_districts.insert(r.district_code, r.district_name);
        }
        Ok(d)
    }

    /// A directory of the places one producer names.
    pub async fn for_producer(c: &impl ConnectionTrait, d: &ProducerDraft) -> Result<Directory> {
        let one = |x: Option<String>| x.into_iter().collect::<BTreeSet<String>>();
        Directory::load(
            c,
            &one(Some(d.commune.to_string())),
            &one(d.old_commune.as_ref().map(ToString::to_string)),
            &one(d.old_district.as_ref().map(ToString::to_string)),
        )
        .await
    }

    pub fn commune_name(&self, code: &str) -> Option<&str> {
        self.communes.get(code).map(|(_, n)| n.as_str())
    }

    /// The district an old commune was in.
    pub fn district_of_old(&self, old_commune: &str) -> Option<&str> {
        self.old_communes.get(old_commune).and_then(|v| v.first()).map(|(code, _, _)| code.as_str())
    }

    /// The current unit an old commune went to, when the official table says so unambiguously
    /// (a unit that took it whole, or its only destination).
    pub fn current_of_old(&self, old_commune: &str) -> Result<(String, String), Invalid> {
        let Some(targets) = self.mapping.get(old_commune) else {
            return Err(if self.old_communes.contains_key(old_commune) {
                Invalid::new("invalid-old-commune-unmapped").with("code", old_commune)
            } else {
                Invalid::new("invalid-old-commune-unknown").with("code", old_commune)
            });
        };
        let whole: Vec<&String> = targets.iter().filter(|(_, partly)| !partly).map(|(code, _)| code).collect();
        let only: Vec<&String> = targets.iter().map(|(code, _)| code).collect();
        let chosen = match (whole.as_slice(), only.as_slice()) {
            ([one], _) | (_, [one]) => *one,
            _ => {
                let names: Vec<&str> = targets.iter().filter_map(|(code, _)| self.commune_name(code)).collect();
                return Err(Invalid::new("invalid-old-commune-split")
                    .with("code", old_commune)
                    .with("units", names.join(", ")));
            }
        };
        let province = self.communes.get(chosen).map(|(p, _)| p.clone()).unwrap_or_default();
        Ok((province, chosen.clone()))
    }

    /// What only the reference data can tell: the places exist and agree, the old address is
    /// real. Errors are named by field.
    pub fn check(&self, d: &ProducerDraft) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if !self.provinces.contains_key(d.province.as_str()) {
            errors.add("province", Invalid::new("invalid-province-unknown").with("code", &d.province));
        }
        match self.communes.get(d.commune.as_str()) {
            None => errors.add("commune", Invalid::new("invalid-commune-unknown").with("code", &d.commune)),
            Some((province, _)) if province != d.province.as_str() => {
                errors.add("commune", Invalid::new("invalid-commune-elsewhere").with("code", &d.commune));
            }
            Some(_) => {}
        }
        match (&d.old_commune, &d.old_district) {
            (Some(old), district) => match self.old_communes.get(old.as_str()) {
                None => errors.add("old_commune", Invalid::new("invalid-old-commune-unknown").with("code", old)),
                Some(found) => {
                    if let Some(district) = district
                        && !found.iter().any(|(code, _, _)| code == district.as_str())
                    {
                        errors
                            .add("old_district", Invalid::new("invalid-old-district-mismatch").with("code", district));
                    }
                }
            },
            (None, Some(district)) if !self.old_districts.contains_key(district.as_str()) => {
                errors.add("old_district", Invalid::new("invalid-old-district-unknown").with("code", district));
            }
            _ => {}
        }
        errors
    }

    /// The folded text a producer is found by: its names and codes, and every place it is or
    /// was at.
    pub fn producer_search_text(&self, d: &ProducerDraft) -> String {
        let mut parts = vec![d.name.clone(), d.representative.clone(), d.street.clone()];
        parts.extend(d.tax_code.as_ref().map(ToString::to_string));
        parts.extend(self.commune_name(d.commune.as_str()).map(str::to_owned));
        parts.extend(self.provinces.get(d.province.as_str()).cloned());
        if let Some(old) =
            d.old_commune.as_ref().and_then(|o| self.old_communes.get(o.as_str())).and_then(|v| v.first())
        {
            parts.push(old.2.clone());
            parts.push(old.1.clone());
        } else if let Some(name) = d.old_district.as_ref().and_then(|x| self.old_districts.get(x.as_str())) {
            parts.push(name.clone());
        }
        fold(&parts.join(" "))
    }
}

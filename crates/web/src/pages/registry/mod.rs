//! The registry's pages: producers and products.

pub mod exchange;
pub mod merge;
pub mod photos;
pub mod producers;
pub mod products;

use crate::i18n::Tr;
use crate::page::Choice;
use domain::access::{Place, Target};
use domain::producer::{LegalType, SalesChannel};
use store::producers::Producer;
use store::products::Product;

/// A delete button's form: the version the record was shown at.
#[derive(serde::Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    pub version: i64,
    /// `yes` once the person confirmed a destructive action (`crate::confirm`).
    #[serde(default)]
    pub confirmed: String,
}

pub fn producer_target(p: &Producer) -> Target {
    Target::at(Place {
        province: domain::place::ProvinceCode::parse(&p.province_code).ok(),
        commune: domain::place::CommuneCode::parse(&p.commune_code).ok(),
        producer: Some(p.id),
    })
}

pub fn product_target(p: &Product) -> Target {
    Target::at(Place {
        province: domain::place::ProvinceCode::parse(&p.province_code).ok(),
        commune: domain::place::CommuneCode::parse(&p.commune_code).ok(),
        producer: Some(p.producer_id),
    })
}

pub fn legal_type_label(t: Tr, code: &str) -> String {
    t.get(&format!("legal-type-{code}"))
}

pub fn legal_type_choices(t: Tr, selected: &str) -> Vec<Choice> {
    Choice::list(LegalType::ALL.iter().map(|l| (l.as_str(), legal_type_label(t, l.as_str()))), selected)
}

pub fn channel_choices(t: Tr, selected: &str) -> Vec<Choice> {
    let chosen: Vec<&str> = selected.split(',').map(str::trim).collect();
    SalesChannel::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_owned(),
            label: t.get(&format!("channel-{}", c.as_str())),
            selected: chosen.contains(&c.as_str()),
        })
        .collect()
}

/// "4★", "Tiềm năng 5★", or nothing.
pub fn rank_label(t: Tr, stars: Option<i64>, potential_five: bool) -> String {
    match stars {
        Some(5) if potential_five => t.get("rank-potential-five"),
        Some(n) => format!("{}★", n),
        None => String::new(),
    }
}

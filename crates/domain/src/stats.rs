//! Figures of the programme as of a date, and plan targets as data (SPEC §2.6).
//!
//! Every count is computed from dated facts (the store's `stats::in_force` says when a
//! certificate is in force on a day), so "products in force by star on 31/12/2021" comes out of
//! the records. A target set is a file
//! (per province or national, per period, versioned); each target names a rule this module
//! defines and a threshold, and the store measures the rule live.

use crate::Invalid;
use crate::place::ProvinceCode;
use serde::{Deserialize, Serialize};
use time::Date;

/// The rank a certificate gives its product, as the programme counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StarClass {
    /// 5★, recognised by the central council.
    Five,
    /// 5★ at the province, proposed to the central council ("tiềm năng 5 sao").
    PotentialFive,
    Four,
    Three,
}

impl StarClass {
    pub const ALL: [StarClass; 4] = [StarClass::Five, StarClass::PotentialFive, StarClass::Four, StarClass::Three];

    pub fn as_str(self) -> &'static str {
        match self {
            StarClass::Five => "five",
            StarClass::PotentialFive => "potential_five",
            StarClass::Four => "four",
            StarClass::Three => "three",
        }
    }

    /// The class of a certificate of `stars` recognised at `level` (`central` or `province`).
    pub fn of(stars: i64, level: &str) -> Option<StarClass> {
        match (stars, level) {
            (5, "central") => Some(StarClass::Five),
            (5, _) => Some(StarClass::PotentialFive),
            (4, _) => Some(StarClass::Four),
            (3, _) => Some(StarClass::Three),
            _ => None,
        }
    }
}

/// What a target asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Products whose first certificate of at least `min_stars` was issued in the period.
    ProductsAdded { min_stars: i64 },
    /// Products of at least `min_stars` in force at the end of the period.
    ProductsInForce { min_stars: i64 },
    /// 5★ products (central) in force at the end of the period.
    FiveStarInForce,
    /// Among the products added in the period, the share at 5★ (potential or central).
    SharePotentialFiveAdded,
    /// Among the producers with a product in force at the end, the share of these legal types.
    ShareProducersLegalTypes { legal_types: Vec<String> },
    /// Among the producers with a product in force at the end, the share selling through a modern
    /// channel (as the channel kinds' data says) on that day.
    ShareProducersModernChannels,
    /// Among the producers with a product in force at the end, the share that sent someone to a
    /// training class in the period.
    ShareProducersTrained,
    /// Sales points opened in the period, per commune with a product in force, per year.
    SalesPointsPerCommunePerYear,
    /// Registrations received against the plan of the rounds opened in the period.
    RegistrationsVsPlan,
    /// Training classes held in the period.
    TrainingsHeld,
    /// Producers inspected against those planned, in the plans of the period.
    InspectionCoverage,
    /// A target the platform has no data for; it is shown with the reason, never with a number.
    NotComputable { why_vi: String, why_en: String },
}

/// One target of a set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub code: String,
    pub vi: String,
    pub en: String,
    #[serde(flatten)]
    pub rule: Rule,
    /// A count to reach, or …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<i64>,
    /// … a share (percent) to reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least_percent: Option<f64>,
}

impl Target {
    pub fn name(&self, english: bool) -> &str {
        if english { &self.en } else { &self.vi }
    }

    /// Whether the rule's value is a share (percent) rather than a count or a rate.
    pub fn is_share(&self) -> bool {
        matches!(
            self.rule,
            Rule::SharePotentialFiveAdded
                | Rule::ShareProducersLegalTypes { .. }
                | Rule::ShareProducersModernChannels
                | Rule::ShareProducersTrained
                | Rule::RegistrationsVsPlan
                | Rule::InspectionCoverage
        ) || (matches!(self.rule, Rule::NotComputable { .. }) && self.at_least_percent.is_some())
    }
}

/// A plan's targets for a province (or the whole country) and a period, versioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSet {
    pub version: String,
    pub name: String,
    /// A province code, or `national`.
    pub scope: String,
    #[serde(with = "iso_date")]
    pub from: Date,
    #[serde(with = "iso_date")]
    pub to: Date,
    #[serde(default)]
    pub source: String,
    pub targets: Vec<Target>,
}

impl TargetSet {
    /// The province the set is for; `None` for the national programme.
    pub fn province(&self) -> Option<ProvinceCode> {
        ProvinceCode::parse(&self.scope).ok()
    }

    /// Reads and checks a target file: a known scope, a period in order, unique target codes,
    /// one threshold of the right kind per target.
    pub fn parse(json: &str) -> Result<TargetSet, Invalid> {
        let set: TargetSet = serde_json::from_str(json).map_err(|e| {
            Invalid::new("invalid-targets-file").with("detail", e.to_string().chars().take(200).collect::<String>())
        })?;
        let bad = |detail: String| Err(Invalid::new("invalid-targets-file").with("detail", detail));
        if set.version.trim().is_empty() || set.name.trim().is_empty() {
            return bad("version, name".into());
        }
        if set.scope != "national" && set.province().is_none() {
            return bad(format!("scope {}", set.scope));
        }
        if set.to < set.from {
            return bad("from > to".into());
        }
        let mut codes = std::collections::BTreeSet::new();
        for t in &set.targets {
            if !codes.insert(t.code.as_str()) || t.code.trim().is_empty() {
                return bad(format!("code {}", t.code));
            }
            let threshold_ok = match (t.at_least, t.at_least_percent) {
                (Some(n), None) => n > 0 && !t.is_share(),
                (None, Some(p)) => p > 0.0 && p <= 100.0 && t.is_share(),
                _ => false,
            };
            if !threshold_ok {
                return bad(format!("threshold of {}", t.code));
            }
        }
        Ok(set)
    }

    /// Whole years the period spans (at least one).
    pub fn years(&self) -> i64 {
        i64::from(self.to.year() - self.from.year() + 1).max(1)
    }
}

/// `yyyy-mm-dd` in target files.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(d)?;
        crate::registry::parse_date(&raw).map_err(|_| D::Error::custom(format!("not a date: {raw}")))
    }
}

/// What the store measured for a rule: a count, or a part of a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Measure {
    pub numerator: i64,
    /// The whole of a share; for a rate per commune per year, the communes.
    pub denominator: Option<i64>,
}

/// A target's live value against its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub value: f64,
    pub threshold: f64,
    /// How far along, 0–100 (capped), for a progress bar.
    pub percent_of_target: f64,
    pub met: bool,
}

/// The value of a measure for a target: the count, the share in percent, or the rate per commune
/// per year; and how far it is from the threshold. `None` when there is nothing to judge: a rule
/// without data, or a share of an empty whole.
pub fn evaluate(target: &Target, measure: Measure, years: i64) -> Option<Progress> {
    let value = match (&target.rule, measure.denominator) {
        (Rule::NotComputable { .. }, _) => return None,
        (Rule::SalesPointsPerCommunePerYear, Some(communes)) if communes > 0 => {
            measure.numerator as f64 / communes as f64 / years.max(1) as f64
        }
        (Rule::SalesPointsPerCommunePerYear, _) => 0.0,
        // A share of nothing (no round, no plan, no producer yet) is not a value to judge.
        (_, Some(0)) if target.is_share() => return None,
        (_, Some(whole)) if target.is_share() => 100.0 * measure.numerator as f64 / whole as f64,
        _ => measure.numerator as f64,
    };
    let threshold = target.at_least.map(|n| n as f64).or(target.at_least_percent).unwrap_or(0.0);
    let percent_of_target = if threshold > 0.0 { (100.0 * value / threshold).clamp(0.0, 100.0) } else { 100.0 };
    Some(Progress { value, threshold, percent_of_target, met: value >= threshold })
}

/// The target sets shipped with the platform (`data/targets/`); an office adds or replaces
/// sets with `ocop targets import`.
pub fn shipped() -> Vec<(&'static str, &'static str)> {
    vec![
        ("hanoi-2021-2025.json", include_str!("../../../data/targets/hanoi-2021-2025.json")),
        ("national-2021-2025.json", include_str!("../../../data/targets/national-2021-2025.json")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_s_class_follows_its_stars_and_level() {
        assert_eq!(StarClass::of(5, "central"), Some(StarClass::Five));
        assert_eq!(StarClass::of(5, "province"), Some(StarClass::PotentialFive));
        assert_eq!(StarClass::of(4, "province"), Some(StarClass::Four));
        assert_eq!(StarClass::of(2, "province"), None);
    }

    #[test]
    fn the_shipped_sets_parse_and_bad_ones_are_refused() {
        for (name, json) in shipped() {
            let set = TargetSet::parse(json).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert!(!set.targets.is_empty(), "{name}");
            assert_eq!(set.years(), 5);
        }
        let hanoi = TargetSet::parse(shipped()[0].1).expect("hanoi");
        assert_eq!(hanoi.province().map(|p| p.to_string()), Some("01".into()));
        assert!(TargetSet::parse(shipped()[1].1).expect("national").province().is_none());
        let broken = shipped()[0].1.replace("\"at_least\": 2000", "\"at_least_percent\": 20");
        assert!(TargetSet::parse(&broken).is_err(), "a count rule with a percent threshold");
        assert!(TargetSet::parse(&shipped()[0].1.replace("\"scope\": \"01\"", "\"scope\": \"99x\"")).is_err());
        assert!(TargetSet::parse("{").is_err());
        let twice = shipped()[0].1.replace("\"code\": \"potential_five_share\"", "\"code\": \"added_3_star\"");
        assert!(TargetSet::parse(&twice).is_err());
    }

    #[test]
    fn targets_evaluate_counts_shares_and_rates() {
        let set = TargetSet::parse(shipped()[0].1).expect("hanoi");
        let get = |code: &str| set.targets.iter().find(|t| t.code == code).expect("target").clone();
        let added = evaluate(&get("added_3_star"), Measure { numerator: 1500, denominator: None }, 5).expect("count");
        assert_eq!((added.value, added.percent_of_target, added.met), (1500.0, 75.0, false));
        let coops = evaluate(&get("cooperatives_enterprises"), Measure { numerator: 72, denominator: Some(100) }, 5)
            .expect("share");
        assert!(coops.met && (coops.value - 72.0).abs() < 1e-9);
        let empty = evaluate(&get("cooperatives_enterprises"), Measure { numerator: 0, denominator: Some(0) }, 5);
        assert_eq!(empty, None, "a share of nothing is not judged");
        let points =
            evaluate(&get("sales_points"), Measure { numerator: 100, denominator: Some(10) }, 5).expect("rate");
        assert!((points.value - 2.0).abs() < 1e-9 && points.met);
        assert!(evaluate(&get("craft_villages"), Measure { numerator: 1, denominator: Some(1) }, 5).is_none());
    }
}

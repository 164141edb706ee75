//! The legal time limits and council defaults of the evaluation, as data
//! (`data/rules/ocop-rules-2026.json`): a registration is evaluated under the decision its
//! criteria version names, and these are that decision's values.

use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rules {
    /// The decision these values come from, e.g. `26/2026/QĐ-TTg`.
    pub version: String,
    pub source: String,
    /// A certificate runs this many months from its decision (Điều 4.3).
    pub certificate_valid_months: u8,
    /// The commune screens a dossier within this many working days (Điều 7.2).
    pub screening_working_days: u32,
    /// A re-rating is filed from this many days before expiry (Điều 7.6)…
    pub rerating_opens_days: i64,
    /// …and no later than this many (Điều 7.6).
    pub rerating_closes_days: i64,
    /// A re-rating is finished within this many days of a complete dossier (Điều 7.6.đ).
    pub rerating_limit_days: i64,
    /// A late re-rating keeps the certificate in force at most this many days after expiry
    /// (Điều 12.3).
    pub late_extension_days: i64,
    /// Samples sent with a dossier, except tourism services (Điều 6.2).
    pub samples: u32,
    pub council: CouncilRules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct CouncilRules {
    pub min_members: usize,
    /// What the form offers first, and the lowest a council may set.
    pub quorum_percent: i64,
    pub min_quorum_percent: i64,
    /// The largest spread between members' totals the form offers first.
    pub spread_limit: i64,
    /// After this many re-openings a deadlocked spread may be decided by the council's vote.
    pub vote_after_reopenings: i64,
}

impl Rules {
    pub fn from_json(json: &str) -> Result<Rules, String> {
        let r: Rules = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let ordered = r.rerating_opens_days > r.rerating_closes_days && r.rerating_closes_days > 0;
        let positive = r.certificate_valid_months > 0
            && r.screening_working_days > 0
            && r.rerating_limit_days > 0
            && r.late_extension_days >= 0;
        let council = r.council.min_members >= 1
            && (r.council.min_quorum_percent..=100).contains(&r.council.quorum_percent)
            && r.council.min_quorum_percent > 0
            && r.council.spread_limit > 0;
        if r.version.is_empty() || !ordered || !positive || !council {
            return Err(format!("data/rules: values out of order or range: {r:?}"));
        }
        Ok(r)
    }
}

static CURRENT: LazyLock<Rules> = LazyLock::new(|| {
    // Compiled in and checked by a test (and by `ocop serve` at start): it cannot be wrong in a
    // build that passed its tests.
    Rules::from_json(include_str!("../../../data/rules/ocop-rules-2026.json"))
        .unwrap_or_else(|e| panic!("the compiled-in evaluation rules do not load: {e}"))
});

/// The rules in force (QĐ 26/2026/QĐ-TTg).
pub fn current() -> &'static Rules {
    &CURRENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load_and_say_what_the_decision_says() {
        let r = Rules::from_json(include_str!("../../../data/rules/ocop-rules-2026.json")).expect("loads");
        assert_eq!(r.version, "26/2026/QĐ-TTg");
        assert_eq!((r.rerating_opens_days, r.rerating_closes_days, r.rerating_limit_days), (180, 120, 45));
        assert_eq!((r.certificate_valid_months, r.screening_working_days, r.late_extension_days), (36, 15, 180));
        assert_eq!(current(), &r);
    }

    #[test]
    fn rules_out_of_order_are_refused() {
        let json = include_str!("../../../data/rules/ocop-rules-2026.json");
        let swapped = json.replace("\"rerating_opens_days\": 180", "\"rerating_opens_days\": 100");
        assert!(Rules::from_json(&swapped).is_err());
        let no_quorum = json.replace("\"quorum_percent\": 75", "\"quorum_percent\": 20");
        assert!(Rules::from_json(&no_quorum).is_err());
    }
}

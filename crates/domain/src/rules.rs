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
    pub certificate_numbers: NumberScheme,
}

/// How certificates issued on the platform are numbered, per issuer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NumberScheme {
    /// For issuers without their own: `OCOP-{issuer}-{year}-{seq}`.
    pub default: String,
    /// A province's code (or `central`) → its template.
    pub by_issuer: std::collections::BTreeMap<String, String>,
}

impl NumberScheme {
    /// The number of the `seq`th certificate of `issuer` (a province's code or `central`) in
    /// `year`: `{issuer}` (the code, `TW` for the Ministry), `{year}`, `{seq}` (five digits).
    pub fn number(&self, issuer: &str, year: i32, seq: u32) -> String {
        let template = self.by_issuer.get(issuer).unwrap_or(&self.default);
        template
            .replace("{issuer}", if issuer == "central" { "TW" } else { issuer })
            .replace("{year}", &year.to_string())
            .replace("{seq}", &format!("{seq:05}"))
    }
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
        // Every template names the year and the sequence, so that numbers never repeat.
        let numbers = std::iter::once(&r.certificate_numbers.default)
            .chain(r.certificate_numbers.by_issuer.values())
            .all(|t| t.contains("{year}") && t.contains("{seq}"));
        if r.version.is_empty() || !ordered || !positive || !council || !numbers {
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
        let no_seq = json.replace("\"HN-{year}-{seq}\"", "\"HN-{year}\"");
        assert!(Rules::from_json(&no_seq).is_err(), "a template without its sequence repeats numbers");
    }

    #[test]
    fn certificates_are_numbered_by_their_issuers_scheme() {
        let n = &current().certificate_numbers;
        assert_eq!(n.number("01", 2026, 12), "HN-2026-00012");
        assert_eq!(n.number("central", 2027, 3), "OCOP-TW-2027-00003");
        assert_eq!(n.number("46", 2026, 7), "OCOP-46-2026-00007");
    }
}

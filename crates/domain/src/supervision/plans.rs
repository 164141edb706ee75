//! Inspection plans (kế hoạch kiểm tra, giám sát) and the platform's proposal of whom to inspect.

use crate::registry::{optional_text, parse_date, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanInput {
    pub name: String,
    pub purpose: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDraft {
    pub name: String,
    pub purpose: String,
    pub starts_on: Date,
    pub ends_on: Date,
}

impl PlanDraft {
    /// The plan's year: the year it starts in.
    pub fn year(&self) -> i32 {
        self.starts_on.year()
    }
}

impl PlanInput {
    pub fn parse(&self) -> Result<PlanDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(&self.name, 200));
        let purpose = e.check("purpose", optional_text(&self.purpose, 4000));
        let starts_on = e.check("starts_on", parse_date(&self.starts_on));
        let ends_on = e.check("ends_on", parse_date(&self.ends_on));
        if let (Some(s), Some(end)) = (starts_on, ends_on)
            && (end < s || end > s + Duration::days(366))
        {
            e.add("ends_on", Invalid::new("invalid-date-order"));
        }
        match (name, purpose, starts_on, ends_on) {
            (Some(name), Some(purpose), Some(starts_on), Some(ends_on)) if e.is_empty() => {
                Ok(PlanDraft { name, purpose, starts_on, ends_on })
            }
            _ => Err(e),
        }
    }
}

/// What the office asks the platform to propose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalCriteria {
    /// Certificates that expire within this many days.
    pub expiring_within_days: Option<i64>,
    /// Products with open scan alerts (suspected counterfeits).
    pub with_alerts: bool,
    /// Products buyers complained about in the last year.
    pub with_complaints: bool,
    /// Producers never inspected.
    pub never_inspected: bool,
    /// A random sample of this many further producers.
    pub sample: Option<usize>,
    /// The sample's seed: the same seed proposes the same sample.
    pub seed: u64,
}

/// A certified product the proposal may pick, with what the store knows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub producer_id: i64,
    pub product_id: i64,
    pub expires_on: Date,
    pub open_alerts: i64,
    pub complaints: i64,
    /// The producer's last inspection, if any.
    pub last_inspected: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Expiring,
    Alerts,
    Complaints,
    NeverInspected,
    Sample,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Expiring => "expiring",
            Reason::Alerts => "alerts",
            Reason::Complaints => "complaints",
            Reason::NeverInspected => "never_inspected",
            Reason::Sample => "sample",
        }
    }
}

/// A producer the platform proposes, with the products to inspect and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub producer_id: i64,
    pub products: Vec<i64>,
    pub reasons: Vec<Reason>,
}

/// A well-mixed 64-bit hash (SplitMix64's finaliser): orders the sample by seed and producer.
fn mix(seed: u64, id: i64) -> u64 {
    let mut z = seed ^ id.cast_unsigned().wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Proposes the producers to inspect among `candidates` (the certified products not yet in the
/// plan): every producer with a product matching a chosen criterion, with all its candidate
/// products, then a random sample of the others. Ordered by producer; deterministic for a seed.
pub fn propose(candidates: &[Candidate], c: &ProposalCriteria, today: Date) -> Vec<Proposed> {
    let mut by_producer: BTreeMap<i64, Vec<&Candidate>> = BTreeMap::new();
    for x in candidates {
        by_producer.entry(x.producer_id).or_default().push(x);
    }
    let mut out = Vec::new();
    let mut rest = Vec::new();
    for (producer, products) in &by_producer {
        let mut reasons = Vec::new();
        if let Some(days) = c.expiring_within_days
            && products.iter().any(|p| p.expires_on >= today && p.expires_on <= today + Duration::days(days))
        {
            reasons.push(Reason::Expiring);
        }
        if c.with_alerts && products.iter().any(|p| p.open_alerts > 0) {
            reasons.push(Reason::Alerts);
        }
        if c.with_complaints && products.iter().any(|p| p.complaints > 0) {
            reasons.push(Reason::Complaints);
        }
        if c.never_inspected && products.iter().all(|p| p.last_inspected.is_none()) {
            reasons.push(Reason::NeverInspected);
        }
        let mut ids: Vec<i64> = products.iter().map(|p| p.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        if reasons.is_empty() {
            rest.push(Proposed { producer_id: *producer, products: ids, reasons: vec![Reason::Sample] });
        } else {
            out.push(Proposed { producer_id: *producer, products: ids, reasons });
        }
    }
    if let Some(n) = c.sample {
        rest.sort_by_key(|p| (mix(c.seed, p.producer_id), p.producer_id));
        out.extend(rest.into_iter().take(n));
        out.sort_by_key(|p| p.producer_id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn candidate(producer: i64, product: i64, expires_on: Date) -> Candidate {
        Candidate {
            producer_id: producer,
            product_id: product,
            expires_on,
            open_alerts: 0,
            complaints: 0,
            last_inspected: Some(date!(2025 - 01 - 01)),
        }
    }

    #[test]
    fn plans_need_a_name_and_dates_in_order() {
        let ok = PlanInput {
            name: "Kế hoạch 2026".into(),
            purpose: String::new(),
            starts_on: "01/03/2026".into(),
            ends_on: "30/11/2026".into(),
        };
        assert_eq!(ok.parse().expect("valid").year(), 2026);
        let bad = PlanInput { ends_on: "01/02/2026".into(), ..ok.clone() };
        assert!(bad.parse().is_err());
        let long = PlanInput { ends_on: "01/06/2027".into(), ..ok };
        assert!(long.parse().is_err(), "a plan runs at most a year");
    }

    #[test]
    fn the_proposal_picks_by_criterion_and_samples_the_rest_by_seed() {
        let today = date!(2026 - 03 - 01);
        let mut all = vec![
            candidate(1, 10, date!(2026 - 04 - 01)),
            candidate(1, 11, date!(2028 - 01 - 01)),
            candidate(2, 20, date!(2028 - 01 - 01)),
            candidate(3, 30, date!(2028 - 01 - 01)),
        ];
        all[2].open_alerts = 2;
        all[3].last_inspected = None;
        for p in 4..40 {
            all.push(candidate(p, p * 10, date!(2028 - 01 - 01)));
        }
        let none = propose(&all, &ProposalCriteria::default(), today);
        assert!(none.is_empty(), "nothing asked, nothing proposed");
        let c = ProposalCriteria {
            expiring_within_days: Some(90),
            with_alerts: true,
            never_inspected: true,
            ..Default::default()
        };
        let picked = propose(&all, &c, today);
        assert_eq!(picked.iter().map(|p| p.producer_id).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(picked[0].products, vec![10, 11], "all the producer's products");
        assert_eq!(picked[0].reasons, vec![Reason::Expiring]);
        assert_eq!(picked[1].reasons, vec![Reason::Alerts]);
        assert_eq!(picked[2].reasons, vec![Reason::NeverInspected]);

        let sampled = |seed| {
            let c = ProposalCriteria { sample: Some(5), seed, ..c.clone() };
            propose(&all, &c, today)
        };
        let a = sampled(7);
        assert_eq!(a.len(), 8);
        assert_eq!(a.iter().filter(|p| p.reasons == vec![Reason::Sample]).count(), 5);
        assert_eq!(a, sampled(7), "same seed, same sample");
        assert_ne!(a, sampled(8), "another seed, another sample");
        assert!(a.windows(2).all(|w| w[0].producer_id < w[1].producer_id));
    }
}

//! Supervision and capacity building (SPEC §2.5): inspection plans and the platform's proposal of
//! whom to inspect, inspection records against a versioned checklist, findings and the sanctions
//! they lead to, training classes, support money and the label quotas it funds.
//!
//! The checklist, the training topics, the support purposes and funders, the funded label quota
//! and the revocation time limit are data (`data/supervision/`); every record keeps the version
//! it was made under.

mod inspections;
mod plans;
mod support;
mod trainings;

pub use inspections::{
    Answer, AnswerInput, ChecklistAnswers, FindingDraft, FindingInput, FindingState, FollowUp, FollowUpInput, Outcome,
    RecordDraft, RecordInput, ResponseInput, Severity, revocation_due,
};
pub use plans::{Candidate, PlanDraft, PlanInput, ProposalCriteria, Proposed, Reason, propose};
pub use support::{QuotaUse, SupportDraft, SupportInput, quota_use};
pub use trainings::{Attendance, ClassPlace, TrainingDraft, TrainingInput, TrainingParticipantInput, TrainingPeople};

use crate::Invalid;
use serde::Deserialize;
use std::sync::LazyLock;

/// One item of the inspection checklist.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChecklistItem {
    /// `1.1`, `2.2`, …
    pub code: String,
    /// `production`, `labelling`, `quality`, `mark`, `stamps`, `records`.
    pub section: String,
    pub vi: String,
    pub en: String,
}

/// A coded entry of a list (a training topic, a support purpose, a funder).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Coded {
    pub code: String,
    pub vi: String,
    pub en: String,
}

impl Coded {
    pub fn label(&self, english: bool) -> &str {
        if english { &self.en } else { &self.vi }
    }
}

/// The supervision rules in force (`data/supervision/supervision-2026.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct Supervision {
    pub version: String,
    pub source: String,
    pub checklist: Vec<ChecklistItem>,
    pub training_topics: Vec<Coded>,
    pub support_purposes: Vec<Coded>,
    pub funders: Vec<Coded>,
    /// The most labels a support record may fund for one product in one year.
    pub funded_labels_per_product_per_year: i64,
    /// Days the competent authority has to decide a proposed revocation (Điều 8).
    pub revocation_decision_days: i64,
}

/// The support purpose whose records may fund labels.
pub const LABELS_PURPOSE: &str = "labels";

impl Supervision {
    pub fn item(&self, code: &str) -> Option<&ChecklistItem> {
        self.checklist.iter().find(|i| i.code == code)
    }

    pub fn topic(&self, code: &str) -> Option<&Coded> {
        self.training_topics.iter().find(|t| t.code == code)
    }

    pub fn purpose(&self, code: &str) -> Option<&Coded> {
        self.support_purposes.iter().find(|t| t.code == code)
    }

    pub fn funder(&self, code: &str) -> Option<&Coded> {
        self.funders.iter().find(|t| t.code == code)
    }

    /// The label of a code in one of the lists, or the code itself when the data no longer has it.
    pub fn label_of<'a>(list: &'a [Coded], code: &'a str, english: bool) -> &'a str {
        list.iter().find(|c| c.code == code).map_or(code, |c| c.label(english))
    }

    /// The sections of the checklist in order, each with its items.
    pub fn sections(&self) -> Vec<(&str, Vec<&ChecklistItem>)> {
        let mut out: Vec<(&str, Vec<&ChecklistItem>)> = Vec::new();
        for item in &self.checklist {
            match out.iter_mut().find(|(s, _)| *s == item.section) {
                Some((_, items)) => items.push(item),
                None => out.push((item.section.as_str(), vec![item])),
            }
        }
        out
    }
}

fn coded<'a>(list: &'a [Coded], raw: &str, key: &'static str) -> Result<&'a Coded, Invalid> {
    let code = raw.trim();
    if code.is_empty() {
        return Err(Invalid::new("invalid-required"));
    }
    list.iter().find(|c| c.code == code).ok_or_else(|| Invalid::new(key).with("value", code))
}

static RULES: LazyLock<Supervision> = LazyLock::new(|| {
    let parsed: Result<Supervision, _> =
        serde_json::from_str(include_str!("../../../../data/supervision/supervision-2026.json"));
    // The file is compiled in and checked by a test: it cannot be wrong at run time.
    parsed.unwrap_or(Supervision {
        version: String::new(),
        source: String::new(),
        checklist: Vec::new(),
        training_topics: Vec::new(),
        support_purposes: Vec::new(),
        funders: Vec::new(),
        funded_labels_per_product_per_year: 0,
        revocation_decision_days: 15,
    })
});

pub fn supervision() -> &'static Supervision {
    &RULES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_loads_with_unique_codes() {
        let s: Supervision =
            serde_json::from_str(include_str!("../../../../data/supervision/supervision-2026.json")).expect("parses");
        assert!(!s.version.is_empty());
        assert!(s.checklist.len() >= 6, "a checklist");
        for list in [
            s.checklist.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(),
            s.training_topics.iter().map(|i| i.code.as_str()).collect(),
            s.support_purposes.iter().map(|i| i.code.as_str()).collect(),
            s.funders.iter().map(|i| i.code.as_str()).collect(),
        ] {
            let unique: std::collections::BTreeSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "{list:?}");
        }
        assert!(s.purpose(LABELS_PURPOSE).is_some(), "the purpose that funds labels is in the data");
        assert_eq!(s.funded_labels_per_product_per_year, 2000);
        assert_eq!(s.revocation_decision_days, 15);
        assert_eq!(supervision().version, s.version);
        for i in &s.checklist {
            assert_eq!(crate::text::clean(&i.vi), i.vi, "NFC, trimmed");
        }
        let sections = s.sections();
        assert_eq!(sections[0].0, "production");
        assert_eq!(sections.iter().map(|(_, i)| i.len()).sum::<usize>(), s.checklist.len());
    }
}

//! An inspection record (biên bản kiểm tra): the visit, the checklist answered item by item, and
//! the findings with their follow-up and the sanction they lead to.

use super::supervision;
use crate::registry::{optional, optional_text, parse_date, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration};

/// One checklist item's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Met,
    NotMet,
    NotApplicable,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Met, Answer::NotMet, Answer::NotApplicable];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Met => "met",
            Answer::NotMet => "not_met",
            Answer::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Answer::ALL
            .into_iter()
            .find(|a| a.as_str() == raw.trim())
            .ok_or_else(|| Invalid::new("invalid-checklist-answer").with("value", raw.trim()))
    }
}

/// An item's answer as a form or the autosave sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AnswerInput {
    /// `met`, `not_met`, `not_applicable`, or empty while unanswered.
    pub answer: String,
    pub note: String,
}

/// The checklist as answered so far: item code → answer (if any) and note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistAnswers(pub BTreeMap<String, (Option<Answer>, String)>);

pub const MAX_NOTE: usize = 1000;

impl ChecklistAnswers {
    /// Checks every item against the checklist in force: an unknown item or answer refuses the
    /// whole set (field `a_<code>`), so nothing half-understood is written.
    pub fn parse(raw: &BTreeMap<String, AnswerInput>) -> Result<Self, FieldErrors> {
        let rules = supervision();
        let mut e = FieldErrors::new();
        let mut out = BTreeMap::new();
        if raw.len() > rules.checklist.len() {
            e.add("answers", Invalid::new("invalid-checklist-item").with("value", raw.len()));
            return Err(e);
        }
        for (code, input) in raw {
            let field = format!("a_{code}");
            if rules.item(code).is_none() {
                e.add(
                    field,
                    Invalid::new("invalid-checklist-item").with("value", code.chars().take(20).collect::<String>()),
                );
                continue;
            }
            let answer = e.check(&field, optional(&input.answer, Answer::parse));
            let note = e.check(&format!("n_{code}"), optional_text(&input.note, MAX_NOTE));
            if let (Some(answer), Some(note)) = (answer, note)
                && (answer.is_some() || !note.is_empty())
            {
                out.insert(code.clone(), (answer, note));
            }
        }
        if e.is_empty() { Ok(Self(out)) } else { Err(e) }
    }

    pub fn answer(&self, code: &str) -> Option<Answer> {
        self.0.get(code).and_then(|(a, _)| *a)
    }

    pub fn note(&self, code: &str) -> &str {
        self.0.get(code).map_or("", |(_, n)| n.as_str())
    }

    /// The items of the checklist not answered yet, in its order.
    pub fn missing(&self) -> Vec<&'static str> {
        supervision().checklist.iter().filter(|i| self.answer(&i.code).is_none()).map(|i| i.code.as_str()).collect()
    }

    /// `(met, not met, not applicable)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |a: Answer| self.0.values().filter(|(x, _)| *x == Some(a)).count();
        (n(Answer::Met), n(Answer::NotMet), n(Answer::NotApplicable))
    }

    /// As stored: `{"1.1": {"answer": "met", "note": "…"}}`.
    pub fn to_json(&self) -> String {
        let map: BTreeMap<&str, AnswerInput> = self
            .0
            .iter()
            .map(|(code, (a, note))| {
                (
                    code.as_str(),
                    AnswerInput { answer: a.map(|a| a.as_str().to_owned()).unwrap_or_default(), note: note.clone() },
                )
            })
            .collect();
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
    }

    /// Reads what [`Self::to_json`] wrote; items the checklist no longer has are kept as they are.
    pub fn from_json(s: &str) -> Self {
        let map: BTreeMap<String, AnswerInput> = serde_json::from_str(s).unwrap_or_default();
        Self(map.into_iter().map(|(code, i)| (code, (Answer::parse(&i.answer).ok(), i.note))).collect())
    }
}

/// The record's head and its answers, as the tablet's form sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RecordInput {
    /// `dd/mm/yyyy` or `yyyy-mm-dd`; empty until the visit.
    pub visited_on: String,
    /// Who was present: the inspectors, the producer's representative, the commune.
    pub present: String,
    pub answers: BTreeMap<String, AnswerInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDraft {
    pub visited_on: Option<Date>,
    pub present: String,
    pub answers: ChecklistAnswers,
}

impl RecordInput {
    pub fn parse(&self, today: Date) -> Result<RecordDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let visited_on = e.check("visited_on", optional(&self.visited_on, parse_date));
        if let Some(Some(d)) = visited_on
            && d > today
        {
            e.add("visited_on", Invalid::new("invalid-date-future"));
        }
        let present = e.check("present", optional_text(&self.present, 1000));
        let answers = match ChecklistAnswers::parse(&self.answers) {
            Ok(a) => Some(a),
            Err(errors) => {
                for (field, why) in errors.iter() {
                    e.add(field.clone(), why.clone());
                }
                None
            }
        };
        match (visited_on, present, answers) {
            (Some(visited_on), Some(present), Some(answers)) if e.is_empty() => {
                Ok(RecordDraft { visited_on, present, answers })
            }
            _ => Err(e),
        }
    }
}

impl RecordDraft {
    /// Why the record cannot be closed yet: the date, who was present, every item answered.
    pub fn incomplete(&self) -> FieldErrors {
        let mut e = FieldErrors::new();
        if self.visited_on.is_none() {
            e.add("visited_on", Invalid::new("invalid-required"));
        }
        if self.present.is_empty() {
            e.add("present", Invalid::new("invalid-required"));
        }
        let missing = self.answers.missing();
        if !missing.is_empty() {
            e.add("answers", Invalid::new("invalid-checklist-missing").with("items", missing.join(", ")));
        }
        e
    }
}

/// How grave a finding is; it bounds the sanction it may lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// To correct; no risk to the consumer or to the recognition.
    Minor,
    /// A criterion no longer kept as recognised.
    Major,
    /// The product no longer meets the criteria, or the OCOP mark misleads: grounds for revocation.
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Minor, Severity::Major, Severity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.trim().is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::new("invalid-finding-severity"))
    }
}

/// A finding as the inspector types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FindingInput {
    /// The checklist item it is about, if one.
    pub item: String,
    /// The product it is about (an id among the visit's products), if one.
    pub product: String,
    /// `minor`, `major`, `critical`.
    pub severity: String,
    pub description: String,
    /// The day the producer must have remedied it by.
    pub remedy_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingDraft {
    pub item: Option<String>,
    pub product: Option<i64>,
    pub severity: Severity,
    pub description: String,
    pub remedy_by: Date,
}

impl FindingInput {
    pub fn parse(&self, today: Date) -> Result<FindingDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let item = e.check(
            "item",
            optional(&self.item, |s| {
                supervision()
                    .item(s.trim())
                    .map(|i| i.code.clone())
                    .ok_or_else(|| Invalid::new("invalid-checklist-item").with("value", s.trim()))
            }),
        );
        let product = e.check(
            "product",
            optional(&self.product, |s| s.trim().parse::<i64>().map_err(|_| Invalid::new("invalid-finding-product"))),
        );
        let severity = e.check("severity", Severity::parse(&self.severity));
        let description = e.check("description", required_text(&self.description, 2000));
        let remedy_by = e.check("remedy_by", parse_date(&self.remedy_by));
        if let Some(d) = remedy_by
            && d < today
        {
            e.add("remedy_by", Invalid::new("invalid-date-past"));
        }
        match (item, product, severity, description, remedy_by) {
            (Some(item), Some(product), Some(severity), Some(description), Some(remedy_by)) if e.is_empty() => {
                Ok(FindingDraft { item, product, severity, description, remedy_by })
            }
            _ => Err(e),
        }
    }
}

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Waiting for the producer's remedy.
    Open,
    /// The producer answered; waiting for the office's follow-up.
    Answered,
    /// Followed up and remedied: closed.
    Remedied,
    /// Followed up and not remedied: closed with a sanction.
    NotRemedied,
}

impl FindingState {
    pub const ALL: [FindingState; 4] =
        [FindingState::Open, FindingState::Answered, FindingState::Remedied, FindingState::NotRemedied];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Answered => "answered",
            FindingState::Remedied => "remedied",
            FindingState::NotRemedied => "not_remedied",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        FindingState::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::new("invalid-finding-state"))
    }

    /// Still waiting for someone: the producer may answer, the office may follow up.
    pub fn is_pending(self) -> bool {
        matches!(self, FindingState::Open | FindingState::Answered)
    }
}

/// What the office decides on a finding (the sanctions ladder: reminder → written warning →
/// request to re-rate → revocation proposal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Reminder,
    Warning,
    RerateRequest,
    RevocationProposal,
}

impl Outcome {
    pub const ALL: [Outcome; 4] =
        [Outcome::Reminder, Outcome::Warning, Outcome::RerateRequest, Outcome::RevocationProposal];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reminder => "reminder",
            Outcome::Warning => "warning",
            Outcome::RerateRequest => "rerate_request",
            Outcome::RevocationProposal => "revocation_proposal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Outcome::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::new("invalid-finding-outcome"))
    }

    /// The least severity a finding needs for this outcome: a revocation is proposed only on a
    /// critical finding (ground b, the product no longer meets the criteria), a re-rating asked
    /// only on a major one or worse.
    pub fn least_severity(self) -> Severity {
        match self {
            Outcome::Reminder | Outcome::Warning => Severity::Minor,
            Outcome::RerateRequest => Severity::Major,
            Outcome::RevocationProposal => Severity::Critical,
        }
    }

    pub fn allowed_for(self, severity: Severity) -> bool {
        severity >= self.least_severity()
    }
}

/// The producer's answer to a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ResponseInput {
    pub response: String,
}

impl ResponseInput {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = e.check("response", required_text(&self.response, 2000));
        match text {
            Some(t) if e.is_empty() => Ok(t),
            _ => Err(e),
        }
    }
}

/// The office's follow-up of a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct FollowUpInput {
    /// `remedied` or `not_remedied`.
    pub state: String,
    /// Empty, `reminder`, `warning`, `rerate_request`, `revocation_proposal`.
    pub outcome: String,
    /// The follow-up visit or check: when, what was seen.
    pub followed_up_on: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub state: FindingState,
    pub outcome: Option<Outcome>,
    pub on: Date,
    pub note: String,
}

impl FollowUpInput {
    pub fn parse(&self, severity: Severity, today: Date) -> Result<FollowUp, FieldErrors> {
        let mut e = FieldErrors::new();
        let state = e.check(
            "state",
            FindingState::parse(&self.state).and_then(|s| match s {
                FindingState::Remedied | FindingState::NotRemedied => Ok(s),
                _ => Err(Invalid::new("invalid-finding-state")),
            }),
        );
        let outcome = e.check("outcome", optional(&self.outcome, Outcome::parse));
        if let Some(Some(o)) = outcome
            && !o.allowed_for(severity)
        {
            e.add(
                "outcome",
                Invalid::new("invalid-finding-outcome-severity").with("severity", o.least_severity().as_str()),
            );
        }
        if let (Some(Some(Outcome::RevocationProposal)), Some(FindingState::Remedied)) = (outcome, state) {
            e.add("outcome", Invalid::new("invalid-finding-outcome-remedied"));
        }
        let on = if self.followed_up_on.trim().is_empty() {
            Some(today)
        } else {
            e.check("followed_up_on", parse_date(&self.followed_up_on))
        };
        if let Some(d) = on
            && d > today
        {
            e.add("followed_up_on", Invalid::new("invalid-date-future"));
        }
        let note = e.check("note", optional_text(&self.note, 2000));
        match (state, outcome, on, note) {
            (Some(state), Some(outcome), Some(on), Some(note)) if e.is_empty() => {
                Ok(FollowUp { state, outcome, on, note })
            }
            _ => Err(e),
        }
    }
}

/// The last day for the revocation decision on a proposal made on `proposed_on` (Điều 8: 15 days
/// from the conclusion; the number is data).
pub fn revocation_due(proposed_on: Date) -> Date {
    proposed_on + Duration::days(supervision().revocation_decision_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn answers(pairs: &[(&str, &str, &str)]) -> BTreeMap<String, AnswerInput> {
        pairs
            .iter()
            .map(|(c, a, n)| ((*c).to_owned(), AnswerInput { answer: (*a).to_owned(), note: (*n).to_owned() }))
            .collect()
    }

    #[test]
    fn answers_are_checked_against_the_checklist() {
        let ok = ChecklistAnswers::parse(&answers(&[("1.1", "met", ""), ("2.1", "not_met", " Thiếu  hạn dùng ")]))
            .expect("valid");
        assert_eq!(ok.answer("1.1"), Some(Answer::Met));
        assert_eq!(ok.note("2.1"), "Thiếu hạn dùng");
        assert_eq!(ok.counts(), (1, 1, 0));
        assert!(ok.missing().contains(&"1.2"));
        assert!(!ok.missing().contains(&"1.1"));
        let bad = ChecklistAnswers::parse(&answers(&[("1.1", "yes", "")])).expect_err("bad answer");
        assert_eq!(bad.get("a_1.1").map(|i| i.key), Some("invalid-checklist-answer"));
        let unknown = ChecklistAnswers::parse(&answers(&[("9.9", "met", "")])).expect_err("unknown item");
        assert_eq!(unknown.get("a_9.9").map(|i| i.key), Some("invalid-checklist-item"));
        let long = "x".repeat(MAX_NOTE + 1);
        assert!(ChecklistAnswers::parse(&answers(&[("1.1", "met", &long)])).is_err());
        // A note without an answer yet is kept; an empty entry is not.
        let partial = ChecklistAnswers::parse(&answers(&[("1.2", "", "hỏi lại"), ("1.1", "", "")])).expect("ok");
        assert_eq!(partial.0.len(), 1);
        assert_eq!(ChecklistAnswers::from_json(&ok.to_json()), ok);
    }

    #[test]
    fn a_record_is_complete_with_a_date_people_and_every_answer() {
        let today = date!(2026 - 06 - 10);
        let all: Vec<(String, AnswerInput)> = supervision()
            .checklist
            .iter()
            .map(|i| (i.code.clone(), AnswerInput { answer: "met".into(), note: String::new() }))
            .collect();
        let input = RecordInput {
            visited_on: "10/06/2026".into(),
            present: "Ông A, bà B".into(),
            answers: all.into_iter().collect(),
        };
        assert!(input.parse(today).expect("valid").incomplete().is_empty());
        let future = RecordInput { visited_on: "11/06/2026".into(), ..input.clone() };
        assert_eq!(
            future.parse(today).expect_err("future").get("visited_on").map(|i| i.key),
            Some("invalid-date-future")
        );
        let draft = RecordInput { visited_on: String::new(), present: String::new(), answers: BTreeMap::new() };
        let missing = draft.parse(today).expect("a draft may be empty").incomplete();
        assert!(
            missing.get("visited_on").is_some() && missing.get("present").is_some() && missing.get("answers").is_some()
        );
    }

    #[test]
    fn findings_need_a_severity_a_text_and_a_future_deadline() {
        let today = date!(2026 - 06 - 10);
        let f = FindingInput {
            item: "2.1".into(),
            product: "12".into(),
            severity: "major".into(),
            description: "Nhãn thiếu hạn sử dụng".into(),
            remedy_by: "10/07/2026".into(),
        };
        let d = f.parse(today).expect("valid");
        assert_eq!((d.item.as_deref(), d.product, d.severity), (Some("2.1"), Some(12), Severity::Major));
        let past = FindingInput { remedy_by: "09/06/2026".into(), ..f.clone() };
        assert!(past.parse(today).is_err());
        let bad = FindingInput { severity: "fatal".into(), item: "7.7".into(), ..f };
        let e = bad.parse(today).expect_err("bad");
        assert!(e.get("severity").is_some() && e.get("item").is_some());
    }

    #[test]
    fn a_revocation_is_proposed_only_on_a_critical_finding_not_remedied() {
        let today = date!(2026 - 06 - 10);
        let up = |state: &str, outcome: &str| FollowUpInput {
            state: state.into(),
            outcome: outcome.into(),
            followed_up_on: String::new(),
            note: String::new(),
        };
        assert!(up("not_remedied", "revocation_proposal").parse(Severity::Major, today).is_err());
        assert!(up("not_remedied", "revocation_proposal").parse(Severity::Minor, today).is_err());
        let ok = up("not_remedied", "revocation_proposal").parse(Severity::Critical, today).expect("critical");
        assert_eq!((ok.outcome, ok.on), (Some(Outcome::RevocationProposal), today));
        assert!(up("remedied", "revocation_proposal").parse(Severity::Critical, today).is_err());
        assert!(up("not_remedied", "rerate_request").parse(Severity::Minor, today).is_err());
        assert!(up("not_remedied", "rerate_request").parse(Severity::Major, today).is_ok());
        assert!(up("remedied", "").parse(Severity::Minor, today).is_ok());
        assert!(up("open", "").parse(Severity::Minor, today).is_err(), "a follow-up closes");
        assert_eq!(revocation_due(today), date!(2026 - 06 - 25));
    }
}

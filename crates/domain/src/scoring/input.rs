//! The JSON the offline self-assessment CLI reads and writes.
//!
//! Input, one assessor: `{"sheet":"01","answers":{"1.1":2,"2.4":true,…}}`; a council:
//! `{"sheet":"01","members":[{"member":"A","answers":{…}},…]}`. An answer is the 0-based index of
//! the chosen option in the criterion's `options` array (sheet 26: in the full array), or
//! `true`/`false` for a criterion without listed options. Optional, per assessor:
//! `"knock_outs":["6.1"]` (the criterion's stop condition applies) and `"disqualified":true`.

use super::{Answer, CardError, Level, Outcome, Scorecard, Stop};
use crate::Invalid;
use crate::criteria::Part;
use serde_json::{Map, Value, json};

/// What an answers file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub sheet: Option<String>,
    pub cards: Vec<Scorecard>,
}

fn refuse(member: Option<&str>, why: Invalid) -> CardError {
    CardError { member: member.map(str::to_owned), why }
}

/// Reads an answers file (a lone assessor's card has an empty member name); every refusal names the criterion (and member) at fault.
pub fn parse(json: &str) -> Result<Input, CardError> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| refuse(None, Invalid::new("score-json").with("detail", e.to_string())))?;
    let Value::Object(top) = value else {
        return Err(refuse(None, Invalid::new("score-json-shape")));
    };
    for key in top.keys() {
        if !["sheet", "answers", "members", "knock_outs", "disqualified"].contains(&key.as_str()) {
            return Err(refuse(None, Invalid::new("score-unknown-field").with("field", key)));
        }
    }
    let sheet = match top.get("sheet") {
        None => None,
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(refuse(None, Invalid::new("score-json-shape"))),
    };
    let cards = match (top.get("answers"), top.get("members")) {
        (Some(_), None) => vec![card(&top, None)?],
        (None, Some(Value::Array(members))) => {
            if top.contains_key("knock_outs") || top.contains_key("disqualified") {
                return Err(refuse(None, Invalid::new("score-json-shape")));
            }
            let mut cards = Vec::with_capacity(members.len());
            for (i, m) in members.iter().enumerate() {
                let Value::Object(m) = m else {
                    return Err(refuse(None, Invalid::new("score-json-shape")));
                };
                let name = match m.get("member") {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return Err(refuse(None, Invalid::new("score-member-name").with("position", i + 1))),
                };
                for key in m.keys() {
                    if !["member", "answers", "knock_outs", "disqualified"].contains(&key.as_str()) {
                        return Err(refuse(Some(&name), Invalid::new("score-unknown-field").with("field", key)));
                    }
                }
                cards.push(card(m, Some(name))?);
            }
            cards
        }
        _ => return Err(refuse(None, Invalid::new("score-json-shape"))),
    };
    Ok(Input { sheet, cards })
}

fn card(object: &Map<String, Value>, member: Option<String>) -> Result<Scorecard, CardError> {
    let who = member.as_deref();
    let Some(Value::Object(answers)) = object.get("answers") else {
        return Err(refuse(who, Invalid::new("score-json-shape")));
    };
    let mut card = Scorecard { member: member.clone().unwrap_or_default(), ..Scorecard::default() };
    for (code, value) in answers {
        let answer = match value {
            Value::Bool(b) => Answer::Met(*b),
            Value::Number(n) => match n.as_u64().and_then(|i| usize::try_from(i).ok()) {
                Some(i) => Answer::Choice(i),
                None => return Err(refuse(who, Invalid::new("score-answer-type").with("criterion", code))),
            },
            _ => return Err(refuse(who, Invalid::new("score-answer-type").with("criterion", code))),
        };
        card.answers.insert(code.trim().to_owned(), answer);
    }
    match object.get("knock_outs") {
        None => {}
        Some(Value::Array(codes)) => {
            for code in codes {
                let Value::String(code) = code else {
                    return Err(refuse(who, Invalid::new("score-json-shape")));
                };
                card.knock_outs.insert(code.trim().to_owned());
            }
        }
        Some(_) => return Err(refuse(who, Invalid::new("score-json-shape"))),
    }
    match object.get("disqualified") {
        None => {}
        Some(Value::Bool(b)) => card.disqualified = *b,
        Some(_) => return Err(refuse(who, Invalid::new("score-json-shape"))),
    }
    Ok(card)
}

/// Answers as stored and sent by the web scorecards: `{"1.1": 2, "2.4": true}`.
pub fn answers_to_json(answers: &std::collections::BTreeMap<String, Answer>) -> String {
    let map: Map<String, Value> = answers
        .iter()
        .map(|(code, a)| {
            let v = match a {
                Answer::Choice(i) => json!(i),
                Answer::Met(b) => json!(b),
            };
            (code.clone(), v)
        })
        .collect();
    Value::Object(map).to_string()
}

/// Reads stored or posted answers; each must be an option index or true/false.
pub fn answers_from_json(text: &str) -> Result<std::collections::BTreeMap<String, Answer>, Invalid> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| Invalid::new("score-json").with("detail", e.to_string()))?;
    let mut object = Map::new();
    object.insert("answers".into(), value);
    card(&object, None).map(|c| c.answers).map_err(|e| e.why)
}

/// Two decimals, as the report prints them.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The report the CLI prints: one JSON object.
pub fn report(outcome: &Outcome) -> Value {
    serde_json::to_value(Report::of(outcome)).unwrap_or(Value::Null)
}

/// An outcome as it is kept with an evaluation and printed by the CLI: typed, so that a stored
/// result reads back exactly or is refused as corrupt (never half-read).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub sheet: String,
    pub criteria_version: String,
    /// `province` or `central`.
    pub level: String,
    pub members: Vec<MemberTotal>,
    /// The mean of the members' totals, two decimals.
    pub total: f64,
    pub parts: Parts,
    /// The band the total alone reaches.
    pub band_stars: u8,
    /// `None` when the evaluation stopped.
    pub stars: Option<u8>,
    pub capped_by: Vec<Capped>,
    pub recognised: bool,
    pub potential_5_star: bool,
    pub spread: u32,
    pub spread_exceeded: bool,
    pub stopped: Option<Stopped>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemberTotal {
    /// The member's name, `self` for a lone assessor.
    pub member: String,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[allow(non_snake_case)] // the parts are named A, B, C in the law
pub struct Parts {
    pub A: f64,
    pub B: f64,
    pub C: f64,
}

/// A minimum requirement not met, capping the stars.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capped {
    pub criterion: String,
    pub for_stars: u8,
    pub required_points: u32,
    pub got_points: u32,
}

/// Why an evaluation stopped before ranking.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stopped {
    /// `knock_out` or `disqualified`.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    pub note: Option<String>,
}

impl Report {
    pub fn of(outcome: &Outcome) -> Report {
        Report {
            sheet: outcome.sheet.clone(),
            criteria_version: outcome.criteria_version.clone(),
            level: match outcome.level {
                Level::Province => "province",
                Level::Central => "central",
            }
            .to_owned(),
            members: outcome
                .members
                .iter()
                .map(|m| MemberTotal {
                    member: if m.member.is_empty() { "self".to_owned() } else { m.member.clone() },
                    total: m.total,
                })
                .collect(),
            total: round2(outcome.total()),
            parts: Parts {
                A: round2(outcome.part(Part::A)),
                B: round2(outcome.part(Part::B)),
                C: round2(outcome.part(Part::C)),
            },
            band_stars: outcome.band_stars,
            stars: outcome.stars,
            capped_by: outcome
                .capped_by
                .iter()
                .map(|u| Capped {
                    criterion: u.criterion.clone(),
                    for_stars: u.for_stars,
                    required_points: u.required_points,
                    got_points: u.got_points,
                })
                .collect(),
            recognised: outcome.recognised(),
            potential_5_star: outcome.potential_5_star(),
            spread: outcome.spread,
            spread_exceeded: outcome.spread_exceeded,
            stopped: outcome.stopped.as_ref().map(|s| match s {
                Stop::Disqualified { note } => {
                    Stopped { reason: "disqualified".into(), criterion: None, note: note.clone() }
                }
                Stop::KnockOut { criterion, note } => {
                    Stopped { reason: "knock_out".into(), criterion: Some(criterion.clone()), note: Some(note.clone()) }
                }
            }),
        }
    }

    /// Reads a stored report; anything else is refused with the reason.
    pub fn parse(json: &str) -> Result<Report, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_assessor_and_a_council_are_read() {
        let one = parse(r#"{"sheet":"01","answers":{"1.1":2,"2.4":true}}"#).expect("one");
        assert_eq!(one.sheet.as_deref(), Some("01"));
        assert_eq!(one.cards.len(), 1);
        assert_eq!(one.cards[0].answers["1.1"], Answer::Choice(2));
        assert_eq!(one.cards[0].answers["2.4"], Answer::Met(true));
        let council = parse(
            r#"{"sheet":"01","members":[{"member":"A","answers":{"1.1":0}},
                {"member":"B","answers":{"1.1":1},"knock_outs":["6.1"],"disqualified":false}]}"#,
        )
        .expect("council");
        assert_eq!(council.cards.iter().map(|c| c.member.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        assert!(council.cards[1].knock_outs.contains("6.1"));
    }

    #[test]
    fn malformed_input_is_refused_with_the_criterion() {
        assert_eq!(parse("{\"sheet\":").expect_err("json").why.key, "score-json");
        assert_eq!(parse("[1]").expect_err("shape").why.key, "score-json-shape");
        let e = parse(r#"{"answers":{"1.1":-1}}"#).expect_err("negative");
        assert_eq!((e.why.key, e.why.args[0].1.as_str()), ("score-answer-type", "1.1"));
        let e = parse(r#"{"answers":{"1.1":"2"}}"#).expect_err("string");
        assert_eq!(e.why.key, "score-answer-type");
        let e = parse(r#"{"answers":{},"extra":1}"#).expect_err("extra");
        assert_eq!(e.why.key, "score-unknown-field");
        let e = parse(r#"{"members":[{"answers":{}}]}"#).expect_err("nameless");
        assert_eq!(e.why.key, "score-member-name");
        let e = parse(r#"{"answers":{},"members":[]}"#).expect_err("both");
        assert_eq!(e.why.key, "score-json-shape");
    }

    #[test]
    fn stored_answers_round_trip() {
        let answers = answers_from_json(r#"{"1.1":2,"2.4":false}"#).expect("answers");
        assert_eq!(answers_from_json(&answers_to_json(&answers)), Ok(answers));
        assert_eq!(answers_from_json("[1]").map_err(|e| e.key), Err("score-json-shape"));
    }

    #[test]
    fn numbers_are_rounded_to_two_decimals() {
        assert_eq!(round2(82.666_666), 82.67);
        assert_eq!(round2(49.994), 49.99);
    }
}

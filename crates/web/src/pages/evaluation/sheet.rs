//! A criteria sheet as a form: the producer's self-assessment (every part on one page) and a
//! council member's scorecard (one part per screen). Each answer is a radio group named
//! `a_<code>` whose values are option indices, or `true`/`false` for a met/not-met criterion.

use crate::i18n::Tr;
use domain::criteria::{CriteriaSet, Kind, KnockOut, Part, Sheet};
use domain::scoring::{Answer, Scorecard};
use std::collections::BTreeMap;

pub struct OptionView {
    pub index: usize,
    pub text: String,
    pub points: u32,
    /// "≥ 4★" when the option is a minimum requirement.
    pub tag: String,
    pub checked: bool,
    /// The sheet-26 case heading shown before the first option of each case.
    pub case_heading: Option<String>,
}

pub struct CriterionView {
    pub code: String,
    pub text: String,
    pub max: u32,
    /// `choice`, `met` or `group`.
    pub kind: &'static str,
    pub child: bool,
    /// The section heading shown before the first criterion of each section.
    pub section: Option<String>,
    pub options: Vec<OptionView>,
    pub met: Option<bool>,
    pub notes: Vec<String>,
    /// A knock-out the assessor may declare, with its note.
    pub knock_out: Option<String>,
    pub knocked: bool,
    pub answered: bool,
}

pub struct PartView {
    pub letter: &'static str,
    pub name: String,
    pub max: u32,
    pub criteria: Vec<CriterionView>,
}

pub struct SheetView {
    pub code: String,
    pub name: String,
    pub parts: Vec<PartView>,
}

fn part_name(t: Tr, p: Part) -> String {
    t.get(&format!("part-{}", p.letter().to_lowercase()))
}

/// The sheet with the card's answers ticked; `only` keeps one part.
pub fn view(t: Tr, set: &CriteriaSet, sheet: &Sheet, card: &Scorecard, only: Option<Part>) -> SheetView {
    let mut parts: Vec<PartView> = Vec::new();
    let mut section = None;
    for c in &sheet.criteria {
        if only.is_some_and(|p| p != c.part) {
            continue;
        }
        if parts.last().is_none_or(|p| p.letter != c.part.letter()) {
            parts.push(PartView {
                letter: c.part.letter(),
                name: part_name(t, c.part),
                max: set.part_max(c.part),
                criteria: Vec::new(),
            });
        }
        let heading = (section.as_ref() != Some(&c.section)).then(|| format!("{}. {}", c.section, c.section_title_vi));
        section = Some(c.section.clone());
        let answer = card.answers.get(&c.code).copied();
        let mut case = None;
        let options = c
            .options
            .iter()
            .enumerate()
            .map(|(index, o)| {
                let case_heading = match o.variant.as_deref() {
                    Some(v) if case != Some(v) => {
                        case = Some(v);
                        Some(v.to_owned())
                    }
                    _ => None,
                };
                OptionView {
                    index,
                    text: o.text_vi.clone(),
                    points: o.points,
                    tag: o.min_star.map(|m| format!("≥ {m}★")).unwrap_or_default(),
                    checked: answer == Some(Answer::Choice(index)),
                    case_heading,
                }
            })
            .collect();
        let declared = c.knock_out().filter(|(k, _)| *k == KnockOut::Declared).map(|(_, note)| note.to_owned());
        let notes = c.notes_vi.iter().filter(|n| Some(n.as_str()) != declared.as_deref()).cloned().collect();
        if let Some(p) = parts.last_mut() {
            p.criteria.push(CriterionView {
                code: c.code.clone(),
                text: c.text_vi.clone(),
                max: c.max_points,
                kind: match c.kind {
                    Kind::Criterion => "choice",
                    Kind::MetOrNot => "met",
                    Kind::Group => "group",
                },
                child: c.parent_code.is_some(),
                section: heading,
                options,
                met: match answer {
                    Some(Answer::Met(b)) => Some(b),
                    _ => None,
                },
                notes,
                knocked: card.knock_outs.contains(&c.code),
                knock_out: declared,
                answered: answer.is_some(),
            });
        }
    }
    SheetView { code: sheet.code.clone(), name: sheet.name_vi.clone(), parts }
}

/// Reads `a_<code>` fields of a posted form into answers (unknown shapes are left for the store
/// to refuse by criterion), and `ko_<code>` checkboxes into declared knock-outs.
pub fn read_form(fields: &[(String, String)]) -> (BTreeMap<String, Answer>, Vec<String>, bool) {
    let mut answers = BTreeMap::new();
    let mut knock_outs = Vec::new();
    let mut disqualified = false;
    for (name, value) in fields {
        if let Some(code) = name.strip_prefix("a_") {
            let answer = match value.trim() {
                "true" => Some(Answer::Met(true)),
                "false" => Some(Answer::Met(false)),
                v => v.parse::<usize>().ok().map(Answer::Choice),
            };
            if let Some(a) = answer {
                answers.insert(code.to_owned(), a);
            }
        } else if let Some(code) = name.strip_prefix("ko_") {
            knock_outs.push(code.to_owned());
        } else if name == "disqualified" {
            disqualified = true;
        }
    }
    (answers, knock_outs, disqualified)
}

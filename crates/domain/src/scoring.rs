//! The scoring engine: from the members' scorecards on one sheet to a star rank that explains
//! itself (Decision 26/2026/QĐ-TTg, Điều 3 and Phụ lục II; `docs/ocop-rules.md` §2).
//!
//! - A member's total is the sum of the points of their answers (group headings are not counted).
//! - The product's score is the mean of the members' totals; the band is judged exactly on it.
//! - The minimum requirements (`min_star` tags) are judged on the council's consolidated choice per
//!   criterion: the lower median of the members' points. Every unmet tag at or below the band is
//!   reported; the stars fall to the highest level whose requirements are all met.
//! - A knock-out (a criterion note that stops the evaluation) applies when more than half of the
//!   members declare it, or, for "được 0 điểm" notes, when the consolidated points are 0. A
//!   disqualification ("hồ sơ bị loại khi …") applies when more than half declare it.
//! - Only 3★–5★ are recognised; 5★ from a provincial council is "potential 5★".

use crate::Invalid;
use crate::criteria::{CriteriaSet, Criterion, Kind, KnockOut, Part, Sheet};
use std::collections::{BTreeMap, BTreeSet};

pub mod input;

/// One answer: the index of the chosen option (in the criterion's full `options` array), or
/// met / not met for a criterion without listed options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Choice(usize),
    Met(bool),
}

/// One member's (or one self-assessor's) answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scorecard {
    pub member: String,
    pub answers: BTreeMap<String, Answer>,
    /// Criteria whose knock-out condition this member says applies.
    pub knock_outs: BTreeSet<String>,
    /// This member finds the dossier disqualified ("hồ sơ bị loại").
    pub disqualified: bool,
}

/// The tier of the evaluation — the one type for it everywhere: which council scores (a
/// provincial 5★ is only "potential 5★"), which level recognised a certificate (the province's
/// People's Committee for 3★/4★, the Ministry for 5★).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Province,
    Central,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Central => "central",
        }
    }

    /// `province` or `central`, as stored.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "province" => Some(Level::Province),
            "central" => Some(Level::Central),
            _ => None,
        }
    }
}

/// Rules a council's regulation (quy chế) may set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Members' totals more than this far apart force discussion and re-scoring.
    pub spread_limit: f64,
    pub level: Level,
}

impl Default for Rules {
    fn default() -> Self {
        Self { spread_limit: 10.0, level: Level::Province }
    }
}

/// A refused scorecard: which member (when there are several) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardError {
    pub member: Option<String>,
    pub why: Invalid,
}

/// The running total of a card being filled in: the points of the criteria answered so far (an
/// answer that does not fit its criterion counts nothing). The one place a partial card is
/// totalled; a complete card is [`tally`]ed.
pub fn running_total(sheet: &Sheet, answers: &BTreeMap<String, Answer>) -> u32 {
    sheet.scored().filter_map(|c| answers.get(&c.code).and_then(|a| points(c, *a).ok())).sum()
}

/// The points one answer gives on one criterion, or why the answer does not fit it.
pub fn points(criterion: &Criterion, answer: Answer) -> Result<u32, Invalid> {
    let code = || criterion.code.clone();
    match (criterion.kind, answer) {
        (Kind::Group, _) => Err(Invalid::new("score-group-answered").with("criterion", code())),
        (Kind::Criterion, Answer::Choice(i)) => criterion.options.get(i).map(|o| o.points).ok_or_else(|| {
            Invalid::new("score-out-of-range")
                .with("criterion", code())
                .with("index", i)
                .with("count", criterion.options.len())
        }),
        (Kind::Criterion, Answer::Met(_)) => Err(Invalid::new("score-needs-choice").with("criterion", code())),
        (Kind::MetOrNot, Answer::Met(met)) => Ok(criterion.met_points(met)),
        (Kind::MetOrNot, Answer::Choice(_)) => Err(Invalid::new("score-needs-met").with("criterion", code())),
    }
}

/// One member's checked scorecard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub member: String,
    pub total: u32,
    pub parts: [u32; 3],
    /// Points per scored criterion, in sheet order.
    pub points: Vec<u32>,
}

/// Checks a complete scorecard against the sheet: every scored criterion answered once, no
/// unknown criterion, options in range, sheet 26's case the same throughout.
pub fn tally(sheet: &Sheet, card: &Scorecard) -> Result<Tally, Invalid> {
    for code in card.answers.keys() {
        if sheet.criterion(code).is_none() {
            return Err(Invalid::new("score-unknown-criterion").with("criterion", code).with("sheet", &sheet.code));
        }
    }
    for code in &card.knock_outs {
        match sheet.criterion(code) {
            None => {
                return Err(Invalid::new("score-unknown-criterion").with("criterion", code).with("sheet", &sheet.code));
            }
            Some(c) if c.knock_out().is_none() => {
                return Err(Invalid::new("score-no-knock-out").with("criterion", code));
            }
            Some(_) => {}
        }
    }
    let mut case: Option<(&str, &str)> = None;
    let mut tally = Tally { member: card.member.clone(), total: 0, parts: [0; 3], points: Vec::new() };
    for criterion in &sheet.criteria {
        let answer = card.answers.get(&criterion.code);
        if !criterion.is_scored() {
            if answer.is_some() {
                return Err(Invalid::new("score-group-answered").with("criterion", &criterion.code));
            }
            continue;
        }
        let answer = answer.ok_or_else(|| Invalid::new("score-missing").with("criterion", &criterion.code))?;
        let got = points(criterion, *answer)?;
        if let Answer::Choice(i) = answer
            && let Some(variant) = criterion.options[*i].case()
        {
            match case {
                Some((other, first)) if other != variant => {
                    return Err(Invalid::new("score-mixed-variants")
                        .with("criterion", &criterion.code)
                        .with("variant", variant)
                        .with("other", first));
                }
                Some(_) => {}
                None => case = Some((variant, &criterion.code)),
            }
        }
        tally.total += got;
        tally.parts[criterion.part.index()] += got;
        tally.points.push(got);
    }
    Ok(tally)
}

/// A minimum requirement the consolidated choice did not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    pub criterion: String,
    pub for_stars: u8,
    pub required_points: u32,
    pub got_points: u32,
}

/// Why the evaluation stopped before ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Disqualified { note: Option<String> },
    KnockOut { criterion: String, note: String },
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub sheet: String,
    pub criteria_version: String,
    pub level: Level,
    pub members: Vec<Tally>,
    /// Sum of the members' totals (the mean is `sum / members`).
    pub sum: u64,
    pub part_sums: [u64; 3],
    pub band_stars: u8,
    /// `None` when the evaluation stopped (knock-out or disqualification).
    pub stars: Option<u8>,
    pub capped_by: Vec<Unmet>,
    /// The consolidated (lower-median) points per scored criterion.
    pub consolidated: Vec<(String, u32)>,
    pub stopped: Option<Stop>,
    /// Highest member total minus lowest.
    pub spread: u32,
    pub spread_exceeded: bool,
}

impl Outcome {
    fn count(&self) -> f64 {
        self.members.len().max(1) as f64
    }

    /// The mean of the members' totals.
    pub fn total(&self) -> f64 {
        self.sum as f64 / self.count()
    }

    /// The mean of the members' points in one part.
    pub fn part(&self, part: Part) -> f64 {
        self.part_sums[part.index()] as f64 / self.count()
    }

    /// 3★–5★ are recognised; 1★/2★ get no decision and no certificate.
    pub fn recognised(&self) -> bool {
        self.stars.is_some_and(|s| s >= 3)
    }

    /// A provincial 5★ goes to the central council as "potential 5★".
    pub fn potential_5_star(&self) -> bool {
        self.stars.is_some_and(|s| crate::certificate::potential_five(s, self.level == Level::Central))
    }
}

/// The lower median: of an even count, the lower of the two middle values.
pub fn median_low(values: &mut [u32]) -> u32 {
    values.sort_unstable();
    values.get((values.len().max(1) - 1) / 2).copied().unwrap_or(0)
}

fn majority(count: usize, of: usize) -> bool {
    count * 2 > of
}

/// Scores a product on `sheet` of `set` from the members' scorecards.
pub fn evaluate(set: &CriteriaSet, sheet: &Sheet, cards: &[Scorecard], rules: Rules) -> Result<Outcome, CardError> {
    if cards.is_empty() {
        return Err(CardError { member: None, why: Invalid::new("score-no-members") });
    }
    let mut seen = BTreeSet::new();
    let mut members = Vec::with_capacity(cards.len());
    for card in cards {
        let named = !card.member.is_empty();
        if named && !seen.insert(card.member.as_str()) {
            let why = Invalid::new("score-duplicate-member").with("member", &card.member);
            return Err(CardError { member: Some(card.member.clone()), why });
        }
        let tally = tally(sheet, card).map_err(|why| CardError { member: named.then(|| card.member.clone()), why })?;
        members.push(tally);
    }
    let n = members.len();
    let sum: u64 = members.iter().map(|m| u64::from(m.total)).sum();
    let mut part_sums = [0u64; 3];
    for m in &members {
        for (s, p) in part_sums.iter_mut().zip(m.parts) {
            *s += u64::from(p);
        }
    }
    let highest = members.iter().map(|m| m.total).max().unwrap_or(0);
    let lowest = members.iter().map(|m| m.total).min().unwrap_or(0);
    let spread = highest - lowest;
    let band_stars = set.band(sum, n as u64);

    let mut consolidated = Vec::new();
    let mut capped_by = Vec::new();
    let mut stopped = None;
    if majority(cards.iter().filter(|c| c.disqualified).count(), n) {
        stopped = Some(Stop::Disqualified { note: sheet.disqualification_vi.clone() });
    }
    for (i, criterion) in sheet.scored().enumerate() {
        let got = median_low(&mut members.iter().map(|m| m.points[i]).collect::<Vec<_>>());
        consolidated.push((criterion.code.clone(), got));
        for (for_stars, required_points) in criterion.tags() {
            if for_stars <= band_stars && got < required_points {
                capped_by.push(Unmet {
                    criterion: criterion.code.clone(),
                    for_stars,
                    required_points,
                    got_points: got,
                });
            }
        }
        if stopped.is_none()
            && let Some((kind, note)) = criterion.knock_out()
        {
            let applies = match kind {
                KnockOut::ZeroPoints => got == 0,
                KnockOut::Declared => {
                    majority(cards.iter().filter(|c| c.knock_outs.contains(&criterion.code)).count(), n)
                }
            };
            if applies {
                stopped = Some(Stop::KnockOut { criterion: criterion.code.clone(), note: note.to_owned() });
            }
        }
    }
    let cap = capped_by.iter().map(|u| u.for_stars - 1).min().unwrap_or(band_stars);
    let stars = stopped.is_none().then_some(band_stars.min(cap));
    Ok(Outcome {
        sheet: sheet.code.clone(),
        criteria_version: set.version.clone(),
        level: rules.level,
        members,
        sum,
        part_sums,
        band_stars,
        stars,
        capped_by,
        consolidated,
        stopped,
        spread,
        spread_exceeded: f64::from(spread) > rules.spread_limit,
    })
}

#[cfg(test)]
mod tests;

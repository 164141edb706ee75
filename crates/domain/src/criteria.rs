//! Criteria sets (bộ tiêu chí) as versioned data: product groups, the 26 sheets, and on each sheet
//! the criteria with their options, points and minimum-star tags. Loading checks that every sheet
//! adds up (A 40 / B 25 / C 35 in the 2026 set); a set that does not is refused.

use crate::Invalid;
use crate::text::fold;
use serde::Deserialize;

/// The decision whose criteria applied on a day: QĐ 1048/2019 (with its 2020 amendment) until
/// QĐ 148/2023 took over on 24 February 2023, and QĐ 26/2026 from 22 May 2026. Historical records
/// without their own label are filed under the decision of their date.
pub fn version_in_force(on: time::Date) -> &'static str {
    if on < time::macros::date!(2023 - 02 - 24) {
        "1048/QĐ-TTg"
    } else if on < time::macros::date!(2026 - 05 - 22) {
        "148/QĐ-TTg"
    } else {
        "26/2026/QĐ-TTg"
    }
}

/// The three parts of every sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Part {
    A,
    B,
    C,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::A, Part::B, Part::C];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn letter(self) -> &'static str {
        match self {
            Part::A => "A",
            Part::B => "B",
            Part::C => "C",
        }
    }
}

/// How a criterion is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Pick one of the listed options.
    Criterion,
    /// A heading over sub-criteria (`parent_code`); not answered, not added to the total.
    Group,
    /// Met (its maximum) or not met (0).
    #[serde(rename = "criterion_without_listed_options")]
    MetOrNot,
}

/// One tick-box of a criterion.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Choice {
    pub text_vi: String,
    pub points: u32,
    /// The option is the least a product must reach on this criterion to hold this many stars.
    #[serde(default)]
    pub min_star: Option<u8>,
    /// Sheet 26: which case ("Trường hợp 1/2") the option belongs to.
    #[serde(default)]
    pub variant: Option<String>,
}

impl Choice {
    /// The case an option belongs to, `Trường hợp 1` or `Trường hợp 2`: the variant's label up to
    /// its colon (the text after it describes the case and differs between criteria).
    pub fn case(&self) -> Option<&str> {
        self.variant.as_deref().map(|v| v.split(':').next().unwrap_or(v).trim())
    }
}

/// When a criterion's note stops the evaluation ("… sẽ không đánh giá các bước tiếp theo").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnockOut {
    /// The assessor declares that the condition in the note applies (impurities, copied product…).
    Declared,
    /// Scoring 0 on the criterion stops the evaluation by itself (sheet 16, 6.1–6.4).
    ZeroPoints,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Criterion {
    pub part: Part,
    pub section: String,
    pub section_title_vi: String,
    pub code: String,
    pub text_vi: String,
    pub max_points: u32,
    pub kind: Kind,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default)]
    pub notes_vi: Vec<String>,
    #[serde(default)]
    pub options: Vec<Choice>,
}

impl Criterion {
    /// Whether the criterion is answered and counted (group headings are not).
    pub fn is_scored(&self) -> bool {
        self.kind != Kind::Group
    }

    /// The knock-out its notes carry, if any, with the note that says so.
    pub fn knock_out(&self) -> Option<(KnockOut, &str)> {
        self.notes_vi.iter().find_map(|note| {
            let folded = fold(note);
            let stops = ["khong danh gia", "khong xem xet", "bi loai"].iter().any(|p| folded.contains(p));
            if !stops {
                None
            } else if folded.contains("duoc 0 diem") {
                Some((KnockOut::ZeroPoints, note.as_str()))
            } else {
                Some((KnockOut::Declared, note.as_str()))
            }
        })
    }

    /// The points an option-less criterion gives when met or not.
    pub fn met_points(&self, met: bool) -> u32 {
        if met { self.max_points } else { 0 }
    }

    /// The least points the product must reach here to hold `stars`: the tagged option with the
    /// highest `min_star` not above `stars`.
    pub fn required_for(&self, stars: u8) -> Option<(u8, u32)> {
        self.options
            .iter()
            .filter_map(|o| o.min_star.filter(|&m| m <= stars).map(|m| (m, o.points)))
            .max_by_key(|&(m, _)| m)
    }

    /// Every tag on this criterion, `(min_star, points)`, lowest level first.
    pub fn tags(&self) -> Vec<(u8, u32)> {
        let mut tags: Vec<(u8, u32)> = self.options.iter().filter_map(|o| o.min_star.map(|m| (m, o.points))).collect();
        tags.sort_unstable();
        tags
    }
}

/// One sheet (bộ sản phẩm): the criteria a kind of product is scored on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Sheet {
    /// `01` … `26`.
    pub code: String,
    /// e.g. `I.2.b`.
    pub classification_code: String,
    pub name_vi: String,
    /// "Hồ sơ bị loại khi …", when the sheet has one.
    #[serde(default)]
    pub disqualification_vi: Option<String>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
}

impl Sheet {
    pub fn criterion(&self, code: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.code == code)
    }

    /// The criteria that are answered, in sheet order.
    pub fn scored(&self) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(|c| c.is_scored())
    }

    /// Whether any option carries a case (sheet 26).
    pub fn has_variants(&self) -> bool {
        self.criteria.iter().any(|c| c.options.iter().any(|o| o.variant.is_some()))
    }
}

/// A product group (nhóm sản phẩm), I to VI.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    pub code: String,
    pub name_vi: String,
    #[serde(rename = "subgroups")]
    pub sheets: Vec<Sheet>,
}

/// A star band: from this mean total upwards (to the next band) the product ranks `stars`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Band {
    pub stars: u8,
    pub min_avg_total: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PartSpec {
    pub part: Part,
    pub max_points: u32,
}

#[derive(Debug, Clone, Deserialize)]
struct Source {
    /// "Quyết định số 26/2026/QĐ-TTg ngày …".
    document: String,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    source: Source,
    parts: Vec<PartSpec>,
    star_thresholds: Vec<Band>,
    groups: Vec<Group>,
}

/// A criteria set: its legal version, part maxima, star bands and groups of sheets.
#[derive(Debug, Clone)]
pub struct CriteriaSet {
    /// The decision that issued it, e.g. `26/2026/QĐ-TTg`.
    pub version: String,
    pub parts: Vec<PartSpec>,
    /// Highest band first.
    pub bands: Vec<Band>,
    pub groups: Vec<Group>,
}

impl CriteriaSet {
    /// Loads and checks a set; the error names the sheet and criterion that do not add up.
    pub fn from_json(json: &str) -> Result<CriteriaSet, String> {
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let version = file
            .source
            .document
            .split_whitespace()
            .find(|w| w.contains("/QĐ-"))
            .ok_or_else(|| format!("no decision number in {:?}", file.source.document))?
            .to_owned();
        let mut bands = file.star_thresholds;
        bands.sort_by_key(|b| std::cmp::Reverse(b.stars));
        let set = CriteriaSet { version, parts: file.parts, bands, groups: file.groups };
        set.check()?;
        Ok(set)
    }

    fn check(&self) -> Result<(), String> {
        let codes: Vec<&str> = self.sheets().map(|s| s.code.as_str()).collect();
        let expected: Vec<String> = (1..=codes.len()).map(|n| format!("{n:02}")).collect();
        if codes.is_empty() || codes != expected.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(format!("sheets must be numbered 01…{:02} in order, found {codes:?}", codes.len()));
        }
        if Part::ALL.iter().any(|p| !self.parts.iter().any(|s| s.part == *p)) {
            return Err("the set must give the maximum of parts A, B and C".into());
        }
        let stars: Vec<u8> = self.bands.iter().map(|b| b.stars).collect();
        if stars != [5, 4, 3, 2, 1] || self.bands.windows(2).any(|w| w[0].min_avg_total <= w[1].min_avg_total) {
            return Err(format!("star bands must be 5…1 with falling thresholds, found {:?}", self.bands));
        }
        for sheet in self.sheets() {
            check_sheet(sheet, &self.parts).map_err(|e| format!("sheet {}: {e}", sheet.code))?;
        }
        Ok(())
    }

    pub fn sheets(&self) -> impl Iterator<Item = &Sheet> {
        self.groups.iter().flat_map(|g| g.sheets.iter())
    }

    pub fn sheet(&self, code: &str) -> Option<&Sheet> {
        self.sheets().find(|s| s.code == code)
    }

    pub fn group_of(&self, sheet_code: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.sheets.iter().any(|s| s.code == sheet_code))
    }

    pub fn part_max(&self, part: Part) -> u32 {
        self.parts.iter().find(|s| s.part == part).map_or(0, |s| s.max_points)
    }

    /// The stars of a mean total `sum / count`, compared exactly (no rounding at the edges).
    pub fn band(&self, sum: u64, count: u64) -> u8 {
        self.bands.iter().find(|b| sum >= u64::from(b.min_avg_total) * count).map_or(1, |b| b.stars)
    }

    /// A sheet code as typed (`4`, `04`, `04 - Mật ong…`), checked against this set.
    pub fn parse_sheet(&self, raw: &str) -> Result<&Sheet, Invalid> {
        let digits: String = raw.trim().chars().take_while(char::is_ascii_digit).collect();
        if raw.trim().is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        let code = match digits.parse::<u8>() {
            Ok(n) => format!("{n:02}"),
            Err(_) => return Err(Invalid::new("invalid-sheet")),
        };
        self.sheet(&code).ok_or_else(|| Invalid::new("invalid-sheet"))
    }
}

fn check_sheet(sheet: &Sheet, parts: &[PartSpec]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for c in &sheet.criteria {
        if !seen.insert(c.code.as_str()) {
            return Err(format!("criterion {} appears twice", c.code));
        }
        match c.kind {
            Kind::Criterion => {
                let best = c.options.iter().map(|o| o.points).max();
                if best != Some(c.max_points) {
                    return Err(format!("criterion {}: best option {best:?} ≠ maximum {}", c.code, c.max_points));
                }
                if let Some(m) = c.options.iter().filter_map(|o| o.min_star).find(|m| !(3..=5).contains(m)) {
                    return Err(format!("criterion {}: min_star {m} is not 3, 4 or 5", c.code));
                }
            }
            Kind::MetOrNot if !c.options.is_empty() => {
                return Err(format!("criterion {} is met/not met but lists options", c.code));
            }
            Kind::Group => {
                let children: u32 = sheet
                    .criteria
                    .iter()
                    .filter(|k| k.parent_code.as_deref() == Some(&c.code))
                    .map(|k| k.max_points)
                    .sum();
                if children != c.max_points {
                    return Err(format!("group {}: children add up to {children}, not {}", c.code, c.max_points));
                }
            }
            Kind::MetOrNot => {}
        }
        if let Some(parent) = &c.parent_code
            && sheet.criterion(parent).map(|p| p.kind) != Some(Kind::Group)
        {
            return Err(format!("criterion {}: parent {parent} is not a group heading", c.code));
        }
    }
    for spec in parts {
        let sum: u32 = sheet.scored().filter(|c| c.part == spec.part).map(|c| c.max_points).sum();
        if sum != spec.max_points {
            return Err(format!("part {} adds up to {sum}, not {}", spec.part.letter(), spec.max_points));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = include_str!("../../../data/criteria/ocop-criteria-2026.json");

    fn set() -> CriteriaSet {
        CriteriaSet::from_json(JSON).expect("loads")
    }

    #[test]
    fn the_2026_set_has_26_sheets_in_6_groups() {
        let set = set();
        assert_eq!(set.groups.len(), 6);
        assert_eq!(set.sheets().count(), 26);
        assert_eq!(set.version, "26/2026/QĐ-TTg");
        assert_eq!(set.sheet("04").map(|s| s.name_vi.as_str()), Some("Mật ong, mật khác và nông sản thực phẩm khác"));
        assert_eq!(set.group_of("21").map(|g| g.code.as_str()), Some("IV"));
        assert_eq!(set.parse_sheet("4").map(|s| s.code.as_str()), Ok("04"));
        assert_eq!(set.parse_sheet("21 - Thủ công mỹ nghệ").map(|s| s.code.as_str()), Ok("21"));
        assert!(set.parse_sheet("27").is_err() && set.parse_sheet("gốm").is_err());
    }

    #[test]
    fn every_sheet_adds_up_to_40_25_35() {
        let set = set();
        for sheet in set.sheets() {
            for (part, max) in [(Part::A, 40), (Part::B, 25), (Part::C, 35)] {
                let sum: u32 = sheet.scored().filter(|c| c.part == part).map(|c| c.max_points).sum();
                assert_eq!(sum, max, "sheet {} part {part:?}", sheet.code);
            }
        }
    }

    #[test]
    fn a_set_with_a_missing_sheet_is_refused() {
        let broken = JSON.replacen("\"code\": \"05\"", "\"code\": \"55\"", 1);
        assert!(CriteriaSet::from_json(&broken).is_err());
    }

    #[test]
    fn a_sheet_that_does_not_add_up_is_refused_with_its_name() {
        // Sheet 01 criterion 1.1 is worth 3; make its best option and maximum 4.
        let mut value: serde_json::Value = serde_json::from_str(JSON).expect("json");
        let first = &mut value["groups"][0]["subgroups"][0]["criteria"][0];
        assert_eq!(first["code"], "1.1");
        first["max_points"] = 4.into();
        first["options"][2]["points"] = 4.into();
        let broken = value.to_string();
        let err = CriteriaSet::from_json(&broken).expect_err("refused");
        assert!(err.starts_with("sheet 01"), "{err}");
    }

    #[test]
    fn bands_are_half_open_and_exact() {
        let set = set();
        // One member: the mean is the total itself.
        for (total, stars) in [(100, 5), (90, 5), (89, 4), (70, 4), (69, 3), (50, 3), (49, 2), (30, 2), (29, 1), (0, 1)]
        {
            assert_eq!(set.band(total, 1), stars, "{total}");
        }
        // 8999/100 = 89.99 is 4★; 5000/100 = 50 is 3★; 4999/100 is 2★.
        assert_eq!(set.band(8999, 100), 4);
        assert_eq!(set.band(9000, 100), 5);
        assert_eq!(set.band(6999, 100), 3);
        assert_eq!(set.band(4999, 100), 2);
    }

    #[test]
    fn knock_outs_and_requirements_are_read_from_the_notes_and_tags() {
        let set = set();
        let s16 = set.sheet("16").expect("16");
        assert_eq!(s16.criterion("6.2").and_then(|c| c.knock_out()).map(|k| k.0), Some(KnockOut::ZeroPoints));
        let s02 = set.sheet("02").expect("02");
        assert_eq!(s02.criterion("6.1").and_then(|c| c.knock_out()).map(|k| k.0), Some(KnockOut::Declared));
        assert_eq!(s02.criterion("1.3").and_then(|c| c.knock_out()), None);
        let s01 = set.sheet("01").expect("01");
        let linkage = s01.criterion("1.5").expect("1.5");
        assert_eq!(linkage.required_for(3), None);
        assert_eq!(linkage.required_for(4), Some((4, 2)));
        assert_eq!(linkage.required_for(5), Some((5, 3)));
        assert!(set.sheet("26").expect("26").has_variants());
        let tea = set.sheet("11").expect("11");
        assert_eq!(tea.criterion("6.1").map(|c| c.kind), Some(Kind::Group));
        assert!(!tea.scored().any(|c| c.code == "6.1"));
    }
}

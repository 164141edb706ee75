//! Criteria sets (bộ tiêu chí) as versioned data. This module knows the product groups and the
//! 26 sheets; the scoring of each criterion arrives with the evaluation cycle.

use crate::Invalid;
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

/// One sheet (bộ sản phẩm): the criteria a kind of product is scored on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Sheet {
    /// `01` … `26`.
    pub code: String,
    /// e.g. `I.2.b`.
    pub classification_code: String,
    pub name_vi: String,
}

/// A product group (nhóm sản phẩm), I to VI.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    pub code: String,
    pub name_vi: String,
    #[serde(rename = "subgroups")]
    pub sheets: Vec<Sheet>,
}

#[derive(Debug, Clone, Deserialize)]
struct Source {
    /// "Quyết định số 26/2026/QĐ-TTg ngày …".
    document: String,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    source: Source,
    groups: Vec<Group>,
}

/// A criteria set: its legal version and its groups of sheets.
#[derive(Debug, Clone)]
pub struct CriteriaSet {
    /// The decision that issued it, e.g. `26/2026/QĐ-TTg`.
    pub version: String,
    pub groups: Vec<Group>,
}

impl CriteriaSet {
    pub fn from_json(json: &str) -> Result<CriteriaSet, String> {
        let file: File = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let version = file
            .source
            .document
            .split_whitespace()
            .find(|w| w.contains("/QĐ-"))
            .ok_or_else(|| format!("no decision number in {:?}", file.source.document))?
            .to_owned();
        let set = CriteriaSet { version, groups: file.groups };
        let codes: Vec<&str> = set.sheets().map(|s| s.code.as_str()).collect();
        let expected: Vec<String> = (1..=codes.len()).map(|n| format!("{n:02}")).collect();
        if codes.is_empty() || codes != expected.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(format!("sheets must be numbered 01…{:02} in order, found {codes:?}", codes.len()));
        }
        Ok(set)
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

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = include_str!("../../../data/criteria/ocop-criteria-2026.json");

    #[test]
    fn the_2026_set_has_26_sheets_in_6_groups() {
        let set = CriteriaSet::from_json(JSON).expect("loads");
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
    fn a_set_with_a_missing_sheet_is_refused() {
        let broken = JSON.replacen("\"code\": \"05\"", "\"code\": \"55\"", 1);
        assert!(CriteriaSet::from_json(&broken).is_err());
    }
}

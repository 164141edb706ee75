//! Units written by name in an office's spreadsheet: a province, commune, old district or old
//! commune may be its code or its name, diacritics, case and the unit's kind ("Xã", "Phường",
//! "Huyện"…) ignored, matched within the row's province; a pre-2025 commune's name through the
//! official mapping into that province. A name that fits several units is refused with them named.

use domain::Invalid;
use domain::text::fold;
use std::collections::{BTreeSet, HashMap};
use store::Db;
use store::units::{self, Commune, OldCommuneInto, OldDistrict, Province};

/// The kinds a unit's name starts with, folded, longest first.
const KINDS: &[&str] = &["thanh pho", "dac khu", "thi tran", "thi xa", "phuong", "huyen", "quan", "tinh", "xa"];

/// A name folded without its kind: "Xã Bát Tràng" and "bat trang" are both `bat trang`.
fn bare(name: &str) -> String {
    let folded = fold(name);
    KINDS
        .iter()
        .find_map(|k| folded.strip_prefix(k).and_then(|rest| rest.strip_prefix(' ')))
        .map_or_else(|| folded.clone(), str::to_owned)
}

/// Whether a cell holds a code rather than a name.
fn is_code(raw: &str, len: usize) -> bool {
    let s = raw.trim();
    !s.is_empty() && s.len() <= len && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a cell names a unit by its name (so the units of its province must be read).
pub(super) fn is_name(raw: &str) -> bool {
    let s = raw.trim();
    !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit())
}

/// The one unit a name fits: an exact match of the whole name first, then of the bare name.
pub(super) fn pick<'a, T>(
    raw: &str,
    units: &'a [T],
    name: impl Fn(&T) -> &str,
    code: impl Fn(&T) -> &str,
) -> Result<&'a T, Invalid> {
    let whole = fold(raw);
    let exact: Vec<&T> = units.iter().filter(|u| fold(name(u)) == whole).collect();
    let candidates = if exact.is_empty() {
        let wanted = bare(raw);
        units.iter().filter(|u| bare(name(u)) == wanted).collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => {
            let wanted = bare(raw);
            let near: Vec<String> = units
                .iter()
                .filter(|u| {
                    let b = bare(name(u));
                    !wanted.is_empty() && (b.contains(&wanted) || wanted.contains(&b))
                })
                .take(3)
                .map(|u| format!("{} ({})", name(u), code(u)))
                .collect();
            Err(if near.is_empty() {
                Invalid::new("import-unit-unknown").with("name", raw.trim())
            } else {
                Invalid::new("import-unit-near").with("name", raw.trim()).with("units", near.join(", "))
            })
        }
        many => Err(Invalid::new("import-unit-ambiguous")
            .with("name", raw.trim())
            .with("units", many.iter().map(|u| format!("{} ({})", name(u), code(u))).collect::<Vec<_>>().join(", "))),
    }
}

/// Where a commune cell led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CommuneCell {
    /// A current unit's code.
    Current(String),
    /// A pre-2025 commune's code (the row's current unit follows from the official mapping).
    Old(String),
}

#[derive(Default)]
struct Units {
    communes: Vec<Commune>,
    old_districts: Vec<OldDistrict>,
    old_communes: Vec<OldCommuneInto>,
}

/// The units of the provinces a file names, loaded once.
pub(super) struct Places {
    provinces: Vec<Province>,
    units: HashMap<String, Units>,
}

impl Places {
    /// Every province, and the units of the provinces the given cells name (by code or name; a
    /// blank cell stands for the importer's own). Callers pass the province cells of the rows
    /// that write a unit by its name, so a file of codes reads no units.
    pub(super) async fn load<'a>(
        db: &Db,
        cells: impl Iterator<Item = &'a str>,
        scope: Option<&str>,
    ) -> store::Result<Places> {
        let conn = db.conn();
        let mut places = Places { provinces: units::provinces(conn).await?, units: HashMap::new() };
        let named: BTreeSet<String> = cells
            .filter_map(|c| places.province(c).ok())
            .filter_map(|c| if c.is_empty() { scope.map(str::to_owned) } else { Some(c) })
            .collect();
        for code in named {
            if !places.provinces.iter().any(|p| p.code == code) {
                continue;
            }
            let units = Units {
                communes: units::communes(conn, &code).await?,
                old_districts: units::old_districts(conn, &code).await?,
                old_communes: units::old_communes_into(conn, &code).await?,
            };
            places.units.insert(code, units);
        }
        Ok(places)
    }

    /// A province cell as a code: a code is kept as typed (it is checked later), a name is looked up.
    pub(super) fn province(&self, raw: &str) -> Result<String, Invalid> {
        if raw.trim().is_empty() || is_code(raw, 2) {
            return Ok(raw.trim().to_owned());
        }
        pick(raw, &self.provinces, |p| &p.name, |p| &p.code).map(|p| p.code.clone())
    }

    /// A province's name today, by code (blank for an unknown code).
    pub(super) fn province_name(&self, code: &str) -> &str {
        self.provinces.iter().find(|p| p.code == code).map_or("", |p| p.name.as_str())
    }

    fn of(&self, province: &str) -> Result<&Units, Invalid> {
        self.units.get(province).ok_or_else(|| Invalid::new("import-unit-needs-province"))
    }

    /// A commune cell: a code as typed, or a current unit's name in the province, or else a
    /// pre-2025 commune's name that went into it.
    pub(super) fn commune(&self, province: &str, raw: &str) -> Result<CommuneCell, Invalid> {
        if raw.trim().is_empty() || is_code(raw, 5) {
            return Ok(CommuneCell::Current(raw.trim().to_owned()));
        }
        let units = self.of(province)?;
        match pick(raw, &units.communes, |c| &c.name, |c| &c.code) {
            Ok(c) => Ok(CommuneCell::Current(c.code.clone())),
            Err(current) => match pick(raw, &units.old_communes, |c| &c.name, |c| &c.code) {
                Ok(old) => Ok(CommuneCell::Old(old.code.clone())),
                Err(_) => Err(current),
            },
        }
    }

    /// An old district cell: a code as typed, or the name of a district of the province or of a
    /// province merged into it.
    pub(super) fn old_district(&self, province: &str, raw: &str) -> Result<String, Invalid> {
        if raw.trim().is_empty() || is_code(raw, 3) {
            return Ok(raw.trim().to_owned());
        }
        pick(raw, &self.of(province)?.old_districts, |d| &d.name, |d| &d.code).map(|d| d.code.clone())
    }

    /// An old commune cell: a code as typed, or the name of a pre-2025 commune that went into the
    /// province, within the old district when the row gives one.
    pub(super) fn old_commune(&self, province: &str, district: &str, raw: &str) -> Result<String, Invalid> {
        if raw.trim().is_empty() || is_code(raw, 5) {
            return Ok(raw.trim().to_owned());
        }
        let all = &self.of(province)?.old_communes;
        let within: Vec<OldCommuneInto> = all.iter().filter(|c| c.district_code == district).cloned().collect();
        let pool = if district.is_empty() { all.as_slice() } else { within.as_slice() };
        pick(raw, pool, |c| &c.name, |c| &c.code).map(|c| c.code.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_diacritics_or_kind() {
        assert_eq!(bare("Xã Bát Tràng"), "bat trang");
        assert_eq!(bare("THÀNH PHỐ Hà Nội"), "ha noi");
        assert_eq!(bare("Phường 1"), "1");
        assert!(is_code("00577", 5) && is_code("577", 5) && !is_code("Bát Tràng", 5));
        let units = vec![("00577", "Xã Bát Tràng"), ("00004", "Phường Ba Đình"), ("00100", "Xã Ba Đình")];
        let find = |raw: &str| pick(raw, &units, |u| u.1, |u| u.0).map(|u| u.0);
        assert_eq!(find("bat trang"), Ok("00577"));
        assert_eq!(find("Xã Ba Đình"), Ok("00100"), "the whole name settles it");
        assert_eq!(find("Ba Đình").map_err(|e| e.key), Err("import-unit-ambiguous"));
        assert_eq!(find("Bát").map_err(|e| e.key), Err("import-unit-near"));
        assert_eq!(find("Gia Lâm").map_err(|e| e.key), Err("import-unit-unknown"));
    }
}

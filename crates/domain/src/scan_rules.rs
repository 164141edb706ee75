//! When a label's scans look like a copied label: configurable rules over one serial's scans
//! (more than N scans, more than K distinct places, travel faster than possible between two
//! scans). Places are coarse: latitude and longitude rounded to 0.1° (about 11 km).
//!
//! A place is what the phone says (`?geo=`), unverified: one origin (a client address) counts
//! with one place however many it claims, and travel is measured only between scans of
//! different origins, so that one machine forging places cannot make a genuine label look
//! copied. Shoppers are warned only when the evidence comes from `min_origins` origins; the
//! office sees every finding.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub max_scans: u32,
    pub max_places: u32,
    /// Faster than this between two located scans is impossible for one physical label.
    pub max_speed_kmh: f64,
    /// Independent origins a finding needs before the label's page warns shoppers.
    pub min_origins: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self { max_scans: 20, max_places: 3, max_speed_kmh: 300.0, min_origins: 3 }
    }
}

impl Rules {
    /// Whether findings backed by `origins` independent origins are shown to shoppers.
    pub fn public(&self, origins: u32) -> bool {
        origins >= self.min_origins
    }
}

/// A coarse place: tenths of a degree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Cell {
    pub lat10: i32,
    pub lon10: i32,
}

impl Cell {
    /// From a phone's position; `None` when out of range.
    pub fn from_degrees(lat: f64, lon: f64) -> Option<Cell> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) || lat.is_nan() || lon.is_nan() {
            return None;
        }
        let tenths = |x: f64| crate::num::round(x * 10.0).and_then(|n| i32::try_from(n).ok());
        Some(Cell { lat10: tenths(lat)?, lon10: tenths(lon)? })
    }

    pub fn lat(self) -> f64 {
        f64::from(self.lat10) / 10.0
    }

    pub fn lon(self) -> f64 {
        f64::from(self.lon10) / 10.0
    }

    /// Great-circle distance in km.
    pub fn km_to(self, other: Cell) -> f64 {
        let (la1, lo1, la2, lo2) =
            (self.lat().to_radians(), self.lon().to_radians(), other.lat().to_radians(), other.lon().to_radians());
        let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
        2.0 * 6371.0 * h.sqrt().asin()
    }
}

/// The kind of client from its `User-Agent`: `bot`, `mobile`, `desktop` or `other`.
pub fn agent_class(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    const BOTS: [&str; 8] = ["bot", "crawl", "spider", "slurp", "facebookexternalhit", "preview", "curl", "wget"];
    if BOTS.iter().any(|b| ua.contains(b)) {
        "bot"
    } else if ["mobile", "android", "iphone", "ipad"].iter().any(|m| ua.contains(m)) {
        "mobile"
    } else if ["windows", "macintosh", "x11", "cros"].iter().any(|d| ua.contains(d)) {
        "desktop"
    } else {
        "other"
    }
}

/// One scan as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scan {
    /// Unix seconds.
    pub at: i64,
    pub cell: Option<Cell>,
}

/// A located scan: when, where (as claimed), and from which origin (`None`: unknown, each such
/// scan its own origin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    pub at: i64,
    pub cell: Cell,
    pub origin: Option<u64>,
}

/// Why a serial looks copied, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Finding {
    TooManyScans { scans: u32, limit: u32 },
    TooManyPlaces { places: u32, limit: u32 },
    ImpossibleTravel { km: f64, minutes: f64, kmh: f64, from: Cell, to: Cell, at: i64 },
}

impl Finding {
    pub fn rule(&self) -> &'static str {
        match self {
            Finding::TooManyScans { .. } => "too_many_scans",
            Finding::TooManyPlaces { .. } => "too_many_places",
            Finding::ImpossibleTravel { .. } => "impossible_travel",
        }
    }
}

/// The findings for one serial's scans (any order).
pub fn assess(scans: &[Scan], rules: Rules) -> Vec<Finding> {
    let count = u32::try_from(scans.len()).unwrap_or(u32::MAX);
    let located: Vec<Located> =
        scans.iter().filter_map(|s| s.cell.map(|cell| Located { at: s.at, cell, origin: None })).collect();
    too_many_scans(count, rules).into_iter().chain(places(&located, rules)).collect()
}

/// More scans than allowed (counted by the caller, e.g. from a label's counter).
pub fn too_many_scans(count: u32, rules: Rules) -> Option<Finding> {
    (count > rules.max_scans).then_some(Finding::TooManyScans { scans: count, limit: rules.max_scans })
}

/// The rules on located scans (time, place): too many places, impossible travel.
pub fn places(located: &[Located], rules: Rules) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut located = located.to_vec();
    located.sort_by_key(|l| l.at);
    // One place per known origin: its latest claim.
    let mut latest: std::collections::BTreeMap<u64, Cell> = std::collections::BTreeMap::new();
    let mut cells: Vec<Cell> = Vec::new();
    for l in &located {
        match l.origin {
            Some(o) => {
                latest.insert(o, l.cell);
            }
            None => cells.push(l.cell),
        }
    }
    cells.extend(latest.into_values());
    cells.sort_unstable();
    cells.dedup();
    let places = u32::try_from(cells.len()).unwrap_or(u32::MAX);
    if places > rules.max_places {
        found.push(Finding::TooManyPlaces { places, limit: rules.max_places });
    }
    for w in located.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.origin.is_some() && a.origin == b.origin {
            continue;
        }
        let ((t1, c1), (t2, c2)) = ((a.at, a.cell), (b.at, b.cell));
        let km = c1.km_to(c2);
        // Neighbouring cells are noise of the rounding, not travel.
        if km < 30.0 {
            continue;
        }
        let hours = ((t2 - t1) as f64 / 3600.0).max(1.0 / 60.0);
        let kmh = km / hours;
        if kmh > rules.max_speed_kmh {
            found.push(Finding::ImpossibleTravel { km, minutes: hours * 60.0, kmh, from: c1, to: c2, at: t2 });
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_classes() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
        assert_eq!(agent_class(iphone), "mobile");
        assert_eq!(
            agent_class("Mozilla/5.0 (Linux; Android 14; SM-A155F) Chrome/126.0 Mobile Safari/537.36"),
            "mobile"
        );
        assert_eq!(agent_class("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"), "desktop");
        assert_eq!(agent_class("Googlebot/2.1 (+http://www.google.com/bot.html)"), "bot");
        assert_eq!(agent_class("facebookexternalhit/1.1"), "bot");
        assert_eq!(agent_class(""), "other");
    }

    fn at(minutes: i64, lat: f64, lon: f64) -> Scan {
        Scan { at: minutes * 60, cell: Cell::from_degrees(lat, lon) }
    }

    #[test]
    fn a_label_scanned_at_home_is_fine() {
        let scans: Vec<Scan> = (0..5).map(|m| at(m * 600, 21.03, 105.85)).collect();
        assert!(assess(&scans, Rules::default()).is_empty());
    }

    #[test]
    fn copies_show_in_counts_places_and_speed() {
        let many: Vec<Scan> = (0..21).map(|m| Scan { at: m, cell: None }).collect();
        assert_eq!(assess(&many, Rules::default()), [Finding::TooManyScans { scans: 21, limit: 20 }]);
        // Hà Nội, then Hồ Chí Minh City 30 minutes later: about 1,140 km.
        let found = assess(&[at(0, 21.03, 105.85), at(30, 10.78, 106.70)], Rules::default());
        match &found[..] {
            [Finding::ImpossibleTravel { km, kmh, .. }] => assert!(*km > 1000.0 && *kmh > 2000.0, "{km} {kmh}"),
            other => panic!("{other:?}"),
        }
        // The same trip over two days is a plausible journey.
        assert!(assess(&[at(0, 21.03, 105.85), at(2 * 24 * 60, 10.78, 106.70)], Rules::default()).is_empty());
        let towns = [(21.0, 105.8), (20.4, 106.3), (21.6, 105.8), (20.9, 106.7)];
        let spread: Vec<Scan> =
            towns.iter().enumerate().map(|(i, (la, lo))| at(crate::num::count(i) * 3000, *la, *lo)).collect();
        assert_eq!(assess(&spread, Rules::default()), [Finding::TooManyPlaces { places: 4, limit: 3 }]);
        assert_eq!(Cell::from_degrees(91.0, 0.0), None);
    }

    #[test]
    fn one_origin_forging_places_is_no_evidence() {
        let place = |minutes: i64, lat: f64, lon: f64, origin: u64| Located {
            at: minutes * 60,
            cell: Cell::from_degrees(lat, lon).expect("cell"),
            origin: Some(origin),
        };
        let towns = [(21.03, 105.85), (10.78, 106.70), (16.05, 108.2), (20.9, 106.7), (12.2, 109.2)];
        let forged: Vec<Located> =
            towns.iter().enumerate().map(|(i, (la, lo))| place(crate::num::count(i), *la, *lo, 7)).collect();
        assert!(places(&forged, Rules::default()).is_empty(), "one origin: one place, no travel");
        // Two origins half an hour apart at both ends of the country: travel no label makes.
        let two = [place(0, 21.03, 105.85, 1), place(30, 10.78, 106.70, 2)];
        assert!(matches!(places(&two, Rules::default())[..], [Finding::ImpossibleTravel { .. }]));
        // Four origins in four towns: too many places.
        let four: Vec<Located> = towns
            .iter()
            .take(4)
            .enumerate()
            .map(|(i, (la, lo))| place(crate::num::count(i) * 3000, *la, *lo, crate::num::count(i).unsigned_abs()))
            .collect();
        assert!(places(&four, Rules::default()).iter().any(|f| matches!(f, Finding::TooManyPlaces { places: 4, .. })));
        let rules = Rules::default();
        assert!(!rules.public(2) && rules.public(3));
    }
}

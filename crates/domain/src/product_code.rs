//! Mã số sản phẩm OCOP: `(T)-(X)-(STT)-(năm)`.

use crate::Invalid;
use crate::place::{CommuneCode, ProvinceCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Province code – commune code – the commune's sequence number for the product – the
/// evaluation year, e.g. `01-00577-012-2026`. The sequence is written with at least three digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductCode {
    pub province: ProvinceCode,
    pub commune: CommuneCode,
    pub sequence: u32,
    pub year: u16,
}

pub const FIRST_YEAR: u16 = 2018;
pub const LAST_YEAR: u16 = 2100;

impl ProductCode {
    pub fn new(province: ProvinceCode, commune: CommuneCode, sequence: u32, year: u16) -> Result<Self, Invalid> {
        if sequence == 0 || sequence > 99_999 {
            return Err(Invalid::new("invalid-product-code"));
        }
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(Invalid::new("invalid-product-code-year").with("first", FIRST_YEAR));
        }
        Ok(Self { province, commune, sequence, year })
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        let parts: Vec<&str> = s.split('-').collect();
        let [t, x, stt, year] = parts.as_slice() else {
            return Err(Invalid::new("invalid-product-code"));
        };
        let exact = |p: &str, len: usize| p.len() == len && p.chars().all(|c| c.is_ascii_digit());
        if !exact(t, 2) || !exact(x, 5) || !exact(year, 4) || stt.is_empty() || stt.len() > 5 {
            return Err(Invalid::new("invalid-product-code"));
        }
        let sequence: u32 = stt.parse().map_err(|_| Invalid::new("invalid-product-code"))?;
        let year: u16 = year.parse().map_err(|_| Invalid::new("invalid-product-code"))?;
        Self::new(ProvinceCode::parse(t)?, CommuneCode::parse(x)?, sequence, year)
    }

    /// Whether a product carrying this code takes a new one when it is evaluated in `year`. The
    /// year in the code is the evaluation's and the sequence counts the commune's products of
    /// that year, so a product coded in another year (made ready one year, evaluated the next,
    /// or not recognised and filed again later) takes that year's code. A product ever certified
    /// keeps the code its certificates and printed labels carry.
    pub fn recoded_for(&self, year: u16, ever_certified: bool) -> bool {
        !ever_certified && self.year != year
    }
}

impl fmt::Display for ProductCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:03}-{}", self.province, self.commune, self.sequence, self.year)
    }
}

impl TryFrom<String> for ProductCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<ProductCode> for String {
    fn from(c: ProductCode) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_and_display() {
        let c = ProductCode::parse("01-00577-012-2026").expect("valid");
        assert_eq!((c.province.as_str(), c.commune.as_str(), c.sequence, c.year), ("01", "00577", 12, 2026));
        assert_eq!(c.to_string(), "01-00577-012-2026");
        assert_eq!(ProductCode::parse("01-00577-7-2021").map(|c| c.to_string()), Ok("01-00577-007-2021".into()));
        for bad in [
            "01-577-012-2026",
            "1-00577-012-2026",
            "01-00577-0-2026",
            "01-00577-012-26",
            "01-00577-012",
            "01-00577-x12-2026",
            "01-00577-012-2017",
        ] {
            assert!(ProductCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_code_takes_the_year_of_evaluation_until_certified() {
        let c = ProductCode::parse("01-00577-012-2025").expect("valid");
        assert!(c.recoded_for(2026, false));
        assert!(!c.recoded_for(2025, false));
        assert!(!c.recoded_for(2026, true));
    }

    proptest! {
        #[test]
        fn round_trips(p in 1u8..100, c in 0u32..100_000, seq in 1u32..100_000, year in FIRST_YEAR..=LAST_YEAR) {
            let code = ProductCode::new(
                ProvinceCode::parse(&format!("{p:02}")).expect("p"),
                CommuneCode::parse(&format!("{c:05}")).expect("c"),
                seq,
                year,
            ).expect("valid");
            prop_assert_eq!(ProductCode::parse(&code.to_string()), Ok(code));
        }
    }
}

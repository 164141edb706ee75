//! Money in Vietnamese đồng: whole đồng, no minor unit.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in đồng, never negative. Displays as `1.250.000 ₫`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Vnd(i64);

/// A trillion đồng: far above any OCOP price or support amount, below `i64` trouble.
const MAX: i64 = 1_000_000_000_000_000;

impl Vnd {
    pub fn new(dong: i64) -> Result<Self, Invalid> {
        if !(0..=MAX).contains(&dong) {
            return Err(Invalid::new("invalid-vnd"));
        }
        Ok(Self(dong))
    }

    /// Accepts `1250000`, `1.250.000`, `1,250,000`, `1 250 000`, with or without `₫`, `đ`,
    /// `VND`. A decimal part is refused: đồng have no minor unit.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        let lower = s.to_lowercase();
        let body =
            lower.trim_end_matches("vnđ").trim_end_matches("vnd").trim_end_matches('₫').trim_end_matches('đ').trim();
        let groups: Vec<&str> = body.split(['.', ',', ' ', '\u{a0}']).collect();
        let grouped = groups.len() > 1;
        let well_grouped =
            !grouped || (groups[0].len() <= 3 && !groups[0].is_empty() && groups[1..].iter().all(|g| g.len() == 3));
        let digits: String = groups.concat();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new("invalid-vnd"));
        }
        if !well_grouped {
            return Err(Invalid::new("invalid-vnd-decimal"));
        }
        let n: i64 = digits.parse().map_err(|_| Invalid::new("invalid-vnd"))?;
        Self::new(n)
    }

    pub fn dong(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Vnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        write!(f, "{out} ₫")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_usual_spellings() {
        for raw in [
            "1250000",
            "1.250.000",
            "1,250,000",
            "1 250 000",
            "1.250.000 ₫",
            "1.250.000đ",
            "1250000 VND",
            "1.250.000 VNĐ",
        ] {
            assert_eq!(Vnd::parse(raw).map(Vnd::dong), Ok(1_250_000), "{raw}");
        }
        assert_eq!(Vnd::parse("0").map(Vnd::dong), Ok(0));
        assert_eq!(Vnd::parse("12,5").map_err(|e| e.key), Err("invalid-vnd-decimal"));
        assert_eq!(Vnd::parse("1.25").map_err(|e| e.key), Err("invalid-vnd-decimal"));
        assert_eq!(Vnd::parse("-5000").map_err(|e| e.key), Err("invalid-vnd"));
        assert_eq!(Vnd::parse("năm nghìn").map_err(|e| e.key), Err("invalid-vnd"));
        assert_eq!(Vnd::parse("99999999999999999999").map_err(|e| e.key), Err("invalid-vnd"));
    }

    #[test]
    fn displays_with_dots_and_the_dong_sign() {
        assert_eq!(Vnd::new(1_250_000).map(|v| v.to_string()), Ok("1.250.000 ₫".into()));
        assert_eq!(Vnd::new(500).map(|v| v.to_string()), Ok("500 ₫".into()));
    }

    proptest! {
        #[test]
        fn display_parses_back(n in 0i64..MAX) {
            let v = Vnd::new(n).expect("in range");
            prop_assert_eq!(Vnd::parse(&v.to_string()), Ok(v));
        }
    }
}

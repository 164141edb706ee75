//! Administrative unit codes (mã đơn vị hành chính) as issued by the National Statistics Office.
//!
//! Codes are strings of digits with their zero padding: province 2, district 3 (pre-2025 only),
//! commune/ward 5. Whether a code exists is a question for the store; these types only guarantee
//! the shape.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! digit_code {
    ($(#[$doc:meta])* $name:ident, $len:expr, $key:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const LEN: usize = $len;

            /// Accepts exactly the official number of digits; a shorter all-digit value (as
            /// spreadsheets produce by dropping leading zeros) is padded back.
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                let s = raw.trim();
                if s.is_empty() {
                    return Err(Invalid::new("invalid-required"));
                }
                if !s.chars().all(|c| c.is_ascii_digit()) || s.len() > $len {
                    return Err(Invalid::new($key).with("len", $len));
                }
                Ok(Self(format!("{:0>width$}", s, width = $len)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(s: String) -> Result<Self, Invalid> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> String {
                code.0
            }
        }
    };
}

digit_code!(
    /// Province or centrally-run city (tỉnh / thành phố trực thuộc trung ương), e.g. `01` Hà Nội.
    ProvinceCode, 2, "invalid-province-code"
);
digit_code!(
    /// Pre-2025 district (quận / huyện / thị xã / thành phố thuộc tỉnh), e.g. `017` Đông Anh.
    DistrictCode, 3, "invalid-district-code"
);
digit_code!(
    /// Commune-level unit (xã / phường / đặc khu; before 2025 also thị trấn), e.g. `00577` Bát Tràng.
    CommuneCode, 5, "invalid-commune-code"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_and_refuses() {
        assert_eq!(ProvinceCode::parse("1").map(|c| c.0), Ok("01".into()));
        assert_eq!(CommuneCode::parse("577").map(|c| c.0), Ok("00577".into()));
        assert_eq!(DistrictCode::parse(" 017 ").map(|c| c.0), Ok("017".into()));
        assert!(ProvinceCode::parse("001").is_err());
        assert!(ProvinceCode::parse("").is_err());
        assert!(CommuneCode::parse("0057a").is_err());
        assert!(CommuneCode::parse("-0057").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_five_digits_round_trip(n in 0u32..100_000) {
            let s = format!("{n:05}");
            let code = CommuneCode::parse(&s).map(String::from);
            proptest::prop_assert_eq!(code, Ok(s));
        }

        #[test]
        fn non_digits_are_refused(s in "[0-9]{0,2}[a-zA-Zđ.,/+-]{1,3}[0-9]{0,2}") {
            proptest::prop_assert!(CommuneCode::parse(&s).is_err());
        }
    }
}

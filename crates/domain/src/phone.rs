//! Vietnamese telephone numbers (số điện thoại).

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A Vietnamese number in national form, `0912345678`: a mobile number (10 digits, 03x 05x 07x
/// 08x 09x) or a landline (11 digits, 02x plus the area code). `+84` and `84` prefixes, spaces,
/// dots, dashes and parentheses are accepted on input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        if trimmed.chars().any(|c| !(c.is_ascii_digit() || " .-()+".contains(c))) {
            return Err(Invalid::new("invalid-phone"));
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let national = if trimmed.starts_with('+') || (digits.starts_with("84") && digits.len() >= 11) {
            match digits.strip_prefix("84") {
                Some(rest) => format!("0{rest}"),
                None => return Err(Invalid::new("invalid-phone-country")),
            }
        } else {
            digits
        };
        let b = national.as_bytes();
        let mobile = b.len() == 10 && b[0] == b'0' && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9');
        let landline = b.len() == 11 && b.starts_with(b"02");
        if mobile || landline {
            Ok(Self(national))
        } else if b.len() == 11 && b[0] == b'0' && b[1] == b'1' {
            // 11-digit mobile numbers (01x…) were renumbered to 10 digits in 2018.
            Err(Invalid::new("invalid-phone-old-mobile"))
        } else {
            Err(Invalid::new("invalid-phone"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+84912345678`, for links (`tel:`) and messaging.
    pub fn international(&self) -> String {
        format!("+84{}", &self.0[1..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_national_and_international_forms() {
        for (raw, want) in [
            ("0912 345 678", "0912345678"),
            ("+84 912 345 678", "0912345678"),
            ("84912345678", "0912345678"),
            ("(024) 3825 1234", "02438251234"),
            ("0383.456.789", "0383456789"),
            ("+84-24-3825-1234", "02438251234"),
        ] {
            assert_eq!(PhoneNumber::parse(raw).map(String::from), Ok(want.to_owned()), "{raw}");
        }
        assert_eq!(PhoneNumber::parse("0912345678").map(|p| p.international()), Ok("+84912345678".into()));
    }

    #[test]
    fn refuses_with_a_reason() {
        assert_eq!(PhoneNumber::parse("01689123456").map_err(|e| e.key), Err("invalid-phone-old-mobile"));
        assert_eq!(PhoneNumber::parse("0612345678").map_err(|e| e.key), Err("invalid-phone"));
        assert_eq!(PhoneNumber::parse("091234567").map_err(|e| e.key), Err("invalid-phone"));
        assert_eq!(PhoneNumber::parse("+1 202 555 0100").map_err(|e| e.key), Err("invalid-phone-country"));
        assert_eq!(PhoneNumber::parse("091234567x").map_err(|e| e.key), Err("invalid-phone"));
        assert_eq!(PhoneNumber::parse(" ").map_err(|e| e.key), Err("invalid-required"));
    }

    proptest! {
        #[test]
        fn every_mobile_prefix_round_trips(second in prop::sample::select(vec!['3', '5', '7', '8', '9']), rest in "[0-9]{8}") {
            let n = format!("0{second}{rest}");
            prop_assert_eq!(PhoneNumber::parse(&n).map(String::from), Ok(n.clone()));
            let spaced = format!("+84 {} {}", &n[1..4], &n[4..]);
            prop_assert_eq!(PhoneNumber::parse(&spaced).map(String::from), Ok(n));
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = PhoneNumber::parse(&s);
        }
    }
}

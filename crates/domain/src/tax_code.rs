//! Mã số thuế: the tax code of an enterprise, a cooperative or a household business.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A tax code in its canonical spelling:
/// - `0100233488`: 10 digits, the 10th a check digit over the first nine;
/// - `0314409058-002`: a dependent unit (branch) of that taxpayer, 10 + 3 digits;
/// - `001088012345`: 12 digits, the personal identification number individuals and household
///   businesses use as their tax code since Circular 86/2024/TT-BTC (no check digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxCode(String);

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// The check digit of the first nine digits, or `None` when the sum leaves no valid digit.
fn check_digit(first_nine: &[u32]) -> Option<u32> {
    let sum: u32 = first_nine.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    let check = 10 - (sum % 11);
    (check < 10).then_some(check)
}

impl TaxCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
        if compact.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        let (main, branch) = match compact.split_once('-') {
            Some((m, b)) => (m.to_owned(), Some(b.to_owned())),
            None if compact.len() == 13 && compact.is_ascii() => {
                (compact[..10].to_owned(), Some(compact[10..].to_owned()))
            }
            None => (compact.clone(), None),
        };
        if !main.chars().all(|c| c.is_ascii_digit())
            || branch.as_ref().is_some_and(|b| !b.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(Invalid::new("invalid-tax-code-digits"));
        }
        let digits: Vec<u32> = main.chars().filter_map(|c| c.to_digit(10)).collect();
        match (digits.len(), branch) {
            (12, None) => Ok(Self(main)),
            (10, branch) => {
                if check_digit(&digits[..9]) != Some(digits[9]) {
                    return Err(Invalid::new("invalid-tax-code-check"));
                }
                match branch {
                    None => Ok(Self(main)),
                    Some(b) if b.len() == 3 && b != "000" => Ok(Self(format!("{main}-{b}"))),
                    Some(_) => Err(Invalid::new("invalid-tax-code-branch")),
                }
            }
            _ => Err(Invalid::new("invalid-tax-code-length")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A valid 10-digit code from nine digits (for generated data and tests); `None` for the
    /// one prefix in eleven that has no check digit.
    pub fn from_nine(nine: [u8; 9]) -> Option<Self> {
        let digits: Vec<u32> = nine.iter().map(|d| u32::from(*d % 10)).collect();
        let check = check_digit(&digits)?;
        Some(Self(
            digits.iter().chain([check].iter()).map(|d| char::from(b'0' + u8::try_from(*d).unwrap_or(0))).collect(),
        ))
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TaxCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<TaxCode> for String {
    fn from(t: TaxCode) -> String {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vectors() {
        assert_eq!(TaxCode::parse("0100233488").map(String::from), Ok("0100233488".into()));
        assert_eq!(TaxCode::parse("0314409058-002").map(String::from), Ok("0314409058-002".into()));
        assert_eq!(TaxCode::parse("0314409058002").map(String::from), Ok("0314409058-002".into()));
        assert_eq!(TaxCode::parse(" 0100 233 488 ").map(String::from), Ok("0100233488".into()));
        assert_eq!(TaxCode::parse("001088012345").map(String::from), Ok("001088012345".into()));
        assert_eq!(TaxCode::parse("0100233480").map_err(|e| e.key), Err("invalid-tax-code-check"));
        assert_eq!(TaxCode::parse("0314409058-000").map_err(|e| e.key), Err("invalid-tax-code-branch"));
        assert_eq!(TaxCode::parse("0314409058-02").map_err(|e| e.key), Err("invalid-tax-code-branch"));
        assert_eq!(TaxCode::parse("12345").map_err(|e| e.key), Err("invalid-tax-code-length"));
        assert_eq!(TaxCode::parse("01002A3488").map_err(|e| e.key), Err("invalid-tax-code-digits"));
        assert_eq!(TaxCode::parse("").map_err(|e| e.key), Err("invalid-required"));
    }

    proptest! {
        #[test]
        fn generated_codes_parse_and_one_changed_digit_fails(nine in proptest::array::uniform9(0u8..10), pos in 0usize..10, bump in 1u8..10) {
            if let Some(code) = TaxCode::from_nine(nine) {
                prop_assert_eq!(TaxCode::parse(code.as_str()), Ok(code.clone()));
                let mut bytes = code.as_str().as_bytes().to_vec();
                bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
                let altered = String::from_utf8(bytes).expect("ascii");
                // Weights are distinct and coprime with 11, so any single changed digit breaks the check.
                prop_assert!(TaxCode::parse(&altered).is_err(), "{} accepted", altered);
            }
        }

        #[test]
        fn anything_else_is_refused_without_panic(s in "\\PC{0,20}") {
            let _ = TaxCode::parse(&s);
        }
    }
}

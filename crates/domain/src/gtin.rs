//! GTIN (Global Trade Item Number): the barcode number of a trade item.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A GTIN-8, -12, -13 or -14 with a correct GS1 check digit, kept as the digits given.
/// Vietnamese GS1 numbers start with 893.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

/// The GS1 mod-10 check digit of the digits before it (weights 3, 1, 3, … from the right).
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 }).sum();
    ((10 - sum % 10) % 10) as u8
}

impl Gtin {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if s.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        if !s.chars().all(|c| c.is_ascii_digit()) || ![8, 12, 13, 14].contains(&s.len()) {
            return Err(Invalid::new("invalid-gtin-length"));
        }
        let digits: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        let (body, check) = digits.split_at(digits.len() - 1);
        if check_digit(body) != check[0] {
            return Err(Invalid::new("invalid-gtin-check").with("expected", check_digit(body)));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 14-digit form GS1 Digital Link URIs use, and the form stored: one GTIN, one string.
    pub fn gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }

    /// A valid GTIN-13 from its first twelve digits (for generated data).
    pub fn from_twelve(twelve: &[u8; 12]) -> Gtin {
        let digits: Vec<u8> = twelve.iter().map(|d| d % 10).collect();
        let check = check_digit(&digits);
        Gtin(digits.iter().chain([check].iter()).map(|d| char::from(b'0' + d)).collect())
    }
}

/// A stored GTIN (always the 14-digit form, see [`Gtin::gtin14`]) as printed under its barcode,
/// by GS1's rule for the 14-digit form: six leading zeros make a GTIN-8, two a GTIN-12, one a
/// GTIN-13. Anything else as given.
pub fn printed(stored: &str) -> &str {
    if stored.len() != 14 || !stored.bytes().all(|b| b.is_ascii_digit()) {
        return stored;
    }
    let zeros = stored.bytes().take_while(|b| *b == b'0').count();
    let drop = match zeros {
        6.. => 6,
        2.. => 2,
        1 => 1,
        _ => 0,
    };
    &stored[drop..]
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Gtin {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Gtin> for String {
    fn from(g: Gtin) -> String {
        g.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stored_as_fourteen_digits_and_printed_as_under_the_barcode() {
        for (typed, stored, shown) in [
            ("8934563138165", "08934563138165", "8934563138165"),
            ("08934563138165", "08934563138165", "8934563138165"),
            ("012345678905", "00012345678905", "012345678905"),
            ("96385074", "00000096385074", "96385074"),
            ("10614141000415", "10614141000415", "10614141000415"),
        ] {
            let g = Gtin::parse(typed).expect("valid GTIN");
            assert_eq!(g.gtin14(), stored);
            assert_eq!(printed(&g.gtin14()), shown);
        }
        assert_eq!(printed("8934563138165"), "8934563138165", "a form stored before normalising");
    }

    #[test]
    fn known_vectors() {
        assert!(Gtin::parse("8934563138165").is_ok());
        assert_eq!(Gtin::parse("8934563138166").map_err(|e| e.key), Err("invalid-gtin-check"));
        assert_eq!(
            Gtin::parse("8934563138166").map_err(|e| e.args),
            Err(vec![("expected", "5".to_owned())]),
            "the message can say which digit was expected"
        );
        assert!(Gtin::parse("96385074").is_ok(), "GTIN-8");
        assert!(Gtin::parse("036000291452").is_ok(), "GTIN-12 (UPC-A)");
        assert!(Gtin::parse("10614141000415").is_ok(), "GTIN-14");
        assert_eq!(Gtin::parse("8934563138165").map(|g| g.gtin14()), Ok("08934563138165".into()));
        assert_eq!(Gtin::parse("89345631381").map_err(|e| e.key), Err("invalid-gtin-length"));
        assert_eq!(Gtin::parse("89345631381a5").map_err(|e| e.key), Err("invalid-gtin-length"));
    }

    proptest! {
        #[test]
        fn generated_numbers_parse_and_a_changed_digit_fails(twelve in proptest::array::uniform12(0u8..10), pos in 0usize..13, bump in 1u8..10) {
            let g = Gtin::from_twelve(&twelve);
            prop_assert!(Gtin::parse(g.as_str()).is_ok());
            let mut bytes = g.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + bump) % 10;
            let altered = String::from_utf8(bytes).expect("ascii");
            prop_assert!(Gtin::parse(&altered).is_err(), "{} accepted", altered);
        }
    }
}

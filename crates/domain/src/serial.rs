//! Label serials (số tem): 100 random bits written as 20 Crockford base-32 characters.
//!
//! Why randomness rather than a MAC over a counter: a serial is valid only if the platform issued
//! it and stored it, so a forger must guess one of the issued values among 2^100; there is no key
//! to keep secret, rotate or leak, and a stolen database does not let anyone mint new serials
//! that the database would accept. The store draws the bytes from a CSPRNG (`rand`'s ThreadRng,
//! ChaCha12 seeded from the operating system).

use crate::Invalid;
use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LEN: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(String);

impl Serial {
    /// A serial from 13 random bytes (the first 100 bits are used).
    pub fn from_random(bytes: [u8; 13]) -> Serial {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        bits >>= 4; // 104 → 100 bits
        let mut out = [0u8; LEN];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(bits & 31) as usize];
            bits >>= 5;
        }
        Serial(out.iter().map(|b| char::from(*b)).collect())
    }

    /// A serial as typed or scanned: case, hyphens and spaces ignored; I and L read as 1, O as 0.
    pub fn parse(raw: &str) -> Result<Serial, Invalid> {
        let mut s = String::with_capacity(LEN);
        for c in raw.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(Invalid::new("invalid-serial"));
            }
            s.push(c);
        }
        if s.len() == LEN { Ok(Serial(s)) } else { Err(Invalid::new("invalid-serial")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `XXXX-XXXX-XXXX-XXXX-XXXX`, as printed under the QR code.
    pub fn grouped(&self) -> String {
        self.0.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn serials_read_back_as_typed() {
        let s = Serial::from_random([0xff; 13]);
        assert_eq!(s.as_str(), "ZZZZZZZZZZZZZZZZZZZZ");
        let s = Serial::from_random([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55]);
        assert_eq!(s.as_str().len(), LEN);
        assert_eq!(Serial::parse(&s.grouped().to_lowercase()), Ok(s.clone()));
        assert_eq!(Serial::parse("0o1l-aaaa-bbbb-cccc-dddd").map(|s| s.0), Ok("0011AAAABBBBCCCCDDDD".to_owned()));
        assert_eq!(Serial::parse("short").map_err(|e| e.key), Err("invalid-serial"));
        assert_eq!(Serial::parse("ÀAAAAAAAAAAAAAAAAAAA").map_err(|e| e.key), Err("invalid-serial"));
        assert_eq!(
            Serial::parse("UUUUUUUUUUUUUUUUUUUU").map_err(|e| e.key),
            Err("invalid-serial"),
            "U is not Crockford"
        );
    }

    proptest! {
        #[test]
        fn every_random_serial_parses_to_itself(bytes in proptest::array::uniform13(any::<u8>())) {
            let s = Serial::from_random(bytes);
            prop_assert_eq!(Serial::parse(s.as_str()), Ok(s.clone()));
            prop_assert_eq!(Serial::parse(&s.grouped()), Ok(s));
        }
    }
}

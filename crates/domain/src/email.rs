//! E-mail addresses used as login names.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A lower-cased e-mail address with one `@`, a dotted domain and no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        if s.len() > 254 {
            return Err(Invalid::new("invalid-too-long").with("max", 254));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(Invalid::new("invalid-email"));
        };
        let domain_ok = domain.split('.').count() >= 2
            && domain
                .split('.')
                .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'));
        let local_ok = !local.is_empty() && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
        // `localhost` is accepted for the first administrator account of a fresh install.
        if local_ok && (domain_ok || domain == "localhost") { Ok(Self(s)) } else { Err(Invalid::new("invalid-email")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases() {
        assert_eq!(Email::parse(" Lan.Nguyen@HaNoi.gov.vn ").map(|e| e.0), Ok("lan.nguyen@hanoi.gov.vn".into()));
        assert!(Email::parse("admin@localhost").is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", "lan", "lan@", "@x.vn", "lan@x", "lan@@x.vn", "l an@x.vn", "lan@x..vn", "lan@-x.vn."] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}

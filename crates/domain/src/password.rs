//! Passwords: the policy and Argon2id hashing (OWASP parameters: m = 19 MiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow; callers on an async runtime run it on a blocking thread.

use crate::Invalid;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::fmt;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// A password that meets the policy. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let n = raw.chars().count();
        if n < MIN_LEN {
            return Err(Invalid::new("invalid-password-short").with("min", MIN_LEN));
        }
        if n > MAX_LEN {
            return Err(Invalid::new("invalid-too-long").with("max", MAX_LEN));
        }
        let first = raw.chars().next();
        if raw.chars().all(|c| Some(c) == first) {
            return Err(Invalid::new("invalid-password-weak"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of a new random-salted hash.
pub fn hash(password: &Password) -> Result<String, HashError> {
    Argon2::default().hash_password(password.0.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// Whether `candidate` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(candidate: &str, phc: &str) -> bool {
    Argon2::default().verify_password(candidate.as_bytes(), phc).is_ok()
}

/// A valid hash of a password nobody knows. Verifying against it when an account does not exist
/// costs the same time as a real check, so response times do not reveal which e-mails exist.
pub const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$7cXsYpZ2ty7J/SL2pU0PHQ$xx1ypBtRFozbuiXKzAXXDSGUsXNw7HCrB15RpAHodLY";

/// A random password for generated accounts: 16 characters from an alphabet without look-alikes.
pub fn generate(random: impl FnMut() -> u32) -> Password {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut next = random;
    let s: String = (0..16).map(|_| char::from(ALPHABET[(next() as usize) % ALPHABET.len()])).collect();
    Password(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(Password::parse("ngắn").is_err());
        assert!(Password::parse("aaaaaaaaaaaa").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("mật khẩu dài đủ").is_ok());
        assert_eq!(format!("{:?}", Password::parse("bí mật lắm nhé").ok()), "Some(Password(***))");
    }

    #[test]
    fn hash_then_verify() {
        let pw = Password::parse("Hà Nội 2026 mùa thu").expect("valid");
        let h = hash(&pw).expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Hà Nội 2026 mùa thu", &h));
        assert!(!verify("Hà Nội 2026 mùa đông", &h));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn decoy_hash_is_well_formed_and_matches_nothing_obvious() {
        assert!(argon2::password_hash::phc::PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify("", DECOY_HASH));
        assert!(!verify("password", DECOY_HASH));
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let mut n = 0u32;
        let pw = generate(|| {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            n >> 8
        });
        assert!(Password::parse(pw.expose()).is_ok());
        assert_eq!(pw.expose().len(), 16);
    }
}

//! The audit log's hash chain (nhật ký kiểm toán).
//!
//! Every entry stores the hash of the entry before it and its own hash over all of its fields.
//! Editing, deleting or inserting a row behind the application's back breaks the chain at that
//! row, which [`first_broken_link`] finds.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the chain, 1-based and gapless.
    pub seq: i64,
    /// When the change was made; stored and hashed to the second.
    pub at: OffsetDateTime,
    pub actor_id: Option<i64>,
    /// The e-mail of the account, or `system` / `cli:<user>` for changes made outside a request.
    pub actor: String,
    /// What was done, e.g. `user.create`, `producer.update`.
    pub action: String,
    /// The kind of record, e.g. `user`, `producer`.
    pub entity: String,
    pub entity_id: String,
    /// The province the record belongs to, so a province office can browse its own entries.
    pub province_code: Option<String>,
    /// JSON of the record before and after the change; `None` for a creation or a deletion.
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
}

impl Entry {
    /// SHA-256 over every field, each prefixed by its length so that no two different entries
    /// can produce the same byte stream.
    pub fn compute_hash(&self) -> String {
        let fields: [Option<String>; 11] = [
            Some(self.seq.to_string()),
            Some(self.at.unix_timestamp().to_string()),
            self.actor_id.map(|id| id.to_string()),
            Some(self.actor.clone()),
            Some(self.action.clone()),
            Some(self.entity.clone()),
            Some(self.entity_id.clone()),
            self.province_code.clone(),
            self.before.clone(),
            self.after.clone(),
            Some(self.prev_hash.clone()),
        ];
        let mut h = Sha256::new();
        for field in fields {
            match field.as_deref() {
                None => h.update(b"-;"),
                Some(s) => {
                    h.update(s.len().to_string().as_bytes());
                    h.update(b":");
                    h.update(s.as_bytes());
                    h.update(b";");
                }
            }
        }
        hex::encode(h.finalize())
    }
}

/// Why the chain is broken at one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The stored hash does not match the entry's fields: the row was edited.
    HashMismatch { seq: i64 },
    /// The entry does not point at the previous entry's hash: a row was removed or inserted.
    WrongPrevious { seq: i64 },
    /// The sequence skips or repeats: a row was deleted.
    Gap { expected: i64, found: i64 },
}

/// Checks a chain one entry at a time, in `seq` order, so a long log need not fit in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS.to_owned() }
    }
}

impl ChainVerifier {
    /// Checks the next entry against everything seen so far.
    pub fn check(&mut self, entry: &Entry, stored_hash: &str) -> Result<(), Break> {
        if entry.seq != self.expected_seq {
            return Err(Break::Gap { expected: self.expected_seq, found: entry.seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(Break::WrongPrevious { seq: entry.seq });
        }
        if entry.compute_hash() != stored_hash {
            return Err(Break::HashMismatch { seq: entry.seq });
        }
        self.prev_hash = stored_hash.to_owned();
        self.expected_seq += 1;
        Ok(())
    }

    /// How many entries have checked out.
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }
}

/// Walks entries in `seq` order and reports the first broken link.
pub fn first_broken_link<'a>(entries: impl IntoIterator<Item = (&'a Entry, &'a str)>) -> Option<Break> {
    let mut verifier = ChainVerifier::default();
    entries.into_iter().find_map(|(entry, hash)| verifier.check(entry, hash).err())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(Entry, String)> {
        let mut out: Vec<(Entry, String)> = Vec::new();
        for seq in 1..=n {
            let prev_hash = out.last().map_or(GENESIS.to_owned(), |(_, h)| h.clone());
            let e = Entry {
                seq,
                at: OffsetDateTime::from_unix_timestamp(1_780_000_000 + seq).expect("time"),
                actor_id: Some(1),
                actor: "lan@hanoi.gov.vn".into(),
                action: "user.update".into(),
                entity: "user".into(),
                entity_id: seq.to_string(),
                province_code: Some("01".into()),
                before: Some(r#"{"name":"Lan"}"#.into()),
                after: Some(r#"{"name":"Lân"}"#.into()),
                prev_hash,
            };
            let h = e.compute_hash();
            out.push((e, h));
        }
        out
    }

    fn check(c: &[(Entry, String)]) -> Option<Break> {
        first_broken_link(c.iter().map(|(e, h)| (e, h.as_str())))
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(check(&chain(5)), None);
    }

    #[test]
    fn edited_field_is_found() {
        let mut c = chain(5);
        c[2].0.after = Some(r#"{"name":"Hacked"}"#.into());
        assert_eq!(check(&c), Some(Break::HashMismatch { seq: 3 }));
    }

    #[test]
    fn deleted_row_is_found() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(check(&c), Some(Break::Gap { expected: 2, found: 3 }));
    }

    #[test]
    fn rehashed_row_breaks_the_next_link() {
        let mut c = chain(5);
        c[1].0.actor = "someone@else.vn".into();
        c[1].1 = c[1].0.compute_hash();
        assert_eq!(check(&c), Some(Break::WrongPrevious { seq: 3 }));
    }

    #[test]
    fn none_and_empty_differ() {
        let c = chain(1);
        let mut e = c[0].0.clone();
        e.before = Some(String::new());
        let mut f = c[0].0.clone();
        f.before = None;
        assert_ne!(e.compute_hash(), f.compute_hash());
    }
}

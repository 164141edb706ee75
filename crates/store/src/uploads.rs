//! Spreadsheets an office is importing step by step: uploaded once, then mapped and previewed as
//! often as needed, then imported. Kept in the database (instances share no disk) for a day, for
//! the account that sent them; the address carries a random token stored only as its SHA-256.

use crate::db::{execute, fetch_optional, now};
use crate::{Result, Tx};
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};

/// How long an upload waits for its import.
pub const KEEP_SECONDS: i64 = 24 * 3600;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// An upload waiting for its import.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Upload {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Keeps an uploaded file for `user_id` and returns the token that names it.
pub async fn save(tx: &Tx, user_id: i64, kind: &str, file_name: &str, bytes: Vec<u8>) -> Result<String> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    execute(
        tx,
        "INSERT INTO import_upload (token_hash, user_id, kind, file_name, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [hash(&token).into(), user_id.into(), kind.into(), file_name.into(), bytes.into(), now().into()],
    )
    .await?;
    Ok(token)
}

/// The upload a token names, if it is this account's and still kept.
pub async fn get(c: &impl ConnectionTrait, token: &str, user_id: i64) -> Result<Option<Upload>> {
    fetch_optional(
        c,
        "SELECT id, kind, file_name, bytes FROM import_upload WHERE token_hash = $1 AND user_id = $2 AND created_at > $3",
        [hash(token).into(), user_id.into(), (now() - KEEP_SECONDS).into()],
    )
    .await
}

/// Forgets an upload once it is imported.
pub async fn delete(tx: &Tx, id: i64) -> Result<()> {
    execute(tx, "DELETE FROM import_upload WHERE id = $1", [id.into()]).await?;
    Ok(())
}

/// Forgets uploads older than a day (the housekeeping job).
pub async fn purge_old(c: &impl ConnectionTrait) -> Result<u64> {
    execute(c, "DELETE FROM import_upload WHERE created_at <= $1", [(now() - KEEP_SECONDS).into()]).await
}

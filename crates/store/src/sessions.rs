//! Sign-in sessions, stored in the database so that every instance shares them.
//!
//! The cookie carries a 256-bit random token; the table keeps only its SHA-256, so a copy of the
//! database does not let anyone sign in as someone else.

use crate::db::{execute, fetch_optional, now};
use crate::users::{COLUMNS, User, UserRow};
use crate::{Result, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Details kept about where a session was opened, for the account page.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Opens a session lasting `ttl_seconds` of inactivity and returns the token for the cookie.
pub async fn create(c: &impl ConnectionTrait, user_id: i64, ttl_seconds: i64, origin: &Origin) -> Result<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let t = now();
    let user_agent = origin.user_agent.as_deref().map(|ua| ua.chars().take(300).collect::<String>());
    execute(
        c,
        "INSERT INTO user_session (token_hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $3, $5, $6)",
        [
            hash_token(&token).into(),
            user_id.into(),
            t.into(),
            (t + ttl_seconds).into(),
            origin.ip.clone().into(),
            user_agent.into(),
        ],
    )
    .await?;
    Ok(token)
}

/// A live session and its account.
#[derive(Debug, Clone)]
pub struct Live {
    pub user: User,
    pub token_hash: String,
    pub expires_at: i64,
    pub last_seen_at: i64,
}

/// The session of a token, if it exists, has not expired and its account is enabled.
pub async fn lookup(c: &impl ConnectionTrait, token: &str) -> Result<Option<Live>> {
    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        user: UserRow,
        token_hash: String,
        expires_at: i64,
        last_seen_at: i64,
    }
    let row = fetch_optional::<Row>(
        c,
        &format!(
            "SELECT {COLUMNS}, s.token_hash, s.expires_at, s.last_seen_at FROM user_session s \
             JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = $3"
        ),
        [hash_token(token).into(), now().into(), false.into()],
    )
    .await?;
    row.map(|r| {
        Ok::<_, StoreError>(Live {
            user: User::try_from(r.user)?,
            token_hash: r.token_hash,
            expires_at: r.expires_at,
            last_seen_at: r.last_seen_at,
        })
    })
    .transpose()
}

/// Slides the expiry forward. Callers do this at most once a minute per session, so that
/// reading pages does not turn into a stream of writes.
pub async fn touch(c: &impl ConnectionTrait, token_hash: &str, ttl_seconds: i64) -> Result<()> {
    let t = now();
    execute(
        c,
        "UPDATE user_session SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
        [t.into(), (t + ttl_seconds).into(), token_hash.into()],
    )
    .await?;
    Ok(())
}

pub async fn delete(c: &impl ConnectionTrait, token: &str) -> Result<()> {
    execute(c, "DELETE FROM user_session WHERE token_hash = $1", [hash_token(token).into()]).await?;
    Ok(())
}

pub async fn delete_for_user(c: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    delete_for_user_except(c, user_id, None).await
}

/// Ends every session of an account but the one whose token hash is given.
pub async fn delete_for_user_except(c: &impl ConnectionTrait, user_id: i64, keep_hash: Option<&str>) -> Result<u64> {
    execute(
        c,
        "DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2",
        [user_id.into(), keep_hash.unwrap_or("").into()],
    )
    .await
}

pub async fn purge_expired(c: &impl ConnectionTrait) -> Result<u64> {
    execute(c, "DELETE FROM user_session WHERE expires_at <= $1", [now().into()]).await
}

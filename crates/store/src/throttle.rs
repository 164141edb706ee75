//! Sign-in throttling: failed attempts are counted in the database per account and per client
//! address, so the limit holds across every instance behind a load balancer.

use crate::Result;
use crate::db::{count, execute, now};
use sea_orm::ConnectionTrait;

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// Failures recorded for a key in the last `window_seconds`.
pub async fn recent_failures(c: &impl ConnectionTrait, key: &str, window_seconds: i64) -> Result<i64> {
    count(
        c,
        "SELECT COUNT(*) AS n FROM login_failure WHERE key = $1 AND at > $2",
        [key.into(), (now() - window_seconds).into()],
    )
    .await
}

/// Seconds until the oldest failure inside the window leaves it.
pub async fn retry_after(c: &impl ConnectionTrait, key: &str, window_seconds: i64) -> Result<i64> {
    let oldest = count(
        c,
        "SELECT COALESCE(MIN(at), 0) AS n FROM login_failure WHERE key = $1 AND at > $2",
        [key.into(), (now() - window_seconds).into()],
    )
    .await?;
    Ok((oldest + window_seconds - now()).max(1))
}

pub async fn record_failure(c: &impl ConnectionTrait, keys: &[&str]) -> Result<()> {
    let t = now();
    for key in keys {
        execute(c, "INSERT INTO login_failure (key, at) VALUES ($1, $2)", [(*key).into(), t.into()]).await?;
    }
    Ok(())
}

/// Forgets an account's failures after a successful sign-in (the address keeps its count).
pub async fn clear(c: &impl ConnectionTrait, key: &str) -> Result<()> {
    execute(c, "DELETE FROM login_failure WHERE key = $1", [key.into()]).await?;
    Ok(())
}

pub async fn purge_older_than(c: &impl ConnectionTrait, seconds: i64) -> Result<u64> {
    execute(c, "DELETE FROM login_failure WHERE at <= $1", [(now() - seconds).into()]).await
}

//! Housekeeping in the background: expired sessions and old sign-in failures are deleted every
//! few minutes. The deletes are idempotent, so several instances may run them at once.

use crate::AppState;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const EVERY: Duration = Duration::from_secs(10 * 60);
/// Sign-in failures are kept a day for the record, far beyond any throttling window.
const KEEP_FAILURES_SECONDS: i64 = 24 * 3600;

/// Runs until `stop` is cancelled.
pub async fn housekeeping(state: AppState, stop: CancellationToken) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {
                let conn = state.db().conn();
                match store::sessions::purge_expired(conn).await {
                    Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "removing expired sessions failed"),
                }
                if let Err(e) = store::throttle::purge_older_than(conn, KEEP_FAILURES_SECONDS).await {
                    tracing::warn!(error = %e, "removing old sign-in failures failed");
                }
            }
        }
    }
}

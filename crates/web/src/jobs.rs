//! Work in the background. Housekeeping: expired sessions and old sign-in failures are deleted
//! every few minutes (idempotent deletes, so several instances may run them at once). Reminders:
//! once a day (Vietnam's date) certificates entering the re-rating window and overdue screenings
//! are notified; the day is claimed in the database, so one instance of many does it.

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
                if let Err(e) = store::uploads::purge_old(conn).await {
                    tracing::warn!(error = %e, "removing old import uploads failed");
                }
                state.limiter().forget_idle();
            }
        }
    }
}

/// How often an instance checks whether today's reminders have run.
const REMINDERS_EVERY: Duration = Duration::from_secs(15 * 60);

/// Runs the daily reminders until `stop` is cancelled.
pub async fn reminders(state: AppState, stop: CancellationToken) {
    let mut tick = tokio::time::interval(REMINDERS_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => match store::evaluation::reminders::run_today(state.db()).await {
                Ok(r) if r.ran => tracing::info!(
                    rerating = r.rerating, overdue = r.overdue, notifications = r.notifications, "daily reminders sent"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "daily reminders failed; the next tick retries"),
            },
        }
    }
}

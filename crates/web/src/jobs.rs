//! Work in the background. Housekeeping: expired sessions and old sign-in failures are deleted
//! every few minutes (idempotent deletes, so several instances may run them at once), and the
//! scan log's partitions are made ahead and its retention applied (`store::trace::upkeep`). Reminders:
//! once a day (Vietnam's date) certificates entering the re-rating window and overdue screenings
//! are notified; the day is claimed in the database, so one instance of many does it. Mail:
//! every notification is also e-mailed to its recipient (when `OCOP_SMTP_URL` is set); each
//! instance claims the ones not yet mailed, so none is sent twice.

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
                let keep = state.settings().scans.retention_months;
                match store::trace::upkeep::run(state.db(), store::now(), keep).await {
                    Ok(u) if u != store::trace::upkeep::Upkeep::default() => tracing::info!(
                        created = ?u.created, dropped = ?u.dropped, deleted = u.deleted, "scan log upkeep"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "the scan log's upkeep failed; the next tick retries"),
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

/// How often an instance looks for notifications to e-mail.
const MAIL_EVERY: Duration = Duration::from_secs(30);
/// Notifications whose own flow e-mails a fuller message (the inquiry thread's link): the job
/// only marks them.
const MAILED_BY_THEIR_FLOW: [&str; 2] = ["notify-inquiry-new", "notify-inquiry-reply"];

/// E-mails new notifications until `stop` is cancelled (in Vietnamese, with a link to the item).
pub async fn mail(state: AppState, stop: CancellationToken) {
    let mut tick = tokio::time::interval(MAIL_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = mail_pending(&state).await {
                    tracing::warn!(error = %e, "e-mailing notifications failed; the next tick retries");
                }
            }
        }
    }
}

/// Claims and sends the notifications not yet mailed; returns how many were handed to the relay.
pub async fn mail_pending(state: &AppState) -> Result<usize, store::StoreError> {
    let tx = state.db().write().await?;
    let claimed = store::notifications::claim_unmailed(&tx, 100).await?;
    tx.commit().await?;
    if !state.mailer().enabled() {
        // The notifications stay in the platform; nothing piles up for a relay set later.
        return Ok(0);
    }
    let t = crate::i18n::Locale::Vi.tr();
    let base = crate::page::base_url(state);
    let mut sent = 0;
    for n in claimed.into_iter().filter(|n| !MAILED_BY_THEIR_FLOW.contains(&n.message_key.as_str())) {
        let args = n.args();
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let text = t.args(&n.message_key, &args);
        let link = if n.link.is_empty() { format!("{base}/notifications") } else { format!("{base}{}", n.link) };
        state.mailer().send(crate::mail::Mail {
            to: n.email,
            subject: t.arg("notify-mail-subject", "text", &text.chars().take(80).collect::<String>()),
            body: t.args("notify-mail-body", &[("name", n.display_name.as_str()), ("text", &text), ("link", &link)]),
        });
        sent += 1;
    }
    Ok(sent)
}

//! Rate limits on the public requests that cost work: searches, label scans, buyer inquiries,
//! shoppers' reports.
//! Each client address has a bucket per kind that refills steadily; an empty bucket answers 429
//! with a message saying when to try again. Signed-in staff are not limited (a whole office may
//! sit behind one address). The counts live in this instance's memory: with N instances a client
//! gets up to N times the limit, which is enough to stop abuse; sign-in throttling, which must be
//! exact, is counted in the database instead.

use crate::AppState;
use crate::auth::{CurrentUser, client_ip};
use crate::error::AppError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A handler parameter that takes one request of `R`'s kind from the caller's allowance, or
/// refuses with 429 and `Retry-After`. Signed-in accounts pass.
pub struct Limited<R>(PhantomData<R>);

pub trait Rate {
    const KIND: Kind;
}

pub struct Searches;
impl Rate for Searches {
    const KIND: Kind = Kind::Search;
}

pub struct Scans;
impl Rate for Scans {
    const KIND: Kind = Kind::Scan;
}

pub struct Inquiries;
impl Rate for Inquiries {
    const KIND: Kind = Kind::Inquiry;
}

pub struct Reports;
impl Rate for Reports {
    const KIND: Kind = Kind::Report;
}

impl<R: Rate> FromRequestParts<AppState> for Limited<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.extensions.get::<CurrentUser>().is_some_and(|u| u.0.is_some()) {
            return Ok(Limited(PhantomData));
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let ip = client_ip(state, &parts.headers, peer);
        match state.limiter().check(R::KIND, &ip) {
            Ok(()) => Ok(Limited(PhantomData)),
            Err(seconds) => {
                metrics::counter!("ocop_rate_limited_total", "kind" => format!("{:?}", R::KIND)).increment(1);
                Err(AppError::TooMany {
                    key: "rate-limited",
                    retry_after_seconds: i64::try_from(seconds).unwrap_or(60),
                })
            }
        }
    }
}

/// What a limited request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A search of the public catalogue or the API.
    Search,
    /// A label or product page opened from a QR code.
    Scan,
    /// A buyer's inquiry sent from a public page.
    Inquiry,
    /// A scan of a label never issued, logged for the office.
    Attempt,
    /// A shopper's report of a label to the office.
    Report,
}

/// Requests allowed per client address; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub searches_per_minute: u32,
    pub scans_per_minute: u32,
    pub inquiries_per_hour: u32,
    /// Scans of labels never issued written to the office's log (more are answered, not logged).
    pub attempts_per_hour: u32,
    /// Shoppers' reports of labels sent to the office.
    pub reports_per_hour: u32,
}

impl Default for RateLimits {
    /// Generous: mobile carriers put many phones behind one address.
    fn default() -> Self {
        Self {
            searches_per_minute: 120,
            scans_per_minute: 300,
            inquiries_per_hour: 10,
            attempts_per_hour: 30,
            reports_per_hour: 5,
        }
    }
}

impl RateLimits {
    /// `(requests, per)` of a kind, or `None` when it is not limited.
    fn rate(&self, kind: Kind) -> Option<(u32, Duration)> {
        let (n, per) = match kind {
            Kind::Search => (self.searches_per_minute, Duration::from_secs(60)),
            Kind::Scan => (self.scans_per_minute, Duration::from_secs(60)),
            Kind::Inquiry => (self.inquiries_per_hour, Duration::from_secs(3600)),
            Kind::Attempt => (self.attempts_per_hour, Duration::from_secs(3600)),
            Kind::Report => (self.reports_per_hour, Duration::from_secs(3600)),
        };
        (n > 0).then_some((n, per))
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct Limiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(Kind, String), Bucket>>,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        Self { limits, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request of `kind` from `client`'s bucket; `Err(seconds)` says how long until the
    /// next one is allowed.
    pub fn check(&self, kind: Kind, client: &str) -> Result<(), u64> {
        self.check_at(kind, client, Instant::now())
    }

    fn check_at(&self, kind: Kind, client: &str, now: Instant) -> Result<(), u64> {
        let Some((n, per)) = self.limits.rate(kind) else { return Ok(()) };
        let capacity = f64::from(n);
        let refill_per_second = capacity / per.as_secs_f64();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry((kind, client.to_owned())).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * refill_per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / refill_per_second).ceil().max(1.0);
            Err(domain::num::round(wait).and_then(|s| u64::try_from(s).ok()).unwrap_or(60))
        }
    }

    /// Forgets the buckets that have refilled (called by the housekeeping job).
    pub fn forget_idle(&self) {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        buckets.retain(|(kind, _), b| {
            self.limits.rate(*kind).is_some_and(|(_, per)| now.saturating_duration_since(b.at) < per)
        });
    }

    pub fn tracked(&self) -> usize {
        self.buckets.lock().map_or(0, |b| b.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_refills_and_is_per_client_and_kind() {
        let limiter = Limiter::new(RateLimits {
            searches_per_minute: 3,
            scans_per_minute: 0,
            inquiries_per_hour: 2,
            attempts_per_hour: 0,
            reports_per_hour: 0,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(Kind::Search, "203.0.113.7", t0), Ok(()));
        }
        assert_eq!(limiter.check_at(Kind::Search, "203.0.113.7", t0), Err(20), "one search every 20 s");
        assert_eq!(limiter.check_at(Kind::Search, "198.51.100.1", t0), Ok(()), "another client has its own");
        assert_eq!(limiter.check_at(Kind::Search, "203.0.113.7", t0 + Duration::from_secs(20)), Ok(()));
        for _ in 0..1000 {
            assert_eq!(limiter.check_at(Kind::Scan, "203.0.113.7", t0), Ok(()), "0 turns a limit off");
        }
        assert_eq!(limiter.check_at(Kind::Inquiry, "203.0.113.7", t0), Ok(()));
        assert_eq!(limiter.check_at(Kind::Inquiry, "203.0.113.7", t0), Ok(()));
        assert_eq!(limiter.check_at(Kind::Inquiry, "203.0.113.7", t0), Err(1800));
        limiter.forget_idle();
        assert!(limiter.tracked() <= 3);
    }
}

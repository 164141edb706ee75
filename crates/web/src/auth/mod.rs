//! Who is calling: the session cookie, the signed-in account, and the guard every handler uses.

mod guard;
pub mod login;

pub use guard::Caller;

use crate::AppState;
use crate::cookies;
use axum::http::HeaderMap;
use std::net::SocketAddr;
use std::sync::Arc;
use store::sessions::{self, Live};

/// The cookie that carries the session token. With `Secure` cookies the `__Host-` prefix also
/// stops a sibling sub-domain from planting one.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-ocop_session" } else { "ocop_session" }
}

/// The signed-in account of a request, put in its extensions by [`crate::frame`].
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Option<Arc<Live>>);

/// How often a session's expiry is slid forward: reading pages should not mean writing rows.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// Loads the session named by the request's cookie, sliding its expiry when due.
pub async fn load(state: &AppState, headers: &HeaderMap) -> store::Result<Option<Arc<Live>>> {
    let secure = state.settings().secure_cookies;
    let Some(token) = cookies::get(headers, session_cookie_name(secure)) else {
        return Ok(None);
    };
    let Some(live) = sessions::lookup(state.db().conn(), &token).await? else {
        return Ok(None);
    };
    if store::now() - live.last_seen_at >= TOUCH_EVERY_SECONDS {
        let ttl = i64::try_from(state.settings().session_idle.as_secs()).unwrap_or(i64::MAX / 2);
        sessions::touch(state.db().conn(), &live.token_hash, ttl).await?;
    }
    Ok(Some(Arc::new(live)))
}

/// The client's address: the connection's peer, or the first `X-Forwarded-For` hop when the
/// platform runs behind a proxy that sets it.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if state.settings().trust_proxy_headers
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded.split(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return first.to_owned();
    }
    peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string())
}

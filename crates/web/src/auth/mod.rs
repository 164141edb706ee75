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

/// The client's address: the connection's peer, or, behind `trusted_proxies` proxies that each
/// append the address they were reached from to `X-Forwarded-For`, the entry that many places
/// from the right. Entries further left are whatever the client wrote and are never believed.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    let peer = || peer.map_or_else(|| "unknown".to_owned(), |p| p.ip().to_string());
    forwarded_client(headers, state.settings().trusted_proxies).unwrap_or_else(peer)
}

fn forwarded_client(headers: &HeaderMap, trusted_proxies: u8) -> Option<String> {
    if trusted_proxies == 0 {
        return None;
    }
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse())
        .collect::<Result<_, _>>()
        .ok()?;
    // Fewer hops than proxies: a proxy added none; the furthest one known is still a proxy's.
    let from_right = usize::from(trusted_proxies).min(hops.len());
    hops.len().checked_sub(from_right).and_then(|i| hops.get(i)).map(ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use axum::http::HeaderMap;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn the_client_is_counted_from_the_right() {
        // The client wrote "6.6.6.6"; the one proxy appended the address it saw.
        let h = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(forwarded_client(&h, 1).as_deref(), Some("203.0.113.7"));
        // Two proxies: the outer one saw the client, the inner one saw the outer proxy.
        let h = headers(&["6.6.6.6, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(forwarded_client(&h, 2).as_deref(), Some("203.0.113.7"));
        assert_eq!(forwarded_client(&headers(&["203.0.113.7"]), 2).as_deref(), Some("203.0.113.7"));
        // Not behind a proxy, or a header that is not a list of addresses: the peer decides.
        assert_eq!(forwarded_client(&h, 0), None);
        assert_eq!(forwarded_client(&headers(&["6.6.6.6, <script>"]), 1), None);
        assert_eq!(forwarded_client(&HeaderMap::new(), 1), None);
    }
}

//! Signing in and out, and choosing the language.

use super::{client_ip, session_cookie_name};
use crate::error::AppError;
use crate::i18n::{self, Locale};
use crate::page::{FLASH_COOKIE, PageCtx, render_status};
use crate::{AppState, cookies};
use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::net::SocketAddr;
use store::audit::{self, Change};
use store::{sessions, throttle, users};

/// The client's address as the throttle counts it.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        Ok(ClientIp(client_ip(state, &parts.headers, peer)))
    }
}

/// Only paths of this site: a relative path starting with one `/`, with no scheme, no `//` or
/// `/\\` (which browsers read as another host), and no control characters or spaces (browsers
/// drop tabs and newlines, so `/<TAB>/evil.example` would become `//evil.example`).
pub fn safe_next(next: &str) -> &str {
    let bytes = next.as_bytes();
    let ok = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if ok { next } else { "/" }
}

/// Sets a message to show once on the next page.
pub fn flash(message: &str, secure: bool) -> (header::HeaderName, HeaderValue) {
    (header::SET_COOKIE, cookies::set(FLASH_COOKIE, message, cookies::Lifetime::Seconds(120), secure))
}

/// Post/redirect/get: go to `path` and say `message` there once.
pub fn redirect_with_flash(state: &AppState, message: &str, path: &str) -> Response {
    ([flash(message, state.settings().secure_cookies)], Redirect::to(path)).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    /// Where a page that needs an account sent the visitor: they are told to sign in.
    #[serde(default)]
    next: String,
    /// The page the visitor chose to sign in from: they go back there.
    #[serde(default)]
    from: String,
}

pub async fn form(ctx: PageCtx, Query(q): Query<NextQuery>) -> Response {
    let asked = !q.next.is_empty() && q.next != "/";
    let next = if q.next.is_empty() { q.from } else { q.next };
    if ctx.user().is_some() {
        return Redirect::to(safe_next(&next)).into_response();
    }
    let error = asked.then(|| ctx.t.get("login-required"));
    render_status(StatusCode::OK, &LoginPage { ctx, email: String::new(), next, error })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let settings = state.settings();
    let db = state.db();
    let account_key = throttle::account_key(&form.email);
    let ip_key = throttle::ip_key(&ip);
    let t = ctx.t;

    if let Some(wait) = throttled(&state, &account_key, &ip_key).await? {
        let minutes = ((wait + 59) / 60).to_string();
        let error = t.arg("login-throttled", "minutes", &minutes);
        let mut response = again(ctx, form, StatusCode::TOO_MANY_REQUESTS, error);
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }

    let account = users::find_for_login(db.conn(), &form.email).await?;
    let hash = account.as_ref().map_or(domain::password::DECOY_HASH.to_owned(), |(_, h)| h.clone());
    let password = form.password.clone();
    let matches =
        state.heavy().run(crate::heavy::PASSWORD_BYTES, move || domain::password::verify(&password, &hash)).await?;
    let user = match account {
        Some((user, _)) if matches && !user.disabled => user,
        _ => {
            throttle::record_failure(db.conn(), &[&account_key, &ip_key]).await?;
            return Ok(again(ctx, form, StatusCode::UNAUTHORIZED, t.get("login-failed")));
        }
    };

    throttle::clear(db.conn(), &account_key).await?;
    let ttl = i64::try_from(settings.session_idle.as_secs()).unwrap_or(12 * 3600);
    let origin = sessions::Origin {
        ip: Some(ip),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
    };
    let tx = db.write().await?;
    let token = sessions::create(&tx, user.id, ttl, &origin).await?;
    users::record_login(&tx, user.id).await?;
    audit::append(
        &tx,
        &user.who(),
        Change::new("user.login", "user", user.id).province(user.scope.province().map(|p| p.as_str())),
    )
    .await?;
    tx.commit().await?;

    // A password to change first, then on to where the user was headed.
    let headed = safe_next(&form.next);
    let target = match (user.must_change_password, headed) {
        (false, _) => headed.to_owned(),
        (true, "/") => "/account".to_owned(),
        (true, next) => format!("/account?next={}", utf8_percent_encode(next, NON_ALPHANUMERIC)),
    };
    let cookie = cookies::set(
        session_cookie_name(settings.secure_cookies),
        &token,
        cookies::Lifetime::Session,
        settings.secure_cookies,
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response())
}

/// Seconds to wait when an account or an address has used up its failed password checks within
/// the window (signing in and confirming the current password count alike: both guess it).
pub(crate) async fn throttled(state: &AppState, account_key: &str, ip_key: &str) -> Result<Option<i64>, AppError> {
    let settings = state.settings();
    let conn = state.db().conn();
    let window = i64::try_from(settings.login_window.as_secs()).unwrap_or(900);
    for (key, max) in [(account_key, settings.login_max_failures_account), (ip_key, settings.login_max_failures_ip)] {
        if throttle::recent_failures(conn, key, window).await? >= max {
            tracing::warn!(%key, "password checks throttled");
            return Ok(Some(throttle::retry_after(conn, key, window).await?));
        }
    }
    Ok(None)
}

/// The form again, with what was typed (but not the password) and why it failed.
fn again(ctx: PageCtx, form: LoginForm, status: StatusCode, error: String) -> Response {
    render_status(status, &LoginPage { ctx, email: form.email, next: form.next, error: Some(error) })
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, ctx: PageCtx) -> Result<Response, AppError> {
    let secure = state.settings().secure_cookies;
    let name = session_cookie_name(secure);
    if let Some(token) = cookies::get(&headers, name) {
        sessions::delete(state.db().conn(), &token).await?;
    }
    Ok((
        [
            (header::SET_COOKIE, cookies::set(name, "", cookies::Lifetime::Expired, secure)),
            flash(&ctx.t.get("login-signed-out"), secure),
        ],
        Redirect::to("/"),
    )
        .into_response())
}

pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let locale = Locale::parse(&code).ok_or(AppError::NotFound)?;
    let cookie = cookies::set(
        i18n::COOKIE,
        locale.code(),
        cookies::Lifetime::Seconds(365 * 24 * 3600),
        state.settings().secure_cookies,
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(safe_next(&q.next))).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next("/admin/users?page=2"), "/admin/users?page=2");
        assert_eq!(super::safe_next("//evil.example/"), "/");
        assert_eq!(super::safe_next("/\\evil.example"), "/");
        assert_eq!(super::safe_next("https://evil.example/"), "/");
        assert_eq!(super::safe_next(""), "/");
        for hostile in ["/\t/evil.example", "/\n/evil.example", "/ /evil.example", "/\u{0}/x", "/a\\b", "evil"] {
            assert_eq!(super::safe_next(hostile), "/", "{hostile:?}");
        }
        assert_eq!(super::safe_next("/products?q=m%E1%BA%ADt+ong"), "/products?q=m%E1%BA%ADt+ong");
    }

    proptest::proptest! {
        /// Whatever is accepted is a path of this site: browsers, which drop tabs and newlines
        /// and read `\\` as `/`, still see it start with one `/` and no host.
        #[test]
        fn accepted_targets_never_leave_the_site(next in "\\PC*") {
            let out = super::safe_next(&next);
            let seen: String = out.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).map(|c| if c == '\\' { '/' } else { c }).collect();
            proptest::prop_assert!(seen.starts_with('/') && !seen.starts_with("//"), "{out:?}");
        }
    }
}

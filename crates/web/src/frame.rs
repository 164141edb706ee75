//! The frame around every request: find the signed-in account, hold accounts with a temporary
//! password to the password form, and turn every error response — from a handler, the CSRF
//! layer, the router or a panic — into a page in the caller's language or a JSON error, both
//! carrying the request id.

use crate::api::{ApiError, ApiErrorBody, ApiFieldError};
use crate::auth::{self, CurrentUser};
use crate::error::{AppError, ErrorInfo};
use crate::i18n::{Locale, Tr};
use crate::page::{FLASH_COOKIE, PageCtx, render_status};
use crate::{AppState, cookies};
use askama::Template;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use tower_http::csrf::ProtectionError;

/// Paths an account with a temporary password may still use.
fn allowed_before_password_change(path: &str) -> bool {
    path == "/account"
        || path.starts_with("/account/")
        || path == "/logout"
        || path.starts_with("/static/")
        || path.starts_with("/lang/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.ico")
}

/// Whether the caller gets JSON errors: the API, and clients that ask for JSON.
fn wants_json(req: &Request) -> bool {
    let path = req.uri().path();
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    path.starts_with("/api/") || (accept.contains("application/json") && !accept.contains("text/html"))
}

pub async fn frame(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let json = wants_json(&req);
    let session = match auth::load(&state, req.headers()).await {
        Ok(session) => session,
        Err(e) => {
            let (parts, _) = req.into_parts();
            return render_error(&parts, json, AppError::from(e).into_response());
        }
    };
    let had_flash = cookies::get(req.headers(), FLASH_COOKIE).is_some();
    req.extensions_mut().insert(CurrentUser(session.clone()));

    if let Some(live) = &session
        && live.user.must_change_password
        && !allowed_before_password_change(req.uri().path())
    {
        if json {
            return AppError::Forbidden.into_response();
        }
        // Change the password first, then on to the page asked for.
        let asked = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        return if req.method() == Method::GET && asked != "/" {
            Redirect::to(&format!("/account?next={}", utf8_percent_encode(asked, NON_ALPHANUMERIC))).into_response()
        } else {
            Redirect::to("/account").into_response()
        };
    }

    // Keep what the error page needs; the request itself goes to the handler.
    let (parts, body) = req.into_parts();
    let mut response = next.run(Request::from_parts(parts.clone(), body)).await;
    // A successful write may change what the public pages show: drop their cached reads.
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) && response.status().as_u16() < 400 {
        state.public_cache().invalidate();
    }

    let is_error = response.extensions().get::<ErrorInfo>().is_some()
        || response.extensions().get::<ProtectionError>().is_some()
        || (response.status().as_u16() >= 400 && !response.headers().contains_key(header::CONTENT_TYPE));
    if is_error {
        response = render_error(&parts, json, response);
    } else if had_flash && response.status() == StatusCode::OK && is_html(&response) {
        let clear = cookies::set(FLASH_COOKIE, "", cookies::Lifetime::Expired, state.settings().secure_cookies);
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    title: String,
    detail: String,
    fields: Vec<String>,
}

fn render_error(parts: &axum::http::request::Parts, json: bool, response: Response) -> Response {
    let status = response.status();
    let info = response.extensions().get::<ErrorInfo>().cloned();
    let csrf = response.extensions().get::<ProtectionError>().is_some();
    let t: Tr = Locale::from_parts(parts).tr();

    if status == StatusCode::UNAUTHORIZED && !json {
        let next = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let target = if parts.method == Method::GET { next } else { "/" };
        return Redirect::to(&format!("/login?next={}", utf8_percent_encode(target, NON_ALPHANUMERIC))).into_response();
    }

    let code = status.as_u16();
    let detail = match (&info, csrf) {
        (_, true) => t.get("error-csrf"),
        (Some(ErrorInfo { message: Some((key, args)), .. }), _) => {
            let args: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
            t.args(key, &args)
        }
        _ => t.get(&format!("error-detail-{code}")),
    };
    let detail = if detail.starts_with('⟦') { t.get(&format!("error-detail-{}", code / 100 * 100)) } else { detail };
    let refused = code == 409 && info.as_ref().is_some_and(|i| i.message.is_some());
    let title = if refused {
        // A step not possible now (it says why), not a record changed by someone else.
        t.get("error-title-refused")
    } else {
        let title = t.get(&format!("error-title-{code}"));
        if title.starts_with('⟦') { t.get(&format!("error-title-{}", code / 100 * 100)) } else { title }
    };
    let fields = info.as_ref().map(|i| i.fields.clone()).unwrap_or_default();
    let request_id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();

    let mut rendered = if json {
        let body = ApiError {
            error: ApiErrorBody {
                status: code,
                title,
                message: detail,
                request_id,
                fields: fields
                    .iter()
                    .map(|(field, why)| ApiFieldError {
                        field: field.clone(),
                        code: why.key.to_owned(),
                        message: t.invalid(why),
                    })
                    .collect(),
            },
        };
        (status, Json(body)).into_response()
    } else {
        let page = ErrorPage {
            ctx: PageCtx::new(parts),
            status: code,
            title,
            detail,
            fields: fields.iter().map(|(field, why)| format!("{field}: {}", t.invalid(why))).collect(),
        };
        render_status(status, &page)
    };
    if let Some(seconds) = info.and_then(|i| i.retry_after_seconds)
        && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
    {
        rendered.headers_mut().insert(header::RETRY_AFTER, v);
    }
    for name in [header::ALLOW, header::SET_COOKIE] {
        for value in response.headers().get_all(&name) {
            rendered.headers_mut().append(name.clone(), value.clone());
        }
    }
    rendered
}

//! What every response and request goes through to close the public surface: the security
//! headers (a strict Content-Security-Policy with no inline script, no framing, no sniffing), and
//! a check that refuses text the database must never see — NUL and other control characters,
//! bytes that are not UTF-8 — in the path, the query and form or JSON bodies, with a 422 that
//! names the field, before any handler runs.

use crate::AppState;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::{FieldErrors, Invalid};
use percent_encoding::percent_decode;

/// The headers every response carries unless its handler set its own.
pub struct SecurityHeaders {
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeaders {
    /// `img_sources` are the origins pages may load pictures from besides this one (map tiles).
    pub fn new(https: bool, img_sources: &[String]) -> Self {
        let images: String = img_sources.iter().map(|s| format!(" {s}")).collect();
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{images}; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        );
        let mut headers = vec![
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::X_FRAME_OPTIONS, "DENY".to_owned()),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin".to_owned()),
            (
                HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()".to_owned(),
            ),
            (HeaderName::from_static("cross-origin-opener-policy"), "same-origin".to_owned()),
        ];
        if https {
            headers.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000".to_owned()));
        }
        let headers = headers.into_iter().filter_map(|(n, v)| HeaderValue::from_str(&v).ok().map(|v| (n, v))).collect();
        Self { headers }
    }
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for (name, value) in &state.security_headers().headers {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    response
}

/// The largest form or JSON body read for the check (larger ones are uploads, checked where
/// they are read).
const MAX_CHECKED_BODY: usize = 4 * 1024 * 1024;

pub async fn reject_bad_text(req: Request, next: Next) -> Response {
    match checked(req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn checked(req: Request) -> Result<Request, AppError> {
    let bad = |field: &str| AppError::Invalid(FieldErrors::single(field, Invalid::new("invalid-text")));
    if decode(req.uri().path().as_bytes(), false).is_none() {
        return Err(bad("path"));
    }
    if let Some(query) = req.uri().query()
        && let Some(field) = bad_pair(query.as_bytes())
    {
        return Err(bad(&field));
    }
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    let json = kind.starts_with("application/json") || kind.starts_with("application/ld+json");
    if !form && !json {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_CHECKED_BODY)
        .await
        .map_err(|_| AppError::BadRequest(Invalid::new("invalid-body-too-large")))?;
    if form {
        if let Some(field) = bad_pair(&bytes) {
            return Err(bad(&field));
        }
    } else if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(field) = bad_json(&value, "")
    {
        return Err(bad(&field));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Percent-decodes (and in forms reads `+` as a space); `None` when the result is not text we
/// accept.
fn decode(raw: &[u8], plus_is_space: bool) -> Option<String> {
    let spaced: Vec<u8> = raw.iter().map(|b| if plus_is_space && *b == b'+' { b' ' } else { *b }).collect();
    let text = String::from_utf8(percent_decode(&spaced).collect()).ok()?;
    acceptable(&text).then_some(text)
}

/// Text may hold tabs and line breaks, never NUL or another control character.
fn acceptable(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first `key=value` pair of a query or form whose key or value is not acceptable text.
fn bad_pair(raw: &[u8]) -> Option<String> {
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let key = halves.next().unwrap_or_default();
        let value = halves.next().unwrap_or_default();
        match decode(key, true) {
            None => return Some("?".to_owned()),
            Some(name) if decode(value, true).is_none() => return Some(name),
            Some(_) => {}
        }
    }
    None
}

fn bad_json(value: &serde_json::Value, at: &str) -> Option<String> {
    match value {
        serde_json::Value::String(s) => (!acceptable(s)).then(|| at.trim_start_matches('.').to_owned()),
        serde_json::Value::Array(items) => items.iter().find_map(|v| bad_json(v, at)),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = format!("{at}.{k}");
            if acceptable(k) { bad_json(v, &here) } else { Some(here.trim_start_matches('.').to_owned()) }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_broken_utf8_are_found_where_they_are() {
        assert_eq!(bad_pair(b"q=m%E1%BA%ADt+ong&page=2"), None);
        assert_eq!(bad_pair(b"q=a%00b"), Some("q".to_owned()));
        assert_eq!(bad_pair(b"page=1&name=%FF%FE"), Some("name".to_owned()));
        assert_eq!(bad_pair(b"a%01=x"), Some("?".to_owned()));
        assert_eq!(bad_pair(b"note=d%C3%B2ng+1%0D%0Ad%C3%B2ng+2%09x"), None, "line breaks and tabs are text");
        assert_eq!(decode(b"/p/HN-01%00", false), None);
        let v: serde_json::Value = serde_json::from_str(r#"{"a":[{"b":"ok"},{"c":"x\u0000"}]}"#).expect("json");
        assert_eq!(bad_json(&v, ""), Some("a.c".to_owned()));
    }
}

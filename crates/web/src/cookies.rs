//! Reading and writing the few cookies the platform uses: the session, the language and a
//! one-shot flash message. Values are ASCII tokens or percent-encoded.

use axum::http::{HeaderMap, HeaderValue, header};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The value of a cookie from the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| percent_decode_str(v).decode_utf8_lossy().into_owned())
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy)]
pub enum Lifetime {
    /// Until the browser closes.
    Session,
    Seconds(i64),
    /// Delete it now.
    Expired,
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` when asked.
pub fn set(name: &str, value: &str, lifetime: Lifetime, secure: bool) -> HeaderValue {
    let mut s = format!("{name}={}; Path=/; HttpOnly; SameSite=Lax", utf8_percent_encode(value, NON_ALPHANUMERIC));
    match lifetime {
        Lifetime::Session => {}
        Lifetime::Seconds(n) => s.push_str(&format!("; Max-Age={n}")),
        Lifetime::Expired => s.push_str("; Max-Age=0"),
    }
    if secure {
        s.push_str("; Secure");
    }
    // Only ASCII went in: names are ours and the value is percent-encoded.
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; ocop_lang=en"));
        h.append(header::COOKIE, HeaderValue::from_static("flash=%C4%90%C3%A3%20l%C6%B0u"));
        assert_eq!(get(&h, "ocop_lang").as_deref(), Some("en"));
        assert_eq!(get(&h, "flash").as_deref(), Some("Đã lưu"));
        assert_eq!(get(&h, "missing"), None);
        let v = set("flash", "Đã lưu", Lifetime::Seconds(60), true);
        let s = v.to_str().expect("ascii");
        assert!(s.starts_with("flash=%C4%90%C3%A3%20l%C6%B0u; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"), "{s}");
        assert!(s.ends_with("; Secure"));
    }
}

//! The stylesheet, the script and the icons, compiled into the binary. Pages link them with a
//! hash of their content in the query, so browsers may cache them for a year.

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

struct Asset {
    bytes: &'static [u8],
    content_type: &'static str,
    hash: String,
}

static ASSETS: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    let files: [(&str, &[u8], &str); 3] = [
        ("app.css", include_bytes!("../static/app.css"), "text/css; charset=utf-8"),
        ("app.js", include_bytes!("../static/app.js"), "text/javascript; charset=utf-8"),
        ("favicon.svg", include_bytes!("../static/favicon.svg"), "image/svg+xml"),
    ];
    files
        .into_iter()
        .map(|(name, bytes, content_type)| {
            let hash = hex::encode(&Sha256::digest(bytes)[..6]);
            (name, Asset { bytes, content_type, hash })
        })
        .collect()
});

/// `/static/app.css?v=<hash>`
pub fn url(name: &str) -> String {
    match ASSETS.get(name) {
        Some(a) => format!("/static/{name}?v={}", a.hash),
        None => format!("/static/{name}"),
    }
}

async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.get(name.as_str()) else {
        return crate::AppError::NotFound.into_response();
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        asset.bytes,
    )
        .into_response()
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{name}", get(serve)).route("/favicon.ico", get(|| serve(Path("favicon.svg".into()))))
}

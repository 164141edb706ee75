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
    let files: [(&str, &[u8], &str); 10] = [
        ("app.css", include_bytes!("../static/app.css"), "text/css; charset=utf-8"),
        ("app.js", include_bytes!("../static/app.js"), "text/javascript; charset=utf-8"),
        ("favicon.svg", include_bytes!("../static/favicon.svg"), "image/svg+xml"),
        ("map.js", include_bytes!("../static/map.js"), "text/javascript; charset=utf-8"),
        // Leaflet 1.9.4 (BSD-2-Clause), vendored: no CDN. Its stylesheet finds its images at
        // `images/…` beside it.
        ("leaflet.js", include_bytes!("../static/vendor/leaflet/leaflet.js"), "text/javascript; charset=utf-8"),
        ("leaflet.css", include_bytes!("../static/vendor/leaflet/leaflet.css"), "text/css; charset=utf-8"),
        ("images/marker-icon.png", include_bytes!("../static/vendor/leaflet/images/marker-icon.png"), "image/png"),
        (
            "images/marker-icon-2x.png",
            include_bytes!("../static/vendor/leaflet/images/marker-icon-2x.png"),
            "image/png",
        ),
        ("images/marker-shadow.png", include_bytes!("../static/vendor/leaflet/images/marker-shadow.png"), "image/png"),
        ("images/layers.png", include_bytes!("../static/vendor/leaflet/images/layers.png"), "image/png"),
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
    file(&name)
}

async fn image(Path(name): Path<String>) -> Response {
    file(&format!("images/{name}"))
}

fn file(name: &str) -> Response {
    let Some(asset) = ASSETS.get(name) else {
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
    Router::new()
        .route("/static/{name}", get(serve))
        .route("/static/images/{name}", get(image))
        .route("/favicon.ico", get(|| async { file("favicon.svg") }))
}

//! HTTP: the HTML pages, the JSON API and the operational endpoints of the OCOP platform.
//!
//! [`build_app`] assembles the router from an [`AppState`]; [`serve`] runs it on a listener until
//! a shutdown signal. The `ocop` binary and every test start the application the same way.

mod api;
mod assets;
mod auth;
pub mod charts;
mod confirm;
pub mod cookies;
mod error;
pub mod figures;
mod fmt;
mod frame;
mod hardening;
mod health;
pub mod heavy;
pub mod i18n;
pub mod jobs;
pub mod limits;
pub mod mail;
mod page;
mod pages;
pub mod routes;
pub mod trace;

pub use api::openapi;
/// The programme report, for `ocop report`: the same figures and layout as the page's downloads.
pub mod report {
    pub use crate::pages::figures::{ReportData, report_data, report_document, report_file_name, report_sheets};
}
pub use error::{AppError, AppResult};

use axum::Router;
use axum::http::{HeaderName, StatusCode};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use store::Db;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Settings of the web layer, filled from the command line and `OCOP_*` variables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address users reach the platform at (e.g. `https://ocop.hanoi.gov.vn`), without a
    /// trailing slash. Every absolute link (QR codes, linksets, certificates) is built from it,
    /// never from a request's `Host` header.
    pub public_url: String,
    /// The bearer token `/metrics` asks for; without one it answers only on a loopback connection
    /// that no proxy forwarded.
    pub metrics_token: Option<String>,
    /// Per-address limits on public searches, scans and inquiries.
    pub rate_limits: limits::RateLimits,
    /// How long a connection may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Map tiles for the sales points' map, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`;
    /// empty for none (the map then shows the points on a blank background).
    pub map_tiles: String,
    /// `smtp://host:port` of the mail relay; `None`: no e-mail, messages stay in the platform.
    pub smtp_url: Option<String>,
    /// The sender of the platform's e-mails.
    pub mail_from: String,
    /// Mark cookies `Secure` (on by default when `public_url` is `https://`).
    pub secure_cookies: bool,
    /// How many proxies in front of the platform append to `X-Forwarded-For` (0: none, the
    /// connection's peer is the client).
    pub trusted_proxies: u8,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// Failed sign-ins allowed per account, and per client address, within `login_window`.
    pub login_max_failures_account: i64,
    pub login_max_failures_ip: i64,
    pub login_window: Duration,
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    /// The scan log's buffer and the anomaly rules.
    pub scans: trace::scanlog::ScanSettings,
    /// Issue label orders at once instead of waiting for the office's approval.
    pub stamps_auto_approve: bool,
    /// How long another instance's write may take to show on the public pages (see
    /// `trace::follow_writes`); zero turns their cache off.
    pub public_cache_ttl: Duration,
    /// Megabytes that decoding uploads and rendering documents may take at once (see `heavy`).
    pub heavy_work_megabytes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".to_owned(),
            metrics_token: None,
            rate_limits: limits::RateLimits::default(),
            header_read_timeout: Duration::from_secs(10),
            map_tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".to_owned(),
            smtp_url: None,
            mail_from: "ocop@localhost".to_owned(),
            secure_cookies: false,
            trusted_proxies: 0,
            session_idle: Duration::from_secs(12 * 3600),
            login_max_failures_account: 5,
            login_max_failures_ip: 50,
            login_window: Duration::from_secs(15 * 60),
            request_timeout: Duration::from_secs(30),
            // Spreadsheet uploads are the largest bodies; other routes keep axum's 2 MB limit.
            body_limit_bytes: 33 * 1024 * 1024,
            scans: trace::scanlog::ScanSettings::default(),
            stamps_auto_approve: false,
            public_cache_ttl: Duration::from_secs(3),
            heavy_work_megabytes: 256,
        }
    }
}

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: Settings,
    metrics: PrometheusHandle,
    scans: Arc<trace::scanlog::ScanLog>,
    public: Arc<trace::Caches>,
    heavy: heavy::Budget,
    limiter: limits::Limiter,
    security_headers: hardening::SecurityHeaders,
    mailer: mail::Mailer,
}

impl AppState {
    /// The application's state; starts the scan log's writer (so it needs a Tokio runtime).
    pub fn new(db: Db, settings: Settings) -> Self {
        let public = Arc::new(trace::Caches::new(settings.public_cache_ttl));
        let cache = public.clone();
        let on_flushed: trace::scanlog::OnFlushed = Arc::new(move |done| trace::scans_written(&cache, done));
        let scans = trace::scanlog::ScanLog::start(db.clone(), settings.scans, on_flushed);
        tokio::spawn(trace::follow_writes(db.clone(), public.clone(), settings.public_cache_ttl));
        tokio::spawn(trace::watch_replica(db.clone(), REPLICA_CHECK));
        let heavy = heavy::Budget::new(settings.heavy_work_megabytes);
        let limiter = limits::Limiter::new(settings.rate_limits);
        // Pages may show map tiles from their server, and nothing else from elsewhere.
        let tiles = origin_of(&settings.map_tiles);
        let security_headers = hardening::SecurityHeaders::new(settings.public_url.starts_with("https://"), &tiles);
        let metrics = health::metrics_handle();
        let mailer = mail::Mailer::new(settings.smtp_url.as_deref(), &settings.mail_from);
        let inner = Inner { db, settings, metrics, scans, public, heavy, limiter, security_headers, mailer };
        Self { inner: Arc::new(inner) }
    }

    pub fn scan_log(&self) -> &trace::scanlog::ScanLog {
        &self.inner.scans
    }

    pub(crate) fn public_cache(&self) -> &trace::Caches {
        &self.inner.public
    }

    pub fn mailer(&self) -> &mail::Mailer {
        &self.inner.mailer
    }

    /// The per-address limits of public requests.
    pub fn limiter(&self) -> &limits::Limiter {
        &self.inner.limiter
    }

    pub(crate) fn security_headers(&self) -> &hardening::SecurityHeaders {
        &self.inner.security_headers
    }

    /// The memory budget of decoding and rendering work.
    pub fn heavy(&self) -> &heavy::Budget {
        &self.inner.heavy
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How often the read replica is asked whether it answers (and how long it has to answer).
const REPLICA_CHECK: Duration = Duration::from_secs(2);

/// `https://tile.example` of a tile URL template, for the Content-Security-Policy (a `{s}`
/// sub-domain placeholder becomes `*`).
fn origin_of(template: &str) -> Vec<String> {
    let rest = template.strip_prefix("https://").or_else(|| template.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host_end = r.find('/').unwrap_or(r.len());
            vec![template[..template.len() - r.len() + host_end].replace("{s}", "*")]
        }
        None => Vec::new(),
    }
}

static REQUEST_ID: OnceLock<HeaderName> = OnceLock::new();

fn request_id_header() -> HeaderName {
    REQUEST_ID.get_or_init(|| HeaderName::from_static("x-request-id")).clone()
}

/// Every route the application serves, with the access decision it is declared to make.
pub fn declared_routes() -> Vec<routes::Route> {
    use routes::Gate::{Operator, Public};
    let others = routes::Routes::new()
        .declare("GET", "/healthz", Public)
        .declare("GET", "/readyz", Public)
        .declare("GET", "/metrics", Operator)
        .declare("GET", "/static/{name}", Public)
        .declare("GET", "/static/images/{name}", Public)
        .declare("GET", "/favicon.ico", Public)
        .declare("GET", "/api/docs", Public)
        .declare("GET", "/api/docs/", Public)
        .declare("GET", "/api/docs/{*rest}", Public)
        .declare("GET", "/api/v1/openapi.json", Public);
    let all = pages::routes().merge(api::gates()).merge(others);
    all.declared().to_vec()
}

/// The whole application as one router.
pub fn build_app(state: AppState) -> Router {
    let (api_router, _) = api::router().split_for_parts();
    let routes = Router::new()
        .merge(pages::routes().into_router())
        .merge(api_router)
        .merge(api::docs())
        .merge(health::router())
        .merge(assets::router())
        .route_layer(axum::middleware::from_fn(health::track_metrics))
        .fallback(|| async { AppError::NotFound })
        .with_state(state.clone());

    // Layers run outside-in in the reverse order of the `.layer` calls.
    routes
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(AppError::Internal("handler panicked".into()))
        }))
        .layer(axum::middleware::from_fn(hardening::reject_bad_text))
        .layer(CsrfLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), frame::frame))
        .layer(RequestBodyLimitLayer::new(state.settings().body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), hardening::security_headers))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.settings().request_timeout))
        .layer(SetSensitiveHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
            axum::http::header::COOKIE,
            axum::http::header::SET_COOKIE,
        ]))
        .layer(PropagateRequestIdLayer::new(request_id_header()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id_header(), MakeRequestUuid))
}

/// Serves until `shutdown` resolves, then finishes the requests in flight. Connections are
/// served by hyper directly (not `axum::serve`) so that a client that trickles its headers is cut
/// off after `header_read_timeout` instead of holding a connection for ever.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use tower::ServiceExt;

    let app = build_app(state.clone());
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(state.settings().header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let service = app.clone().map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            req
        });
        let connection = builder.serve_connection_with_upgrades(
            TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        );
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    // Requests are done: write the scans still buffered before the process ends.
    state.scan_log().shutdown().await;
    Ok(())
}

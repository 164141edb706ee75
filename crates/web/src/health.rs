//! Operational endpoints: liveness, readiness, Prometheus metrics.

use crate::AppState;
use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// The process-wide recorder: metrics are per process (Prometheus adds up the instances), and
/// several apps in one test process share it.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed already; ours then stays unused.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            handle
        })
        .clone()
}

/// Counts requests and their durations by route pattern (not by raw path, which would let
/// anyone create unbounded label values).
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers, its schema is the one this binary expects, and label scans
/// reach it; otherwise the reason.
pub(crate) async fn readiness(state: &AppState) -> Result<(), String> {
    let ready = match state.db().ping().await {
        Ok(()) => store::migrate::check(state.db()).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match (ready, state.scan_log().trouble().await) {
        (Ok(()), Some(trouble)) => Err(trouble.to_owned()),
        (ready, _) => ready,
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    match readiness(&state).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "not ready")
                .into_response()
        }
    }
}

/// Metrics say much about the platform's traffic: they are for the operator's collector, which
/// either sends the configured bearer token or, without one, calls from this machine directly
/// (a loopback connection no proxy forwarded). Anyone else is told there is nothing here.
async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    let settings = state.settings();
    let allowed = match &settings.metrics_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|sent| constant_time_eq(sent.as_bytes(), token.as_bytes())),
        None => {
            let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            settings.trusted_proxies == 0
                && !req.headers().contains_key("x-forwarded-for")
                && peer.is_some_and(|ip| ip.is_loopback())
        }
    };
    if !allowed {
        return crate::AppError::NotFound.into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.inner.metrics.render()).into_response()
}

/// Compares secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

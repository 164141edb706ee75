//! Traceability pages: the public verification side (Digital Link resolver, product pages) and
//! the producer's and office's side (lots, label orders and sheets, scan alerts).

mod labels;
pub mod public;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/01/{*rest}", get(public::digital_link))
        .route("/verify/01/{*rest}", get(public::verification_service))
        .route("/p/{code}", get(public::product_page))
        .route("/.well-known/gs1resolver", get(public::resolver_description))
        .route("/products/{id}/labels", get(labels::page))
        .route("/products/{id}/lots", post(labels::create_lot))
        .route("/products/{id}/stamp-orders", post(labels::request_order))
        .route("/stamp-orders/{id}/decide", post(labels::decide_order))
        .route("/stamp-orders/{id}/void", post(labels::void_labels))
        .route("/stamp-orders/{id}/labels.pdf", get(labels::sheet))
        .route("/lots/{id}/events", post(labels::lot_event))
        .route("/traceability/alerts", get(labels::alerts))
}

//! Traceability pages: the public verification side (Digital Link resolver, product pages) and
//! the producer's and office's side (lots, label orders and sheets, scan alerts).

mod labels;
pub mod public;
mod report;

use crate::routes::{Gate, Routes};
use domain::access::Action;

pub fn routes() -> Routes {
    use Action::*;
    use Gate::*;
    Routes::new()
        .get("/01/{*rest}", Public, public::digital_link)
        .get("/verify/01/{*rest}", Public, public::verification_service)
        .get("/p/{code}", Public, public::product_page)
        .get("/.well-known/gs1resolver", Public, public::resolver_description)
        .get("/products/{id}/labels", Act(ReadRecords), labels::page)
        .post("/products/{id}/lots", Act(EditRegistry), labels::create_lot)
        .post("/products/{id}/stamp-orders", Act(EditRegistry), labels::request_order)
        .post("/stamp-orders/{id}/decide", Act(ManageRegistry), labels::decide_order)
        .post("/stamp-orders/{id}/void", Act(EditRegistry), labels::void_labels)
        .get("/stamp-orders/{id}/labels.pdf", Act(EditRegistry), labels::sheet)
        .post("/lots/{id}/events", Act(EditRegistry), labels::lot_event)
        .get("/traceability/alerts", Act(ManageRegistry), labels::alerts)
        .post("/traceability/alerts/{id}/clear", Act(ManageRegistry), labels::clear_alert)
        .get("/report", Public, report::form)
        .upload("/report", Public, report::send, report::MAX_REPORT)
        .get("/traceability/reports/{id}/photo", Act(ManageRegistry), report::photo)
        .post("/traceability/reports/{id}/handled", Act(ManageRegistry), report::handled)
        .get("/office-contact", Office, report::office_form)
        .post("/office-contact", Office, report::office_save)
}

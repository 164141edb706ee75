//! Market outlets (bảo đảm đầu ra, SPEC §2.4): the public catalogue and producer pages, showcase
//! and sales points with their map, producers' sales channels, fairs and events with their
//! calendar, buyers' inquiries, and the office's figures and exports.

pub mod catalogue;
mod channels;
mod events;
mod figures;
pub mod inquiries;
mod points;

use crate::routes::{Gate, Routes};
use domain::access::Action;

pub fn routes() -> Routes {
    use Action::*;
    use Gate::*;
    Routes::new()
        .get("/catalogue", Public, catalogue::page)
        .get("/sitemap.xml", Public, catalogue::sitemap)
        .get("/sales-points", Public, points::list)
        .post("/sales-points", Act(ManageOutlets), points::create)
        .get("/sales-points/new", Act(ManageOutlets), points::new_form)
        .get("/sales-points/{id}", Public, points::show)
        .post("/sales-points/{id}", Act(ManageOutlets), points::update)
        .get("/sales-points/{id}/edit", Act(ManageOutlets), points::edit_form)
        .post("/sales-points/{id}/products", Act(ManageOutlets), points::carry)
        .post("/sales-points/{id}/products/{product}/stop", Act(ManageOutlets), points::stop)
        .get("/events", Public, events::calendar)
        .get("/events.ics", Public, events::ical)
        .post("/events", Act(ManageOutlets), events::create)
        .get("/events/new", Act(ManageOutlets), events::new_form)
        .get("/events/{id}", Public, events::show)
        .post("/events/{id}", Act(ManageOutlets), events::update)
        .get("/events/{id}/edit", Act(ManageOutlets), events::edit_form)
        .post("/events/{id}/join", Act(JoinEvents), events::join)
        .post("/events/{id}/participants", Act(ManageOutlets), events::add_participant)
        .post("/events/{id}/participants/{participant}/decide", Act(ManageOutlets), events::decide)
        .post("/events/{id}/participants/{participant}/report", Act(ManageOutlets), events::report)
        .post("/producers/{id}/channels", Act(EditRegistry), channels::add)
        .post("/channels/{id}/delete", Act(EditRegistry), channels::delete)
        .post("/p/{code}/inquiries", Public, inquiries::send)
        .get("/inquiries", Act(AnswerInquiries), inquiries::list)
        .get("/inquiries/{id}", Act(AnswerInquiries), inquiries::thread)
        .post("/inquiries/{id}/reply", Act(AnswerInquiries), inquiries::reply)
        .post("/inquiries/{id}/settle", Act(AnswerInquiries), inquiries::settle)
        .get("/inquiries/t/{token}", Public, inquiries::buyer_thread)
        .post("/inquiries/t/{token}", Public, inquiries::buyer_reply)
        .get("/market", Act(ManageOutlets), figures::page)
        .get("/market/export/{name}", Act(ManageOutlets), figures::export)
}

/// A `<select>`'s choices of the kinds of channel, labelled in the caller's language.
pub(crate) fn channel_choices(t: crate::i18n::Tr, selected: &str) -> Vec<crate::page::Choice> {
    let english = t.locale.code() == "en";
    crate::page::Choice::list(
        domain::outlets::channel_kinds()
            .kinds
            .iter()
            .map(|k| (k.code.as_str(), if english { k.en.clone() } else { k.vi.clone() })),
        selected,
    )
}

/// A channel kind's name in the caller's language.
pub(crate) fn channel_label(t: crate::i18n::Tr, code: &str) -> String {
    domain::outlets::channel_kinds()
        .get(code)
        .map_or_else(|| code.to_owned(), |k| if t.locale.code() == "en" { k.en.clone() } else { k.vi.clone() })
}

/// `1.250.000 ₫`.
pub(crate) fn vnd(v: Option<i64>) -> String {
    v.and_then(|v| domain::money::Vnd::new(v).ok()).map(|v| v.to_string()).unwrap_or_default()
}

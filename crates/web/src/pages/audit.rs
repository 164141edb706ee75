//! The audit log browser (nhật ký thay đổi): filter, page through, and check the hash chain.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::fmt;
use crate::page::{PageCtx, Pager, field_error, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldErrors;
use domain::access::Action;
use serde::Deserialize;
use store::Page;
use store::audit::{self, AuditFilter, AuditRow};

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    verify: Option<String>,
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    province: String,
    before: Option<String>,
    after: Option<String>,
}

impl From<AuditRow> for Row {
    fn from(r: AuditRow) -> Self {
        let pretty = |json: Option<String>| {
            json.map(|j| {
                serde_json::from_str::<serde_json::Value>(&j)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or(j)
            })
        };
        Row {
            seq: r.seq,
            at: fmt::datetime(r.at),
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            province: r.province_code.unwrap_or_default(),
            before: pretty(r.before_json),
            after: pretty(r.after_json),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    q: AuditQuery,
    entities: Vec<String>,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
    errors: FieldErrors,
    /// `(intact, message)` after a chain check.
    verification: Option<(bool, String)>,
}

impl AuditPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ViewAudit)?;
    let mut errors = FieldErrors::new();
    let mut date = |field: &str, raw: &str, shift_days: i64| {
        if raw.trim().is_empty() {
            return None;
        }
        match domain::registry::parse_date(raw) {
            Ok(d) => Some(fmt::day_start(d) + shift_days * 86_400),
            Err(why) => {
                errors.add(field, why);
                None
            }
        }
    };
    let from = date("from", &q.from, 0);
    // "Until 29/11" includes the whole of that day.
    let until = date("until", &q.until, 1);
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let filter = AuditFilter {
        province: listing.province().map(ToString::to_string),
        actor: nonempty(&q.actor),
        entity: nonempty(&q.entity),
        entity_id: nonempty(&q.entity_id),
        action: nonempty(&q.action),
        from,
        until,
    };
    let conn = state.db().conn();
    let found = audit::search(conn, &filter, Page::new(q.page.unwrap_or(1), 50)).await?;
    let verification = match q.verify {
        Some(_) => {
            let v = audit::verify(conn).await?;
            Some(match v.broken {
                None => (true, ctx.t.arg("audit-verify-ok", "n", &fmt::thousands(v.entries))),
                Some(b) => {
                    let seq = match b {
                        domain::audit::Break::HashMismatch { seq } | domain::audit::Break::WrongPrevious { seq } => seq,
                        domain::audit::Break::Gap { expected, .. } => expected,
                    };
                    (false, ctx.t.arg("audit-verify-broken", "seq", &seq.to_string()))
                }
            })
        }
        None => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let pager = Pager::new(&ctx, found.page, found.total);
    let page = AuditPage {
        count: ctx.t.arg("audit-count", "total", &fmt::thousands(found.total)),
        entities: audit::entities(conn).await?,
        rows: found.items.into_iter().map(Row::from).collect(),
        pager,
        errors,
        verification,
        q,
        ctx,
    };
    Ok(render_status(status, &page))
}

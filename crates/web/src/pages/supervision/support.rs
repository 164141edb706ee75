//! Support records: what the programme paid whom, for what, from which budget, with totals per
//! commune, purpose and funder; "labels and stamps" records grant funded label quotas.

use super::{english, header, label, xlsx};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::AppResult;
use crate::page::{Choice, PageCtx, Pager, field_error, render, render_status};
use crate::pages::outlets::vnd;
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::Action;
use domain::supervision::{SupportInput, supervision};
use domain::{FieldErrors, Invalid};
use exchange::report::{Sheet, Value};
use serde::Deserialize;
use store::supervision::support::{self, SupportFilter, SupportRecord, Total, TotalBy};
use store::{Page, StoreError};

fn purpose_label(t: crate::i18n::Tr, code: &str) -> String {
    label(t, &supervision().support_purposes, code)
}

fn funder_label(t: crate::i18n::Tr, code: &str) -> String {
    label(t, &supervision().funders, code)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    producer: Option<i64>,
    #[serde(default)]
    page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> SupportFilter {
        SupportFilter {
            year: self.year.trim().parse().ok(),
            purpose: Some(self.purpose.clone()).filter(|p| !p.is_empty()),
            producer: self.producer,
        }
    }
}

struct TotalRow {
    name: String,
    records: i64,
    amount: String,
}

#[derive(Template)]
#[template(path = "supervision/support.html")]
struct ListPage {
    ctx: PageCtx,
    q: ListQuery,
    rows: Vec<SupportRecord>,
    purposes: Vec<Choice>,
    total: String,
    /// Totals by purpose, by funder, by commune: a title and its rows each.
    tables: Vec<(String, Vec<TotalRow>)>,
    count: String,
    pager: Pager,
    may_create: bool,
}

impl ListPage {
    fn purpose(&self, code: &str) -> String {
        purpose_label(self.ctx.t, code)
    }

    fn funder(&self, code: &str) -> String {
        funder_label(self.ctx.t, code)
    }

    fn money(&self, v: &i64) -> String {
        vnd(Some(*v))
    }

    fn date(&self, d: &time::Date) -> String {
        crate::fmt::date(*d)
    }
}

fn purpose_choices(t: crate::i18n::Tr, selected: &str) -> Vec<Choice> {
    let english = english(t);
    Choice::list(
        supervision().support_purposes.iter().map(|c| (c.code.as_str(), c.label(english).to_owned())),
        selected,
    )
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ReadRecords)?;
    let conn = state.db().conn();
    let t = ctx.t;
    let filter = q.filter();
    let found = support::search(conn, &listing, &filter, Page::new(q.page.unwrap_or(1), 50)).await?;
    let rows = |totals: Vec<Total>, name: &dyn Fn(&Total) -> String| -> Vec<TotalRow> {
        totals.iter().map(|x| TotalRow { name: name(x), records: x.records, amount: vnd(Some(x.amount_vnd)) }).collect()
    };
    let by_purpose = support::totals(conn, &listing, &filter, TotalBy::Purpose).await?;
    let sum: i64 = by_purpose.iter().map(|x| x.amount_vnd).sum();
    let page = ListPage {
        total: t.args("support-total", &[("amount", &vnd(Some(sum))), ("count", &crate::fmt::thousands(found.total))]),
        tables: vec![
            (t.get("support-by-purpose"), rows(by_purpose, &|x| purpose_label(t, &x.code))),
            (
                t.get("support-by-funder"),
                rows(support::totals(conn, &listing, &filter, TotalBy::Funder).await?, &|x| funder_label(t, &x.code)),
            ),
            (
                t.get("support-by-commune"),
                rows(support::totals(conn, &listing, &filter, TotalBy::Commune).await?, &|x| x.name.clone()),
            ),
        ],
        count: t.arg("support-count", "count", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        purposes: purpose_choices(t, &q.purpose),
        may_create: caller.may_list(Action::ManageSupervision),
        rows: found.items,
        q,
        ctx,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "supervision/support_form.html")]
struct FormPage {
    ctx: PageCtx,
    f: SupportInput,
    purposes: Vec<Choice>,
    funders: Vec<Choice>,
    errors: FieldErrors,
    labels_hint: String,
}

impl FormPage {
    fn new(ctx: PageCtx, f: SupportInput, errors: FieldErrors) -> Self {
        let english = english(ctx.t);
        Self {
            purposes: purpose_choices(ctx.t, &f.purpose),
            funders: Choice::list(
                supervision().funders.iter().map(|c| (c.code.as_str(), c.label(english).to_owned())),
                &f.funder,
            ),
            labels_hint: ctx.t.arg(
                "support-funded-labels-hint",
                "max",
                &supervision().funded_labels_per_product_per_year.to_string(),
            ),
            ctx,
            f,
            errors,
        }
    }

    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    producer: String,
}

pub async fn new_form(caller: Caller, ctx: PageCtx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    caller.require_territory(Action::ManageSupervision)?;
    let f = SupportInput {
        producer: q.producer,
        funder: "province".into(),
        decided_on: crate::fmt::date(today()),
        ..SupportInput::default()
    };
    Ok(render(&FormPage::new(ctx, f, FieldErrors::new())))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(input): Form<SupportInput>,
) -> AppResult<Response> {
    caller.require_territory(Action::ManageSupervision)?;
    let me = caller.signed_in()?.clone();
    let invalid = |ctx: PageCtx, input: SupportInput, errors: FieldErrors| {
        Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &FormPage::new(ctx, input, errors)))
    };
    let draft = match input.parse(today()) {
        Ok(d) => d,
        Err(errors) => return invalid(ctx, input, errors),
    };
    // The producer must be one the office manages; another province's is "unknown" to it.
    let producer = store::producers::get(state.db().conn(), draft.producer).await?;
    let allowed = producer.as_ref().is_some_and(|p| {
        p.deleted_at.is_none() && caller.may(Action::ManageSupervision, &crate::pages::registry::producer_target(p))
    });
    if !allowed {
        let why = Invalid::new("invalid-support-producer");
        return invalid(ctx, input, FieldErrors::single("producer", why));
    }
    let tx = state.db().write().await?;
    let record = match support::create(&tx, &me.who(), &draft, false).await {
        Ok(r) => r,
        Err(StoreError::Invalid(errors)) => return invalid(ctx, input, errors),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("support-saved"), &format!("/support?producer={}", record.producer_id)))
}

/// The records and their totals as a workbook.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageSupervision)?;
    let conn = state.db().conn();
    let t = ctx.t;
    let filter = q.filter();
    let found = support::search(conn, &listing, &filter, Page::new(1, Page::MAX_SIZE)).await?;
    let records = found
        .items
        .iter()
        .map(|r| {
            vec![
                Value::Int(r.id),
                r.producer_name.clone().into(),
                r.commune_name.clone().into(),
                r.product_name.clone().unwrap_or_default().into(),
                purpose_label(t, &r.purpose).into(),
                funder_label(t, &r.funder).into(),
                Value::Int(r.amount_vnd),
                r.decision.clone().into(),
                crate::fmt::date(r.decided_on).into(),
                r.funded_labels.into(),
            ]
        })
        .collect();
    let total_sheet = |name: &str, place: &str, rows: Vec<Total>, label: &dyn Fn(&Total) -> String| Sheet {
        name: t.get(name),
        header: header(t, &[place, "support-records", "support-amount"]),
        rows: rows.iter().map(|x| vec![label(x).into(), Value::Int(x.records), Value::Int(x.amount_vnd)]).collect(),
    };
    let sheets = vec![
        Sheet {
            name: t.get("support-title"),
            header: header(
                t,
                &[
                    "#",
                    "products-col-producer",
                    "producers-field-commune",
                    "support-product",
                    "support-purpose",
                    "support-funder",
                    "support-amount",
                    "support-decision",
                    "support-decided-on",
                    "support-funded-labels",
                ],
            ),
            rows: records,
        },
        total_sheet(
            "support-by-commune",
            "producers-field-commune",
            support::totals(conn, &listing, &filter, TotalBy::Commune).await?,
            &|x| x.name.clone(),
        ),
        total_sheet(
            "support-by-purpose",
            "support-purpose",
            support::totals(conn, &listing, &filter, TotalBy::Purpose).await?,
            &|x| purpose_label(t, &x.code),
        ),
        total_sheet(
            "support-by-funder",
            "support-funder",
            support::totals(conn, &listing, &filter, TotalBy::Funder).await?,
            &|x| funder_label(t, &x.code),
        ),
        total_sheet(
            "support-by-year",
            "filter-year",
            support::totals(conn, &listing, &filter, TotalBy::Year).await?,
            &|x| x.name.clone(),
        ),
    ];
    let year = filter.year.map_or_else(|| "all".to_owned(), |y| y.to_string());
    xlsx(&format!("ho-tro-{year}.xlsx"), &sheets)
}

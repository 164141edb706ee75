//! Buyers' inquiries: sent from a product's public page by a buyer without an account, answered
//! by the producer in a thread, followed by the buyer through a private link.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::limits::{Inquiries, Limited};
use crate::mail::Mail;
use crate::page::{PageCtx, Pager, base_url, render, render_status};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use domain::access::{Action, Place, Target};
use domain::certificate::CertificateStatus;
use domain::outlets::{InquiryInput, InquiryState, MessageDraft};
use domain::place::{CommuneCode, ProvinceCode};
use serde::Deserialize;
use store::audit::Who;
use store::outlets::inquiries::{self, Inquiry, Message};
use store::products::Product;
use store::{Page, StoreError};

/// Inquiries one product may receive in an hour, from everyone together: a flood stops here even
/// when it comes from many addresses.
const PER_PRODUCT_PER_HOUR: i64 = 30;

pub(crate) fn inquiry_target(q: &Inquiry) -> Target {
    Target::at(Place {
        province: ProvinceCode::parse(&q.province_code).ok(),
        commune: CommuneCode::parse(&q.commune_code).ok(),
        producer: Some(q.producer_id),
    })
}

/// The product an inquiry may be sent about: certified, in force, not deleted.
async fn askable(state: &AppState, code: &str) -> AppResult<Product> {
    let p = store::products::find_by_code(state.db().conn(), code.trim())
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    if p.certificate_status(today()).is_some_and(CertificateStatus::in_force) { Ok(p) } else { Err(AppError::NotFound) }
}

#[derive(Template)]
#[template(path = "outlets/inquiry_form.html")]
struct FormPage {
    ctx: PageCtx,
    product: Product,
    inquiry_action: String,
    f: InquiryInput,
    errors: domain::FieldErrors,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<String> {
        crate::page::field_error(self.ctx.t, &self.errors, field)
    }
}

/// `POST /p/{code}/inquiries`.
pub async fn send(
    State(state): State<AppState>,
    _: Limited<Inquiries>,
    ctx: PageCtx,
    Path(code): Path<String>,
    Form(input): Form<InquiryInput>,
) -> AppResult<Response> {
    let product = askable(&state, &code).await?;
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => {
            let inquiry_action = format!("/p/{}/inquiries", crate::page::seg(&product.code));
            let page = FormPage { ctx, product, inquiry_action, f: input, errors };
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let hour_ago = store::now() - 3600;
    if inquiries::recent_for_product(state.db().conn(), product.id, hour_ago).await? >= PER_PRODUCT_PER_HOUR {
        return Err(AppError::TooMany { key: "rate-limited", retry_after_seconds: 3600 });
    }
    let tx = state.db().write().await?;
    let (inquiry, token) = inquiries::create(&tx, &product, &draft, false).await?;
    let producers = notify_producer(&tx, &inquiry, "notify-inquiry-new").await?;
    tx.commit().await?;
    let t = ctx.t;
    let base = base_url(&state);
    for to in producers {
        state.mailer().send(Mail {
            to,
            subject: t.arg("inquiry-mail-new-subject", "product", &inquiry.product_name),
            body: t.args(
                "inquiry-mail-new-body",
                &[
                    ("product", &inquiry.product_name),
                    ("buyer", &inquiry.buyer_name),
                    ("link", &format!("{base}/inquiries/{}", inquiry.id)),
                ],
            ),
        });
    }
    if let Some(email) = &inquiry.email {
        state.mailer().send(Mail {
            to: email.clone(),
            subject: t.arg("inquiry-mail-sent-subject", "product", &inquiry.product_name),
            body: t.args(
                "inquiry-mail-sent-body",
                &[("product", &inquiry.product_name), ("link", &format!("{base}/inquiries/t/{token}"))],
            ),
        });
    }
    Ok(redirect_with_flash(&state, &t.get("inquiry-sent"), &format!("/inquiries/t/{token}")))
}

/// Notifies the producer's accounts in the platform; returns the addresses to e-mail.
async fn notify_producer(tx: &store::Tx, q: &Inquiry, key: &'static str) -> AppResult<Vec<String>> {
    let users =
        store::notifications::users_of(tx, domain::role::Role::Producer, None, None, Some(q.producer_id)).await?;
    let last = inquiries::messages(tx, q.id).await?.last().map_or(0, |m| m.id);
    let message = store::notifications::Message {
        subject: format!("inquiry:{}:{last}", q.id),
        key,
        args: vec![("product", q.product_name.clone()), ("buyer", q.buyer_name.clone())],
        link: format!("/inquiries/{}", q.id),
    };
    store::notifications::notify(tx, &users, &message).await?;
    let mut emails = Vec::new();
    for id in users {
        if let Some(u) = store::users::get(tx, id).await? {
            emails.push(u.email);
        }
    }
    Ok(emails)
}

struct MessageRow {
    mine: bool,
    author: String,
    when: String,
    body: String,
}

fn rows(t: crate::i18n::Tr, messages: Vec<Message>, producer_side: bool) -> Vec<MessageRow> {
    messages
        .into_iter()
        .map(|m| MessageRow {
            mine: (m.author == "producer") == producer_side,
            author: t.get(&format!("inquiry-author-{}", m.author)),
            when: crate::fmt::datetime(m.created_at),
            body: m.body,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "outlets/inquiry.html")]
struct ThreadPage {
    ctx: PageCtx,
    q: Inquiry,
    state: String,
    price: String,
    asked: String,
    messages: Vec<MessageRow>,
    /// Where the reply form posts.
    action: String,
    producer_side: bool,
    errors: Vec<String>,
}

fn thread_headers(mut r: Response) -> Response {
    // The private link must not leak through the Referer header, a cache or a search engine.
    let h = r.headers_mut();
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    r
}

async fn thread_page(
    state: &AppState,
    ctx: PageCtx,
    q: Inquiry,
    action: String,
    producer_side: bool,
    errors: Vec<String>,
) -> AppResult<Response> {
    let t = ctx.t;
    let messages = rows(t, inquiries::messages(state.db().conn(), q.id).await?, producer_side);
    let page = ThreadPage {
        state: t.get(&format!("inquiry-state-{}", q.state)),
        price: super::vnd(q.target_price_vnd),
        asked: crate::fmt::datetime(q.created_at),
        messages,
        action,
        producer_side,
        errors,
        q,
        ctx,
    };
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(thread_headers(render_status(status, &page)))
}

pub async fn buyer_thread(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let q = inquiries::by_token(state.db().conn(), &token).await?.ok_or(AppError::NotFound)?;
    thread_page(&state, ctx, q, format!("/inquiries/t/{token}"), false, Vec::new()).await
}

pub async fn buyer_reply(
    State(state): State<AppState>,
    _: Limited<Inquiries>,
    ctx: PageCtx,
    Path(token): Path<String>,
    Form(form): Form<MessageDraft>,
) -> AppResult<Response> {
    let q = inquiries::by_token(state.db().conn(), &token).await?.ok_or(AppError::NotFound)?;
    let action = format!("/inquiries/t/{token}");
    let body = match domain::outlets::message(&form.body) {
        Ok(b) => b,
        Err(why) => return thread_page(&state, ctx.clone(), q, action, false, vec![ctx.t.invalid(&why)]).await,
    };
    let tx = state.db().write().await?;
    let q = inquiries::reply(&tx, &Who { user_id: None, label: "buyer".into() }, &q, false, &body).await?;
    let emails = notify_producer(&tx, &q, "notify-inquiry-reply").await?;
    tx.commit().await?;
    let base = base_url(&state);
    for to in emails {
        state.mailer().send(Mail {
            to,
            subject: ctx.t.arg("inquiry-mail-new-subject", "product", &q.product_name),
            body: ctx.t.args(
                "inquiry-mail-new-body",
                &[
                    ("product", &q.product_name),
                    ("buyer", &q.buyer_name),
                    ("link", &format!("{base}/inquiries/{}", q.id)),
                ],
            ),
        });
    }
    Ok(thread_headers(redirect_with_flash(&state, &ctx.t.get("inquiry-reply-sent"), &action)))
}

// ------------------------------------------------------------------ the producer's side

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<u32>,
}

struct Row {
    id: i64,
    product: String,
    buyer: String,
    organisation: String,
    asked: String,
    state: String,
    open: bool,
    complaint: bool,
}

#[derive(Template)]
#[template(path = "outlets/inquiries.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::AnswerInquiries)?;
    let found = inquiries::search(state.db().conn(), &listing, Page::new(q.page.unwrap_or(1), 50)).await?;
    let t = ctx.t;
    let rows = found
        .items
        .iter()
        .map(|q| Row {
            id: q.id,
            product: q.product_name.clone(),
            buyer: q.buyer_name.clone(),
            organisation: q.organisation.clone(),
            asked: crate::fmt::datetime(q.created_at),
            state: t.get(&format!("inquiry-state-{}", q.state)),
            open: q.state() == InquiryState::Open,
            complaint: q.kind == "complaint",
        })
        .collect();
    let page = ListPage {
        count: t.arg("inquiries-count", "total", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        rows,
        ctx,
    };
    Ok(render(&page))
}

async fn answerable(state: &AppState, caller: &Caller, id: i64) -> AppResult<Inquiry> {
    let q = inquiries::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::AnswerInquiries, &inquiry_target(&q))?;
    Ok(q)
}

pub async fn thread(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let q = answerable(&state, &caller, id).await?;
    thread_page(&state, ctx, q, format!("/inquiries/{id}/reply"), true, Vec::new()).await
}

pub async fn reply(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<MessageDraft>,
) -> AppResult<Response> {
    let q = answerable(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let body = match domain::outlets::message(&form.body) {
        Ok(b) => b,
        Err(why) => {
            return thread_page(&state, ctx, q, format!("/inquiries/{id}/reply"), true, vec![t.invalid(&why)]).await;
        }
    };
    let tx = state.db().write().await?;
    let q = inquiries::reply(&tx, &me.who(), &q, true, &body).await?;
    // The buyer gets a link of its own in the e-mail: links are kept only as hashes.
    let token = match &q.email {
        Some(_) => Some(inquiries::issue_token(&tx, q.id).await?),
        None => None,
    };
    tx.commit().await?;
    if let (Some(email), Some(token)) = (&q.email, token) {
        state.mailer().send(Mail {
            to: email.clone(),
            subject: t.arg("inquiry-mail-reply-subject", "product", &q.product_name),
            body: t.args(
                "inquiry-mail-reply-body",
                &[
                    ("product", &q.product_name),
                    ("producer", &q.producer_name),
                    ("link", &format!("{}/inquiries/t/{token}", base_url(&state))),
                ],
            ),
        });
    }
    Ok(redirect_with_flash(&state, &t.get("inquiry-reply-sent"), &format!("/inquiries/{id}")))
}

#[derive(Deserialize)]
pub struct SettleForm {
    #[serde(default)]
    state: String,
}

pub async fn settle(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<SettleForm>,
) -> AppResult<Response> {
    let q = answerable(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let outcome = InquiryState::parse(&form.state).map_err(AppError::BadRequest)?;
    let tx = state.db().write().await?;
    match inquiries::settle(&tx, &me.who(), &q, outcome).await {
        Ok(_) => tx.commit().await?,
        Err(StoreError::Refused(why)) => return Err(AppError::BadRequest(why)),
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), &format!("/inquiries/{id}")))
}

//! Rounds (đợt đánh giá): the office opens them; everyone who may read the province's records
//! sees the plan against what came in.

use super::{state_class, state_label};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::fmt;
use crate::page::{PageCtx, field_error, render, render_form};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use domain::FieldErrors;
use domain::access::{Action, Target};
use domain::place::ProvinceCode;
use store::evaluation::dossiers::{self as store_dossiers, RegistrationFilter};
use store::evaluation::rounds::{self as store_rounds, Round, RoundInput};
use store::{Page, StoreError};

struct RoundRow {
    r: Round,
    opens: String,
    deadline: String,
    closes: String,
    share: String,
}

fn row(r: Round) -> RoundRow {
    let share = if r.plan_count > 0 { format!("{}%", r.received * 100 / r.plan_count) } else { String::new() };
    RoundRow {
        opens: fmt::date(r.opens_on),
        deadline: fmt::date(r.commune_deadline),
        closes: fmt::date(r.closes_on),
        share,
        r,
    }
}

#[derive(Template)]
#[template(path = "evaluation/rounds.html")]
struct ListPage {
    ctx: PageCtx,
    rounds: Vec<RoundRow>,
    may_create: bool,
    input: RoundInput,
    errors: FieldErrors,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    input: RoundInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    // Rounds are announced to every programme participant: the list shows the caller's province
    // (all provinces to national accounts); which dossiers a round shows is decided by listing.
    caller.signed_in()?;
    let province = caller.user().and_then(|u| u.scope.province()).map(|p| p.as_str().to_owned());
    let rounds = store_rounds::list(state.db().conn(), province.as_deref()).await?;
    let may_create = caller.may_list(Action::ManageEvaluation) && province.is_some();
    let page = ListPage { ctx, rounds: rounds.into_iter().map(row).collect(), may_create, input, errors };
    Ok(render_form(!page.errors.is_empty(), &page))
}

pub async fn list(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let year = store::evaluation::today().year();
    let input = RoundInput {
        name: ctx.t.arg("round-default-name", "year", &year.to_string()),
        plan_count: "400".into(),
        ..RoundInput::default()
    };
    list_page(&state, &caller, ctx, input, FieldErrors::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(input): Form<RoundInput>,
) -> AppResult<Response> {
    caller.listing(Action::ManageEvaluation)?;
    let me = caller.signed_in()?.clone();
    let province = me.scope.province().cloned().ok_or(AppError::Forbidden)?;
    caller.require(Action::ManageEvaluation, &Target::in_province(province.as_str()))?;
    let draft = match input.parse() {
        Ok(d) => d,
        Err(errors) => return list_page(&state, &caller, ctx, input, errors).await,
    };
    let tx = state.db().write().await?;
    match store_rounds::create(&tx, &me.who(), &province, &draft).await {
        Ok(r) => {
            tx.commit().await?;
            Ok(redirect_with_flash(&state, &ctx.t.get("round-created"), &format!("/evaluation/rounds/{}", r.id)))
        }
        Err(StoreError::Invalid(errors)) => {
            drop(tx);
            list_page(&state, &caller, ctx, input, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

struct RegRow {
    id: i64,
    number: String,
    product: String,
    producer: String,
    commune: String,
    state: String,
    state_class: &'static str,
}

#[derive(Template)]
#[template(path = "evaluation/round.html")]
struct ShowPage {
    ctx: PageCtx,
    round: RoundRow,
    rows: Vec<RegRow>,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let round = store_rounds::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let me = caller.signed_in()?;
    let heard = ProvinceCode::parse(&round.province_code).is_ok_and(|p| me.actor().hears_province(&p));
    if !heard {
        return Err(AppError::NotFound);
    }
    let listing = caller.listing(Action::ReadRecords)?;
    let filter = RegistrationFilter { round_id: Some(id), ..RegistrationFilter::default() };
    let regs = store_dossiers::search(state.db().conn(), &listing, &filter, Page::new(1, Page::MAX_SIZE)).await?;
    let t = ctx.t;
    let rows = regs
        .items
        .into_iter()
        .map(|g| RegRow {
            id: g.id,
            number: g.number.clone().unwrap_or_default(),
            product: g.product_name.clone(),
            producer: g.producer_name.clone(),
            commune: g.commune_name.clone(),
            state: state_label(t, &g.state),
            state_class: state_class(&g.state),
        })
        .collect();
    Ok(render(&ShowPage { ctx, round: row(round), rows }))
}

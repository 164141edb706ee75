//! Producers recorded twice: the office sees the pairs whose names say so, in one commune, and
//! merges one into the other after a page that says what will move.

use super::producer_target;
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{PageCtx, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use domain::Invalid;
use domain::access::Action;
use serde::Deserialize;
use store::producers::{self, Producer};

#[derive(Template)]
#[template(path = "registry/duplicates.html")]
struct DuplicatesPage {
    ctx: PageCtx,
    pairs: Vec<(Producer, Producer)>,
}

/// `/producers/duplicates`: pairs of producers of one commune whose names say they may be one.
pub async fn list(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageRegistry)?;
    let pairs = producers::possible_duplicates(state.db().conn(), &listing).await?;
    Ok(render(&DuplicatesPage { ctx, pairs }))
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    duplicate: String,
}

#[derive(Template)]
#[template(path = "registry/merge.html")]
struct MergePage {
    ctx: PageCtx,
    keep: Producer,
    duplicate: Producer,
    what: String,
}

/// The producer kept and the duplicate, each in the caller's reach to manage.
async fn pair(state: &AppState, caller: &Caller, keep: i64, form: &MergeForm) -> AppResult<(Producer, Producer)> {
    let conn = state.db().conn();
    let keep = producers::get(conn, keep).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageRegistry, &producer_target(&keep))?;
    let id: i64 =
        form.duplicate.trim().parse().map_err(|_| AppError::BadRequest(Invalid::new("producer-merge-which")))?;
    let duplicate = producers::get(conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageRegistry, &producer_target(&duplicate))?;
    Ok((keep, duplicate))
}

/// `/producers/{id}/merge?duplicate=…`: what merging will do, and the button that does it.
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(form): Query<MergeForm>,
) -> AppResult<Response> {
    let (keep, duplicate) = pair(&state, &caller, id, &form).await?;
    let what = ctx.t.args(
        "producer-merge-what",
        &[
            ("duplicate", &duplicate.name),
            ("code", &duplicate.code()),
            ("keep", &keep.name),
            ("products", &duplicate.product_count.to_string()),
        ],
    );
    Ok(render(&MergePage { ctx, keep, duplicate, what }))
}

/// Merges the duplicate into the producer kept.
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> AppResult<Response> {
    let (keep, duplicate) = pair(&state, &caller, id, &form).await?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    producers::merge(&tx, &me.who(), keep.id, duplicate.id).await?;
    tx.commit().await?;
    let message = ctx.t.args("producer-merged", &[("duplicate", &duplicate.name), ("keep", &keep.name)]);
    Ok(redirect_with_flash(&state, &message, &format!("/producers/{}", keep.id)))
}

//! A producer's sales channels, added and removed from its page by the producer or its office.

use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{PageCtx, messages};
use crate::pages::registry::producer_target;
use crate::pages::registry::products::today;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use domain::access::Action;
use domain::outlets::ChannelInput;
use store::outlets::channels;

async fn producer_for(state: &AppState, caller: &Caller, id: i64) -> AppResult<store::producers::Producer> {
    let p = store::producers::get(state.db().conn(), id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    caller.require(Action::EditRegistry, &producer_target(&p))?;
    Ok(p)
}

pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(input): Form<ChannelInput>,
) -> AppResult<Response> {
    let p = producer_for(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let draft = match input.parse() {
        Ok(d) => d,
        Err(fields) => {
            let errors = messages(ctx.t, &fields);
            return crate::pages::registry::producers::detail(&state, &caller, ctx, p.id, errors, Some(input)).await;
        }
    };
    let tx = state.db().write().await?;
    channels::add(&tx, &me.who(), p.id, &draft, today()).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("channel-added"), &format!("/producers/{id}#channels")))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = channels::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let p = producer_for(&state, &caller, c.producer_id).await?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    channels::delete(&tx, &me.who(), id, today()).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("channel-removed"), &format!("/producers/{}#channels", p.id)))
}

//! The landing page: what the platform is, or, once signed in, who you are and where to go.

use super::{PlaceNames, view};
use crate::AppState;
use crate::error::AppResult;
use crate::page::{PageCtx, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    welcome: Option<Welcome>,
}

struct Welcome {
    greeting: String,
    role: String,
    scope: String,
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let welcome = match ctx.user() {
        Some(user) => {
            let names = PlaceNames::for_scopes(state.db(), &[&user.scope]).await?;
            Some(Welcome {
                greeting: ctx.t.arg("home-welcome", "name", &user.display_name),
                role: view::role(ctx.t, user),
                scope: view::scope(ctx.t, &user.scope, &names),
            })
        }
        None => None,
    };
    Ok(render(&HomePage { ctx, welcome }))
}

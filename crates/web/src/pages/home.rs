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
    /// For those who read the figures: the products in force today in their place, by class
    /// (label, number, link), leading to the dashboard.
    figures: Vec<(String, String, String)>,
    /// A council member's cards still to score or to submit again (product, council, link).
    cards: Vec<(String, String, String)>,
}

struct Welcome {
    greeting: String,
    role: String,
    scope: String,
}

pub async fn page(State(state): State<AppState>, caller: crate::auth::Caller, ctx: PageCtx) -> AppResult<Response> {
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
    let figures = match caller.listing(domain::access::Action::ViewFigures) {
        Ok(listing) => {
            let province = listing.province().map(|p| p.to_string());
            let day = crate::pages::registry::products::today();
            let scope = store::stats::Scope::province(province.as_deref());
            let stars = store::stats::stars(state.db().conn(), &scope, day).await?;
            let mut out = vec![(
                ctx.t.arg("dashboard-in-force", "day", &domain::fmt_date(day)),
                crate::charts::number(stars.total()),
                "/dashboard".to_owned(),
            )];
            for class in domain::stats::StarClass::ALL {
                out.push((
                    ctx.t.get(&format!("class-{}", class.as_str())),
                    crate::charts::number(stars.get(class)),
                    format!("/dashboard/products?class={}", class.as_str()),
                ));
            }
            out
        }
        Err(_) => Vec::new(),
    };
    let mut cards = Vec::new();
    if let Some(user) = ctx.user().filter(|u| u.role == domain::role::Role::CouncilMember) {
        let conn = state.db().conn();
        for e in store::evaluation::councils::evaluations_of_member(conn, user.id).await? {
            if e.state != "scoring" {
                continue;
            }
            let card = store::evaluation::councils::card(conn, e.id, user.id).await?;
            if card.is_none_or(|c| c.submitted_at.is_none()) {
                let note = if e.rescored > 0 { ctx.t.get("home-card-again") } else { String::new() };
                cards.push((
                    e.product_name,
                    format!("{} {note}", e.council_name),
                    format!("/evaluation/scorecards/{}", e.id),
                ));
            }
        }
    }
    Ok(render(&HomePage { ctx, welcome, figures, cards }))
}

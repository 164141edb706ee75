//! The evaluation desk: what each role has to do now, and the notifications.

use super::{kind_label, state_class, state_label};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::AppResult;
use crate::fmt;
use crate::page::{PageCtx, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::access::Action;
use domain::evaluation::State as RegState;
use domain::role::Role;
use store::Page;
use store::evaluation::councils as store_councils;
use store::evaluation::dossiers::{self as store_dossiers, RegistrationFilter};
use store::evaluation::{rounds as store_rounds, today};

struct Row {
    id: i64,
    number: String,
    product: String,
    producer: String,
    place: String,
    kind: String,
    state: String,
    state_class: &'static str,
    due: String,
    overdue: bool,
}

struct CardRow {
    id: i64,
    product: String,
    council: String,
    state: String,
    progress: String,
}

struct Count {
    label: String,
    n: i64,
    href: String,
}

/// `/evaluation?state=accepted`: the office's (or central office's) dossiers in one state
/// instead of the overdue ones.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    state: String,
}

#[derive(Template)]
#[template(path = "evaluation/home.html")]
struct HomePage {
    ctx: PageCtx,
    title: String,
    lead: String,
    rows: Vec<Row>,
    cards: Vec<CardRow>,
    counts: Vec<Count>,
    /// The heading of the office's list: the state chosen, or the overdue dossiers.
    rows_title: String,
    open_rounds: Vec<String>,
    office: bool,
    central: bool,
    producer: bool,
}

pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    axum::extract::Query(q): axum::extract::Query<DeskQuery>,
) -> AppResult<Response> {
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let conn = state.db().conn();
    let day = today();
    let listing = caller.listing(Action::ReadRecords)?;
    let page = Page::new(1, Page::MAX_SIZE);
    let to_row = |g: store_dossiers::Registration| Row {
        id: g.id,
        number: g.number.clone().unwrap_or_default(),
        overdue: g.screening_overdue(day),
        due: g.screening_due.map(fmt::date).unwrap_or_default(),
        product: g.product_name.clone(),
        producer: g.producer_name.clone(),
        place: g.commune_name.clone(),
        kind: kind_label(t, &g.kind),
        state: state_label(t, &g.state),
        state_class: state_class(&g.state),
    };
    let mut home = HomePage {
        title: t.get("evaluation-title"),
        lead: String::new(),
        rows: Vec::new(),
        cards: Vec::new(),
        counts: Vec::new(),
        rows_title: t.get("registrations-title"),
        open_rounds: Vec::new(),
        office: false,
        central: false,
        producer: false,
        ctx,
    };
    match me.role {
        Role::Producer => {
            home.producer = true;
            home.lead = t.get("evaluation-lead-producer");
            let found = store_dossiers::search(conn, &listing, &RegistrationFilter::default(), page).await?;
            home.rows = found.items.into_iter().map(to_row).collect();
            if let Some(p) = me.scope.province() {
                home.open_rounds = store_rounds::open(conn, p.as_str(), day)
                    .await?
                    .into_iter()
                    .map(|r| {
                        t.args("reg-round-choice", &[("name", &r.name), ("closes", &fmt::date(r.commune_deadline))])
                    })
                    .collect();
            }
        }
        Role::CommuneOfficer => {
            home.lead = t.get("evaluation-lead-commune");
            let filter = RegistrationFilter { states: vec![RegState::Submitted], ..RegistrationFilter::default() };
            let found = store_dossiers::search(conn, &listing, &filter, page).await?;
            home.rows = found.items.into_iter().map(to_row).collect();
        }
        Role::CouncilMember => {
            home.lead = t.get("evaluation-lead-council");
            home.cards = store_councils::evaluations_of_member(conn, me.id)
                .await?
                .into_iter()
                .map(|e| CardRow {
                    id: e.id,
                    product: e.product_name.clone(),
                    council: e.council_name.clone(),
                    state: t.get(&format!("evaluation-state-{}", e.state)),
                    progress: format!("{}/{}", e.submitted_cards, e.cards),
                })
                .collect();
        }
        Role::ProvinceOffice | Role::CentralOffice => {
            home.office = me.role == Role::ProvinceOffice;
            home.central = me.role == Role::CentralOffice;
            home.lead = t.get(if home.central { "evaluation-lead-central" } else { "evaluation-lead-office" });
            let states: &[(RegState, &str)] = if home.central {
                &[(RegState::Forwarded, "forwarded"), (RegState::CentralApproved, "central_approved")]
            } else {
                &[
                    (RegState::Submitted, "submitted"),
                    (RegState::Accepted, "accepted"),
                    (RegState::Council, "council"),
                    (RegState::Approved, "approved"),
                    (RegState::Forwarded, "forwarded"),
                    (RegState::CentralReturned, "central_returned"),
                ]
            };
            for (s, key) in states {
                let filter = RegistrationFilter { states: vec![*s], ..RegistrationFilter::default() };
                let n = store_dossiers::search(conn, &listing, &filter, Page::new(1, 1)).await?.total;
                home.counts.push(Count { label: state_label(t, key), n, href: format!("/evaluation?state={key}") });
            }
            let overdue = RegistrationFilter { overdue_on: Some(day), ..RegistrationFilter::default() };
            let found = store_dossiers::search(conn, &listing, &overdue, page).await?;
            if !home.central {
                home.counts.push(Count { label: t.get("reg-overdue"), n: found.total, href: "/evaluation".into() });
            }
            let chosen = states.iter().find(|(_, key)| *key == q.state);
            let filter = if let Some((s, key)) = chosen {
                home.rows_title = state_label(t, key);
                RegistrationFilter { states: vec![*s], ..RegistrationFilter::default() }
            } else if home.central {
                RegistrationFilter {
                    states: vec![RegState::Forwarded, RegState::CentralApproved],
                    ..RegistrationFilter::default()
                }
            } else {
                home.rows_title = t.get("reg-overdue-list");
                overdue
            };
            home.rows =
                store_dossiers::search(conn, &listing, &filter, page).await?.items.into_iter().map(to_row).collect();
        }
        // Other accounts (an inspector, the administrator) have nothing of their own to do here.
        _ => {}
    }
    Ok(render(&home))
}

struct NoteRow {
    text: String,
    link: String,
    when: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "evaluation/notifications.html")]
struct NotificationsPage {
    ctx: PageCtx,
    notes: Vec<NoteRow>,
}

pub async fn notifications(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let notes = store::notifications::of_user(state.db().conn(), me.id, 100)
        .await?
        .into_iter()
        .map(|n| {
            let args = n.args();
            let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            NoteRow {
                text: t.args(&n.message_key, &refs),
                link: n.link,
                when: fmt::datetime(n.created_at),
                unread: n.read_at.is_none(),
            }
        })
        .collect();
    Ok(render(&NotificationsPage { ctx, notes }))
}

pub async fn read_all(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    store::notifications::mark_all_read(&tx, me.id).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("notifications-read"), "/notifications"))
}

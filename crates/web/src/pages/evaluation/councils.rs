//! Councils: the province office (or, for 5★, the central office) sets them up and puts products
//! before them.

use super::stars_text;
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, render, render_form};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use domain::access::{Action, Listing, Target};
use domain::evaluation::State as RegState;
use domain::place::ProvinceCode;
use domain::role::{Role, Scope};
use domain::scoring::Level;
use store::evaluation::councils::{self as store_councils, Council, CouncilDraft, Evaluation};
use store::evaluation::dossiers::{self as store_dossiers, RegistrationFilter};
use store::evaluation::rounds as store_rounds;
use store::users::{self, UserFilter};
use store::{Page, StoreError};

/// Whose councils the caller runs: a province office its province's, the central office the
/// central councils.
enum Office {
    Province(ProvinceCode),
    Central,
}

fn office(caller: &Caller) -> AppResult<Office> {
    Ok(match caller.office()? {
        domain::access::Office::Province(p) => Office::Province(p),
        domain::access::Office::Central => Office::Central,
    })
}

fn may_run(caller: &Caller, council: &Council) -> bool {
    match council.level() {
        Level::Central => caller.may_list(Action::EvaluateCentral),
        Level::Province => council
            .province_code
            .as_deref()
            .is_some_and(|p| caller.may(Action::ManageEvaluation, &Target::in_province(p))),
    }
}

struct MemberChoice {
    id: i64,
    name: String,
    email: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "evaluation/councils.html")]
struct ListPage {
    ctx: PageCtx,
    central: bool,
    councils: Vec<Council>,
    rounds: Vec<Choice>,
    members: Vec<MemberChoice>,
    chairs: Vec<Choice>,
    form: CouncilForm,
    errors: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CouncilForm {
    name: String,
    round: String,
    members: Vec<i64>,
    chair: String,
    quorum_percent: String,
    spread_limit: String,
}

impl CouncilForm {
    fn from_fields(fields: &[(String, String)]) -> Self {
        let mut f = CouncilForm::default();
        for (k, v) in fields {
            match k.as_str() {
                "name" => f.name = v.clone(),
                "round" => f.round = v.clone(),
                "members" => f.members.extend(v.parse::<i64>().ok()),
                "chair" => f.chair = v.clone(),
                "quorum_percent" => f.quorum_percent = v.clone(),
                "spread_limit" => f.spread_limit = v.clone(),
                _ => {}
            }
        }
        f
    }
}

async fn list_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    form: CouncilForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    let office = office(caller)?;
    let conn = state.db().conn();
    let (councils, rounds, listing) = match &office {
        Office::Province(p) => (
            store_councils::list(conn, Some(p.as_str())).await?,
            store_rounds::list(conn, Some(p.as_str())).await?,
            Listing::Province(p.clone()),
        ),
        Office::Central => (store_councils::list(conn, None).await?, Vec::new(), Listing::All),
    };
    let filter = UserFilter { q: None, role: Some(Role::CouncilMember), province: None };
    let candidates = users::search(conn, &listing, &filter, Page::new(1, Page::MAX_SIZE)).await?;
    let central = matches!(office, Office::Central);
    let members: Vec<MemberChoice> = candidates
        .items
        .into_iter()
        .filter(|u| !u.disabled && (!central || u.scope == Scope::National))
        .map(|u| MemberChoice { checked: form.members.contains(&u.id), id: u.id, name: u.display_name, email: u.email })
        .collect();
    let chairs = members
        .iter()
        .map(|m| Choice { value: m.id.to_string(), label: m.name.clone(), selected: form.chair == m.id.to_string() })
        .collect();
    let rounds = rounds
        .iter()
        .map(|r| Choice { value: r.id.to_string(), label: r.name.clone(), selected: form.round == r.id.to_string() })
        .collect();
    let has_errors = !errors.is_empty();
    Ok(render_form(has_errors, &ListPage { ctx, central, councils, rounds, members, chairs, form, errors }))
}

pub async fn list(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    // The defaults the rules' data offers; a council's own rules may set more.
    let c = domain::rules::current().council;
    let form = CouncilForm {
        quorum_percent: c.quorum_percent.to_string(),
        spread_limit: c.spread_limit.to_string(),
        ..CouncilForm::default()
    };
    list_page(&state, &caller, ctx, form, Vec::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let office = office(&caller)?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let form = CouncilForm::from_fields(&fields);
    let number = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    let draft = CouncilDraft {
        name: form.name.clone(),
        level: if matches!(office, Office::Central) { Level::Central } else { Level::Province },
        province: match &office {
            Office::Province(p) => Some(p.clone()),
            Office::Central => None,
        },
        round_id: form.round.trim().parse().ok(),
        members: form.members.clone(),
        chair: number(&form.chair),
        quorum_percent: number(&form.quorum_percent),
        spread_limit: number(&form.spread_limit),
    };
    let tx = state.db().write().await?;
    match store_councils::create(&tx, &me.who(), &draft).await {
        Ok(k) => {
            tx.commit().await?;
            Ok(redirect_with_flash(&state, &t.get("council-created"), &format!("/evaluation/councils/{}", k.id)))
        }
        Err(StoreError::Invalid(fields)) => {
            drop(tx);
            let errors = fields
                .iter()
                .map(|(f, why)| format!("{}: {}", t.get(&format!("council-field-{f}")), t.invalid(why)))
                .collect();
            list_page(&state, &caller, ctx, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

struct Candidate {
    id: i64,
    number: String,
    product: String,
    producer: String,
    commune: String,
    result: String,
}

/// What the list of dossiers to assign is narrowed to.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CandidateQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    sheet: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: Option<u32>,
}

impl CandidateQuery {
    fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        CandidateQuery { q: get("q"), commune: get("commune"), sheet: get("sheet"), kind: get("kind"), page: None }
    }
}

#[derive(Template)]
#[template(path = "evaluation/council.html")]
struct ShowPage {
    ctx: PageCtx,
    council: Council,
    level: String,
    members: Vec<store_councils::Member>,
    evaluations: Vec<(Evaluation, String)>,
    candidates: Vec<Candidate>,
    /// How many dossiers match the filter, on every page.
    matching: i64,
    pager: crate::page::Pager,
    query: CandidateQuery,
    communes: Vec<Choice>,
    sheets: Vec<Choice>,
    kinds: Vec<Choice>,
    may_run: bool,
}

/// The dossiers this council may take, as filtered: accepted ones of its province (or forwarded
/// ones, centrally) not before a council of its level now.
fn candidates_of(council: &Council, q: &CandidateQuery) -> AppResult<(Listing, RegistrationFilter)> {
    let (listing, wanted) = match (council.level(), council.province_code.as_deref()) {
        (Level::Province, Some(p)) => {
            (Listing::Province(ProvinceCode::parse(p).map_err(|_| AppError::NotFound)?), RegState::Accepted)
        }
        _ => (Listing::All, RegState::Forwarded),
    };
    let filter = RegistrationFilter {
        states: vec![wanted],
        q: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        commune: Some(q.commune.clone()).filter(|s| !s.is_empty()),
        sheet: Some(q.sheet.clone()).filter(|s| !s.is_empty()),
        kind: domain::evaluation::Kind::parse(&q.kind).ok(),
        unassigned_at: Some(council.level.clone()),
        ..RegistrationFilter::default()
    };
    Ok((listing, filter))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(query): Query<CandidateQuery>,
) -> AppResult<Response> {
    let conn = state.db().conn();
    let council = store_councils::get(conn, id).await?.ok_or(AppError::NotFound)?;
    let seated = match caller.user() {
        Some(u) => store_councils::seat(conn, id, u.id).await?.is_some(),
        None => false,
    };
    let may_run = may_run(&caller, &council);
    if !may_run && !seated {
        let place = council
            .province_code
            .as_deref()
            .map_or_else(|| Target::at(domain::access::Place::national()), Target::in_province);
        caller.require(Action::ManageEvaluation, &place)?;
    }
    let t = ctx.t;
    let members = store_councils::members(conn, id).await?;
    let evaluations = store_councils::evaluations_of_council(conn, id)
        .await?
        .into_iter()
        .map(|e| {
            let state = t.get(&format!("evaluation-state-{}", e.state));
            (e, state)
        })
        .collect();
    let page = Page::new(query.page.unwrap_or(1), 50);
    let (mut candidates, mut matching) = (Vec::new(), 0);
    if may_run {
        let (listing, filter) = candidates_of(&council, &query)?;
        let found = store_dossiers::search(conn, &listing, &filter, page).await.map_err(|e| match e {
            StoreError::Invalid(fields) => AppError::Invalid(fields),
            other => other.into(),
        })?;
        matching = found.total;
        candidates = found
            .items
            .into_iter()
            .map(|g| Candidate {
                id: g.id,
                number: g.number.clone().unwrap_or_default(),
                product: g.product_name.clone(),
                producer: g.producer_name.clone(),
                commune: g.commune_name.clone(),
                result: match g.stars {
                    Some(s) if council.level() == Level::Central => stars_text(Some(s)),
                    _ => super::kind_label(t, &g.kind),
                },
            })
            .collect();
    }
    let communes = match council.province_code.as_deref() {
        Some(p) if may_run => store::units::communes(conn, p).await?,
        _ => Vec::new(),
    };
    let set = super::criteria()?;
    let sheets =
        Choice::list(set.sheets().map(|s| (s.code.as_str(), format!("{} · {}", s.code, s.name_vi))), &query.sheet);
    let kinds = Choice::list(
        domain::evaluation::Kind::ALL.iter().map(|k| (k.as_str(), super::kind_label(t, k.as_str()))),
        &query.kind,
    );
    let level = t.get(&format!("council-level-{}", council.level));
    Ok(render(&ShowPage {
        pager: crate::page::Pager::new(&ctx, page, matching),
        communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &query.commune),
        sheets,
        kinds,
        query,
        matching,
        ctx,
        council,
        level,
        members,
        evaluations,
        candidates,
        may_run,
    }))
}

pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let council = store_councils::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    if !may_run(&caller, &council) {
        office(&caller)?;
        return Err(AppError::NotFound);
    }
    let me = caller.signed_in()?.clone();
    let mut chosen: Vec<i64> =
        fields.iter().filter(|(k, _)| k == "registrations").filter_map(|(_, v)| v.parse().ok()).collect();
    // "Every matching dossier": the filter as shown, on every page.
    if fields.iter().any(|(k, v)| k == "all_matching" && v == "1") {
        let (listing, filter) = candidates_of(&council, &CandidateQuery::from_fields(&fields))?;
        chosen.clear();
        let mut number = 1;
        loop {
            let found = store_dossiers::search(state.db().conn(), &listing, &filter, Page::new(number, Page::MAX_SIZE))
                .await
                .map_err(|e| match e {
                    StoreError::Invalid(fields) => AppError::Invalid(fields),
                    other => other.into(),
                })?;
            let done = found.items.len() < Page::MAX_SIZE as usize;
            chosen.extend(found.items.iter().map(|g| g.id));
            if done {
                break;
            }
            number += 1;
        }
    }
    let t = ctx.t;
    if chosen.is_empty() {
        return Err(AppError::Refused(domain::Invalid::new("invalid-none-chosen")));
    }
    let tx = state.db().write().await?;
    let n = store_councils::assign(&tx, &me.who(), id, &chosen).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &state,
        &t.arg("council-assigned", "n", &n.to_string()),
        &format!("/evaluation/councils/{id}"),
    ))
}

//! Account management (quản lý tài khoản) for the admin and the province offices.

use super::{PlaceNames, view};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::{Choice, PageCtx, field_error, render, render_status};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::access::{self, Action, Place, Target};
use domain::email::Email;
use domain::place::{CommuneCode, ProvinceCode};
use domain::role::{Role, ScopeInput};
use domain::{FieldErrors, Invalid, password};
use serde::Deserialize;
use store::audit::Who;
use store::users::{self, User, UserDraft, UserFilter};
use store::{Page, Paged};

fn place_of(user: &User) -> Place {
    Place {
        province: user.scope.province().cloned(),
        commune: user.scope.commune().cloned(),
        producer: user.scope.producer(),
    }
}

// ---------------------------------------------------------------- list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    page: Option<u32>,
}

struct Row {
    id: i64,
    email: String,
    name: String,
    role: String,
    scope: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    ctx: PageCtx,
    q: String,
    roles: Vec<Choice>,
    rows: Vec<Row>,
    count: String,
    pager: crate::page::Pager,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageUsers)?;
    let filter = UserFilter { q: Some(query.q.clone()), role: Role::parse(&query.role).ok(), province: None };
    let page = Page::new(query.page.unwrap_or(1), 50);
    let Paged { items, total, page } = users::search(state.db().conn(), &listing, &filter, page).await?;
    let scopes: Vec<_> = items.iter().map(|u| &u.scope).collect();
    let names = PlaceNames::for_scopes(state.db(), &scopes).await?;
    let rows = items
        .iter()
        .map(|u| Row {
            id: u.id,
            email: u.email.clone(),
            name: u.display_name.clone(),
            role: view::role(ctx.t, u),
            scope: view::scope(ctx.t, &u.scope, &names),
            disabled: u.disabled,
        })
        .collect();
    let pager = crate::page::Pager::new(&ctx, page, total);
    Ok(render(&ListPage {
        count: ctx.t.arg("users-count", "total", &crate::fmt::thousands(total)),
        roles: Choice::list(Role::ALL.iter().map(|r| (r.as_str(), ctx.role_label(r))), &query.role),
        q: query.q,
        rows,
        pager,
        ctx,
    }))
}

// ---------------------------------------------------------------- form

/// The account form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    producer: String,
    #[serde(default)]
    disabled: Option<String>,
    #[serde(default)]
    version: Option<i64>,
}

impl UserForm {
    fn from_user(u: &User) -> Self {
        Self {
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            province: u.scope.province().map(|p| p.to_string()).unwrap_or_default(),
            commune: u.scope.commune().map(|c| c.to_string()).unwrap_or_default(),
            producer: u.scope.producer().map(|p| p.to_string()).unwrap_or_default(),
            disabled: u.disabled.then(|| "on".to_owned()),
            version: Some(u.version),
        }
    }

    /// Every field checked; the errors name the field they belong to. `producer` is the producer
    /// the form's number names, as the store found it.
    fn parse(
        &self,
        actor: &domain::access::Actor,
        producer: Result<Option<(i64, ProvinceCode, CommuneCode)>, Invalid>,
    ) -> Result<UserDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&self.email));
        let display_name = errors.check("display_name", UserDraft::display_name(&self.display_name));
        let role = errors.check("role", Role::parse(&self.role));
        let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        // A producer account's place is its producer's: the address fields are not its own.
        let (province, commune) = if role == Some(Role::Producer) {
            (None, None)
        } else {
            (
                optional(&self.province).and_then(|p| errors.check("province", ProvinceCode::parse(&p))),
                optional(&self.commune).and_then(|c| errors.check("commune", CommuneCode::parse(&c))),
            )
        };
        let producer = errors.check("producer", producer).flatten();
        let scope = role.and_then(|role| match (ScopeInput { province, commune, producer }).for_role(role) {
            Ok(scope) => Some(scope),
            Err(scope_errors) => {
                for (field, why) in scope_errors.iter() {
                    errors.add(field.clone(), why.clone());
                }
                None
            }
        });
        if let (Some(role), Some(scope)) = (role, &scope)
            && !access::may_grant(actor, role, scope)
        {
            errors.add("role", Invalid::new("users-not-allowed"));
        }
        match (email, display_name, role, scope) {
            (Some(email), Some(display_name), Some(role), Some(scope)) if errors.is_empty() => {
                Ok(UserDraft { email, display_name, role, scope })
            }
            _ => Err(errors),
        }
    }

    fn disabled(&self) -> bool {
        self.disabled.is_some()
    }
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct FormPage {
    ctx: PageCtx,
    /// `None` when creating.
    id: Option<i64>,
    title: String,
    form: UserForm,
    errors: FieldErrors,
    roles: Vec<Choice>,
    notice: Option<String>,
    temp_password: Option<String>,
}

impl FormPage {
    fn new(ctx: PageCtx, actor: &domain::access::Actor, id: Option<i64>, form: UserForm) -> Self {
        let title = match id {
            Some(_) => ctx.t.arg("users-edit-title", "email", &form.email),
            None => ctx.t.get("users-create-title"),
        };
        let grantable = Role::ALL.iter().filter(|r| access::may_grant_role(actor, **r));
        let roles = Choice::list(grantable.map(|r| (r.as_str(), ctx.role_label(r))), &form.role);
        Self { ctx, id, title, form, errors: FieldErrors::new(), roles, notice: None, temp_password: None }
    }

    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }

    fn action(&self) -> String {
        self.id.map_or_else(|| "/admin/users".to_owned(), |id| format!("/admin/users/{id}"))
    }
}

/// The producer a form's number names: its id and place, if it exists and is not deleted.
async fn named_producer(
    state: &AppState,
    raw: &str,
) -> AppResult<Result<Option<(i64, ProvinceCode, CommuneCode)>, Invalid>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Ok(None));
    }
    let Ok(id) = raw.parse::<i64>() else { return Ok(Err(Invalid::new("invalid-number"))) };
    let unknown = || Invalid::new("invalid-producer-unknown").with("id", id);
    let found = store::producers::get(state.db().conn(), id).await?.filter(|p| p.deleted_at.is_none());
    Ok(match found {
        Some(p) => match (ProvinceCode::parse(&p.province_code), CommuneCode::parse(&p.commune_code)) {
            (Ok(province), Ok(commune)) => Ok(Some((p.id, province, commune))),
            _ => Err(unknown()),
        },
        None => Err(unknown()),
    })
}

fn generate_password() -> password::Password {
    password::generate(rand::random::<u32>)
}

async fn hash(state: &AppState, pw: password::Password) -> AppResult<String> {
    state.heavy().run(crate::heavy::PASSWORD_BYTES, move || password::hash(&pw)).await?.map_err(AppError::internal)
}

pub async fn new_form(caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    caller.listing(Action::ManageUsers)?;
    let actor = caller.actor().ok_or(AppError::SignInRequired)?;
    let mut form = UserForm::default();
    if let Some(p) = actor.scope.province() {
        form.province = p.to_string();
    }
    Ok(render(&FormPage::new(ctx, &actor, None, form)))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Form(form): Form<UserForm>,
) -> AppResult<Response> {
    caller.listing(Action::ManageUsers)?;
    let me = caller.signed_in()?.clone();
    let actor = me.actor();
    let producer = named_producer(&state, &form.producer).await?;
    let draft = match form.parse(&actor, producer) {
        Ok(d) => d,
        Err(errors) => return Ok(invalid(FormPage { errors, ..FormPage::new(ctx, &actor, None, form) })),
    };
    let temp = generate_password();
    let shown = temp.expose().to_owned();
    let hashed = hash(&state, temp).await?;
    let tx = state.db().write().await?;
    let created = match users::create(&tx, &me.who(), &draft, &hashed, true).await {
        Ok(u) => u,
        Err(store::StoreError::Invalid(errors)) => {
            return Ok(invalid(FormPage { errors, ..FormPage::new(ctx, &actor, None, form) }));
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    let notice = ctx.t.arg("users-created", "email", &created.email);
    let page = FormPage {
        notice: Some(notice),
        temp_password: Some(shown),
        ..FormPage::new(ctx, &actor, Some(created.id), UserForm::from_user(&created))
    };
    Ok(render_status(StatusCode::CREATED, &page))
}

fn invalid(page: FormPage) -> Response {
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The account, if the caller may manage it (404 otherwise: its existence is not theirs to know).
async fn managed(state: &AppState, caller: &Caller, id: i64) -> AppResult<User> {
    let user = users::get(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageUsers, &Target::at(place_of(&user)))?;
    Ok(user)
}

pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = managed(&state, &caller, id).await?;
    let actor = caller.actor().ok_or(AppError::SignInRequired)?;
    Ok(render(&FormPage::new(ctx, &actor, Some(id), UserForm::from_user(&user))))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> AppResult<Response> {
    let before = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let actor = me.actor();
    let producer = named_producer(&state, &form.producer).await?;
    let draft = match form.parse(&actor, producer) {
        Ok(d) => d,
        Err(errors) => return Ok(invalid(FormPage { errors, ..FormPage::new(ctx, &actor, Some(id), form) })),
    };
    let expected = form.version.ok_or_else(|| AppError::BadRequest(Invalid::new("invalid-required")))?;
    let tx = state.db().write().await?;
    match users::update(&tx, &me.who(), id, expected, &draft, form.disabled()).await {
        Ok(_) => {}
        Err(store::StoreError::Stale) => {
            drop(tx);
            let latest = users::get(state.db().conn(), id).await?.unwrap_or(before);
            let notice = ctx.t.get("users-stale");
            let page =
                FormPage { notice: Some(notice), ..FormPage::new(ctx, &actor, Some(id), UserForm::from_user(&latest)) };
            return Ok(render_status(StatusCode::CONFLICT, &page));
        }
        Err(store::StoreError::Invalid(errors)) => {
            return Ok(invalid(FormPage { errors, ..FormPage::new(ctx, &actor, Some(id), form) }));
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("flash-saved"), "/admin/users"))
}

pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = managed(&state, &caller, id).await?;
    let me = caller.signed_in()?.clone();
    let temp = generate_password();
    let shown = temp.expose().to_owned();
    let hashed = hash(&state, temp).await?;
    let tx = state.db().write().await?;
    users::set_password(&tx, &Who::user(me.id, &me.email), id, &hashed, true, None).await?;
    tx.commit().await?;
    let notice = ctx.t.arg("users-password-reset", "email", &user.email);
    let fresh = users::get(state.db().conn(), id).await?.unwrap_or(user);
    let actor = me.actor();
    Ok(render(&FormPage {
        notice: Some(notice),
        temp_password: Some(shown),
        ..FormPage::new(ctx, &actor, Some(id), UserForm::from_user(&fresh))
    }))
}

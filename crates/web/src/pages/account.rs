//! "Tài khoản của tôi": who I am, and changing my password.

use super::{PlaceNames, view};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::auth::login::{ClientIp, safe_next, throttled};
use crate::error::{AppError, AppResult};
use crate::fmt;
use crate::heavy::PASSWORD_BYTES;
use crate::page::{PageCtx, field_error, render_status};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldErrors;
use domain::Invalid;
use domain::password::{self, Password};
use serde::Deserialize;
use store::{throttle, users};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageCtx,
    email: String,
    name: String,
    role: String,
    scope: String,
    last_login: String,
    must_change: bool,
    errors: FieldErrors,
    min_len: usize,
    /// Where the user was headed when asked to change the password first.
    next: String,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

async fn account_page(state: &AppState, ctx: PageCtx, errors: FieldErrors, next: &str) -> AppResult<AccountPage> {
    let user = ctx.caller.signed_in()?.clone();
    let names = PlaceNames::for_scopes(state.db(), &[&user.scope]).await?;
    Ok(AccountPage {
        email: user.email.clone(),
        name: user.display_name.clone(),
        role: view::role(ctx.t, &user),
        scope: view::scope(ctx.t, &user.scope, &names),
        last_login: user.last_login_at.map_or_else(|| ctx.t.get("account-never"), fmt::datetime),
        must_change: user.must_change_password,
        errors,
        min_len: password::MIN_LEN,
        next: match safe_next(next) {
            "/" => String::new(),
            headed => headed.to_owned(),
        },
        ctx,
    })
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> AppResult<Response> {
    let page = account_page(&state, ctx, FieldErrors::new(), &q.next).await?;
    Ok(render_status(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    next: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let user = caller.signed_in()?.clone();
    // Checking the current password is a way to guess it: it is throttled like signing in.
    let (account_key, ip_key) = (throttle::account_key(&user.email), throttle::ip_key(&ip));
    if let Some(wait) = throttled(&state, &account_key, &ip_key).await? {
        return Err(AppError::TooMany { key: "login-throttled", retry_after_seconds: wait });
    }
    let session_hash = caller.session().map(|s| s.token_hash.clone());
    let mut errors = FieldErrors::new();
    let (_, stored) = users::find_for_login(state.db().conn(), &user.email).await?.ok_or(AppError::NotFound)?;
    let current = form.current.clone();
    let current_ok = state.heavy().run(PASSWORD_BYTES, move || password::verify(&current, &stored)).await?;
    if current_ok {
        throttle::clear(state.db().conn(), &account_key).await?;
    } else {
        throttle::record_failure(state.db().conn(), &[&account_key, &ip_key]).await?;
        errors.add("current", Invalid::new("account-password-wrong"));
    }
    let new = errors.check("new", Password::parse(&form.new));
    if new.is_some() && form.new != form.confirm {
        errors.add("confirm", Invalid::new("account-password-mismatch"));
    }
    let (Some(new), true) = (new, errors.is_empty()) else {
        let page = account_page(&state, ctx, errors, &form.next).await?;
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let hash = state.heavy().run(PASSWORD_BYTES, move || password::hash(&new)).await?.map_err(AppError::internal)?;
    let tx = state.db().write().await?;
    users::set_password(&tx, &user.who(), user.id, &hash, false, session_hash.as_deref()).await?;
    tx.commit().await?;
    let target = match safe_next(&form.next) {
        "/" => "/account",
        headed => headed,
    };
    Ok(redirect_with_flash(&state, &ctx.t.get("account-password-changed"), target))
}

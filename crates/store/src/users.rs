//! Accounts (tài khoản): who can sign in, with which role and scope.

use crate::audit::{self, Change, Who};
use crate::db::{Conditions, count, execute, fetch_optional, like_pattern, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::access::Listing;
use domain::email::Email;
use domain::place::{CommuneCode, ProvinceCode};
use domain::role::{Role, Scope};
use domain::text::{clean, fold};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// An account as the rest of the application sees it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub locale: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub version: i64,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

impl User {
    pub fn actor(&self) -> domain::access::Actor {
        domain::access::Actor { user_id: self.id, role: self.role, scope: self.scope.clone() }
    }

    pub fn who(&self) -> Who {
        Who::user(self.id, &self.email)
    }
}

#[derive(Debug, FromQueryResult)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    province_code: Option<String>,
    commune_code: Option<String>,
    producer_id: Option<i64>,
    locale: String,
    disabled: bool,
    must_change_password: bool,
    version: i64,
    created_at: i64,
    last_login_at: Option<i64>,
}

pub(crate) const COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.province_code, u.commune_code, \
    u.producer_id, u.locale, u.disabled, u.must_change_password, u.version, u.created_at, u.last_login_at";

fn corrupt(detail: impl ToString) -> StoreError {
    StoreError::Corrupt { table: "app_user", detail: detail.to_string() }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<User> {
        let role = Role::parse(&r.role).map_err(|_| corrupt(format!("user {}: role {:?}", r.id, r.role)))?;
        let province = r.province_code.as_deref().map(ProvinceCode::parse).transpose().map_err(corrupt)?;
        let commune = r.commune_code.as_deref().map(CommuneCode::parse).transpose().map_err(corrupt)?;
        let missing = || corrupt(format!("user {}: role {role} without its scope", r.id));
        let scope = match role {
            Role::Admin | Role::CentralOffice => Scope::National,
            Role::CouncilMember => province.map_or(Scope::National, |province| Scope::Province { province }),
            Role::ProvinceOffice | Role::Inspector => Scope::Province { province: province.ok_or_else(missing)? },
            Role::CommuneOfficer => {
                Scope::Commune { province: province.ok_or_else(missing)?, commune: commune.ok_or_else(missing)? }
            }
            Role::Producer => Scope::Producer {
                producer: r.producer_id.ok_or_else(missing)?,
                province: province.ok_or_else(missing)?,
                commune: commune.ok_or_else(missing)?,
            },
        };
        Ok(User {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role,
            scope,
            locale: r.locale,
            disabled: r.disabled,
            must_change_password: r.must_change_password,
            version: r.version,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
        })
    }
}

/// What an account form holds once each field has been parsed.
#[derive(Debug, Clone)]
pub struct UserDraft {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
}

impl UserDraft {
    /// Checks the display name; the other fields are already typed.
    pub fn display_name(raw: &str) -> Result<String, Invalid> {
        let name = clean(raw);
        if name.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        if name.chars().count() > 120 {
            return Err(Invalid::new("invalid-too-long").with("max", 120));
        }
        Ok(name)
    }
}

/// The audit view of an account: what changed, never the password hash.
#[derive(Serialize)]
struct Audited<'a> {
    email: &'a str,
    display_name: &'a str,
    role: Role,
    scope: &'a Scope,
    disabled: bool,
}

impl<'a> From<&'a User> for Audited<'a> {
    fn from(u: &'a User) -> Self {
        Self { email: &u.email, display_name: &u.display_name, role: u.role, scope: &u.scope, disabled: u.disabled }
    }
}

fn scope_columns(scope: &Scope) -> (Option<String>, Option<String>, Option<i64>) {
    (scope.province().map(|p| p.as_str().to_owned()), scope.commune().map(|c| c.as_str().to_owned()), scope.producer())
}

/// Unknown province or commune codes are refused with the field they came from.
async fn check_places(c: &impl ConnectionTrait, scope: &Scope) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Some(p) = scope.province()
        && crate::units::province(c, p.as_str()).await?.is_none()
    {
        errors.add("province", Invalid::new("invalid-province-unknown").with("code", p));
    }
    if let Some(code) = scope.commune() {
        match crate::units::commune(c, code.as_str()).await? {
            None => errors.add("commune", Invalid::new("invalid-commune-unknown").with("code", code)),
            Some(commune) if Some(commune.province_code.as_str()) != scope.province().map(|p| p.as_str()) => {
                errors.add("commune", Invalid::new("invalid-commune-elsewhere").with("code", code));
            }
            Some(_) => {}
        }
    }
    errors.into_result().map_err(StoreError::Invalid)
}

fn duplicate_email(e: StoreError) -> StoreError {
    match e {
        StoreError::Duplicate(_) => {
            StoreError::Invalid(FieldErrors::single("email", Invalid::new("invalid-email-taken")))
        }
        other => other,
    }
}

/// Creates an account with an already-hashed password.
pub async fn create(
    tx: &Tx,
    who: &Who,
    draft: &UserDraft,
    password_hash: &str,
    must_change_password: bool,
) -> Result<User> {
    check_places(tx, &draft.scope).await?;
    let (province, commune, producer) = scope_columns(&draft.scope);
    let t = now();
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let id = fetch_optional::<Id>(
        tx,
        "INSERT INTO app_user (email, display_name, password_hash, role, province_code, commune_code, producer_id, \
         must_change_password, created_at, updated_at, search_fold) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
        [
            draft.email.as_str().into(),
            draft.display_name.clone().into(),
            password_hash.into(),
            draft.role.as_str().into(),
            province.into(),
            commune.into(),
            producer.into(),
            must_change_password.into(),
            t.into(),
            fold(&format!("{} {}", draft.email, draft.display_name)).into(),
        ],
    )
    .await
    .map_err(duplicate_email)?
    .ok_or(StoreError::NotFound)?
    .id;
    let user = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("user.create", "user", id)
            .province(user.scope.province().map(ProvinceCode::as_str))
            .after(&Audited::from(&user)),
    )
    .await?;
    Ok(user)
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<User>> {
    let row =
        fetch_optional::<UserRow>(c, &format!("SELECT {COLUMNS} FROM app_user u WHERE u.id = $1"), [id.into()]).await?;
    row.map(User::try_from).transpose()
}

/// An account and its password hash, for signing in.
pub async fn find_for_login(c: &impl ConnectionTrait, email: &str) -> Result<Option<(User, String)>> {
    #[derive(FromQueryResult)]
    struct LoginRow {
        #[sea_orm(nested)]
        user: UserRow,
        password_hash: String,
    }
    let row = fetch_optional::<LoginRow>(
        c,
        &format!("SELECT {COLUMNS}, u.password_hash FROM app_user u WHERE u.email = $1"),
        [email.trim().to_lowercase().into()],
    )
    .await?;
    row.map(|r| Ok((User::try_from(r.user)?, r.password_hash))).transpose()
}

pub async fn count_all(c: &impl ConnectionTrait) -> Result<i64> {
    count(c, "SELECT COUNT(*) AS n FROM app_user", []).await
}

/// Filters of the account list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Words of the e-mail or name, diacritics ignored.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub province: Option<String>,
}

/// The accounts a listing may show, by e-mail.
pub async fn search(
    c: &impl ConnectionTrait,
    listing: &Listing,
    filter: &UserFilter,
    page: Page,
) -> Result<Paged<User>> {
    let mut w = Conditions::default();
    match listing {
        Listing::All => {}
        Listing::Province(p) => {
            w.and("u.province_code = ?", p.as_str());
        }
        Listing::Commune(_, commune) => {
            w.and("u.commune_code = ?", commune.as_str());
        }
        Listing::Producer(id) => {
            w.and("u.producer_id = ?", *id);
        }
        Listing::AssignedTo(id) => {
            w.and("u.id = ?", *id);
        }
    }
    let terms = domain::text::search_terms(filter.q.as_deref().unwrap_or_default())
        .map_err(|why| StoreError::Invalid(domain::FieldErrors::single("q", why)))?;
    if let Some(q) = terms {
        for word in q.split(' ') {
            w.and("u.search_fold LIKE ? ESCAPE '\\'", like_pattern(word));
        }
    }
    if let Some(role) = filter.role {
        w.and("u.role = ?", role.as_str());
    }
    if let Some(p) = &filter.province {
        w.and("u.province_code = ?", p.clone());
    }
    w.page::<UserRow>(c, COLUMNS, "app_user u", ("u.email", Vec::new()), page).await?.try_map(User::try_from)
}

/// Changes name, role, scope and the disabled flag, if nobody else changed the account since
/// `expected_version` was read. Disabling an account ends its sessions.
pub async fn update(
    tx: &Tx,
    who: &Who,
    id: i64,
    expected_version: i64,
    draft: &UserDraft,
    disabled: bool,
) -> Result<User> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    if before.version != expected_version {
        return Err(StoreError::Stale);
    }
    check_places(tx, &draft.scope).await?;
    let (province, commune, producer) = scope_columns(&draft.scope);
    execute(
        tx,
        "UPDATE app_user SET email = $1, display_name = $2, role = $3, province_code = $4, commune_code = $5, \
         producer_id = $6, disabled = $7, search_fold = $8, updated_at = $9, version = version + 1 \
         WHERE id = $10 AND version = $11",
        [
            draft.email.as_str().into(),
            draft.display_name.clone().into(),
            draft.role.as_str().into(),
            province.into(),
            commune.into(),
            producer.into(),
            disabled.into(),
            fold(&format!("{} {}", draft.email, draft.display_name)).into(),
            now().into(),
            id.into(),
            expected_version.into(),
        ],
    )
    .await
    .map_err(duplicate_email)?;
    if disabled {
        crate::sessions::delete_for_user(tx, id).await?;
    }
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change::new("user.update", "user", id)
            .province(after.scope.province().or(before.scope.province()).map(ProvinceCode::as_str))
            .before(&Audited::from(&before))
            .after(&Audited::from(&after)),
    )
    .await?;
    Ok(after)
}

/// Replaces the password hash and ends the account's other sessions (all of them when
/// `keep_session` is `None`).
pub async fn set_password(
    tx: &Tx,
    who: &Who,
    id: i64,
    password_hash: &str,
    must_change_password: bool,
    keep_session: Option<&str>,
) -> Result<()> {
    let user = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    execute(
        tx,
        "UPDATE app_user SET password_hash = $1, must_change_password = $2, updated_at = $3, version = version + 1 \
         WHERE id = $4",
        [password_hash.into(), must_change_password.into(), now().into(), id.into()],
    )
    .await?;
    crate::sessions::delete_for_user_except(tx, id, keep_session).await?;
    audit::append(
        tx,
        who,
        Change::new("user.password", "user", id).province(user.scope.province().map(ProvinceCode::as_str)),
    )
    .await?;
    Ok(())
}

/// Notes a successful sign-in (the audit entry is the caller's, in the same transaction).
pub async fn record_login(c: &impl ConnectionTrait, id: i64) -> Result<()> {
    execute(c, "UPDATE app_user SET last_login_at = $1 WHERE id = $2", [now().into(), id.into()]).await?;
    Ok(())
}

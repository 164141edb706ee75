//! The HTML pages, one module per area.

mod account;
mod audit;
pub mod evaluation;
mod home;
pub mod registry;
pub mod trace;
mod units;
mod users;

use crate::AppState;
use crate::auth::login;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::switch_language))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/units", get(units::page))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/new", get(users::new_form))
        .route("/admin/users/{id}", get(users::edit_form).post(users::update))
        .route("/admin/users/{id}/password", post(users::reset_password))
        .route("/admin/audit", get(audit::page))
        .route("/producers", get(registry::producers::list).post(registry::producers::create))
        .route("/producers/new", get(registry::producers::new_form))
        .route("/producers/{id}", get(registry::producers::show).post(registry::producers::update))
        .route("/producers/{id}/edit", get(registry::producers::edit_form))
        .route("/producers/{id}/delete", post(registry::producers::delete))
        .route("/producers/{id}/restore", post(registry::producers::restore))
        .route("/products", get(registry::products::list).post(registry::products::create))
        .route("/products/new", get(registry::products::new_form))
        .route("/products/{id}", get(registry::products::show).post(registry::products::update))
        .route("/products/{id}/edit", get(registry::products::edit_form))
        .route("/products/{id}/delete", post(registry::products::delete))
        .route("/products/{id}/restore", post(registry::products::restore))
        .route(
            "/registry/import",
            get(registry::exchange::page)
                .post(registry::exchange::upload)
                .layer(axum::extract::DefaultBodyLimit::max(registry::exchange::MAX_UPLOAD)),
        )
        .route(
            "/products/{id}/photos",
            post(registry::photos::upload).layer(axum::extract::DefaultBodyLimit::max(registry::photos::MAX_UPLOAD)),
        )
        .route("/photos/{id}", get(registry::photos::original))
        .route("/photos/{id}/thumb", get(registry::photos::thumbnail))
        .route("/photos/{id}/delete", post(registry::photos::delete))
        .route("/registry/template/{name}", get(registry::exchange::template))
        .route("/registry/export/{name}", get(registry::exchange::export))
        .merge(evaluation::router())
        .merge(trace::router())
}

/// Display helpers shared by the page templates.
pub(crate) mod view {
    use crate::i18n::Tr;
    use domain::role::Scope;
    use store::users::User;

    /// "Xã Bát Tràng, Thành phố Hà Nội" — the scope in words, with unit names when known.
    pub fn scope(t: Tr, scope: &Scope, names: &super::PlaceNames) -> String {
        let p = |code: &domain::place::ProvinceCode| names.province(code.as_str());
        match scope {
            Scope::National => t.get("scope-national"),
            Scope::Province { province } => t.arg("scope-province", "province", &p(province)),
            Scope::Commune { province, commune } => {
                t.args("scope-commune", &[("commune", &names.commune(commune.as_str())), ("province", &p(province))])
            }
            Scope::Producer { producer, province, commune } => t.args(
                "scope-producer",
                &[
                    ("producer", &producer.to_string()),
                    ("commune", &names.commune(commune.as_str())),
                    ("province", &p(province)),
                ],
            ),
        }
    }

    pub fn role(t: Tr, user: &User) -> String {
        t.get(&format!("role-{}", user.role.as_str()))
    }
}

/// Names of the units a page mentions, looked up once per page.
#[derive(Debug, Default)]
pub(crate) struct PlaceNames {
    provinces: std::collections::HashMap<String, String>,
    communes: std::collections::HashMap<String, String>,
}

impl PlaceNames {
    pub async fn for_scopes(db: &store::Db, scopes: &[&domain::role::Scope]) -> store::Result<Self> {
        let mut names = PlaceNames::default();
        for scope in scopes {
            if let Some(p) = scope.province()
                && !names.provinces.contains_key(p.as_str())
                && let Some(found) = store::units::province(db.conn(), p.as_str()).await?
            {
                names.provinces.insert(found.code, found.name);
            }
            if let Some(c) = scope.commune()
                && !names.communes.contains_key(c.as_str())
                && let Some(found) = store::units::commune(db.conn(), c.as_str()).await?
            {
                names.communes.insert(found.code, found.name);
            }
        }
        Ok(names)
    }

    pub fn province(&self, code: &str) -> String {
        self.provinces.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }

    pub fn commune(&self, code: &str) -> String {
        self.communes.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

//! The HTML pages, one module per area.

mod account;
mod audit;
pub mod evaluation;
pub mod figures;
mod home;
pub mod outlets;
pub mod registry;
pub mod supervision;
pub mod trace;
mod units;
mod users;

use crate::auth::login;
use crate::routes::{Gate, Routes};
use domain::access::Action;

pub fn routes() -> Routes {
    use Action::*;
    use Gate::*;
    let upload = registry::exchange::MAX_UPLOAD;
    Routes::new()
        .get("/", Public, home::page)
        .get("/login", Public, login::form)
        .post("/login", Public, login::submit)
        .post("/logout", Public, login::logout)
        .get("/lang/{code}", Public, login::switch_language)
        .get("/account", SignedIn, account::page)
        .post("/account/password", SignedIn, account::change_password)
        .get("/units", Public, units::page)
        .get("/admin/users", Act(ManageUsers), users::list)
        .post("/admin/users", Act(ManageUsers), users::create)
        .get("/admin/users/new", Act(ManageUsers), users::new_form)
        .get("/admin/users/{id}", Act(ManageUsers), users::edit_form)
        .post("/admin/users/{id}", Act(ManageUsers), users::update)
        .post("/admin/users/{id}/password", Act(ManageUsers), users::reset_password)
        .get("/admin/audit", Act(ViewAudit), audit::page)
        .get("/producers", Act(ReadRecords), registry::producers::list)
        .post("/producers", Act(EditRegistry), registry::producers::create)
        .get("/producers/new", Act(EditRegistry), registry::producers::new_form)
        .get("/producers/duplicates", Act(ManageRegistry), registry::merge::list)
        .get("/producers/{id}/merge", Act(ManageRegistry), registry::merge::confirm)
        .post("/producers/{id}/merge", Act(ManageRegistry), registry::merge::merge)
        .get("/producers/{id}", CertifiedOr(ReadRecords), registry::producers::show)
        .post("/producers/{id}", Act(EditRegistry), registry::producers::update)
        .get("/producers/{id}/edit", Act(EditRegistry), registry::producers::edit_form)
        .post("/producers/{id}/delete", Act(ManageRegistry), registry::producers::delete)
        .post("/producers/{id}/restore", Act(ManageRegistry), registry::producers::restore)
        .get("/products", CertifiedOr(ReadRecords), registry::products::list)
        .post("/products", Act(EditRegistry), registry::products::create)
        .get("/products/new", Act(EditRegistry), registry::products::new_form)
        .get("/products/{id}", CertifiedOr(ReadRecords), registry::products::show)
        .post("/products/{id}", Act(EditRegistry), registry::products::update)
        .get("/products/{id}/edit", Act(EditRegistry), registry::products::edit_form)
        .post("/products/{id}/delete", Act(ManageRegistry), registry::products::delete)
        .post("/products/{id}/restore", Act(ManageRegistry), registry::products::restore)
        .get("/registry/import", Act(ManageRegistry), registry::exchange::page)
        .upload("/registry/import", Act(ManageRegistry), registry::exchange::upload, upload)
        .get("/registry/import/{token}", Act(ManageRegistry), registry::exchange::map)
        .post("/registry/import/{token}", Act(ManageRegistry), registry::exchange::remap)
        .upload("/products/{id}/photos", Act(EditRegistry), registry::photos::upload, registry::photos::MAX_UPLOAD)
        .get("/photos/{id}", CertifiedOr(ReadRecords), registry::photos::original)
        .get("/photos/{id}/thumb", CertifiedOr(ReadRecords), registry::photos::thumbnail)
        .post("/photos/{id}/delete", Act(EditRegistry), registry::photos::delete)
        .get("/registry/template/{name}", Act(ManageRegistry), registry::exchange::template)
        .get("/registry/export/{name}", Act(ReadRecords), registry::exchange::export)
        .get("/dashboard", Act(ViewFigures), figures::dashboard)
        .get("/dashboard/products", Act(ViewFigures), figures::products)
        .get("/dashboard/report.xlsx", Act(ViewFigures), figures::report_xlsx)
        .get("/dashboard/report.pdf", Act(ViewFigures), figures::report_pdf)
        .get("/targets", Act(ViewFigures), figures::targets)
        .get("/targets/{version}/{code}", Act(ViewFigures), figures::members)
        .merge(evaluation::routes())
        .merge(trace::routes())
        .merge(outlets::routes())
        .merge(supervision::routes())
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

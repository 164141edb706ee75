//! The guard: one extractor through which every handler learns who calls and asks whether they
//! may act. The decision itself is `domain::access`; this adds logging of refusals.

use super::CurrentUser;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::access::{self, Action, Actor, Listing, Target};
use std::sync::Arc;
use store::sessions::Live;
use store::users::User;

/// The caller of a request: a signed-in account, or the public.
#[derive(Debug, Clone)]
pub struct Caller {
    session: Option<Arc<Live>>,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller::from_extensions(parts.extensions.get::<CurrentUser>()))
    }
}

impl Caller {
    pub fn from_extensions(current: Option<&CurrentUser>) -> Self {
        Caller { session: current.and_then(|c| c.0.clone()) }
    }

    pub fn user(&self) -> Option<&User> {
        self.session.as_deref().map(|s| &s.user)
    }

    pub fn session(&self) -> Option<&Live> {
        self.session.as_deref()
    }

    pub fn actor(&self) -> Option<Actor> {
        self.user().map(User::actor)
    }

    /// The signed-in account, or 401.
    pub fn signed_in(&self) -> Result<&User, AppError> {
        self.user().ok_or(AppError::SignInRequired)
    }

    /// May the caller do `action` to this record? Refusals are logged.
    pub fn require(&self, action: Action, target: &Target) -> Result<(), AppError> {
        access::authorize(self.actor().as_ref(), action, target).map_err(|denied| self.refused(action, denied))
    }

    /// Whether to offer an action (a button, a link); unlike [`Caller::require`] it logs nothing.
    pub fn may(&self, action: Action, target: &Target) -> bool {
        access::authorize(self.actor().as_ref(), action, target).is_ok()
    }

    /// Whether to offer an action on a collection (a "new" button, a menu entry).
    pub fn may_list(&self, action: Action) -> bool {
        access::listing(self.actor().as_ref(), action).is_ok()
    }

    /// May the caller do `action` on a collection, and which rows does it cover?
    pub fn listing(&self, action: Action) -> Result<Listing, AppError> {
        access::listing(self.actor().as_ref(), action).map_err(|denied| self.refused(action, denied))
    }

    /// The account, when it reads records by assignment (a council's products, an inspection
    /// plan's producers) rather than by place: only then is an assignment worth looking up.
    pub fn reads_by_assignment(&self) -> Option<&User> {
        self.user().filter(|u| access::reach(u.role, Action::ReadRecords) == access::Reach::Assigned)
    }

    /// The authority the caller acts as in the evaluation cycle, or 401/403.
    pub fn office(&self) -> Result<access::Office, AppError> {
        access::office(self.actor().as_ref()).map_err(|denied| self.refused(Action::ManageEvaluation, denied))
    }

    /// May the caller add new records (a producer) for `action`? Only a caller whose rows span a
    /// territory may; one producer's account or an assignee gets 403.
    pub fn require_territory(&self, action: Action) -> Result<Listing, AppError> {
        let listing = self.listing(action)?;
        if listing.is_territory() { Ok(listing) } else { Err(self.refused(action, access::Denied::Forbidden)) }
    }

    /// The province the caller's new records of `action` go in (a sales point, an event, a plan,
    /// a class): its own, when its reach for `action` is a territory within one province.
    pub fn territory_province(&self, action: Action) -> Result<domain::place::ProvinceCode, AppError> {
        self.require_territory(action)?;
        self.user().and_then(|u| u.scope.province()).cloned().ok_or(AppError::Forbidden)
    }

    /// Whether the caller may change a record at `from` so that it lies at `to` (see
    /// [`access::authorize_move`]); the record itself must already have passed [`Caller::require`].
    pub fn may_move(&self, action: Action, from: &Target, to: &Target) -> bool {
        let allowed = access::authorize_move(self.actor().as_ref(), action, from, to);
        if let Err(denied) = allowed {
            self.refused(action, denied);
        }
        allowed.is_ok()
    }

    fn refused(&self, action: Action, denied: access::Denied) -> AppError {
        let user = self.user().map_or_else(|| "public".to_owned(), |u| format!("{} ({})", u.email, u.role));
        tracing::warn!(?action, ?denied, %user, "access refused");
        metrics::counter!("ocop_access_refused_total", "action" => format!("{action:?}")).increment(1);
        denied.into()
    }
}

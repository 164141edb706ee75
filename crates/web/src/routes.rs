//! Every route is added with the access decision it makes, so that the list of routes and their
//! gates is data: a route cannot be added without one, and the test that walks every role over
//! every route (`tests/access.rs`) reads this list rather than a copy of it.
//!
//! The gate names the rule; the handler applies it to the record it loads (through `Caller`,
//! which asks `domain::access`). The test checks that they agree.

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post, put};
use domain::access::Action;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Anyone, without an account.
    Public,
    /// Anyone signed in, for their own things (their account, their notifications, rounds
    /// announced to their province).
    SignedIn,
    /// `domain::access` decides this action on the record the path names, or on the collection
    /// when it names none.
    Act(Action),
    /// Anyone while the product is certified (its public page and photos); otherwise `Act`.
    CertifiedOr(Action),
    /// The office that runs the evaluation: a province's (`ManageEvaluation`) or the central
    /// office (`EvaluateCentral`).
    Office,
    /// A seat on the council that evaluates the record (`ScoreProduct`, assigned), or the office
    /// that runs that council.
    Seat,
    /// The operator's collector: a bearer token, or a loopback connection.
    Operator,
}

/// One method on one path, and its gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub gate: Gate,
}

/// Routes being declared; [`Routes::into_router`] makes the router.
#[derive(Default)]
pub struct Routes {
    paths: Vec<(&'static str, MethodRouter<AppState>)>,
    declared: Vec<Route>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, gate: Gate, handler: H) -> Self {
        self.add("GET", path, gate, get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, gate: Gate, handler: H) -> Self {
        self.add("POST", path, gate, post(handler))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, gate: Gate, handler: H) -> Self {
        self.add("PUT", path, gate, put(handler))
    }

    /// A POST whose body may be as large as `limit` bytes (uploads).
    pub fn upload<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        gate: Gate,
        handler: H,
        limit: usize,
    ) -> Self {
        self.add("POST", path, gate, post(handler).layer(DefaultBodyLimit::max(limit)))
    }

    /// Routes served by a router of their own (the API docs, static files), declared here.
    pub fn declare(mut self, method: &'static str, path: &'static str, gate: Gate) -> Self {
        self.declared.push(Route { method, path, gate });
        self
    }

    fn add(mut self, method: &'static str, path: &'static str, gate: Gate, route: MethodRouter<AppState>) -> Self {
        match self.paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(route),
            None => self.paths.push((path, route)),
        }
        self.declared.push(Route { method, path, gate });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        for (path, route) in other.paths {
            match self.paths.iter_mut().find(|(p, _)| *p == path) {
                Some((_, existing)) => *existing = std::mem::take(existing).merge(route),
                None => self.paths.push((path, route)),
            }
        }
        self.declared.extend(other.declared);
        self
    }

    pub fn declared(&self) -> &[Route] {
        &self.declared
    }

    pub fn into_router(self) -> Router<AppState> {
        self.paths.into_iter().fold(Router::new(), |router, (path, route)| router.route(path, route))
    }
}

//! The one application error type. Handlers return it; [`crate::frame`] turns it into an error
//! page in the caller's language or a JSON error, with the request id, and logs server faults.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::Denied;
use domain::{FieldErrors, Invalid};
use store::StoreError;
use store::migrate::MigrateError;

#[derive(Debug)]
pub enum AppError {
    /// 400: the request itself is malformed (a bad path parameter, unreadable JSON).
    BadRequest(Invalid),
    /// 401: sign in first (HTML requests are redirected to the sign-in page).
    SignInRequired,
    /// 403: the caller may not do this.
    Forbidden,
    /// 404: no such thing, or the caller may not know it exists.
    NotFound,
    /// 409: someone else changed the record since the caller read it.
    Conflict,
    /// 409: the step is not possible now (wrong state, outside a window); the message says why.
    Refused(Invalid),
    /// 403 with a reason: the step belongs to someone else (e.g. the council chair).
    NotYours(Invalid),
    /// 422: the submitted fields are invalid, each with its reason.
    Invalid(FieldErrors),
    /// 429: too many attempts; the message key says which.
    TooMany { key: &'static str, retry_after_seconds: i64 },
    /// 503: the database is unreachable.
    Unavailable(String),
    /// 500: a fault of ours; the detail goes to the log only.
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict | AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::NotYours(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::SignInRequired => AppError::SignInRequired,
            Denied::Forbidden => AppError::Forbidden,
            Denied::NotFound => AppError::NotFound,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Stale => AppError::Conflict,
            StoreError::Invalid(fields) => AppError::Invalid(fields),
            StoreError::Refused(why) => AppError::Refused(why),
            StoreError::NotAllowed(why) => AppError::NotYours(why),
            StoreError::Duplicate(what) => AppError::Internal(format!("unexpected duplicate: {what}")),
            StoreError::Db(e @ (sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_))) => {
                AppError::Unavailable(e.to_string())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        StoreError::from(e).into()
    }
}

impl From<MigrateError> for AppError {
    fn from(e: MigrateError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

/// Travels in the response's extensions from a handler to [`crate::frame`], which renders it.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// A message key that says more than the status (e.g. `login-throttled`).
    pub message: Option<(&'static str, Vec<(&'static str, String)>)>,
    pub fields: FieldErrors,
    pub retry_after_seconds: Option<i64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut info = ErrorInfo { message: None, fields: FieldErrors::new(), retry_after_seconds: None };
        match self {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            AppError::Unavailable(detail) => tracing::error!(%detail, "database unavailable"),
            AppError::BadRequest(why) | AppError::Refused(why) | AppError::NotYours(why) => {
                info.message = Some((why.key, why.args))
            }
            AppError::Invalid(fields) => info.fields = fields,
            AppError::TooMany { key, retry_after_seconds } => {
                let minutes = (retry_after_seconds + 59) / 60;
                info.message = Some((key, vec![("minutes", minutes.to_string())]));
                info.retry_after_seconds = Some(retry_after_seconds);
            }
            AppError::SignInRequired | AppError::Forbidden | AppError::NotFound | AppError::Conflict => {}
        }
        let mut response = status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

//! Storage: one code path over SQLite (embedded default) and PostgreSQL (production).
//!
//! Queries are plain SQL in the dialect both databases share, with `$N` placeholders, run through
//! SeaORM's backend-neutral connection. Where the dialects differ the migration files differ
//! (`migrations/sqlite`, `migrations/postgres`), never the Rust code, with few exceptions that
//! `match` on [`Backend`]. Conventions for both:
//! - instants are `BIGINT` Unix seconds (`*_at`), calendar dates ISO `DATE`/text;
//! - booleans are `BOOLEAN` / `INTEGER 0|1`; JSON is `TEXT`;
//! - every write runs in [`Db::write`], which takes SQLite's write lock up front (`IMMEDIATE`).

pub mod audit;
pub mod backup;
pub mod certificates;
pub mod criteria;
mod db;
pub mod demo;
pub mod directory;
pub mod evaluation;
pub mod migrate;
pub mod notifications;
pub mod offices;
pub mod outlets;
pub mod photos;
pub mod producers;
pub mod products;
pub mod reference;
pub mod sessions;
pub mod stats;
pub mod supervision;
pub mod throttle;
pub mod trace;
pub mod units;
pub mod uploads;
pub mod users;

#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, ConnectError, Db, DbOptions, Page, Paged, Tx, now, redact_url};

use domain::FieldErrors;

/// What can go wrong in storage, in the terms the web layer needs to answer the caller.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the name of the constraint or column.
    #[error("already exists: {0}")]
    Duplicate(String),
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Stale,
    #[error("invalid: {0}")]
    Invalid(FieldErrors),
    /// The step is not allowed now: wrong state, outside a window, quorum not reached (409).
    #[error("refused: {0}")]
    Refused(domain::Invalid),
    /// The caller may read the record but this step is someone else's (403), e.g. not the chair.
    #[error("not allowed: {0}")]
    NotAllowed(domain::Invalid),
    /// A stored value that our own types refuse: a bug or a manual edit of the database.
    #[error("corrupt data in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    #[error(transparent)]
    Db(sea_orm::DbErr),
}

impl From<sea_orm::DbErr> for StoreError {
    fn from(e: sea_orm::DbErr) -> Self {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(what)) => StoreError::Duplicate(what),
            _ => StoreError::Db(e),
        }
    }
}

impl From<FieldErrors> for StoreError {
    fn from(e: FieldErrors) -> Self {
        StoreError::Invalid(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

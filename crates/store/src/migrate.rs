//! Schema migrations: embedded in the binary, one SQL file per backend and version, forward only.
//!
//! `ocop migrate` (or `ocop serve`, unless told not to) applies what is pending in one
//! transaction. On PostgreSQL that transaction first takes an advisory lock, so several instances
//! starting at once apply each migration exactly once: the others wait, then find nothing to do.
//! A database that holds a migration this binary does not know, or one whose text changed after
//! it was applied, is refused rather than guessed at.

use crate::db::{execute, fetch_all, now};
use crate::{Backend, Db, Result, StoreError, Tx};
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// `(version, "NNNN", name)`: the file is `migrations/<backend>/NNNN_name.sql`.
macro_rules! migrations {
    ($dir:literal: $(($version:literal, $number:literal, $name:literal)),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $dir, "/", $number, "_", $name, ".sql")),
        }),*]
    };
}

const SQLITE: &[Migration] = migrations!("sqlite": (1, "0001", "foundation"), (2, "0002", "registry"), (3, "0003", "photos"), (4, "0004", "evaluation"), (5, "0005", "traceability"), (6, "0006", "security"), (7, "0007", "outlets"), (8, "0008", "supervision"), (9, "0009", "stats"), (10, "0010", "onboarding"), (11, "0011", "evaluation_law"), (12, "0012", "product_codes"), (13, "0013", "scan_evidence"), (14, "0014", "scan_partitions"), (15, "0015", "gtin14"), (16, "0016", "label_reports"), (17, "0017", "label_report_handled"));
const POSTGRES: &[Migration] = migrations!("postgres": (1, "0001", "foundation"), (2, "0002", "registry"), (3, "0003", "photos"), (4, "0004", "evaluation"), (5, "0005", "traceability"), (6, "0006", "security"), (7, "0007", "outlets"), (8, "0008", "supervision"), (9, "0009", "stats"), (10, "0010", "onboarding"), (11, "0011", "evaluation_law"), (12, "0012", "product_codes"), (13, "0013", "scan_evidence"), (14, "0014", "scan_partitions"), (15, "0015", "gtin14"), (16, "0016", "label_reports"), (17, "0017", "label_report_handled"));

/// Key of the PostgreSQL advisory lock held while migrating ("OCOP" in ASCII).
const MIGRATION_LOCK: i64 = 0x4F43_4F50;

pub fn embedded(backend: Backend) -> &'static [Migration] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// A fingerprint of every embedded migration of a backend; test databases built from a template
/// are rebuilt when it changes.
pub fn fingerprint(backend: Backend) -> String {
    let mut h = Sha256::new();
    for m in embedded(backend) {
        h.update(m.version.to_le_bytes());
        h.update(m.sql.as_bytes());
    }
    hex::encode(h.finalize())
}

#[derive(Debug, FromQueryResult)]
struct Applied {
    version: i64,
    name: String,
    checksum: String,
}

/// Where the database stands relative to this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub applied: Vec<i64>,
    pub pending: Vec<(i64, &'static str)>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "cơ sở dữ liệu có phiên bản lược đồ {0} mà chương trình này không biết: hãy dùng bản ocop mới hơn \
         (the database has schema version {0}, unknown to this binary)"
    )]
    UnknownVersion(i64),
    #[error("migration {version} ({name}) was changed after it was applied: migrations are append-only")]
    Modified { version: i64, name: String },
    #[error(
        "cơ sở dữ liệu chưa được cập nhật lược đồ ({0} bước đang chờ): chạy `ocop migrate` trước \
         (pending migrations: run `ocop migrate`)"
    )]
    Pending(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for MigrateError {
    fn from(e: sea_orm::DbErr) -> Self {
        MigrateError::Store(e.into())
    }
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS ocop_migration (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

async fn applied(c: &impl ConnectionTrait) -> Result<Vec<Applied>, MigrateError> {
    Ok(fetch_all::<Applied>(c, "SELECT version, name, checksum FROM ocop_migration ORDER BY version", []).await?)
}

fn compare(backend: Backend, applied: &[Applied]) -> Result<Status, MigrateError> {
    let known = embedded(backend);
    for a in applied {
        let m = known.iter().find(|m| m.version == a.version).ok_or(MigrateError::UnknownVersion(a.version))?;
        if checksum(m.sql) != a.checksum {
            return Err(MigrateError::Modified { version: a.version, name: a.name.clone() });
        }
    }
    Ok(Status {
        applied: applied.iter().map(|a| a.version).collect(),
        pending: known
            .iter()
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .map(|m| (m.version, m.name))
            .collect(),
    })
}

/// A transaction holding the migration lock, with the bookkeeping table in place. Creating that
/// table outside the lock races on PostgreSQL, even with `IF NOT EXISTS`.
async fn begin_locked(db: &Db) -> Result<Tx, MigrateError> {
    let tx = db.write().await?;
    if db.backend() == Backend::Postgres {
        execute(&tx, "SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK.into()]).await?;
    }
    tx.execute_unprepared(CREATE_TABLE).await?;
    Ok(tx)
}

/// Where the database stands. Changes nothing.
pub async fn status(db: &Db) -> Result<Status, MigrateError> {
    let tx = begin_locked(db).await?;
    let status = compare(db.backend(), &applied(&tx).await?);
    tx.rollback().await?;
    status
}

/// Errors unless the schema is exactly what this binary expects.
pub async fn check(db: &Db) -> Result<(), MigrateError> {
    let status = status(db).await?;
    if status.pending.is_empty() { Ok(()) } else { Err(MigrateError::Pending(status.pending.len())) }
}

/// Applies every pending migration, in order, in one transaction; returns what it applied.
pub async fn run(db: &Db) -> Result<Vec<(i64, &'static str)>, MigrateError> {
    let tx = begin_locked(db).await?;
    let status = compare(db.backend(), &applied(&tx).await?)?;
    let mut done = Vec::new();
    for (version, name) in status.pending {
        let Some(m) = embedded(db.backend()).iter().find(|m| m.version == version) else {
            continue;
        };
        tracing::info!(version, name, "applying migration");
        tx.execute_unprepared(m.sql).await?;
        execute(
            &tx,
            "INSERT INTO ocop_migration (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            [version.into(), name.into(), checksum(m.sql).into(), now().into()],
        )
        .await?;
        done.push((version, name));
    }
    tx.commit().await?;
    Ok(done)
}

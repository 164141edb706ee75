//! What backups need of the database itself: a consistent copy of a SQLite database while it
//! serves, where its file is, and whether a database already holds a deployment. (PostgreSQL is
//! backed up with its own `pg_dump`/`pg_restore`, run by `ocop backup` and `ocop restore`.)

use crate::db::{ConnectError, Db, count, redact_url};
use crate::{Backend, Result, StoreError};
use sea_orm::ConnectionTrait;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Writes a consistent copy of a SQLite database to `out` (`VACUUM INTO`: one read transaction,
/// so writers keep going and the copy is the database as of its start). `out` must not exist.
pub async fn sqlite_snapshot(db: &Db, out: &Path) -> Result<()> {
    let path = out.to_string_lossy().replace('\'', "''");
    db.conn().execute_unprepared(&format!("VACUUM INTO '{path}'")).await?;
    Ok(())
}

/// The file a `sqlite://` URL names.
pub fn sqlite_path(url: &str) -> std::result::Result<PathBuf, ConnectError> {
    SqliteConnectOptions::from_str(url)
        .map(|o| o.get_filename().to_path_buf())
        .map_err(|e| ConnectError::BadUrl { url: redact_url(url), reason: e.to_string() })
}

/// The schema versions a SQLite backup file holds, read without changing it.
pub async fn sqlite_backup_versions(file: &Path) -> Result<Vec<i64>> {
    use sea_orm::sqlx::{Connection, Row};
    let unreadable = |e: sea_orm::sqlx::Error| StoreError::Corrupt { table: "ocop_migration", detail: e.to_string() };
    let options = SqliteConnectOptions::new().filename(file).read_only(true).immutable(true);
    let mut conn = sea_orm::sqlx::SqliteConnection::connect_with(&options).await.map_err(unreadable)?;
    let rows = sea_orm::sqlx::query("SELECT version FROM ocop_migration ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .map_err(unreadable)?;
    let versions = rows.iter().map(|r| r.try_get::<i64, _>("version")).collect::<std::result::Result<Vec<_>, _>>();
    let _ = conn.close().await;
    versions.map_err(unreadable)
}

/// Whether a database holds a deployment already (its migrations are recorded).
pub async fn holds_deployment(db: &Db) -> Result<bool> {
    let sql = match db.backend() {
        Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'ocop_migration'",
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'ocop_migration'"
        }
    };
    Ok(count(db.conn(), sql, []).await? > 0)
}

//! A fresh, migrated database for each test, on the backend `OCOP_TEST_DATABASE_URL` names:
//! unset → SQLite in a temporary file; `postgres://…` → a new PostgreSQL database on that server
//! (the URL's own database is only used to create and drop the test databases).
//!
//! Migrating and loading the 35,000 administrative units once per test would dominate the run,
//! so the first test of a run builds a template (a SQLite file / a PostgreSQL template database,
//! named after a fingerprint of the migrations and the data) and every test copies it.

use crate::{Backend, Db, DbOptions, migrate, units};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::{self, Executor};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub const ENV: &str = "OCOP_TEST_DATABASE_URL";
/// A streaming replica of the `ENV` server (`scripts/replica` starts one on the local machine).
pub const REPLICA_ENV: &str = "OCOP_TEST_REPLICA_URL";

/// The backend this test run uses.
pub fn backend() -> Backend {
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => match Backend::from_url(&url) {
            Ok(b) => b,
            Err(e) => panic!("{ENV}: {e}"),
        },
        _ => Backend::Sqlite,
    }
}

pub struct TestDb {
    pub db: Db,
    /// The URL of this test's own database, for opening a second connection pool ("instance").
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn fingerprint(backend: Backend) -> String {
    let mut h = Sha256::new();
    h.update(migrate::fingerprint(backend));
    h.update(units::fingerprint());
    hex::encode(h.finalize())[..16].to_owned()
}

async fn prepare(db: &Db) {
    if let Err(e) = migrate::run(db).await {
        panic!("migrating the test template: {e}");
    }
    if let Err(e) = crate::reference::ensure(db).await {
        panic!("loading reference data into the test template: {e}");
    }
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var(ENV) {
            Ok(url) if !url.trim().is_empty() => Self::postgres(url.trim()).await,
            _ => Self::sqlite().await,
        }
    }

    /// A migrated SQLite database whatever the backend under test (to compare the two).
    pub async fn on_sqlite() -> TestDb {
        Self::sqlite().await
    }

    /// A database with nothing in it, not even migrations.
    pub async fn empty() -> TestDb {
        match std::env::var(ENV) {
            Ok(url) if !url.trim().is_empty() => Self::postgres_database(url.trim(), None).await,
            _ => Self::sqlite_file(None).await,
        }
    }

    /// Another pool on the same database: a second application instance.
    pub async fn another_instance(&self) -> Db {
        match Db::connect(&self.url, &DbOptions::default()).await {
            Ok(db) => db,
            Err(e) => panic!("second connection to the test database: {e}"),
        }
    }

    /// This test's database on the replica `OCOP_TEST_REPLICA_URL` names (PostgreSQL only):
    /// the same database, as the primary's writes reach it.
    pub fn replica_url(&self) -> Option<String> {
        let Cleanup::Postgres { name, .. } = &self.cleanup else { return None };
        let replica = std::env::var(REPLICA_ENV).ok().filter(|u| !u.trim().is_empty())?;
        Some(with_database(replica.trim(), name))
    }

    async fn sqlite() -> TestDb {
        let template = std::env::temp_dir().join(format!("ocop-test-template-{}.db", fingerprint(Backend::Sqlite)));
        if !template.exists() {
            // Tests of one binary run on parallel threads: one builds, the others wait for it.
            static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
            let _guard = BUILDING.lock().await;
            if !template.exists() {
                build_sqlite_template(&template).await;
            }
        }
        Self::sqlite_file(Some(&template)).await
    }

    async fn sqlite_file(template: Option<&PathBuf>) -> TestDb {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("temporary directory: {e}"),
        };
        let path = dir.path().join("test.db");
        if let Some(template) = template
            && let Err(e) = std::fs::copy(template, &path)
        {
            panic!("copying the SQLite template: {e}");
        }
        let url = format!("sqlite://{}", path.display());
        let db = match Db::connect(&url, &DbOptions { pool_size: 4, ..Default::default() }).await {
            Ok(db) => db,
            Err(e) => panic!("{e}"),
        };
        TestDb { db, url, cleanup: Cleanup::Sqlite(dir) }
    }

    async fn postgres(admin_url: &str) -> TestDb {
        let template = format!("ocop_tpl_{}", fingerprint(Backend::Postgres));
        Self::postgres_database(admin_url, Some(&template)).await
    }

    async fn postgres_database(admin_url: &str, template: Option<&str>) -> TestDb {
        if Backend::from_url(admin_url).ok() != Some(Backend::Postgres) {
            panic!("{ENV} must be a postgres:// URL, got {admin_url}");
        }
        let admin = match PgPoolOptions::new().max_connections(1).connect(admin_url).await {
            Ok(p) => p,
            Err(e) => panic!(
                "PostgreSQL at {} is not reachable ({e}); tests on PostgreSQL fail rather than skip",
                crate::redact_url(admin_url)
            ),
        };
        let name = format!("ocop_t_{:016x}", rand::random::<u64>());
        match template {
            Some(template) => {
                ensure_postgres_template(&admin, admin_url, template).await;
                run(&admin, &format!("CREATE DATABASE {name} TEMPLATE {template}")).await;
            }
            None => run(&admin, &format!("CREATE DATABASE {name}")).await,
        }
        admin.close().await;
        let url = with_database(admin_url, &name);
        let db = match Db::connect(&url, &DbOptions { pool_size: 5, ..Default::default() }).await {
            Ok(db) => db,
            Err(e) => panic!("{e}"),
        };
        TestDb { db, url, cleanup: Cleanup::Postgres { admin_url: admin_url.to_owned(), name } }
    }
}

async fn ensure_postgres_template(admin: &sqlx::PgPool, admin_url: &str, template: &str) {
    // One builder at a time across every test process of the run.
    run(admin, "SELECT pg_advisory_lock(4242)").await;
    let exists: Option<(i32,)> =
        match sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1").bind(template).fetch_optional(admin).await
        {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
    if exists.is_none() {
        let building = format!("{template}_building");
        run(admin, &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await;
        run(admin, &format!("CREATE DATABASE {building}")).await;
        let db = match Db::connect(&with_database(admin_url, &building), &DbOptions::default()).await {
            Ok(db) => db,
            Err(e) => panic!("{e}"),
        };
        prepare(&db).await;
        let _ = db.close().await;
        run(admin, &format!("ALTER DATABASE {building} RENAME TO {template}")).await;
    }
    run(admin, "SELECT pg_advisory_unlock(4242)").await;
}

async fn build_sqlite_template(template: &PathBuf) {
    // Other test binaries may be building the same template: each builds its own file and the
    // rename makes one of them the template, whole.
    let building = template.with_extension(format!("building-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    let url = format!("sqlite://{}", building.display());
    let db = match Db::connect(&url, &DbOptions::default()).await {
        Ok(db) => db,
        Err(e) => panic!("{e}"),
    };
    prepare(&db).await;
    // Fold the write-ahead log into the main file so that copying the file copies everything.
    if let Err(e) = sea_orm::ConnectionTrait::execute_unprepared(db.conn(), "PRAGMA wal_checkpoint(TRUNCATE)").await {
        panic!("{e}");
    }
    let _ = db.close().await;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", building.display()));
    }
    if let Err(e) = std::fs::rename(&building, template) {
        panic!("installing the SQLite template: {e}");
    }
}

async fn run(pool: &sqlx::PgPool, sql: &str) {
    // Database names cannot be bound as parameters; ours are generated, never user input.
    if let Err(e) = pool.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))).await {
        panic!("{sql}: {e}");
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let drop_sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            // Drop runs inside the test's runtime, which cannot block on itself.
            let dropped = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    let admin = PgPoolOptions::new().max_connections(1).connect(&admin_url).await.ok()?;
                    admin.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(drop_sql))).await.ok()?;
                    admin.close().await;
                    Some(())
                })
            })
            .join();
            if !matches!(dropped, Ok(Some(()))) {
                eprintln!("warning: could not drop test database {name}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(super::with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(
            super::with_database("postgres://u@h/postgres?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }
}

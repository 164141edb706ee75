//! Opening the database named by a URL, and the small helpers every query uses.

use crate::Result;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, FromQueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait, Value,
};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use time::OffsetDateTime;

/// Which database a URL names; chosen once, from the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, ConnectError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err(ConnectError::UnsupportedScheme(redact_url(url))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Failures to open a database, worded for the person who typed the URL.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "URL cơ sở dữ liệu không được hỗ trợ: «{0}». Hãy dùng sqlite://tệp.db hoặc postgres://người-dùng@máy/cơ-sở-dữ-liệu \
         (unsupported database URL: use sqlite://file.db or postgres://user@host/db)"
    )]
    UnsupportedScheme(String),
    #[error("URL cơ sở dữ liệu không hợp lệ «{url}» (invalid database URL): {reason}")]
    BadUrl { url: String, reason: String },
    #[error("không kết nối được tới {backend} tại «{url}» (cannot connect): {reason}")]
    Unreachable { backend: &'static str, url: String, reason: String },
    #[error(
        "bản sao chỉ đọc «{0}» phải là PostgreSQL, như cơ sở dữ liệu chính \
         (a read replica must be PostgreSQL, beside a PostgreSQL primary)"
    )]
    ReplicaNotPostgres(String),
}

/// Hides the password of a URL for messages and `config print`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    match tail {
        Some(t) => format!("{scheme}://{authority}/{t}"),
        None => format!("{scheme}://{authority}"),
    }
}

/// Pool settings. PostgreSQL's `max_connections` (100 by default) is shared by every instance:
/// keep `pool_size × instances` well under it.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub pool_size: u32,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { pool_size: 10, acquire_timeout: Duration::from_secs(5) }
    }
}

/// The database: a pool over SQLite or PostgreSQL. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// A streaming replica for the public pages' reads (`Db::read`), when one is set.
    replica: Option<DatabaseConnection>,
    /// Set while the replica does not answer (`Db::check_replica`): reads go to the primary.
    replica_down: Arc<AtomicBool>,
    backend: Backend,
}

/// A write transaction. Dropping it without [`Tx::commit`] rolls everything back.
pub type Tx = DatabaseTransaction;

/// Rows a SQLite statement hands over before its thread waits for the caller to take them.
const ROW_BUFFER: usize = 4_096;

impl Db {
    /// Opens the database the URL names. SQLite files are created if missing and run in WAL mode
    /// with `synchronous=FULL` and foreign keys on; PostgreSQL gets a pool of `pool_size` connections.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, ConnectError> {
        let backend = Backend::from_url(url)?;
        let bad_url = |e: sea_orm::sqlx::Error| ConnectError::BadUrl { url: redact_url(url), reason: e.to_string() };
        let unreachable = |e: sea_orm::sqlx::Error| ConnectError::Unreachable {
            backend: backend.name(),
            url: redact_url(url),
            reason: e.to_string(),
        };
        let conn: DatabaseConnection = match backend {
            Backend::Sqlite => {
                let connect = SqliteConnectOptions::from_str(url)
                    .map_err(bad_url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: a commit is on disk before it is acknowledged, through a power loss
                    // or a kernel crash too (about 7,000 one-row commits a second on this
                    // project's 2-core machines, NORMAL about 63,000; bulk writes are one
                    // transaction and cost the same).
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .pragma("temp_store", "memory")
                    // Rows cross from SQLite's thread to the task that asked in a bounded
                    // channel; at the default 50 a statement returning thousands of rows (the
                    // scan writer's counters) parks and wakes that thread for nearly every row.
                    .row_buffer_size(ROW_BUFFER);
                SqlitePoolOptions::new()
                    .max_connections(options.pool_size.clamp(1, 16))
                    .acquire_timeout(options.acquire_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(unreachable)?
                    .into()
            }
            Backend::Postgres => pg_pool(options).connect_with(pg_options(url)?).await.map_err(unreachable)?.into(),
        };
        Ok(Db { conn, replica: None, replica_down: Arc::new(AtomicBool::new(false)), backend })
    }

    /// Adds a read replica (a PostgreSQL streaming standby of this database) for [`Db::read`].
    /// Writes, and every read a verdict rests on, stay on the primary. Its connections are made
    /// when first used: a replica that is down when the server starts does not stop it (its
    /// reads go to the primary from the first [`Db::check_replica`] until it answers).
    pub async fn with_replica(self, url: &str, options: &DbOptions) -> Result<Db, ConnectError> {
        if self.backend != Backend::Postgres || Backend::from_url(url)? != Backend::Postgres {
            return Err(ConnectError::ReplicaNotPostgres(redact_url(url)));
        }
        let replica = pg_pool(options).connect_lazy_with(pg_options(url)?).into();
        Ok(Db { replica: Some(replica), ..self })
    }

    /// Where reads that may lag behind the last writes go: the replica when there is one and it
    /// answered its last check, else the primary. A replica is behind by its replay delay
    /// (usually well under a second, and without bound when it stalls): never read from it what
    /// decides a label's verdict.
    pub fn read(&self) -> &DatabaseConnection {
        match &self.replica {
            Some(replica) if self.replica_up() => replica,
            _ => &self.conn,
        }
    }

    fn replica_up(&self) -> bool {
        !self.replica_down.load(Ordering::Acquire)
    }

    /// Asks the replica for an answer within `within`; while it gives none, [`Db::read`] is
    /// the primary (a replica that stopped must not take the public pages down with it).
    /// `Some(up)` when its state changed, `None` when not or there is no replica.
    pub async fn check_replica(&self, within: Duration) -> Option<bool> {
        let replica = self.replica.as_ref()?;
        let up = matches!(tokio::time::timeout(within, replica.execute_unprepared("SELECT 1")).await, Ok(Ok(_)));
        let was_up = !self.replica_down.swap(!up, Ordering::AcqRel);
        (was_up != up).then_some(up)
    }

    /// Whether reads go to a replica now (one is set and it answered its last check).
    pub fn reads_replica(&self) -> bool {
        self.replica.is_some() && self.replica_up()
    }

    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes fails with `SQLITE_BUSY_SNAPSHOT` under
    /// concurrency, and the busy timeout does not cover that.
    pub async fn write(&self) -> Result<Tx> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.conn.begin_with_options(options).await?)
    }

    /// A trivial round trip to the primary, for readiness checks. Not to the replica: while it
    /// is down its reads go to the primary (`Db::check_replica`) and the instance still serves.
    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// The server's version string, e.g. `SQLite 3.51.3` or `PostgreSQL 15.20 …`.
    pub async fn server_version(&self) -> Result<String> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version() AS v",
            Backend::Postgres => "SELECT version() AS v",
        };
        let row = self.conn.query_one_raw(Statement::from_string(self.conn.get_database_backend(), sql)).await?;
        Ok(row.map(|r| r.try_get::<String>("", "v")).transpose()?.unwrap_or_default())
    }

    pub async fn close(self) -> Result<()> {
        if let Some(replica) = self.replica {
            replica.close().await?;
        }
        Ok(self.conn.close().await?)
    }
}

/// How to reach the PostgreSQL database `url` names, as this application.
fn pg_options(url: &str) -> Result<PgConnectOptions, ConnectError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| ConnectError::BadUrl { url: redact_url(url), reason: e.to_string() })?;
    Ok(options.application_name("ocop"))
}

/// A PostgreSQL pool of `pool_size` connections.
fn pg_pool(options: &DbOptions) -> PgPoolOptions {
    PgPoolOptions::new().max_connections(options.pool_size.max(1)).acquire_timeout(options.acquire_timeout)
}

/// The current instant, as stored: whole Unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub(crate) fn stmt(c: &impl ConnectionTrait, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(c.get_database_backend(), sql, values)
}

pub(crate) async fn fetch_all<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Vec<T>> {
    Ok(T::find_by_statement(stmt(c, sql, values)).all(c).await?)
}

pub(crate) async fn fetch_optional<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<Option<T>> {
    Ok(T::find_by_statement(stmt(c, sql, values)).one(c).await?)
}

pub(crate) async fn fetch_one<T: FromQueryResult>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<T> {
    fetch_optional(c, sql, values).await?.ok_or(crate::StoreError::NotFound)
}

/// Runs a statement and returns the number of rows it changed.
pub(crate) async fn execute(
    c: &impl ConnectionTrait,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Result<u64> {
    Ok(c.execute_raw(stmt(c, sql, values)).await?.rows_affected())
}

/// One `i64` column named `n`, e.g. `SELECT COUNT(*) AS n …`.
#[derive(FromQueryResult)]
pub(crate) struct Count {
    pub n: i64,
}

pub(crate) async fn count(c: &impl ConnectionTrait, sql: &str, values: impl IntoIterator<Item = Value>) -> Result<i64> {
    Ok(fetch_one::<Count>(c, sql, values).await?.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_backend() {
        assert_eq!(Backend::from_url("sqlite://ocop.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("sqlite:ocop.db?mode=rwc").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db").ok(), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("PostgreSQL://u@h/db").ok(), Some(Backend::Postgres));
        let err = Backend::from_url("mysql://root:secret@h/db").expect_err("mysql is not supported");
        let msg = err.to_string();
        assert!(msg.contains("mysql://root:***@h/db"), "{msg}");
        assert!(!msg.contains("secret"), "{msg}");
        assert!(msg.contains("sqlite://") && msg.contains("postgres://"), "{msg}");
        assert!(Backend::from_url("ocop.db").is_err());
    }

    #[test]
    fn redaction_keeps_everything_but_the_password() {
        assert_eq!(
            redact_url("postgres://ocop:pa:ss@db.internal:5432/ocop"),
            "postgres://ocop:***@db.internal:5432/ocop"
        );
        assert_eq!(redact_url("postgres://ocop@db/ocop"), "postgres://ocop@db/ocop");
        assert_eq!(redact_url("sqlite://ocop.db"), "sqlite://ocop.db");
    }
}

/// Runs `head VALUES (…), (…), … tail` over the rows, in as many statements as the databases'
/// parameter limits need (a few thousand values each): multi-row inserts, and updates from a
/// `VALUES` list.
pub(crate) async fn execute_values(tx: &Tx, head: &str, tail: &str, width: usize, rows: Vec<Vec<Value>>) -> Result<()> {
    for (sql, values) in batches(tx.get_database_backend(), head, tail, width, rows) {
        execute(tx, &sql, values).await?;
    }
    Ok(())
}

/// Like [`execute_values`], returning what `tail` asks for (`RETURNING id, code`).
pub(crate) async fn fetch_values<T: FromQueryResult>(
    tx: &Tx,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(rows.len());
    for (sql, values) in batches(tx.get_database_backend(), head, tail, width, rows) {
        out.extend(fetch_all::<T>(tx, &sql, values).await?);
    }
    Ok(out)
}

/// The statements of a multi-row insert, moving the values rather than copying them.
fn batches(
    backend: sea_orm::DbBackend,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> Vec<(String, Vec<Value>)> {
    let per_statement = (8000 / width).max(1);
    let mut out = Vec::with_capacity(rows.len() / per_statement + 1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = String::from(head);
        let mut values = Vec::with_capacity(per_statement * width);
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            sql.push_str(if i == 0 { " VALUES (" } else { ", (" });
            sql.push_str(&placeholders(backend, i * width + 1, width));
            sql.push(')');
            values.extend(row);
        }
        sql.push_str(tail);
        out.push((sql, values));
    }
    out
}

/// `count` placeholders from number `first`, for statements with many values. SQLite gets
/// anonymous `?`: binding a numbered `$N` makes it look the name up in a list of all the
/// statement's parameters, which turns a many-row insert quadratic.
pub(crate) fn placeholders(backend: sea_orm::DbBackend, first: usize, count: usize) -> String {
    let mut s = String::with_capacity(count * 6);
    for n in first..first + count {
        if n > first {
            s.push_str(", ");
        }
        match backend {
            sea_orm::DbBackend::Sqlite => s.push('?'),
            _ => s.push_str(&format!("${n}")),
        }
    }
    s
}

/// `SELECT … WHERE column IN (…)` in chunks under the databases' parameter limits.
pub(crate) async fn fetch_in<T: FromQueryResult, V: Into<Value>>(
    c: &impl ConnectionTrait,
    sql_head: &str,
    codes: impl IntoIterator<Item = V>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let codes: Vec<Value> = codes.into_iter().map(Into::into).collect();
    for chunk in codes.chunks(1000) {
        let sql = format!("{sql_head} ({})", placeholders(c.get_database_backend(), 1, chunk.len()));
        out.extend(fetch_all::<T>(c, &sql, chunk.to_vec()).await?);
    }
    Ok(out)
}

/// Builds a `WHERE` clause from optional filters, numbering the `$N` placeholders.
///
/// Each condition is written with `?` where its value goes: `w.and("province_code = ?", code)`.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    pub values: Vec<Value>,
}

impl Conditions {
    pub fn and(&mut self, condition: &str, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let n = self.values.len();
        self.clauses.push(condition.replacen('?', &format!("${n}"), 1));
        self
    }

    /// A condition with several `?`, filled in order.
    pub fn and_values(&mut self, condition: &str, values: Vec<Value>) -> &mut Self {
        let mut condition = condition.to_owned();
        for v in values {
            self.values.push(v);
            condition = condition.replacen('?', &format!("${}", self.values.len()), 1);
        }
        self.clauses.push(condition);
        self
    }

    /// `column IN (…)` over the given values; nothing matches an empty list.
    pub fn and_in(&mut self, column: &str, values: impl IntoIterator<Item = impl Into<Value>>) -> &mut Self {
        let mut placeholders = Vec::new();
        for v in values {
            self.values.push(v.into());
            placeholders.push(format!("${}", self.values.len()));
        }
        if placeholders.is_empty() {
            self.clauses.push("1 = 0".to_owned());
        } else {
            self.clauses.push(format!("{column} IN ({})", placeholders.join(", ")));
        }
        self
    }

    /// A condition without a value, e.g. `deleted_at IS NULL`.
    pub fn raw(&mut self, condition: &str) -> &mut Self {
        self.clauses.push(condition.to_owned());
        self
    }

    /// One page of `SELECT {columns} FROM {from} WHERE … ORDER BY {order}` and the number of
    /// rows all pages hold. `order` may hold `?` placeholders for `order_values`.
    pub async fn page<T: FromQueryResult>(
        &self,
        c: &impl ConnectionTrait,
        columns: &str,
        from: &str,
        (order, order_values): (&str, Vec<Value>),
        page: Page,
    ) -> Result<Paged<T>> {
        let filter = self.sql();
        let total = count(c, &format!("SELECT COUNT(*) AS n FROM {from}{filter}"), self.values.clone()).await?;
        let mut values = self.values.clone();
        let mut order = order.to_owned();
        for v in order_values {
            values.push(v);
            order = order.replacen('?', &format!("${}", values.len()), 1);
        }
        let n = values.len() + 1;
        values.extend([page.limit().into(), page.offset().into()]);
        let sql = format!("SELECT {columns} FROM {from}{filter} ORDER BY {order} LIMIT ${n} OFFSET ${}", n + 1);
        let items = fetch_all::<T>(c, &sql, values).await?;
        Ok(Paged { items, total, page })
    }

    /// How many rows of `from` match.
    pub async fn count(&self, c: &impl ConnectionTrait, from: &str) -> Result<i64> {
        count(c, &format!("SELECT COUNT(*) AS n FROM {from}{}", self.sql()), self.values.clone()).await
    }

    /// `WHERE a AND b`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" AND "))
        }
    }
}

/// The term with `LIKE`'s wildcards escaped (use with `ESCAPE '\'`).
pub(crate) fn like_escape(term: &str) -> String {
    term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `%term%` for `LIKE … ESCAPE '\'`: contains the term literally.
pub(crate) fn like_pattern(term: &str) -> String {
    format!("%{}%", like_escape(term))
}

/// `% term%` for matching `' ' || text`: the term starts one of the text's words.
pub(crate) fn word_start_pattern(term: &str) -> String {
    format!("% {}%", like_escape(term))
}

/// One page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub const MAX_SIZE: u32 = 200;

    pub fn new(number: u32, size: u32) -> Self {
        Self { number: number.max(1), size: size.clamp(1, Self::MAX_SIZE) }
    }

    pub fn offset(self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }

    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::new(1, 50)
    }
}

/// A page of rows and how many rows match in all.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: Page,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged { items: self.items.into_iter().map(f).collect(), total: self.total, page: self.page }
    }

    /// The same page with each item converted, failing on the first that does not convert.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> std::result::Result<U, E>) -> std::result::Result<Paged<U>, E> {
        let items = self.items.into_iter().map(f).collect::<std::result::Result<Vec<U>, E>>()?;
        Ok(Paged { items, total: self.total, page: self.page })
    }
}

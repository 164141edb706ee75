//! The append-only, hash-chained audit log (SPEC §2.7).
//!
//! Every write of the application calls [`append`] inside its own transaction, so a change and
//! its audit entry commit or vanish together. Appends are serialised (SQLite's write lock; a
//! transaction-scoped advisory lock on PostgreSQL) because each entry hashes the one before.

use crate::db::{Conditions, execute, execute_values, fetch_all, like_escape, like_pattern, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::audit::{Break, ChainVerifier, Entry, GENESIS};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use serde::Serialize;
use time::OffsetDateTime;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub user_id: Option<i64>,
    /// The account's e-mail, or `system`, or `cli:<os user>`.
    pub label: String,
}

impl Who {
    pub fn user(id: i64, email: &str) -> Self {
        Self { user_id: Some(id), label: email.to_owned() }
    }

    pub fn system() -> Self {
        Self { user_id: None, label: "system".into() }
    }

    /// A change made from the command line on the server.
    pub fn cli() -> Self {
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "?".into());
        Self { user_id: None, label: format!("cli:{user}") }
    }
}

/// What changed.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub province_code: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Change {
    pub fn new(action: &'static str, entity: &'static str, entity_id: impl ToString) -> Self {
        Self { action, entity, entity_id: entity_id.to_string(), province_code: None, before: None, after: None }
    }

    pub fn province(mut self, code: Option<&str>) -> Self {
        self.province_code = code.map(str::to_owned);
        self
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// Key of the PostgreSQL advisory lock that serialises appends ("AUDT").
const AUDIT_LOCK: i64 = 0x4155_4454;

#[derive(Debug, FromQueryResult)]
struct Head {
    seq: i64,
    hash: String,
}

/// Appends one entry in the caller's write transaction and returns its sequence number.
pub async fn append(tx: &Tx, who: &Who, change: Change) -> Result<i64> {
    append_many(tx, who, vec![change]).await
}

/// Appends entries in order, in the caller's write transaction, with multi-row inserts (an
/// import of a hundred thousand rows writes a hundred thousand entries). Returns the last
/// sequence number (0 when there was nothing to append).
pub async fn append_many(tx: &Tx, who: &Who, changes: Vec<Change>) -> Result<i64> {
    if changes.is_empty() {
        return Ok(0);
    }
    if tx.get_database_backend() == DbBackend::Postgres {
        execute(tx, "SELECT pg_advisory_xact_lock($1)", [AUDIT_LOCK.into()]).await?;
    }
    let head = fetch_all::<Head>(tx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", []).await?;
    let (mut seq, mut prev_hash) = head.into_iter().next().map_or((0, GENESIS.to_owned()), |h| (h.seq, h.hash));
    let at = now();
    let at_time = OffsetDateTime::from_unix_timestamp(at)
        .map_err(|e| StoreError::Corrupt { table: "audit_log", detail: e.to_string() })?;
    let mut rows = Vec::with_capacity(changes.len());
    for change in changes {
        seq += 1;
        let entry = Entry {
            seq,
            at: at_time,
            actor_id: who.user_id,
            actor: who.label.clone(),
            action: change.action.to_owned(),
            entity: change.entity.to_owned(),
            entity_id: change.entity_id,
            province_code: change.province_code,
            before: change.before.map(|v| v.to_string()),
            after: change.after.map(|v| v.to_string()),
            prev_hash,
        };
        let hash = entry.compute_hash();
        rows.push(vec![
            entry.seq.into(),
            at.into(),
            entry.actor_id.into(),
            entry.actor.into(),
            entry.action.into(),
            entry.entity.into(),
            entry.entity_id.into(),
            entry.province_code.into(),
            entry.before.into(),
            entry.after.into(),
            entry.prev_hash.into(),
            hash.clone().into(),
        ]);
        prev_hash = hash;
    }
    execute_values(
        tx,
        "INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, province_code, before_json, after_json, prev_hash, hash)",
        "",
        12,
        rows,
    )
    .await?;
    Ok(seq)
}

/// One stored entry, as the audit page shows it.
#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub province_code: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    fn entry(&self) -> Result<Entry> {
        Ok(Entry {
            seq: self.seq,
            at: OffsetDateTime::from_unix_timestamp(self.at)
                .map_err(|e| StoreError::Corrupt { table: "audit_log", detail: e.to_string() })?,
            actor_id: self.actor_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            province_code: self.province_code.clone(),
            before: self.before_json.clone(),
            after: self.after_json.clone(),
            prev_hash: self.prev_hash.clone(),
        })
    }
}

const COLUMNS: &str =
    "seq, at, actor_id, actor, action, entity, entity_id, province_code, before_json, after_json, prev_hash, hash";

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub entries: i64,
    pub broken: Option<Break>,
}

/// The newest entry's sequence number (0 when none): it changes with every audited write, on
/// any instance, so caches of other instances learn that something changed by polling it.
pub async fn head(c: &impl ConnectionTrait) -> Result<i64> {
    crate::db::count(c, "SELECT COALESCE(MAX(seq), 0) AS n FROM audit_log", []).await
}

/// Walks the whole log in order, a thousand rows at a time, and reports the first broken link.
pub async fn verify(c: &impl ConnectionTrait) -> Result<Verification> {
    const BATCH: i64 = 1000;
    let mut verifier = ChainVerifier::default();
    let mut next_seq = i64::MIN;
    loop {
        let rows = fetch_all::<AuditRow>(
            c,
            &format!("SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"),
            [next_seq.into(), BATCH.into()],
        )
        .await?;
        let Some(last) = rows.last() else { break };
        next_seq = last.seq + 1;
        for row in &rows {
            if let Err(broken) = verifier.check(&row.entry()?, &row.hash) {
                return Ok(Verification { entries: verifier.verified(), broken: Some(broken) });
            }
        }
    }
    Ok(Verification { entries: verifier.verified(), broken: None })
}

/// Filters of the audit page; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries of this province (a province office sees its own).
    pub province: Option<String>,
    /// Part of the actor's e-mail.
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Prefix of the action, e.g. `user.` or `user.create`.
    pub action: Option<String>,
    /// Unix seconds, inclusive / exclusive.
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// Actions a page writes by itself while someone works (a scorecard, an inspection record): the
/// log lists one entry per record, person and day — a sitting — the last, with how many saves it
/// stands for, so that the events people take are not buried under them.
pub const AUTOSAVES: [&str; 2] = ["scorecard.save", "inspection.save"];

/// An entry as the log's page lists it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Listed {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub province_code: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// For an autosave: the saves of its sitting up to this one (1 for any other entry).
    pub saves: i64,
    /// For an autosave: when its sitting's first save was written.
    pub first_at: i64,
}

/// Newest first; autosaves one per sitting (`AUTOSAVES`).
pub async fn search(c: &impl ConnectionTrait, filter: &AuditFilter, page: Page) -> Result<Paged<Listed>> {
    let autosaves = AUTOSAVES.map(|a| format!("'{a}'")).join(", ");
    // The same record, person and day in Vietnam (UTC+7) as entry `a`.
    let sitting = "s.action = a.action AND s.entity = a.entity AND s.entity_id = a.entity_id AND s.actor = a.actor \
                   AND (s.at + 25200) / 86400 = (a.at + 25200) / 86400";
    let columns = format!(
        "a.seq, a.at, a.actor, a.action, a.entity, a.entity_id, a.province_code, a.before_json, a.after_json, \
         CASE WHEN a.action IN ({autosaves}) THEN (SELECT COUNT(*) FROM audit_log s WHERE {sitting} AND s.seq <= a.seq) \
         ELSE 1 END AS saves, \
         CASE WHEN a.action IN ({autosaves}) THEN (SELECT MIN(s.at) FROM audit_log s WHERE {sitting}) ELSE a.at END \
         AS first_at"
    );
    let mut w = Conditions::default();
    w.raw(&format!(
        "NOT (a.action IN ({autosaves}) AND EXISTS (SELECT 1 FROM audit_log s WHERE {sitting} AND s.seq > a.seq))"
    ));
    if let Some(p) = &filter.province {
        w.and("a.province_code = ?", p.clone());
    }
    if let Some(a) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
        w.and("LOWER(a.actor) LIKE ? ESCAPE '\\'", like_pattern(&a.to_lowercase()));
    }
    if let Some(e) = &filter.entity {
        w.and("a.entity = ?", e.clone());
    }
    if let Some(id) = &filter.entity_id {
        w.and("a.entity_id = ?", id.clone());
    }
    if let Some(a) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        w.and("a.action LIKE ? ESCAPE '\\'", format!("{}%", like_escape(a)));
    }
    if let Some(from) = filter.from {
        w.and("a.at >= ?", from);
    }
    if let Some(until) = filter.until {
        w.and("a.at < ?", until);
    }
    w.page(c, &columns, "audit_log a", ("a.seq DESC", Vec::new()), page).await
}

/// The distinct actions in the log, for the filter's drop-down.
pub async fn actions(c: &impl ConnectionTrait) -> Result<Vec<String>> {
    #[derive(FromQueryResult)]
    struct A {
        action: String,
    }
    Ok(fetch_all::<A>(c, "SELECT DISTINCT action FROM audit_log ORDER BY action", [])
        .await?
        .into_iter()
        .map(|a| a.action)
        .collect())
}

/// The distinct entity kinds in the log, for the filter's drop-down.
pub async fn entities(c: &impl ConnectionTrait) -> Result<Vec<String>> {
    #[derive(FromQueryResult)]
    struct E {
        entity: String,
    }
    Ok(fetch_all::<E>(c, "SELECT DISTINCT entity FROM audit_log ORDER BY entity", [])
        .await?
        .into_iter()
        .map(|e| e.entity)
        .collect())
}

//! The scan log: batches of scans written at once — every scan counted (the label's counters,
//! the daily counts per product, the client-hours), raw rows kept only as evidence, attempts on
//! labels never issued logged — and the anomaly rules run on every label a batch touched.

use crate::db::{count, execute, execute_values, fetch_all, fetch_values, now};
use crate::{Db, Result};
use domain::scan_rules::{self, Cell, Located, Rules};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::BTreeMap;

/// One scan, as the page saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRecord {
    pub at: i64,
    pub product_id: i64,
    pub lot_id: Option<i64>,
    pub serial: Option<String>,
    pub cell: Option<Cell>,
    /// `mobile`, `desktop`, `bot` or `other`.
    pub agent: &'static str,
    /// Who scanned, pseudonymously (`None`: not known; each such scan counts on its own).
    pub client: Option<Client>,
    /// The label was not one the platform issued: recorded as an attempt for the office.
    pub attempt: Option<Attempt>,
}

/// A scanning client as the rules weigh it: hashes, never the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// Of the address and the browser: one person's phone, roughly.
    pub client: u64,
    /// Of the address alone: independent evidence needs several.
    pub origin: u64,
}

/// A scan of a label the platform never issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `unknown_serial`, `voided` or `unknown_lot`.
    pub kind: &'static str,
    /// The serial or lot on the label (at most 64 characters kept).
    pub typed: String,
}

pub(crate) fn hex(n: u64) -> String {
    format!("{n:016x}")
}

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flushed {
    pub scans: usize,
    /// Raw rows written (the evidence; see `record`).
    pub rows: usize,
    pub labels: usize,
    pub new_alerts: u64,
    /// Each label's counters after the batch.
    pub counters: Vec<Counters>,
}

/// A label's scan counters as the database holds them.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Counters {
    pub serial: String,
    pub scans: i64,
    pub first_scanned_at: Option<i64>,
    pub suspicious: bool,
    /// Distinct clients per hour (scans of unknown clients one each): what the count rule counts.
    pub client_hours: i64,
}

/// One label's share of a batch.
#[derive(Debug, Clone, Copy, Default)]
struct LabelBatch {
    scans: i64,
    first: i64,
    last: i64,
    /// Whether any scan was located (the place rules then run).
    located: bool,
    /// The client-hours it brought (a scan of an unknown client counts as one).
    client_hours: i64,
}

/// A place as stored (tenths of a degree), when both halves are there and in range.
fn cell(lat10: Option<i64>, lon10: Option<i64>) -> Option<Cell> {
    Some(Cell { lat10: i32::try_from(lat10?).ok()?, lon10: i32::try_from(lon10?).ok()? })
}

/// Writes a batch in one transaction.
pub async fn flush(db: &Db, batch: &[ScanRecord], rules: Rules) -> Result<Flushed> {
    if batch.is_empty() {
        return Ok(Flushed::default());
    }
    let tx = db.write().await?;
    let flushed = record(&tx, batch, rules).await?;
    tx.commit().await?;
    Ok(flushed)
}

/// Writes a batch within the caller's transaction.
pub async fn record(tx: &crate::Tx, batch: &[ScanRecord], rules: Rules) -> Result<Flushed> {
    if batch.is_empty() {
        return Ok(Flushed::default());
    }
    // The dashboard's daily counts per product, kept in step (in key order, so that two
    // instances' batches never wait on each other's rows in opposite orders).
    let mut per_day: BTreeMap<(time::Date, i64), i64> = BTreeMap::new();
    for s in batch {
        *per_day.entry((crate::stats::vietnam_day(s.at), s.product_id)).or_insert(0) += 1;
    }
    let rows = per_day.into_iter().map(|((day, product), n)| vec![day.into(), product.into(), n.into()]).collect();
    execute_values(
        tx,
        "INSERT INTO scan_daily (day, product_id, province_code, scans) \
         SELECT v.column1, v.column2, p.province_code, v.column3 FROM (",
        ") AS v JOIN product p ON p.id = v.column2 WHERE TRUE \
         ON CONFLICT (day, product_id) DO UPDATE SET scans = scan_daily.scans + excluded.scans",
        3,
        rows,
    )
    .await?;
    let mut per_serial: BTreeMap<&str, LabelBatch> = BTreeMap::new();
    for s in batch {
        if let Some(serial) = s.serial.as_deref() {
            let e = per_serial.entry(serial).or_insert(LabelBatch { first: s.at, last: s.at, ..LabelBatch::default() });
            e.scans += 1;
            e.first = e.first.min(s.at);
            e.last = e.last.max(s.at);
            e.located |= s.cell.is_some();
            e.client_hours += i64::from(s.client.is_none());
        }
    }
    for serial in new_client_hours(tx, batch).await? {
        if let Some(e) = per_serial.get_mut(serial.as_str()) {
            e.client_hours += 1;
        }
    }
    let mut flushed =
        Flushed { scans: batch.len(), rows: 0, labels: per_serial.len(), new_alerts: 0, counters: Vec::new() };
    // Every label's counters in one statement (per chunk), not one round trip per label.
    let rows: Vec<Vec<sea_orm::Value>> = per_serial
        .iter()
        .map(|(serial, b)| vec![(*serial).into(), b.scans.into(), b.first.into(), b.last.into(), b.client_hours.into()])
        .collect();
    let counted: Vec<Counters> = fetch_values(
        tx,
        "UPDATE stamp SET scans = scans + b.n, client_hours = client_hours + b.h, \
         first_scanned_at = CASE WHEN first_scanned_at IS NULL OR first_scanned_at > b.f THEN b.f ELSE first_scanned_at END, \
         last_scanned_at = CASE WHEN last_scanned_at IS NULL OR last_scanned_at < b.l THEN b.l ELSE last_scanned_at END \
         FROM (SELECT column1 AS k, column2 AS n, column3 AS f, column4 AS l, column5 AS h FROM (",
        ") AS v) AS b WHERE serial = b.k RETURNING serial, scans, first_scanned_at, suspicious, client_hours",
        5,
        rows,
    )
    .await?;
    // Raw rows are the evidence, not the count (the counters and `scan_daily` count every
    // scan): kept for located scans, scans of unknown clients, attempts, and every scan of a
    // label past the count limit (in client-hours: one machine reloading a page is no evidence).
    let busy: std::collections::BTreeSet<&str> =
        counted.iter().filter(|c| c.client_hours > i64::from(rules.max_scans)).map(|c| c.serial.as_str()).collect();
    let rows: Vec<Vec<sea_orm::Value>> = batch
        .iter()
        .filter(|s| {
            s.cell.is_some()
                || s.client.is_none()
                || s.attempt.is_some()
                || s.serial.as_deref().is_some_and(|serial| busy.contains(serial))
        })
        .map(|s| {
            vec![
                s.at.into(),
                s.product_id.into(),
                s.lot_id.into(),
                s.serial.clone().into(),
                s.cell.map(|c| i64::from(c.lat10)).into(),
                s.cell.map(|c| i64::from(c.lon10)).into(),
                s.agent.into(),
                s.client.map(|c| hex(c.client)).into(),
                s.client.map(|c| hex(c.origin)).into(),
            ]
        })
        .collect();
    flushed.rows = rows.len();
    if !rows.is_empty() {
        execute_values(
            tx,
            "INSERT INTO scan (scanned_at, product_id, lot_id, serial, lat10, lon10, agent, client, origin)",
            "",
            9,
            rows,
        )
        .await?;
    }
    record_attempts(tx, batch).await?;
    for mut c in counted {
        let Some(b) = per_serial.get(c.serial.as_str()).copied() else { continue };
        // The count rule fires once, in the batch that crosses the limit; the place rules run
        // only when this batch brought a located scan (they read the label's located scans).
        let mut findings = Vec::new();
        let before = u32::try_from(c.client_hours - b.client_hours).unwrap_or(0);
        if before <= rules.max_scans
            && let Some(f) = scan_rules::too_many_scans(u32::try_from(c.client_hours).unwrap_or(u32::MAX), rules)
        {
            findings.push(f);
        }
        if b.located {
            findings.extend(scan_rules::places(&located_scans(tx, &c.serial).await?, rules));
        }
        if !findings.is_empty() {
            let public = rules.public(origins(tx, &c.serial).await?);
            let (new, warned) = record_findings(tx, &c.serial, &findings, public).await?;
            flushed.new_alerts += new;
            c.suspicious |= warned;
        }
        flushed.counters.push(c);
    }
    Ok(flushed)
}

/// Notes each (label, client, hour) of the batch; the labels of those not seen before, once
/// per new client-hour.
async fn new_client_hours(tx: &crate::Tx, batch: &[ScanRecord]) -> Result<Vec<String>> {
    let keys: std::collections::BTreeSet<(&str, u64, u64, i64)> = batch
        .iter()
        .filter_map(|s| Some((s.serial.as_deref()?, s.client?, s.at.div_euclid(3600))))
        .map(|(serial, c, hour)| (serial, c.client, c.origin, hour))
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(FromQueryResult)]
    struct Row {
        serial: String,
    }
    let rows = keys
        .into_iter()
        .map(|(serial, client, origin, hour)| vec![serial.into(), hex(client).into(), hex(origin).into(), hour.into()])
        .collect();
    let added: Vec<Row> = fetch_values(
        tx,
        "INSERT INTO scan_client (serial, client, origin, hour)",
        " ON CONFLICT (serial, client, hour) DO NOTHING RETURNING serial",
        4,
        rows,
    )
    .await?;
    Ok(added.into_iter().map(|r| r.serial).collect())
}

/// The independent origins a label's scans came from (scans of unknown clients one each).
async fn origins(tx: &crate::Tx, serial: &str) -> Result<u32> {
    let known =
        count(tx, "SELECT COUNT(DISTINCT origin) AS n FROM scan_client WHERE serial = $1", [serial.into()]).await?;
    let unknown =
        count(tx, "SELECT COUNT(*) AS n FROM scan WHERE serial = $1 AND origin IS NULL", [serial.into()]).await?;
    Ok(u32::try_from(known + unknown).unwrap_or(u32::MAX))
}

/// Scans of labels never issued, for the office.
async fn record_attempts(tx: &crate::Tx, batch: &[ScanRecord]) -> Result<()> {
    let rows: Vec<Vec<sea_orm::Value>> = batch
        .iter()
        .filter_map(|s| {
            let a = s.attempt.as_ref()?;
            Some(vec![
                s.at.into(),
                s.product_id.into(),
                a.kind.into(),
                a.typed.chars().take(64).collect::<String>().into(),
                s.cell.map(|c| i64::from(c.lat10)).into(),
                s.cell.map(|c| i64::from(c.lon10)).into(),
                s.client.map_or_else(String::new, |c| hex(c.origin)).into(),
            ])
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    execute_values(
        tx,
        "INSERT INTO scan_attempt (attempted_at, product_id, province_code, kind, typed, lat10, lon10, origin) \
         SELECT v.column1, v.column2, p.province_code, v.column3, v.column4, v.column5, v.column6, v.column7 FROM (",
        ") AS v JOIN product p ON p.id = v.column2 WHERE TRUE",
        7,
        rows,
    )
    .await?;
    Ok(())
}

/// The newest located scans of one label.
async fn located_scans(tx: &crate::Tx, serial: &str) -> Result<Vec<Located>> {
    #[derive(FromQueryResult)]
    struct Row {
        scanned_at: i64,
        lat10: i64,
        lon10: i64,
        origin: Option<String>,
    }
    let rows: Vec<Row> = fetch_all(
        tx,
        "SELECT scanned_at, lat10, lon10, origin FROM scan WHERE serial = $1 AND lat10 IS NOT NULL AND lon10 IS NOT NULL \
         ORDER BY scanned_at DESC LIMIT 1000",
        [serial.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Located {
                at: r.scanned_at,
                cell: cell(Some(r.lat10), Some(r.lon10))?,
                origin: r.origin.and_then(|o| u64::from_str_radix(&o, 16).ok()),
            })
        })
        .collect())
}

/// Records new findings as alerts (one per label and rule; the office sees them all) and, when
/// the evidence is `public`, marks the label suspicious (its page warns shoppers). An alert
/// the office cleared stays cleared.
async fn record_findings(
    tx: &crate::Tx,
    serial: &str,
    findings: &[scan_rules::Finding],
    public: bool,
) -> Result<(u64, bool)> {
    let mut new = 0;
    for f in findings {
        let evidence = serde_json::to_string(f).unwrap_or_default();
        new += execute(
            tx,
            "INSERT INTO scan_alert (serial, product_id, province_code, rule, evidence, created_at, public) \
             SELECT s.serial, s.product_id, p.province_code, $1, $2, $3, $4 FROM stamp s JOIN product p ON p.id = s.product_id \
             WHERE s.serial = $5 ON CONFLICT (serial, rule) DO NOTHING",
            [f.rule().into(), evidence.into(), now().into(), public.into(), serial.into()],
        )
        .await?;
        if public {
            // Evidence grown public since an earlier, office-only alert of the same rule.
            execute(
                tx,
                "UPDATE scan_alert SET public = TRUE WHERE serial = $1 AND rule = $2 AND resolved_at IS NULL",
                [serial.into(), f.rule().into()],
            )
            .await?;
        }
    }
    let warned = if public { warn(tx, serial).await? } else { false };
    Ok((new, warned))
}

/// Sets whether the label's page warns shoppers: while an open alert shown to them remains.
async fn warn(tx: &crate::Tx, serial: &str) -> Result<bool> {
    #[derive(FromQueryResult)]
    struct Row {
        suspicious: bool,
    }
    let row: Option<Row> = crate::db::fetch_optional(
        tx,
        "UPDATE stamp SET suspicious = EXISTS (SELECT 1 FROM scan_alert a WHERE a.serial = stamp.serial \
         AND a.resolved_at IS NULL AND a.public) WHERE serial = $1 RETURNING suspicious",
        [serial.into()],
    )
    .await?;
    Ok(row.is_some_and(|r| r.suspicious))
}

/// The product an alert is about, to decide who may act on it.
pub async fn alert_product(c: &impl ConnectionTrait, id: i64) -> Result<Option<i64>> {
    #[derive(FromQueryResult)]
    struct Row {
        product_id: i64,
    }
    let row: Option<Row> =
        crate::db::fetch_optional(c, "SELECT product_id FROM scan_alert WHERE id = $1", [id.into()]).await?;
    Ok(row.map(|r| r.product_id))
}

/// The office clears an alert it found false: the alert is resolved (and the same rule does
/// not fire again for the label) and the label's page stops warning unless another open
/// alert still says so.
pub async fn clear_alert(tx: &crate::Tx, who: &crate::audit::Who, id: i64) -> Result<()> {
    #[derive(FromQueryResult)]
    struct Row {
        serial: String,
        province_code: String,
        rule: String,
        resolved_at: Option<i64>,
    }
    let alert: Option<Row> = crate::db::fetch_optional(
        tx,
        "SELECT serial, province_code, rule, resolved_at FROM scan_alert WHERE id = $1",
        [id.into()],
    )
    .await?;
    let alert = alert.ok_or(crate::StoreError::NotFound)?;
    if alert.resolved_at.is_some() {
        return Ok(());
    }
    let at = now();
    execute(
        tx,
        "UPDATE scan_alert SET resolved_at = $1, resolved_by = $2 WHERE id = $3",
        [at.into(), who.user_id.into(), id.into()],
    )
    .await?;
    warn(tx, &alert.serial).await?;
    crate::audit::append(
        tx,
        who,
        crate::audit::Change::new("scan_alert.clear", "scan_alert", id)
            .province(Some(&alert.province_code))
            .after(&serde_json::json!({"serial": alert.serial, "rule": alert.rule, "resolved_at": at})),
    )
    .await?;
    Ok(())
}

/// Scans of labels never issued, per product and place (as claimed; `None` when not shared),
/// since `since`.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct AttemptGroup {
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub lat10: Option<i64>,
    pub lon10: Option<i64>,
    pub attempts: i64,
    pub last_at: i64,
}

impl AttemptGroup {
    pub fn cell(&self) -> Option<Cell> {
        cell(self.lat10, self.lon10)
    }
}

pub async fn attempts(c: &impl ConnectionTrait, province: Option<&str>, since: i64) -> Result<Vec<AttemptGroup>> {
    let head = "SELECT a.product_id, p.name AS product_name, p.code AS product_code, a.lat10, a.lon10, \
                COUNT(*) AS attempts, MAX(a.attempted_at) AS last_at \
                FROM scan_attempt a JOIN product p ON p.id = a.product_id WHERE a.attempted_at >= $1";
    let tail = "GROUP BY a.product_id, p.name, p.code, a.lat10, a.lon10 ORDER BY attempts DESC, last_at DESC LIMIT 200";
    match province {
        Some(p) => fetch_all(c, &format!("{head} AND a.province_code = $2 {tail}"), [since.into(), p.into()]).await,
        None => fetch_all(c, &format!("{head} {tail}"), [since.into()]).await,
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct Alert {
    pub id: i64,
    pub serial: String,
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub gtin: Option<String>,
    pub rule: String,
    pub evidence: String,
    pub created_at: i64,
    pub scans: i64,
    pub resolved_at: Option<i64>,
    /// Shoppers see a warning (the evidence came from enough independent origins).
    pub public: bool,
}

/// Open alerts of a province (every province for `None`), newest first.
pub async fn alerts(c: &impl ConnectionTrait, province: Option<&str>) -> Result<Vec<Alert>> {
    let head = "SELECT a.id, a.serial, a.product_id, p.name AS product_name, p.code AS product_code, p.gtin, a.rule, a.evidence, a.created_at, s.scans, \
                a.resolved_at, a.public FROM scan_alert a JOIN product p ON p.id = a.product_id JOIN stamp s ON s.serial = a.serial \
                WHERE a.resolved_at IS NULL";
    match province {
        Some(p) => {
            fetch_all(c, &format!("{head} AND a.province_code = $1 ORDER BY a.created_at DESC LIMIT 500"), [p.into()])
                .await
        }
        None => fetch_all(c, &format!("{head} ORDER BY a.created_at DESC LIMIT 500"), []).await,
    }
}

/// The located scans of one label, for the alert's evidence page.
pub async fn places_of(c: &impl ConnectionTrait, serial: &str) -> Result<Vec<(i64, Option<Cell>, String)>> {
    #[derive(FromQueryResult)]
    struct Row {
        scanned_at: i64,
        lat10: Option<i64>,
        lon10: Option<i64>,
        agent: String,
    }
    Ok(fetch_all::<Row>(
        c,
        "SELECT scanned_at, lat10, lon10, agent FROM scan WHERE serial = $1 ORDER BY scanned_at DESC LIMIT 200",
        [serial.into()],
    )
    .await?
    .into_iter()
    .map(|r| (r.scanned_at, cell(r.lat10, r.lon10), r.agent))
    .collect())
}

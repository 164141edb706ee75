//! The scan log: batches of scans written at once, the labels' counters kept in step, and the
//! anomaly rules run on every label a batch touched.

use crate::db::{execute, execute_values, fetch_all, fetch_values, now};
use crate::{Db, Result};
use domain::scan_rules::{self, Cell, Rules};
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
}

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flushed {
    pub scans: usize,
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
    let rows = batch
        .iter()
        .map(|s| {
            vec![
                s.at.into(),
                s.product_id.into(),
                s.lot_id.into(),
                s.serial.clone().into(),
                s.cell.map(|c| i64::from(c.lat10)).into(),
                s.cell.map(|c| i64::from(c.lon10)).into(),
                s.agent.into(),
            ]
        })
        .collect();
    execute_values(tx, "INSERT INTO scan (scanned_at, product_id, lot_id, serial, lat10, lon10, agent)", "", 7, rows)
        .await?;
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
    // Per label: scans in this batch, first and last time, whether any was located.
    let mut per_serial: BTreeMap<&str, (i64, i64, i64, bool)> = BTreeMap::new();
    for s in batch {
        if let Some(serial) = s.serial.as_deref() {
            let e = per_serial.entry(serial).or_insert((0, s.at, s.at, false));
            e.0 += 1;
            e.1 = e.1.min(s.at);
            e.2 = e.2.max(s.at);
            e.3 |= s.cell.is_some();
        }
    }
    let mut flushed = Flushed { scans: batch.len(), labels: per_serial.len(), new_alerts: 0, counters: Vec::new() };
    // Every label's counters in one statement (per chunk), not one round trip per label.
    let rows: Vec<Vec<sea_orm::Value>> = per_serial
        .iter()
        .map(|(serial, (n, first, last, _))| vec![(*serial).into(), (*n).into(), (*first).into(), (*last).into()])
        .collect();
    let counted: Vec<Counters> = fetch_values(
        tx,
        "UPDATE stamp SET scans = scans + b.n, \
         first_scanned_at = CASE WHEN first_scanned_at IS NULL OR first_scanned_at > b.f THEN b.f ELSE first_scanned_at END, \
         last_scanned_at = CASE WHEN last_scanned_at IS NULL OR last_scanned_at < b.l THEN b.l ELSE last_scanned_at END \
         FROM (SELECT column1 AS k, column2 AS n, column3 AS f, column4 AS l FROM (",
        ") AS v) AS b WHERE serial = b.k RETURNING serial, scans, first_scanned_at, suspicious",
        4,
        rows,
    )
    .await?;
    for mut c in counted {
        let Some((n, _, _, located)) = per_serial.get(c.serial.as_str()).copied() else { continue };
        // The count rule fires once, in the batch that crosses the limit; the place rules run
        // only when this batch brought a located scan (they read the label's located scans).
        let mut findings = Vec::new();
        let before = u32::try_from(c.scans - n).unwrap_or(0);
        if before <= rules.max_scans
            && let Some(f) = scan_rules::too_many_scans(u32::try_from(c.scans).unwrap_or(u32::MAX), rules)
        {
            findings.push(f);
        }
        if located {
            findings.extend(scan_rules::places(&located_scans(tx, &c.serial).await?, rules));
        }
        flushed.new_alerts += record_findings(tx, &c.serial, &findings).await?;
        c.suspicious |= !findings.is_empty();
        flushed.counters.push(c);
    }
    Ok(flushed)
}

/// The newest located scans of one label.
async fn located_scans(tx: &crate::Tx, serial: &str) -> Result<Vec<(i64, Cell)>> {
    #[derive(FromQueryResult)]
    struct Row {
        scanned_at: i64,
        lat10: i64,
        lon10: i64,
    }
    let rows: Vec<Row> = fetch_all(
        tx,
        "SELECT scanned_at, lat10, lon10 FROM scan WHERE serial = $1 AND lat10 IS NOT NULL AND lon10 IS NOT NULL \
         ORDER BY scanned_at DESC LIMIT 1000",
        [serial.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let cell = Cell { lat10: i32::try_from(r.lat10).unwrap_or(0), lon10: i32::try_from(r.lon10).unwrap_or(0) };
            (r.scanned_at, cell)
        })
        .collect())
}

/// Records new findings as alerts (one per label and rule) and marks the label suspicious.
async fn record_findings(tx: &crate::Tx, serial: &str, findings: &[scan_rules::Finding]) -> Result<u64> {
    if findings.is_empty() {
        return Ok(0);
    }
    let mut new = 0;
    for f in findings {
        let evidence = serde_json::to_string(f).unwrap_or_default();
        new += execute(
            tx,
            "INSERT INTO scan_alert (serial, product_id, province_code, rule, evidence, created_at) \
             SELECT s.serial, s.product_id, p.province_code, $1, $2, $3 FROM stamp s JOIN product p ON p.id = s.product_id \
             WHERE s.serial = $4 ON CONFLICT (serial, rule) DO NOTHING",
            [f.rule().into(), evidence.into(), now().into(), serial.into()],
        )
        .await?;
    }
    execute(tx, "UPDATE stamp SET suspicious = TRUE WHERE serial = $1", [serial.into()]).await?;
    Ok(new)
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
}

/// Open alerts of a province (every province for `None`), newest first.
pub async fn alerts(c: &impl ConnectionTrait, province: Option<&str>) -> Result<Vec<Alert>> {
    let head = "SELECT a.id, a.serial, a.product_id, p.name AS product_name, p.code AS product_code, p.gtin, a.rule, a.evidence, a.created_at, s.scans, \
                a.resolved_at FROM scan_alert a JOIN product p ON p.id = a.product_id JOIN stamp s ON s.serial = a.serial \
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
    .map(|r| {
        let cell = match (r.lat10, r.lon10) {
            (Some(a), Some(o)) => match (i32::try_from(a), i32::try_from(o)) {
                (Ok(lat10), Ok(lon10)) => Some(Cell { lat10, lon10 }),
                _ => None,
            },
            _ => None,
        };
        (r.scanned_at, cell, r.agent)
    })
    .collect())
}

//! The scan log without slowing the page: a scan is handed to a bounded in-process buffer and
//! the page is served at once; a background task writes the buffer every `flush_every` (the
//! most a `kill -9` can lose), in batches. A full buffer
//! drops the scan (counted in `ocop_scans_dropped_total`) and never delays or fails the page. On
//! a graceful shutdown the task writes whatever is buffered before the process ends.

use domain::scan_rules::Rules;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use store::Db;
use store::trace::scans::{self, ScanRecord};
use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the buffer behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanSettings {
    /// Scans held in memory at most.
    pub capacity: usize,
    /// Scans written per transaction at most. A transaction counts each label once, however
    /// many of its scans it carries: a flush in one transaction updates a label scanned a hundred
    /// times in the interval once, not once per part.
    pub batch: usize,
    /// How long the writer waits after a scan before it writes everything buffered: the most
    /// a `kill -9` can lose.
    pub flush_every: Duration,
    pub rules: Rules,
    /// Months of raw scans kept before the current one (0: all); see `store::trace::upkeep`.
    pub retention_months: u32,
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self {
            capacity: 50_000,
            batch: 20_000,
            flush_every: Duration::from_millis(1_000),
            rules: Rules::default(),
            retention_months: 0,
        }
    }
}

/// Told what each written batch did (to keep cached label counters in step).
pub type OnFlushed = Arc<dyn Fn(&scans::Flushed) + Send + Sync>;

pub struct ScanLog {
    sender: mpsc::Sender<ScanRecord>,
    accepted: AtomicU64,
    dropped: AtomicU64,
    paused: watch::Sender<bool>,
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl ScanLog {
    /// Starts the writer task (needs a Tokio runtime).
    pub fn start(db: Db, settings: ScanSettings, on_flushed: OnFlushed) -> Arc<ScanLog> {
        let (sender, receiver) = mpsc::channel(settings.capacity.max(1));
        let (paused, paused_rx) = watch::channel(false);
        let stop = CancellationToken::new();
        let task = tokio::spawn(writer(db, settings, receiver, paused_rx, stop.clone(), on_flushed));
        Arc::new(ScanLog {
            sender,
            accepted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            paused,
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Hands a scan over without waiting; `false` when the buffer was full and the scan dropped.
    pub fn record(&self, scan: ScanRecord) -> bool {
        match self.sender.try_send(scan) {
            Ok(()) => {
                self.accepted.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("ocop_scans_dropped_total").increment(1);
                false
            }
        }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Why the scan log cannot take scans as it should, if so: its writer has stopped, or its
    /// buffer is more than nine tenths full (the database is not keeping up; scans are about to
    /// be dropped). For `/readyz`.
    pub async fn trouble(&self) -> Option<&'static str> {
        let stopped = self.task.lock().await.as_ref().is_none_or(JoinHandle::is_finished);
        if stopped {
            return Some("the scan writer has stopped");
        }
        let (free, all) = (self.sender.capacity(), self.sender.max_capacity());
        (free * 10 < all).then_some("the scan buffer is more than nine tenths full")
    }

    /// Holds the writer (maintenance, tests); scans keep buffering up to the capacity.
    pub fn pause(&self) {
        let _ = self.paused.send(true);
    }

    pub fn resume(&self) {
        let _ = self.paused.send(false);
    }

    /// Writes what is buffered and stops the writer. Idempotent.
    pub async fn shutdown(&self) {
        self.resume();
        self.stop.cancel();
        if let Some(task) = self.task.lock().await.take()
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "the scan writer ended badly");
        }
    }
}

async fn write(db: &Db, batch: &mut Vec<ScanRecord>, rules: Rules, on_flushed: &OnFlushed) {
    if batch.is_empty() {
        return;
    }
    // A failed write is retried a few times (a busy database, a lost connection) before the
    // batch is given up and counted.
    for attempt in 0..5u32 {
        match scans::flush(db, batch, rules).await {
            Ok(done) => {
                on_flushed(&done);
                metrics::counter!("ocop_scans_written_total").increment(done.scans as u64);
                metrics::counter!("ocop_scan_rows_written_total").increment(done.rows as u64);
                if done.new_alerts > 0 {
                    tracing::warn!(alerts = done.new_alerts, "labels look copied");
                }
                batch.clear();
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, "writing scans failed");
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
            }
        }
    }
    metrics::counter!("ocop_scans_lost_total").increment(batch.len() as u64);
    tracing::error!(scans = batch.len(), "scans could not be written");
    batch.clear();
}

async fn writer(
    db: Db,
    settings: ScanSettings,
    mut receiver: mpsc::Receiver<ScanRecord>,
    mut paused: watch::Receiver<bool>,
    stop: CancellationToken,
    on_flushed: OnFlushed,
) {
    let mut batch: Vec<ScanRecord> = Vec::new();
    loop {
        while *paused.borrow() && !stop.is_cancelled() {
            tokio::select! {
                () = stop.cancelled() => {}
                changed = paused.changed() => if changed.is_err() { break },
            }
        }
        // Biased: a stop or a pause is seen before another scan is taken.
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            Ok(()) = paused.changed() => continue,
            first = receiver.recv() => match first {
                Some(scan) => batch.push(scan),
                None => break,
            },
        }
        // Then wait out the interval once (not a wake-up per scan) and write everything that
        // came meanwhile, a batch at a time.
        tokio::select! {
            () = stop.cancelled() => {}
            () = tokio::time::sleep(settings.flush_every) => {}
        }
        loop {
            while batch.len() < settings.batch {
                match receiver.try_recv() {
                    Ok(scan) => batch.push(scan),
                    Err(_) => break,
                }
            }
            let full = batch.len() >= settings.batch;
            write(&db, &mut batch, settings.rules, &on_flushed).await;
            if !full {
                break;
            }
        }
    }
    // Shutting down: take in everything still buffered and write it.
    receiver.close();
    while let Some(scan) = receiver.recv().await {
        batch.push(scan);
        if batch.len() >= settings.batch {
            write(&db, &mut batch, settings.rules, &on_flushed).await;
        }
    }
    write(&db, &mut batch, settings.rules, &on_flushed).await;
}

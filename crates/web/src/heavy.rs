//! Work that needs much memory for a short while — decoding an uploaded photo or spreadsheet,
//! rendering a certificate — runs on the blocking pool under one memory budget shared by the
//! whole instance. A burst of uploads then waits its turn instead of taking the server down (a
//! probe's six concurrent 419 KB PNGs once took it to 2.7 GB). Each job states what it needs; one
//! that needs more than the whole budget runs alone.

use crate::error::{AppError, AppResult};
use tokio::sync::Semaphore;

/// What hashing or checking one password takes (Argon2id with m = 19 MiB, plus the thread).
pub const PASSWORD_BYTES: u64 = 20 * 1024 * 1024;
/// A bound on what setting one PDF takes: a document is laid out in memory (its pages' drawing
/// operations, the fonts' subsets, the compressed file). A whole `ocop report` process, the
/// figures' queries included, peaks at about 69 MB, so this is ample for the document alone.
pub const DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

pub struct Budget {
    permits: Semaphore,
    megabytes: u32,
}

impl Budget {
    pub fn new(megabytes: u32) -> Self {
        let megabytes = megabytes.max(1);
        Self { permits: Semaphore::new(megabytes as usize), megabytes }
    }

    /// Runs `work` on the blocking pool once `bytes` of the budget are free.
    pub async fn run<T: Send + 'static>(&self, bytes: u64, work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let wanted = u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX).clamp(1, self.megabytes);
        let permit = self.permits.acquire_many(wanted).await.map_err(AppError::internal)?;
        let out = tokio::task::spawn_blocking(work).await.map_err(AppError::internal)?;
        drop(permit);
        Ok(out)
    }

    /// Megabytes not taken by a job right now.
    pub fn available_megabytes(&self) -> usize {
        self.permits.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn jobs_beyond_the_budget_wait_their_turn() {
        let budget = Arc::new(Budget::new(100));
        let running = Arc::new(AtomicU32::new(0));
        let peak = Arc::new(AtomicU32::new(0));
        let jobs = (0..6).map(|_| {
            let (budget, running, peak) = (budget.clone(), running.clone(), peak.clone());
            tokio::spawn(async move {
                budget
                    .run(40 * 1024 * 1024, move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            })
        });
        for job in jobs.collect::<Vec<_>>() {
            job.await.expect("joined").expect("ran");
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2, "two 40 MB jobs fit in 100 MB, a third waits");
        // One larger than the whole budget still runs, alone.
        assert_eq!(budget.run(u64::MAX, || 7).await.expect("ran"), 7);
        assert_eq!(budget.available_megabytes(), 100);
    }
}

//! A short-lived in-process cache of what a label's public page shows about the product and its
//! lot (the product row, its certificate, photos, sales channels, the lot, whether it is
//! recalled, the timeline, the page rendered around the label), so that a scan of a label seen
//! in the last seconds reads nothing from the database.
//!
//! Freshness: every state-changing request this instance answers successfully empties the cache
//! at once (`frame` bumps the generation), so a change made here shows on the next scan; a
//! change made on another instance sharing the database empties it within the poll interval of
//! `trace::follow_writes`; every entry lives at most `ttl` in any case. Labels that exist are cached too (a copied label is scanned
//! over and over: that is the load to absorb), and the scan writer updates their counters in
//! place; a serial not found is always looked up again. With `ttl` zero nothing is cached.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

struct Entry<V> {
    /// Between half the `ttl` and the `ttl` after it was read, spread so that entries read
    /// together (a burst of scans after a start) are not all read again at the same moment.
    expires: Instant,
    generation: u64,
    value: V,
}

pub struct Cache<K, V> {
    ttl: Duration,
    /// Entries at most; a full map is emptied (keys of made-up GTINs cannot fill memory).
    max: usize,
    generation: Arc<AtomicU64>,
    /// Read-mostly: every scan reads several entries, writes are rare (a miss, a flush).
    map: RwLock<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    pub fn new(ttl: Duration, max: usize, generation: Arc<AtomicU64>) -> Self {
        Cache { ttl, max, generation, map: RwLock::new(HashMap::new()) }
    }

    /// A fresh cached value.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.ttl.is_zero() {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let map = self.map.read().ok()?;
        let now = Instant::now();
        map.get(key).filter(|e| e.generation == generation && now < e.expires).map(|e| e.value.clone())
    }

    /// Keeps a value read under `generation` (read before the value was).
    pub fn put(&self, key: K, value: V, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut map) = self.map.write() {
            if map.len() >= self.max {
                map.clear();
            }
            let now = Instant::now();
            // A cheap spread: the wall clock's nanoseconds, as a fraction of half the ttl.
            let nanos =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
            let spread = self.ttl / 2 * (nanos % 1024) / 1024;
            map.insert(key, Entry { expires: now + self.ttl - spread, generation, value });
        }
    }

    /// Changes a cached value in place (keeping its age), if there is one.
    pub fn update(&self, key: &K, change: impl FnOnce(&mut V)) {
        if let Ok(mut map) = self.map.write()
            && let Some(e) = map.get_mut(key)
        {
            change(&mut e.value);
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The cached value, or what `load` gives (then kept).
    pub async fn get_or_load<E>(&self, key: K, load: impl Future<Output = Result<V, E>>) -> Result<V, E> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let generation = self.generation();
        let value = load.await?;
        self.put(key, value.clone(), generation);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_are_kept_until_invalidated_or_stale() {
        let generation = Arc::new(AtomicU64::new(0));
        let cache: Cache<String, u32> = Cache::new(Duration::from_secs(60), 10, generation.clone());
        let load = |v: u32| async move { Ok::<u32, ()>(v) };
        assert_eq!(cache.get_or_load("a".into(), load(1)).await, Ok(1));
        assert_eq!(cache.get_or_load("a".into(), load(2)).await, Ok(1), "kept");
        generation.fetch_add(1, Ordering::AcqRel);
        assert_eq!(cache.get_or_load("a".into(), load(3)).await, Ok(3), "a write empties it");
        assert_eq!(cache.get_or_load("a".into(), async { Err::<u32, ()>(()) }).await, Ok(3));

        let none: Cache<String, u32> = Cache::new(Duration::ZERO, 10, generation.clone());
        assert_eq!(none.get_or_load("a".into(), load(1)).await, Ok(1));
        assert_eq!(none.get_or_load("a".into(), load(2)).await, Ok(2), "ttl zero caches nothing");

        let short: Cache<(i64, String), u32> = Cache::new(Duration::from_millis(20), 10, generation);
        assert_eq!(short.get_or_load((1, "L".into()), load(1)).await, Ok(1));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(short.get_or_load((1, "L".into()), load(2)).await, Ok(2), "stale after ttl");
    }
}

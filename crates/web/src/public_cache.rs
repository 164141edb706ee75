//! A short-lived in-process cache of what a label's public page shows about the product and its
//! lot (the product row, its certificate, photos, sales channels, the lot, whether it is
//! recalled, the timeline), so that a scan reads one row — the label's own — from the database.
//!
//! Freshness: every entry lives at most `ttl` (a few seconds), and every state-changing request
//! this instance answers successfully empties the cache at once (`frame` bumps the generation),
//! so a change made here shows on the next scan and a change made on another instance sharing
//! the database shows within `ttl`. Labels that exist are cached too (a copied label is scanned
//! over and over: that is the load to absorb), and the scan writer updates their counters in
//! place; a serial not found is always looked up again. With `ttl` zero nothing is cached.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries per map at most; a full map is emptied (keys of made-up GTINs cannot fill memory).
const MAX_ENTRIES: usize = 20_000;

struct Entry<V> {
    at: Instant,
    generation: u64,
    value: V,
}

pub struct Cache<K, V> {
    ttl: Duration,
    generation: Arc<AtomicU64>,
    map: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> Cache<K, V> {
    fn new(ttl: Duration, generation: Arc<AtomicU64>) -> Self {
        Cache { ttl, generation, map: Mutex::new(HashMap::new()) }
    }

    /// A fresh cached value.
    pub fn get(&self, key: &K) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let map = self.map.lock().ok()?;
        map.get(key).filter(|e| e.generation == generation && e.at.elapsed() < self.ttl).map(|e| e.value.clone())
    }

    /// Keeps a value read under `generation` (read before the value was).
    pub fn put(&self, key: K, value: V, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, Entry { at: Instant::now(), generation, value });
        }
    }

    /// Changes a cached value in place (keeping its age), if there is one.
    pub fn update(&self, key: &K, change: impl FnOnce(&mut V)) {
        if let Ok(mut map) = self.map.lock()
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

/// The caches of the public pages, sharing one generation.
pub struct PublicCache<P, L, S> {
    generation: Arc<AtomicU64>,
    /// By GTIN-14 (`01:…`) or product code (`p:…`).
    pub products: Cache<String, P>,
    /// By product id and lot code.
    pub lots: Cache<(i64, String), L>,
    /// Labels by serial, only those that exist; the scan log's writer updates their counters
    /// in place after each batch, so this instance's own scans show at once.
    pub stamps: Cache<String, S>,
}

impl<P: Clone, L: Clone, S: Clone> PublicCache<P, L, S> {
    pub fn new(ttl: Duration) -> Self {
        let generation = Arc::new(AtomicU64::new(0));
        PublicCache {
            products: Cache::new(ttl, generation.clone()),
            lots: Cache::new(ttl, generation.clone()),
            stamps: Cache::new(ttl, generation.clone()),
            generation,
        }
    }

    /// Forgets everything (a write happened).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_are_kept_until_invalidated_or_stale() {
        let cache: PublicCache<u32, u32, u32> = PublicCache::new(Duration::from_secs(60));
        let load = |v: u32| async move { Ok::<u32, ()>(v) };
        assert_eq!(cache.products.get_or_load("a".into(), load(1)).await, Ok(1));
        assert_eq!(cache.products.get_or_load("a".into(), load(2)).await, Ok(1), "kept");
        cache.invalidate();
        assert_eq!(cache.products.get_or_load("a".into(), load(3)).await, Ok(3), "a write empties it");
        assert_eq!(cache.products.get_or_load("a".into(), async { Err::<u32, ()>(()) }).await, Ok(3));

        let none: PublicCache<u32, u32, u32> = PublicCache::new(Duration::ZERO);
        assert_eq!(none.products.get_or_load("a".into(), load(1)).await, Ok(1));
        assert_eq!(none.products.get_or_load("a".into(), load(2)).await, Ok(2), "ttl zero caches nothing");

        let short: PublicCache<u32, u32, u32> = PublicCache::new(Duration::from_millis(20));
        assert_eq!(short.lots.get_or_load((1, "L".into()), load(1)).await, Ok(1));
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(short.lots.get_or_load((1, "L".into()), load(2)).await, Ok(2), "stale after ttl");
    }
}

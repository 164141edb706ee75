//! The label scan as a service, called by the public pages and the API: what a Digital Link or
//! a product code names (the product, its lot, the label and the verdict), read through a cache
//! that follows the writes (`cache`, `follow_writes`), the page rendered once around the label
//! (`skeleton`), and the scan handed to the batch writer (`scanlog`).

pub mod cache;
pub mod scanlog;
pub mod skeleton;

use crate::AppState;
use crate::auth::client_ip;
use crate::error::AppResult;
use crate::pages::registry::products::today;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use cache::Cache;
use domain::gtin::Gtin;
use domain::serial::Serial;
use skeleton::Skeleton;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use store::certificates::Certificate;
use store::products::Product;
use store::trace::epcis::StoredEvent;
use store::trace::lots::Lot;
use store::trace::scans::Client;
use store::trace::stamps::Stamp;
use store::trace::{epcis, lots, stamps};

/// What a public page shows of a product, cached (see `Caches`).
#[derive(Debug)]
pub struct ProductData {
    pub product: Product,
    pub certificate: Option<Certificate>,
    pub photos: Vec<i64>,
    /// The producer's sales channels in force.
    pub channels: Vec<store::outlets::channels::Channel>,
    /// Open sales points that carry the product.
    pub points: Vec<(i64, String, String)>,
    /// Events of the product itself (no lot), newest first.
    pub timeline: Vec<StoredEvent>,
    /// Whom shoppers reach at the province's office, if it said.
    pub office: Option<domain::reports::OfficeContact>,
}

/// A lot as its public page shows it.
#[derive(Debug)]
pub struct LotData {
    pub lot: Lot,
    pub recalled: bool,
    /// Events of the lot and of the product, newest first.
    pub timeline: Vec<StoredEvent>,
}

/// Who is scanning: the address (for the limit on logged attempts) and the pseudonymous keys
/// the copied-label rules weigh (`store::trace::scans::Client`).
pub struct Scanner {
    pub ip: String,
    pub client: Client,
}

impl FromRequestParts<AppState> for Scanner {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        let ip = client_ip(state, &parts.headers, peer);
        let agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        let day = store::stats::vietnam_day(time::OffsetDateTime::now_utc().unix_timestamp());
        Ok(Scanner { client: client_key(day, &ip, agent), ip })
    }
}

/// Hashes of the address (the origin) and of the address and browser (the client), salted
/// with the day: the same on every instance, never the address, not linkable across days.
pub fn client_key(day: time::Date, ip: &str, agent: &str) -> Client {
    use sha2::{Digest, Sha256};
    let first = |digest: &[u8]| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(bytes)
    };
    let origin = Sha256::new()
        .chain_update(b"ocop-scan\0")
        .chain_update(day.to_julian_day().to_le_bytes())
        .chain_update(ip.as_bytes());
    let client = origin.clone().chain_update(b"\0").chain_update(agent.as_bytes());
    Client { origin: first(&origin.finalize()), client: first(&client.finalize()) }
}

/// Which page a scan gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// The product's page (a genuine label, or no label named).
    Product,
    /// The verdict alone with what the genuine product looks like.
    NotGenuine,
}

/// A rendered page: product, lot, language, kind.
pub type PageKey = (i64, Option<i64>, &'static str, PageKind);

/// The caches of the public pages, sharing one generation.
pub struct Caches {
    generation: Arc<AtomicU64>,
    /// By GTIN-14 (`01:…`) or product code (`p:…`).
    pub products: Cache<String, Option<Arc<ProductData>>>,
    /// By product id and lot code.
    pub lots: Cache<(i64, String), Option<Arc<LotData>>>,
    /// Labels by serial, only those that exist; the scan log's writer updates their counters
    /// in place after each batch, so this instance's own scans show at once.
    pub stamps: Cache<String, Arc<Stamp>>,
    /// Pages rendered for callers who are not signed in.
    pub pages: Cache<PageKey, Arc<Skeleton>>,
}

/// The longest an entry is kept even when nothing was written: what changes with the date (a
/// certificate expiring at midnight) or outside the application shows within it.
const MAX_AGE: Duration = Duration::from_secs(60);

impl Caches {
    /// Caches whose entries another instance's writes make stale for at most `ttl` (zero: nothing
    /// is cached).
    pub fn new(ttl: Duration) -> Self {
        let generation = Arc::new(AtomicU64::new(0));
        let age = if ttl.is_zero() { ttl } else { ttl.max(MAX_AGE) };
        Caches {
            products: Cache::new(age, 20_000, generation.clone()),
            lots: Cache::new(age, 20_000, generation.clone()),
            stamps: Cache::new(age, 200_000, generation.clone()),
            pages: Cache::new(age, 4_000, generation.clone()),
            generation,
        }
    }

    /// Forgets everything (a write happened).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// Empties the caches whenever the audit log grew — any audited write, on any instance sharing
/// the database (a void, a revocation, a recall, an edit) — checked every `every`. This
/// instance's own writes empty them at once (`frame`); this is how the others' show within
/// `every` without re-reading every entry that often. With a read replica, the replica's head is
/// followed too: what was read from it before a write had replayed there is read again after.
pub async fn follow_writes(db: store::Db, caches: Arc<Caches>, every: Duration) {
    if every.is_zero() {
        return;
    }
    let heads = async |db: &store::Db| {
        let primary = store::audit::head(db.conn()).await?;
        let replica = if db.reads_replica() { store::audit::head(db.read()).await? } else { primary };
        Ok::<_, store::StoreError>((primary, replica))
    };
    let mut seen = None;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match heads(&db).await {
            Ok(head) => {
                if seen.is_some_and(|s| s != head) {
                    caches.invalidate();
                }
                seen = Some(head);
            }
            // Unknown: assume the worst.
            Err(e) => {
                tracing::warn!(error = %e, "reading the audit head failed");
                caches.invalidate();
            }
        }
    }
}

/// Checks the read replica every `every` (`store::Db::check_replica`): while it does not answer,
/// the public pages read the primary, and the change is logged and counted in the
/// `ocop_read_replica_up` gauge. Returns at once without a replica.
pub async fn watch_replica(db: store::Db, every: Duration) {
    if !db.has_replica() {
        return;
    }
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match db.check_replica(every).await {
            Some(true) => tracing::info!("the read replica answers again: public pages read it"),
            Some(false) => tracing::error!("the read replica does not answer: public pages read the primary"),
            None => {}
        }
        metrics::gauge!("ocop_read_replica_up").set(if db.reads_replica() { 1.0 } else { 0.0 });
    }
}

/// Keeps cached labels' counters in step with what the scan writer wrote.
pub fn scans_written(cache: &Caches, done: &store::trace::scans::Flushed) {
    for c in &done.counters {
        cache.stamps.update(&c.serial, |s| {
            let s = Arc::make_mut(s);
            s.scans = c.scans;
            s.first_scanned_at = c.first_scanned_at;
            s.suspicious = c.suspicious;
        });
    }
}

/// A label by serial: cached when it exists, looked up again when not.
async fn stamp(state: &AppState, serial: &str) -> AppResult<Option<Arc<Stamp>>> {
    let cache = &state.public_cache().stamps;
    if let Some(s) = cache.get(serial) {
        return Ok(Some(s));
    }
    let generation = cache.generation();
    let found = stamps::find(state.db().conn(), serial).await?.map(Arc::new);
    if let Some(s) = &found {
        cache.put(serial.to_owned(), s.clone(), generation);
    }
    Ok(found)
}

const TIMELINE: i64 = 8;

/// Reads the rest of a product's public page around what decides its verdict. The product and
/// its certificate come from the primary (a revocation shows at once, whatever a replica's
/// delay); photos, channels, sales points and events from the read replica when there is one.
async fn load_product(state: &AppState, found: Option<Product>) -> store::Result<Option<Arc<ProductData>>> {
    let Some(product) = found.filter(|p| p.deleted_at.is_none()) else { return Ok(None) };
    let certificate = match product.certificate_id {
        Some(id) => {
            store::certificates::for_product(state.db().conn(), product.id).await?.into_iter().find(|c| c.id == id)
        }
        None => None,
    };
    let conn = state.db().read();
    let photos = store::photos::of_product(conn, product.id).await?.into_iter().map(|ph| ph.id).collect();
    let day = today();
    let channels = store::outlets::channels::of_producer(conn, product.producer_id)
        .await?
        .into_iter()
        .filter(|c| c.in_force(day))
        .collect();
    let points = store::outlets::points::carrying(conn, product.id, day)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name, format!("{}, {}", s.commune_name, s.province_name)))
        .collect();
    let timeline = epcis::timeline(conn, product.id, None, TIMELINE).await?;
    let office = store::offices::contact(conn, &product.province_code).await?;
    Ok(Some(Arc::new(ProductData { product, certificate, photos, channels, points, timeline, office })))
}

/// The product a GTIN names (any of its forms), if it is on record and not deleted.
pub async fn product_by_gtin(state: &AppState, gtin: &Gtin) -> AppResult<Option<Arc<ProductData>>> {
    let load = async { load_product(state, store::products::find_by_gtin(state.db().conn(), gtin).await?).await };
    Ok(state.public_cache().products.get_or_load(format!("01:{}", gtin.gtin14()), load).await?)
}

/// The product an OCOP code (or an earlier code of it) names.
pub async fn product_by_code(state: &AppState, code: &str) -> AppResult<Option<Arc<ProductData>>> {
    let load = async { load_product(state, store::products::find_by_code(state.db().conn(), code).await?).await };
    Ok(state.public_cache().products.get_or_load(format!("p:{code}"), load).await?)
}

async fn lot_data(state: &AppState, product_id: i64, code: &str) -> AppResult<Option<Arc<LotData>>> {
    let load = async {
        // The lot and its recall from the primary, its events from the replica (see `load_product`).
        let conn = state.db().conn();
        let Some(lot) = lots::find(conn, product_id, code).await? else { return Ok(None) };
        let recalled = epcis::recalled(conn, lot.id).await?;
        let timeline = epcis::timeline(state.db().read(), product_id, Some(lot.id), TIMELINE).await?;
        Ok::<_, store::StoreError>(Some(Arc::new(LotData { lot, recalled, timeline })))
    };
    Ok(state.public_cache().lots.get_or_load((product_id, code.to_owned()), load).await?)
}

/// What a label's scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The product (and lot and label, when named) are on record.
    Genuine,
    /// The URL names a lot this product never had.
    UnknownLot,
    /// The URL names a serial the platform never issued for this product.
    UnknownSerial,
    /// The label was issued and later voided.
    Voided,
}

impl Outcome {
    pub fn status(self) -> StatusCode {
        match self {
            Outcome::Genuine => StatusCode::OK,
            Outcome::UnknownLot | Outcome::UnknownSerial => StatusCode::NOT_FOUND,
            Outcome::Voided => StatusCode::GONE,
        }
    }

    /// As the attempts' log names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Genuine => "genuine",
            Outcome::UnknownLot => "unknown_lot",
            Outcome::UnknownSerial => "unknown_serial",
            Outcome::Voided => "voided",
        }
    }

    pub fn page(self) -> PageKind {
        if self == Outcome::Genuine { PageKind::Product } else { PageKind::NotGenuine }
    }
}

/// What a scan of a product's label names, checked.
pub struct Resolved {
    pub lot: Option<Arc<LotData>>,
    /// The label, when the path names one issued for this product (and lot).
    pub stamp: Option<Arc<Stamp>>,
    pub outcome: Outcome,
}

/// The lot and label a path names for `product`, and the verdict: a serial must have been
/// issued for this product (and for the lot, when the path names one); a label names its lot
/// when the path does not.
pub async fn resolve(
    state: &AppState,
    product: &Product,
    lot: Option<&str>,
    serial: Option<&str>,
) -> AppResult<Resolved> {
    let mut outcome = Outcome::Genuine;
    let stamp = match serial.map(Serial::parse) {
        Some(Ok(s)) => stamp(state, s.as_str()).await?.filter(|st| st.product_id == product.id),
        _ => None,
    };
    let lot_code = lot.or_else(|| stamp.as_ref().and_then(|s| s.lot_code.as_deref()));
    let found = match lot_code {
        Some(code) => lot_data(state, product.id, code).await?,
        None => None,
    };
    if lot_code.is_some() && found.is_none() {
        outcome = Outcome::UnknownLot;
    }
    let stamp = stamp.filter(|s| lot.is_none() || s.lot_id == found.as_ref().map(|l| l.lot.id));
    if serial.is_some() {
        match &stamp {
            None => outcome = Outcome::UnknownSerial,
            Some(s) if s.voided_at.is_some() => outcome = Outcome::Voided,
            Some(_) => {}
        }
    }
    Ok(Resolved { lot: found, stamp, outcome })
}

//! Benchmark programs. `ocop-bench dashboard [POSTGRES_URL]`: see `dashboard.rs`.
//!
//! `ocop-bench import [POSTGRES_URL]`: imports 100,000 generated product rows from `.xlsx` and
//! from `.csv` into fresh databases (SQLite, and PostgreSQL when a URL is given) through the same
//! code path as `ocop import`, and prints the time and rows per second of each run. The last line
//! is `seconds <slowest run> rows_per_s <that run's rate>`.

mod dashboard;
mod data;

use anyhow::Context;
use domain::access::Listing;
use exchange::{Kind, Options};
use sea_orm::ConnectionTrait;
use std::time::Instant;
use store::audit::Who;
use store::{Db, DbOptions};

const PRODUCERS: usize = 20_000;
/// Overridable for a quick look: `OCOP_BENCH_ROWS=10000 bench/import`.
fn products_count() -> usize {
    std::env::var("OCOP_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

/// A fresh, migrated database: a SQLite file in a temporary directory, or a new PostgreSQL
/// database on the given server (dropped afterwards).
pub(crate) struct Fresh {
    pub(crate) db: Db,
    /// The PostgreSQL server's URL and the bench database's name, to drop it afterwards.
    pub(crate) cleanup: Option<(String, String)>,
    pub(crate) dir: Option<std::path::PathBuf>,
}

pub(crate) async fn fresh(pg: Option<&str>, label: &str) -> anyhow::Result<Fresh> {
    let (db, cleanup, dir) = match pg {
        None => {
            let dir = std::env::temp_dir().join(format!("ocop-bench-{}-{label}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let db = Db::connect(&format!("sqlite://{}/bench.db", dir.display()), &DbOptions::default()).await?;
            (db, None, Some(dir))
        }
        Some(url) => {
            let name = format!("ocop_bench_{}_{label}", std::process::id());
            let admin = Db::connect(url, &DbOptions { pool_size: 1, ..DbOptions::default() }).await?;
            admin.conn().execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await?;
            admin.conn().execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
            admin.close().await?;
            let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
            let db = Db::connect(&format!("{base}/{name}"), &DbOptions::default()).await?;
            (db, Some((url.to_owned(), name)), None)
        }
    };
    store::migrate::run(&db).await?;
    store::reference::ensure(&db).await?;
    Ok(Fresh { db, cleanup, dir })
}

impl Fresh {
    pub(crate) async fn finish(self) -> anyhow::Result<()> {
        self.db.close().await?;
        if let Some((url, name)) = self.cleanup {
            let admin = Db::connect(&url, &DbOptions { pool_size: 1, ..DbOptions::default() }).await?;
            admin.conn().execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        }
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(())
    }
}

fn options() -> Options {
    Options::new(Who::cli(), Listing::All, 2026)
}

/// Imports the producers (untimed setup), then times the product file.
async fn run(pg: Option<&str>, label: &str, producers: &[u8], products: &[u8]) -> anyhow::Result<f64> {
    let target = fresh(pg, label).await?;
    let setup = exchange::import::import(&target.db, Kind::Producers, producers, &options(), &|_, _, _| {}).await?;
    anyhow::ensure!(setup.written && setup.created == PRODUCERS, "producers: {:?}", setup.errors.first());
    let started = Instant::now();
    let stages = |stage: &'static str, done: usize, of: usize| {
        println!("  {label:<14} {:>7.2} s  {stage} {done}/{of}", started.elapsed().as_secs_f64());
    };
    let report = exchange::import::import(&target.db, Kind::Products, products, &options(), &stages).await?;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.written && report.created == products_count(),
        "products: {:?} {:?}",
        report.file_error,
        report.errors.first()
    );
    let audit = store::audit::verify(target.db.conn()).await?;
    anyhow::ensure!(audit.broken.is_none(), "audit chain broken after the import");
    target.finish().await?;
    Ok(seconds)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Quiet unless RUST_LOG asks (e.g. RUST_LOG=sqlx::query=debug to time every statement).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn,sqlx=error".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd] if cmd == "import" => import(None).await,
        [cmd, url] if cmd == "import" => import(Some(url.clone())).await,
        [cmd] if cmd == "dashboard" => dashboard::main(None).await,
        [cmd, url] if cmd == "dashboard" => dashboard::main(Some(url.as_str())).await,
        _ => anyhow::bail!("usage: ocop-bench import|dashboard [postgres://…]"),
    }
}

async fn import(pg: Option<String>) -> anyhow::Result<()> {
    // The generator needs real commune codes: read them from a migrated scratch database.
    let scratch = fresh(None, "units").await?;
    let communes: Vec<(String, String)> =
        store::units::communes(scratch.db.conn(), "01").await?.into_iter().map(|c| ("01".to_owned(), c.code)).collect();
    scratch.finish().await?;
    let started = Instant::now();
    let set = data::generate(&communes, PRODUCERS, products_count(), 5);
    let producers_csv = data::producers_csv(&set)?;
    let products_xlsx = data::products_xlsx(&set).context("writing the workbook")?;
    let products_csv = data::products_csv(&set)?;
    println!(
        "generated {PRODUCERS} producers and {} product rows ({} with certificates) in {:.1} s: xlsx {:.1} MB, csv {:.1} MB",
        set.products.len(),
        set.products.iter().filter(|p| p.certified).count(),
        started.elapsed().as_secs_f64(),
        products_xlsx.len() as f64 / 1e6,
        products_csv.len() as f64 / 1e6
    );
    let mut runs: Vec<(String, f64)> = Vec::new();
    let mut backends: Vec<(&str, Option<&str>)> = vec![("sqlite", None)];
    if let Some(url) = pg.as_deref() {
        backends.push(("postgres", Some(url)));
    }
    for (backend, url) in backends {
        for (format, file) in [("xlsx", &products_xlsx), ("csv", &products_csv)] {
            let seconds = run(url, &format!("{backend}_{format}"), &producers_csv, file).await?;
            let rows = products_count();
            println!("{backend:<9} {format:<5} {rows} rows  {seconds:>6.2} s  {:>9.0} rows/s", rows as f64 / seconds);
            runs.push((format!("{backend}/{format}"), seconds));
        }
    }
    let (slowest, seconds) = runs.iter().max_by(|a, b| a.1.total_cmp(&b.1)).cloned().unwrap_or_default();
    println!("slowest: {slowest} (target: under 20 s)");
    println!("seconds {seconds:.2} rows_per_s {:.0}", products_count() as f64 / seconds);
    Ok(())
}

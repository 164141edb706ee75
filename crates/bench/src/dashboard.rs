//! `ocop-bench dashboard [POSTGRES_URL]`: the dashboard at national size. Builds a data set of 34
//! provinces, 20,000 producers and 50,000 products (nine in ten certified, one in three re-rated
//! or upgraded, some revoked, potential and central 5★), a round per province and half-year with
//! every product registered, and 10 million label scans over the last year (the daily rollup
//! made from them, as the scan writer keeps it); then starts the release server (`ocop serve`)
//! on it and times, over HTTP as a client would, a bare endpoint (`/healthz`, the baseline), each
//! chart's figures (`/api/v1/stats/{chart}`, national and one province) and the whole dashboard
//! page. Prints every figure and, last, `slowest_ms X rss_mb Y` (the slowest median, the server's
//! peak resident memory).

use crate::{data, fresh};
use sea_orm::ConnectionTrait;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Instant;
use store::{Backend, Db};

const PROVINCES: usize = 34;
const PRODUCERS: usize = 20_000;
const PRODUCTS: usize = 50_000;
/// Overridable for a quick look: `OCOP_BENCH_SCANS=100000 bench/dashboard`.
fn scans() -> i64 {
    std::env::var("OCOP_BENCH_SCANS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000)
}
const RUNS: usize = 5;

/// `date(col) + days` in the backend's dialect.
fn plus_days(backend: Backend, column: &str, days: i64) -> String {
    match backend {
        Backend::Sqlite => format!("date({column}, '{days:+} days')"),
        Backend::Postgres => format!("({column} + {days})"),
    }
}

async fn exec(db: &Db, label: &str, sql: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let done = db.conn().execute_unprepared(sql).await?;
    println!("  {label:<44} {:>8} rows {:>7.1} s", done.rows_affected(), started.elapsed().as_secs_f64());
    Ok(())
}

/// Certificate histories, rounds and registrations, scans and their daily rollup, in SQL.
async fn build(db: &Db) -> anyhow::Result<()> {
    let b = db.backend();
    exec(
        db,
        "re-ratings and upgrades (1 in 3)",
        &format!(
            "INSERT INTO certificate (product_id, number, stars, level, issued_on, expires_on, criteria_version, source, \
             created_at, issuing_province) \
             SELECT c.product_id, c.number || '-R', CASE WHEN c.product_id % 4 = 0 AND c.stars < 5 THEN c.stars + 1 ELSE c.stars END, \
             c.level, {}, {}, c.criteria_version, 'import', c.created_at, c.issuing_province \
             FROM certificate c WHERE c.product_id % 3 = 0 AND c.issued_on <= '2023-06-30'",
            plus_days(b, "c.expires_on", -100),
            plus_days(b, "c.expires_on", 995)
        ),
    )
    .await?;
    exec(db, "potential 5★", "UPDATE certificate SET stars = 5 WHERE id % 37 = 0").await?;
    exec(db, "central 5★", "UPDATE certificate SET level = 'central' WHERE id % 37 = 0 AND id % 5 = 0").await?;
    exec(
        db,
        "revocations",
        &format!("UPDATE certificate SET revoked_on = {} WHERE id % 53 = 0", plus_days(b, "issued_on", 400)),
    )
    .await?;
    exec(
        db,
        "certificate chains",
        "UPDATE certificate SET superseded_by = (SELECT c2.id FROM certificate c2 \
         WHERE c2.product_id = certificate.product_id AND (c2.issued_on > certificate.issued_on \
         OR (c2.issued_on = certificate.issued_on AND c2.id > certificate.id)) ORDER BY c2.issued_on, c2.id LIMIT 1)",
    )
    .await?;
    // Two rounds a year per province, 2021–2026, 200 products planned each.
    let mut rounds = Vec::new();
    for p in store::units::provinces(db.conn()).await? {
        for year in 2021..=2026 {
            for half in 1..=2 {
                let (opens, deadline, closes) =
                    if half == 1 { ("01-15", "04-30", "06-30") } else { ("07-15", "10-30", "12-30") };
                rounds.push(format!(
                    "('{}', 'Đợt {half} năm {year}', {year}, '{year}-{opens}', '{year}-{deadline}', '{year}-{closes}', 200, \
                     '26/2026/QĐ-TTg', 0, 0)",
                    p.code
                ));
            }
        }
    }
    exec(
        db,
        "rounds",
        &format!(
            "INSERT INTO round (province_code, name, year, opens_on, commune_deadline, closes_on, plan_count, \
             criteria_version, created_at, updated_at) VALUES {}",
            rounds.join(", ")
        ),
    )
    .await?;
    exec(
        db,
        "registrations (every product)",
        "INSERT INTO registration (round_id, product_id, producer_id, province_code, commune_code, kind, sheet_code, \
         criteria_version, samples, state, submitted_at, created_at, updated_at) \
         SELECT (SELECT MIN(r.id) FROM round r WHERE r.province_code = x.province_code) + x.id % 12, x.id, x.producer_id, \
         x.province_code, x.commune_code, 'first', x.sheet_code, '26/2026/QĐ-TTg', 3, \
         CASE x.id % 7 WHEN 0 THEN 'submitted' WHEN 1 THEN 'forwarded' WHEN 2 THEN 'central_returned' ELSE 'recognised' END, \
         1700000000, 1700000000, 1700000000 FROM product x",
    )
    .await?;
    // 10 million scans, one every 3 seconds over the last year, 2,000 products a day.
    let (first, count): (i64, i64) = {
        #[derive(sea_orm::FromQueryResult)]
        struct Ids {
            first: i64,
            count: i64,
        }
        let ids = <Ids as sea_orm::FromQueryResult>::find_by_statement(sea_orm::Statement::from_string(
            db.conn().get_database_backend(),
            "SELECT MIN(id) AS first, COUNT(*) AS count FROM product",
        ))
        .one(db.conn())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no products"))?;
        (ids.first, ids.count)
    };
    let n = scans();
    let start = time::OffsetDateTime::now_utc().unix_timestamp() - n * 3;
    let columns = format!("{start} + i * 3, {first} + ((i % 2000) * 25 + i / 28800) % {count}, 'mobile'");
    let scans_sql = match b {
        Backend::Sqlite => format!(
            "INSERT INTO scan (scanned_at, product_id, agent) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL \
             SELECT i + 1 FROM n WHERE i < {}) SELECT {columns} FROM n",
            n - 1
        ),
        Backend::Postgres => format!(
            "INSERT INTO scan (scanned_at, product_id, agent) SELECT {columns} FROM generate_series(0::bigint, {}) AS i",
            n - 1
        ),
    };
    exec(db, "scans", &scans_sql).await?;
    let day = match b {
        Backend::Sqlite => "date(s.scanned_at + 25200, 'unixepoch')",
        Backend::Postgres => "(to_timestamp(s.scanned_at + 25200) AT TIME ZONE 'UTC')::date",
    };
    exec(
        db,
        "daily scan rollup",
        &format!(
            "INSERT INTO scan_daily (day, product_id, province_code, scans) SELECT {day}, s.product_id, p.province_code, \
             COUNT(*) FROM scan s JOIN product p ON p.id = s.product_id GROUP BY {day}, s.product_id, p.province_code"
        ),
    )
    .await?;
    exec(db, "statistics", "ANALYZE").await?;
    Ok(())
}

/// A GET over a fresh connection; the time to the whole answer (ms) and its status line.
fn get(addr: &str, path: &str, cookie: &str) -> anyhow::Result<(f64, String)> {
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: ocop_session={cookie}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = String::from_utf8_lossy(&response).lines().next().unwrap_or_default().to_owned();
    anyhow::ensure!(status.contains(" 200 "), "{path}: {status}");
    Ok((ms, status))
}

/// The median of `RUNS` timed requests (after one untimed warm-up).
fn median_ms(addr: &str, path: &str, cookie: &str) -> anyhow::Result<f64> {
    get(addr, path, cookie)?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        times.push(get(addr, path, cookie)?.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[RUNS / 2])
}

/// The server's peak resident memory, MB.
fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Builds the data on one backend and measures it; returns (slowest median ms, peak RSS MB).
async fn measure(pg: Option<&str>, label: &str, communes: &[(String, String)]) -> anyhow::Result<(f64, f64)> {
    println!("== {label}: building the national data set");
    let target = fresh(pg, &format!("dash_{label}")).await?;
    let set = data::generate(communes, PRODUCERS, PRODUCTS, 9);
    let options = exchange::Options::new(store::audit::Who::cli(), domain::access::Listing::All, 2026);
    let started = Instant::now();
    let r = exchange::import::import(
        &target.db,
        exchange::Kind::Producers,
        &data::producers_csv(&set)?,
        &options,
        &|_, _, _| {},
    )
    .await?;
    anyhow::ensure!(r.written, "producers: {:?}", r.errors.first());
    let r = exchange::import::import(
        &target.db,
        exchange::Kind::Products,
        &data::products_csv(&set)?,
        &options,
        &|_, _, _| {},
    )
    .await?;
    anyhow::ensure!(r.written, "products: {:?} {:?}", r.file_error, r.errors.first());
    println!(
        "  {:<44} {:>8} rows {:>7.1} s",
        "producers and products (import)",
        PRODUCERS + PRODUCTS,
        started.elapsed().as_secs_f64()
    );
    drop(set);
    build(&target.db).await?;

    // A central office account and its session, without the sign-in page.
    let tx = target.db.write().await?;
    let draft = store::users::UserDraft {
        email: domain::email::Email::parse("bench@ocop.gov.vn").map_err(|e| anyhow::anyhow!("{e:?}"))?,
        display_name: "Bench".into(),
        role: domain::role::Role::CentralOffice,
        scope: domain::role::Scope::National,
    };
    let user = store::users::create(&tx, &store::audit::Who::cli(), &draft, "not-a-hash", false).await?;
    let cookie = store::sessions::create(&tx, user.id, 3600, &store::sessions::Origin::default()).await?;
    tx.commit().await?;
    let url = match &target.cleanup {
        Some((server, name)) => format!("{}/{name}", server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b)),
        None => {
            format!("sqlite://{}/bench.db", target.dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default())
        }
    };

    let ocop = std::env::var("OCOP_BIN").unwrap_or_else(|_| "target/release/ocop".into());
    let mut server = Command::new(&ocop)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-migrate"])
        .env("OCOP_DATABASE_URL", &url)
        .env("OCOP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut lines = BufReader::new(server.stdout.take().ok_or_else(|| anyhow::anyhow!("stdout"))?).lines();
    let addr = loop {
        let line = lines.next().ok_or_else(|| anyhow::anyhow!("the server did not start"))??;
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    let result = (|| -> anyhow::Result<(f64, f64)> {
        let baseline = median_ms(&addr, "/healthz", &cookie)?;
        println!("== {label}: median of {RUNS} requests, ms (baseline /healthz {baseline:.2} ms)");
        println!("  {:<18} {:>10} {:>10}", "chart", "national", "province 01");
        let mut slowest = (String::new(), 0.0_f64);
        // Every chart of `web::figures::CHARTS` (the bench stays off the web crate to build faster).
        for chart in [
            "stars",
            "groups",
            "communes",
            "districts",
            "provinces",
            "pipeline",
            "issued",
            "registrations",
            "expiring",
            "inspections",
            "trainings",
            "support",
            "sales_points",
            "inquiries",
            "scans_daily",
            "scans_provinces",
        ] {
            let national = median_ms(&addr, &format!("/api/v1/stats/{chart}"), &cookie)?;
            let province = median_ms(&addr, &format!("/api/v1/stats/{chart}?province=01"), &cookie)?;
            println!("  {chart:<18} {national:>10.1} {province:>10.1}");
            for (ms, what) in [(national, format!("{chart} national")), (province, format!("{chart} 01"))] {
                if ms > slowest.1 {
                    slowest = (what, ms);
                }
            }
        }
        for (path, what) in [("/dashboard", "page national"), ("/dashboard?province=01", "page 01")] {
            let ms = median_ms(&addr, path, &cookie)?;
            println!("  {what:<18} {ms:>10.1}   ({:.0}× the baseline)", ms / baseline.max(0.001));
            if ms > slowest.1 {
                slowest = (what.to_owned(), ms);
            }
        }
        let rss = peak_rss_mb(server.id());
        println!(
            "  slowest: {} {:.1} ms; server peak RSS {rss:.0} MB (targets: chart < 200 ms, page < 300 ms, RSS < 200 MB)",
            slowest.0, slowest.1
        );
        Ok((slowest.1, rss))
    })();
    let _ = server.kill();
    let _ = server.wait();
    target.finish().await?;
    result
}

pub async fn main(pg: Option<&str>) -> anyhow::Result<()> {
    let scratch = fresh(None, "units").await?;
    let mut communes = Vec::new();
    for p in store::units::provinces(scratch.db.conn()).await?.into_iter().take(PROVINCES) {
        for c in store::units::communes(scratch.db.conn(), &p.code).await? {
            communes.push((p.code.clone(), c.code));
        }
    }
    scratch.finish().await?;
    println!(
        "{PROVINCES} provinces, {} communes, {PRODUCERS} producers, {PRODUCTS} products, {} scans",
        communes.len(),
        scans()
    );
    let mut results = vec![measure(None, "sqlite", &communes).await?];
    if let Some(url) = pg {
        results.push(measure(Some(url), "postgres", &communes).await?);
    }
    let slowest = results.iter().map(|r| r.0).fold(0.0, f64::max);
    let rss = results.iter().map(|r| r.1).fold(0.0, f64::max);
    println!("slowest_ms {slowest:.1} rss_mb {rss:.0}");
    Ok(())
}

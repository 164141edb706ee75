//! Configuration: each setting is a flag with an `OCOP_*` environment fallback and a default that
//! needs nothing (SQLite in `./ocop.db`, listening on 127.0.0.1:8080). Precedence: flag >
//! environment > default.

use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;
use store::DbOptions;

/// What every command needs: the database and the log.
#[derive(Clone, Args)]
pub struct Config {
    /// Database: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "OCOP_DATABASE_URL", default_value = "sqlite://ocop.db")]
    pub database_url: String,

    /// Connections in this instance's pool. On PostgreSQL keep pool × instances under the
    /// server's max_connections.
    #[arg(long, global = true, env = "OCOP_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Log filter, e.g. info or ocop=debug,tower_http=info.
    #[arg(long, global = true, env = "OCOP_LOG", default_value = "info,sqlx=warn")]
    pub log: String,

    /// Log lines as JSON (for log collectors) instead of text.
    #[arg(long, global = true, env = "OCOP_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}

/// What the server needs besides (`ocop serve`, `ocop config print`): the address it is reached
/// at, limits, sessions, labels, mail and maps.
#[derive(Clone, Args)]
pub struct Server {
    /// Address to listen on; port 0 picks a free port (the server prints the address).
    #[arg(long, env = "OCOP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Address users reach the platform at, e.g. `https://ocop.hanoi.gov.vn` (used for links and
    /// QR codes; https makes cookies Secure and sends HSTS). Required when listening on an address
    /// other than loopback; on loopback it defaults to `http://<listen address>`.
    #[arg(long, env = "OCOP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Bearer token that /metrics asks for; without one /metrics answers only on a loopback
    /// connection not forwarded by a proxy.
    #[arg(long, env = "OCOP_METRICS_TOKEN")]
    pub metrics_token: Option<String>,

    /// Public searches allowed per client address per minute (0: no limit).
    #[arg(long, env = "OCOP_RATE_SEARCHES_PER_MINUTE", default_value_t = 120)]
    pub rate_searches_per_minute: u32,

    /// Label and product page scans allowed per client address per minute (0: no limit).
    #[arg(long, env = "OCOP_RATE_SCANS_PER_MINUTE", default_value_t = 300)]
    pub rate_scans_per_minute: u32,

    /// Buyer inquiries allowed per client address per hour (0: no limit).
    #[arg(long, env = "OCOP_RATE_INQUIRIES_PER_HOUR", default_value_t = 10)]
    pub rate_inquiries_per_hour: u32,

    /// Scans of labels never issued logged for the office per client address per hour (more
    /// are answered, not logged; 0: no limit).
    #[arg(long, env = "OCOP_RATE_ATTEMPTS_PER_HOUR", default_value_t = 30)]
    pub rate_attempts_per_hour: u32,

    /// Shoppers' reports of labels to the office allowed per client address per hour (0: no limit).
    #[arg(long, env = "OCOP_RATE_REPORTS_PER_HOUR", default_value_t = 5)]
    pub rate_reports_per_hour: u32,

    /// Mark cookies Secure even without an https public URL.
    #[arg(long, env = "OCOP_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Proxies in front of the platform that append to X-Forwarded-For; the client address is
    /// read that many entries from the right (0: the connection's peer is the client).
    #[arg(long, env = "OCOP_TRUSTED_PROXIES", default_value_t = 0)]
    pub trusted_proxies: u8,

    /// The same as --trusted-proxies 1 (kept for existing deployments).
    #[arg(long, env = "OCOP_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Hours of inactivity after which a session ends.
    #[arg(long, env = "OCOP_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u64,

    /// Failed sign-ins allowed per account within the window.
    #[arg(long, env = "OCOP_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i64,

    /// Failed sign-ins allowed per client address within the window.
    #[arg(long, env = "OCOP_LOGIN_MAX_FAILURES_PER_IP", default_value_t = 50)]
    pub login_max_failures_per_ip: i64,

    /// Minutes a failed sign-in counts against the limits.
    #[arg(long, env = "OCOP_LOGIN_WINDOW_MINUTES", default_value_t = 15)]
    pub login_window_minutes: u64,

    /// Issue label orders at once instead of waiting for the office's approval.
    #[arg(long, env = "OCOP_STAMPS_AUTO_APPROVE", default_value_t = false)]
    pub stamps_auto_approve: bool,

    /// A label scanned more times than this is flagged as possibly copied.
    #[arg(long, env = "OCOP_SCAN_MAX_SCANS", default_value_t = 20)]
    pub scan_max_scans: u32,

    /// A label scanned in more distinct places (0.1° cells) than this is flagged.
    #[arg(long, env = "OCOP_SCAN_MAX_PLACES", default_value_t = 3)]
    pub scan_max_places: u32,

    /// Two located scans of one label further apart than this speed (km/h) are flagged.
    #[arg(long, env = "OCOP_SCAN_MAX_SPEED_KMH", default_value_t = 300.0)]
    pub scan_max_speed_kmh: f64,

    /// Independent client addresses a label's findings need before its page warns shoppers
    /// (the office sees every finding).
    #[arg(long, env = "OCOP_SCAN_MIN_ORIGINS", default_value_t = 3)]
    pub scan_min_origins: u32,

    /// Milliseconds between writes of the scan buffer: what a `kill -9` can lose at most.
    #[arg(long, env = "OCOP_SCAN_FLUSH_MS", default_value_t = 1_000)]
    pub scan_flush_ms: u64,

    /// A PostgreSQL streaming replica of the database for the public pages' reads (catalogue,
    /// photos, events); writes, and what a label's verdict rests on, stay on the primary.
    #[arg(long, env = "OCOP_READ_DATABASE_URL")]
    pub read_database_url: Option<String>,

    /// Months of raw scans kept before the current month (0: all). Only the evidence goes: the
    /// counts per label and per day stay. On PostgreSQL a month is a partition, dropped whole.
    #[arg(long, env = "OCOP_SCAN_RETENTION_MONTHS", default_value_t = 0)]
    pub scan_retention_months: u32,

    /// Seconds a write on another instance may take to show on label pages: how often the
    /// audit log's head is checked (a write here shows at once; 0: no cache).
    #[arg(long, env = "OCOP_PUBLIC_CACHE_SECONDS", default_value_t = 3)]
    pub public_cache_seconds: u64,

    /// Scans held in memory before they are written (beyond it, scans are dropped and counted).
    #[arg(long, env = "OCOP_SCAN_BUFFER", default_value_t = 50_000)]
    pub scan_buffer: usize,

    /// Map tiles of the sales points' map (a URL template with {z}/{x}/{y}); empty for none.
    #[arg(long, env = "OCOP_MAP_TILES", default_value = "https://tile.openstreetmap.org/{z}/{x}/{y}.png")]
    pub map_tiles: String,

    /// Mail relay for notifications, smtp://host:port (plain SMTP on the organisation's network);
    /// without one, messages stay in the platform.
    #[arg(long, env = "OCOP_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// Sender address of the platform's e-mails.
    #[arg(long, env = "OCOP_MAIL_FROM", default_value = "ocop@localhost")]
    pub mail_from: String,
}

/// `Debug` shows what `config print` shows: never a database password.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&lines(&self.lines()))
    }
}

fn lines(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

impl Config {
    pub fn db_options(&self) -> DbOptions {
        DbOptions { pool_size: self.db_pool_size, ..DbOptions::default() }
    }

    fn lines(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OCOP_DATABASE_URL", store::redact_url(&self.database_url)),
            ("OCOP_DB_POOL_SIZE", self.db_pool_size.to_string()),
            ("OCOP_LOG", self.log.clone()),
            ("OCOP_LOG_JSON", self.log_json.to_string()),
        ]
    }
}

impl Server {
    /// The public address: the configured one, or on a loopback listener the listener's own.
    /// A server reachable from other machines must be told the address its users type: links
    /// built from a request's `Host` header would be whatever a client sent.
    pub fn public_url(&self, listening: SocketAddr) -> Result<String, String> {
        match (&self.public_url, listening) {
            (Some(url), _) => {
                let url = url.trim_end_matches('/');
                let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or("");
                if host.is_empty() || host.contains(['/', '?', '#', ' ', '@']) {
                    return Err(format!(
                        "OCOP_PUBLIC_URL phải có dạng https://tên-miền, không có đường dẫn (must be https://host): {url}"
                    ));
                }
                Ok(url.to_owned())
            }
            (None, addr) if addr.ip().is_loopback() => Ok(format!("http://{addr}")),
            (None, addr) => Err(format!(
                "Máy chủ nghe trên {addr}, không phải loopback: hãy đặt OCOP_PUBLIC_URL (ví dụ https://ocop.hanoi.gov.vn). \
                 (Listening on {addr}, not loopback: set OCOP_PUBLIC_URL to the address users reach.)"
            )),
        }
    }

    pub fn web_settings(&self, listening: SocketAddr) -> Result<web::Settings, String> {
        let public_url = self.public_url(listening)?;
        let https = public_url.starts_with("https://");
        Ok(web::Settings {
            public_url,
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
            map_tiles: self.map_tiles.trim().to_owned(),
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            mail_from: self.mail_from.clone(),
            rate_limits: web::limits::RateLimits {
                searches_per_minute: self.rate_searches_per_minute,
                scans_per_minute: self.rate_scans_per_minute,
                inquiries_per_hour: self.rate_inquiries_per_hour,
                attempts_per_hour: self.rate_attempts_per_hour,
                reports_per_hour: self.rate_reports_per_hour,
            },
            secure_cookies: self.secure_cookies || https,
            trusted_proxies: if self.trust_proxy { self.trusted_proxies.max(1) } else { self.trusted_proxies },
            session_idle: Duration::from_secs(self.session_hours * 3600),
            login_max_failures_account: self.login_max_failures,
            login_max_failures_ip: self.login_max_failures_per_ip,
            login_window: Duration::from_secs(self.login_window_minutes * 60),
            stamps_auto_approve: self.stamps_auto_approve,
            public_cache_ttl: Duration::from_secs(self.public_cache_seconds),
            scans: web::trace::scanlog::ScanSettings {
                capacity: self.scan_buffer.max(1),
                rules: domain::scan_rules::Rules {
                    max_scans: self.scan_max_scans,
                    max_places: self.scan_max_places,
                    max_speed_kmh: self.scan_max_speed_kmh,
                    min_origins: self.scan_min_origins,
                },
                flush_every: Duration::from_millis(self.scan_flush_ms.max(1)),
                retention_months: self.scan_retention_months,
                ..web::trace::scanlog::ScanSettings::default()
            },
            ..web::Settings::default()
        })
    }

    /// Every effective setting, the database's and the server's, as `OCOP_NAME=value` lines,
    /// secrets redacted.
    pub fn print(&self, config: &Config) -> String {
        let https = self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        let proxies = if self.trust_proxy { self.trusted_proxies.max(1) } else { self.trusted_proxies };
        let mut all = config.lines();
        all.extend([
            ("OCOP_LISTEN", self.listen.clone()),
            ("OCOP_READ_DATABASE_URL", self.read_database_url.as_deref().map(store::redact_url).unwrap_or_default()),
            ("OCOP_PUBLIC_URL", self.public_url.clone().unwrap_or_default()),
            ("OCOP_METRICS_TOKEN", if self.metrics_token.is_some() { "(set)".into() } else { String::new() }),
            ("OCOP_RATE_SEARCHES_PER_MINUTE", self.rate_searches_per_minute.to_string()),
            ("OCOP_RATE_SCANS_PER_MINUTE", self.rate_scans_per_minute.to_string()),
            ("OCOP_RATE_INQUIRIES_PER_HOUR", self.rate_inquiries_per_hour.to_string()),
            ("OCOP_RATE_ATTEMPTS_PER_HOUR", self.rate_attempts_per_hour.to_string()),
            ("OCOP_RATE_REPORTS_PER_HOUR", self.rate_reports_per_hour.to_string()),
            ("OCOP_SECURE_COOKIES", (self.secure_cookies || https).to_string()),
            ("OCOP_TRUSTED_PROXIES", proxies.to_string()),
            ("OCOP_SESSION_HOURS", self.session_hours.to_string()),
            ("OCOP_LOGIN_MAX_FAILURES", self.login_max_failures.to_string()),
            ("OCOP_LOGIN_MAX_FAILURES_PER_IP", self.login_max_failures_per_ip.to_string()),
            ("OCOP_LOGIN_WINDOW_MINUTES", self.login_window_minutes.to_string()),
            ("OCOP_STAMPS_AUTO_APPROVE", self.stamps_auto_approve.to_string()),
            ("OCOP_SCAN_MAX_SCANS", self.scan_max_scans.to_string()),
            ("OCOP_SCAN_MAX_PLACES", self.scan_max_places.to_string()),
            ("OCOP_SCAN_MAX_SPEED_KMH", self.scan_max_speed_kmh.to_string()),
            ("OCOP_SCAN_MIN_ORIGINS", self.scan_min_origins.to_string()),
            ("OCOP_SCAN_FLUSH_MS", self.scan_flush_ms.to_string()),
            ("OCOP_SCAN_BUFFER", self.scan_buffer.to_string()),
            ("OCOP_SCAN_RETENTION_MONTHS", self.scan_retention_months.to_string()),
            ("OCOP_PUBLIC_CACHE_SECONDS", self.public_cache_seconds.to_string()),
            ("OCOP_MAP_TILES", self.map_tiles.clone()),
            ("OCOP_SMTP_URL", self.smtp_url.as_deref().map(store::redact_url).unwrap_or_default()),
            ("OCOP_MAIL_FROM", self.mail_from.clone()),
        ]);
        lines(&all)
    }
}

//! `ocop`: the platform's server and command line.

mod backup;
mod config;
mod criteria_cli;
mod exchange_cli;
mod report_cli;
mod serve;
mod users;

use clap::{Parser, Subcommand};
use config::Config;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "ocop", version, about = "Nền tảng quản lý Chương trình OCOP (One Commune One Product)")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (applies pending migrations first unless --no-migrate).
    Serve {
        /// Refuse to start when migrations are pending instead of applying them (for
        /// deployments that run `ocop migrate` as a release step).
        #[arg(long, env = "OCOP_NO_MIGRATE")]
        no_migrate: bool,
        /// Load the synthetic Hà Nội demo data set first if the database has no producers yet.
        #[arg(long, env = "OCOP_DEMO")]
        demo: bool,
        #[command(flatten)]
        server: config::Server,
    },
    /// Load (or reload) the synthetic, clearly labelled Hà Nội demo data set.
    Demo {
        /// Seed of the generator; the same seed gives the same data.
        #[arg(long, default_value_t = 2021)]
        seed: u64,
    },
    /// Apply pending schema migrations and load the reference data, then exit.
    Migrate,
    /// Show the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: users::UserAction,
    },
    /// Import producers or products from a .xlsx or .csv file.
    Import {
        /// `producers` or `products`.
        kind: String,
        file: std::path::PathBuf,
        /// If some rows are bad, import the good ones (by default nothing is imported; the
        /// command still exits non-zero when a row was skipped).
        #[arg(long)]
        good_rows: bool,
        /// The year generated product codes carry (default: this year).
        #[arg(long)]
        year: Option<u16>,
        /// Check and show what would change, row by row and field by field; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Link product rows to a producer found only by its name in a commune.
        #[arg(long)]
        confirm_name_links: bool,
        /// Map a header of the file to a column: `--column "Tên HTX=name"`; `=-` ignores it.
        /// Headers not named are mapped by their Vietnamese or English name.
        #[arg(long = "column", value_name = "HEADER=KEY")]
        columns: Vec<String>,
    },
    /// Export producers or products, or an empty template, as .xlsx or .csv.
    Export {
        /// `producers` or `products`.
        kind: String,
        /// Where to write; the extension (.xlsx or .csv) decides the format.
        #[arg(long, short)]
        output: std::path::PathBuf,
        /// Write an empty template with the import's columns instead.
        #[arg(long)]
        template: bool,
    },
    /// The criteria sets and offline scoring (self-assessment).
    Criteria {
        #[command(subcommand)]
        action: criteria_cli::CriteriaAction,
    },
    /// Print the Digital Link paths of issued labels, one per line (to print labels elsewhere,
    /// or to drive a load test).
    Labels {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// First issue this many more labels, spread over the products and lots that already
        /// have labels, each order approved as the office would (a load test's data).
        #[arg(long, default_value_t = 0)]
        issue: i64,
    },
    /// The programme report ("Báo cáo kết quả thực hiện Chương trình OCOP") for a province (or
    /// the whole country) and a period, as .pdf or .xlsx.
    Report {
        /// Province code, e.g. 01; the whole country when omitted.
        #[arg(long)]
        province: Option<String>,
        /// First day of the period (yyyy-mm-dd or dd/mm/yyyy).
        #[arg(long)]
        from: Option<String>,
        /// Last day of the period.
        #[arg(long)]
        to: Option<String>,
        /// The day products in force are counted on (default: the period's last day).
        #[arg(long)]
        as_of: Option<String>,
        /// A product group (I–VI).
        #[arg(long)]
        group: Option<String>,
        /// `pdf` or `xlsx`.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// Where to write the report.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Plan targets: import a target set, list the sets.
    Targets {
        #[command(subcommand)]
        action: report_cli::TargetsAction,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Back the database up: SQLite as a consistent copy while serving, PostgreSQL with pg_dump.
    Backup {
        /// The file to write (it must not exist).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore a backup into the configured database (stop the servers first); checks the schema
    /// version and the audit chain after.
    Restore {
        file: std::path::PathBuf,
        /// Replace a database that already holds a deployment.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print every effective setting (secrets redacted).
    Print {
        #[command(flatten)]
        server: config::Server,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Walk the hash chain and report the first entry edited or deleted outside the application.
    Verify,
}

async fn labels(config: &Config, limit: i64, issue: i64) -> anyhow::Result<()> {
    use std::io::Write;
    let db = serve::open(config).await?;
    store::migrate::check(&db).await?;
    if issue > 0 {
        let lots = store::trace::stamps::labelled_lots_with_gtin(db.conn()).await?;
        let Some(share) = i64::try_from(lots.len()).ok().filter(|n| *n > 0).map(|n| (issue + n - 1) / n) else {
            return Err(UsageError("chưa có tem nào để cấp thêm (no labels to issue more of)".into()).into());
        };
        let who = store::audit::Who::system();
        let tx = db.write().await?;
        let mut left = issue;
        for (product, lot) in lots {
            let n = share.min(left);
            if n == 0 {
                break;
            }
            let order = store::trace::stamps::request(&tx, &who, product, lot, n, false).await?;
            store::trace::stamps::decide(&tx, &who, order.id, true, "").await?;
            left -= n;
        }
        tx.commit().await?;
    }
    let mut out = std::io::stdout().lock();
    for (gtin, lot, serial) in store::trace::stamps::issued_with_gtin(db.conn(), limit).await? {
        writeln!(out, "{}", domain::digital_link::label_path(Some(&gtin), "", lot.as_deref(), Some(&serial)))?;
    }
    Ok(())
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_json { builder.json().init() } else { builder.init() }
}

/// A failure the user can fix, reported without a stack of causes; exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.config);
    let result = match cli.command {
        Command::Criteria { action } => criteria_cli::run(action),
        Command::Serve { no_migrate, demo, server } => serve::run(&cli.config, &server, no_migrate, demo).await,
        Command::Demo { seed } => serve::demo(&cli.config, seed).await,
        Command::Migrate => serve::migrate(&cli.config).await,
        Command::Config { action: ConfigAction::Print { server } } => {
            print!("{}", server.print(&cli.config));
            Ok(())
        }
        Command::User { action } => users::run(&cli.config, action).await,
        Command::Audit { action: AuditAction::Verify } => audit_verify(&cli.config).await,
        Command::Backup { out } => backup::backup(&cli.config, &out).await,
        Command::Restore { file, force } => backup::restore(&cli.config, &file, force).await,
        Command::Labels { limit, issue } => labels(&cli.config, limit, issue).await,
        Command::Import { kind, file, good_rows, year, dry_run, confirm_name_links, columns } => {
            let how = exchange_cli::ImportArgs { good_rows, year, dry_run, confirm_name_links, columns };
            exchange_cli::import(&cli.config, &kind, &file, how).await
        }
        Command::Export { kind, output, template } => exchange_cli::export(&cli.config, &kind, &output, template).await,
        Command::Report { province, from, to, as_of, group, format, out } => {
            let args = report_cli::ReportArgs { province, group, from, to, as_of, format, out };
            report_cli::report(&cli.config, args).await
        }
        Command::Targets { action } => report_cli::targets(&cli.config, action).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<UsageError>() {
            Some(usage) => {
                eprintln!("{usage}");
                ExitCode::from(2)
            }
            None => {
                eprintln!("lỗi (error): {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn audit_verify(config: &Config) -> anyhow::Result<()> {
    let db = serve::open(config).await?;
    let v = store::audit::verify(db.conn()).await?;
    match v.broken {
        None => {
            println!("Chuỗi băm toàn vẹn: {} mục (hash chain intact: {} entries).", v.entries, v.entries);
            Ok(())
        }
        Some(b) => {
            let detail = match b {
                domain::audit::Break::HashMismatch { seq } => {
                    format!("mục {seq}: nội dung đã bị sửa (entry {seq}: contents edited)")
                }
                domain::audit::Break::WrongPrevious { seq } => format!(
                    "mục {seq}: không trỏ đúng mục trước — có mục bị chèn hoặc sửa lại băm \
                     (entry {seq} does not link to the previous one)"
                ),
                domain::audit::Break::Gap { expected, found } => format!(
                    "thiếu mục {expected}, gặp mục {found}: có mục đã bị xóa (entry {expected} missing, found {found})"
                ),
            };
            Err(anyhow::anyhow!("chuỗi băm bị phá vỡ sau {} mục hợp lệ — {detail}", v.entries))
        }
    }
}

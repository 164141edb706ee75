//! `ocop serve` and `ocop migrate`.

use crate::config::Config;
use anyhow::Context;
use domain::email::Email;
use domain::password;
use domain::role::{Role, Scope};
use store::audit::Who;
use store::users::{self, UserDraft};
use store::{Db, migrate, units};
use tokio_util::sync::CancellationToken;

pub async fn open(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::connect(&config.database_url, &config.db_options()).await?)
}

async fn apply_migrations(db: &Db) -> anyhow::Result<()> {
    let applied = migrate::run(db).await?;
    for (version, name) in &applied {
        tracing::info!(version, name, "migration applied");
    }
    let ensured = store::reference::ensure(db).await?;
    if ensured.units_loaded {
        let c = units::counts(db.conn()).await?;
        tracing::info!(provinces = c.provinces, communes = c.communes, "administrative units loaded");
    }
    if ensured.sort_keys_rebuilt > 0 {
        tracing::info!(rows = ensured.sort_keys_rebuilt, "Vietnamese sort keys rebuilt");
    }
    Ok(())
}

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = open(config).await?;
    apply_migrations(&db).await?;
    let status = migrate::status(&db).await?;
    println!(
        "{}: lược đồ ở phiên bản {} (schema at version {}).",
        db.backend().name(),
        status.applied.last().copied().unwrap_or(0),
        status.applied.last().copied().unwrap_or(0)
    );
    Ok(())
}

/// On an empty database, creates `admin@localhost` with a random password, printed once.
async fn bootstrap_admin(db: &Db) -> anyhow::Result<()> {
    if users::count_all(db.conn()).await? > 0 {
        return Ok(());
    }
    let pw = password::generate(rand::random::<u32>);
    let shown = pw.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await??;
    let draft = UserDraft {
        email: Email::parse("admin@localhost").map_err(|e| anyhow::anyhow!("{e}"))?,
        display_name: "Quản trị hệ thống".into(),
        role: Role::Admin,
        scope: Scope::National,
    };
    let tx = db.write().await?;
    users::create(&tx, &Who::system(), &draft, &hash, true).await?;
    tx.commit().await?;
    println!();
    println!("  Đã tạo tài khoản quản trị đầu tiên (first administrator account created):");
    println!("    email:     admin@localhost");
    println!("    mật khẩu:  {shown}");
    println!("  Mật khẩu chỉ hiện một lần; hệ thống sẽ yêu cầu đổi khi đăng nhập.");
    println!("  (The password is shown only once; you will be asked to change it.)");
    println!();
    Ok(())
}

async fn shutdown_signal(stop: CancellationToken) {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
    stop.cancel();
}

async fn load_demo(db: &Db, seed: u64) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let s = store::demo::load(db, seed).await?;
    println!(
        "Dữ liệu mẫu Hà Nội (synthetic demo data, seed {seed}): {} chủ thể, {} sản phẩm, {} giấy chứng nhận trong {:.1} s.",
        s.producers,
        s.products,
        s.certificates,
        started.elapsed().as_secs_f64()
    );
    // Counted from the records just written, as the dashboard counts them.
    let end_2021 =
        store::stats::stars(db.conn(), &store::stats::Scope::province(Some("01")), time::macros::date!(2021 - 12 - 31))
            .await?;
    println!(
        "  Còn hiệu lực ngày 31/12/2021: {} sản phẩm (5★: {}, tiềm năng 5★: {}, 4★: {}, 3★: {}); đến giữa 2025: {} sản phẩm; {} bị thu hồi; {} chưa đánh giá.",
        end_2021.total(),
        end_2021.five,
        end_2021.potential_five,
        end_2021.four,
        end_2021.three,
        s.certified_by_mid_2025,
        s.revoked,
        s.not_yet_rated
    );
    println!("  Đợt đánh giá mẫu: {} hồ sơ đăng ký (đợt 2/2026: kế hoạch 400, đã nhận 488).", s.registrations);
    println!("  Truy xuất mẫu: {} tem chống giả trên 48 lô hàng (một lô bị thu hồi, một tem bị cảnh báo).", s.labels);
    println!(
        "  Đầu ra mẫu: {} kênh bán hàng, {} điểm giới thiệu và bán sản phẩm, {} hội chợ và sự kiện, {} yêu cầu hỏi mua.",
        s.channels, s.sales_points, s.events, s.inquiries
    );
    println!(
        "  Giám sát mẫu: kế hoạch kiểm tra {} chủ thể, đã kiểm tra {} ({} sản phẩm), {} tồn tại; {} lớp tập huấn, {} học viên; {} lượt hỗ trợ.",
        s.planned_inspections,
        s.inspected,
        s.products_inspected,
        s.findings,
        s.training_classes,
        s.trainees,
        s.support_records
    );
    Ok(())
}

pub async fn demo(config: &Config, seed: u64) -> anyhow::Result<()> {
    let db = open(config).await?;
    migrate::check(&db).await?;
    load_demo(&db, seed).await
}

pub async fn run(config: &Config, server: &crate::config::Server, no_migrate: bool, demo: bool) -> anyhow::Result<()> {
    // The address and the settings first: a server that would build its links from clients'
    // Host headers does not start, and touches no database.
    let listener = tokio::net::TcpListener::bind(&server.listen)
        .await
        .with_context(|| format!("không mở được cổng {} (cannot listen)", server.listen))?;
    let addr = listener.local_addr()?;
    let settings = server.web_settings(addr).map_err(|why| anyhow::anyhow!(why))?;
    // The compiled-in rules and data load now, or the server does not start.
    store::criteria::current().map_err(|e| anyhow::anyhow!("bộ tiêu chí nhúng bị lỗi (embedded criteria set): {e}"))?;
    store::evaluation::calendar()
        .map_err(|e| anyhow::anyhow!("lịch ngày làm việc nhúng bị lỗi (embedded calendar): {e}"))?;
    let rules = domain::rules::current();
    tracing::info!(rules = %rules.version, "evaluation rules loaded");

    let db = open(config).await?;
    if no_migrate {
        migrate::check(&db).await?;
    } else {
        apply_migrations(&db).await?;
    }
    bootstrap_admin(&db).await?;
    if demo && store::demo::loaded(db.conn()).await? == 0 {
        load_demo(&db, 2021).await?;
    }
    let db = match server.read_database_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => db.with_replica(url.trim(), &config.db_options()).await?,
        None => db,
    };

    let state = web::AppState::new(db.clone(), settings);
    let stop = CancellationToken::new();
    let jobs = tokio::spawn(web::jobs::housekeeping(state.clone(), stop.clone()));
    let reminders = tokio::spawn(web::jobs::reminders(state.clone(), stop.clone()));
    let mail = tokio::spawn(web::jobs::mail(state.clone(), stop.clone()));

    println!("OCOP đang chạy tại http://{addr} ({}) — serving at http://{addr}", db.server_version().await?);
    web::serve(listener, state, shutdown_signal(stop.clone())).await?;
    stop.cancel();
    jobs.await?;
    reminders.await?;
    mail.await?;
    db.close().await?;
    Ok(())
}

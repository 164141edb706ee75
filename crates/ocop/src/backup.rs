//! `ocop backup` and `ocop restore`. SQLite: a consistent copy taken while the server runs
//! (`VACUUM INTO`), restored by putting the file in place. PostgreSQL: `pg_dump` in its custom
//! format and `pg_restore` — PostgreSQL's own tools round-trip every type, sequence and identity
//! exactly, stream large databases, and are what a database administrator already trusts.
//! A restore refuses a database that holds a deployment unless told, checks the schema version
//! (applying migrations a backup of an older version lacks) and verifies the audit chain after.

use crate::UsageError;
use crate::config::Config;
use crate::serve::open;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use store::Backend;

fn backend(config: &Config) -> anyhow::Result<Backend> {
    Ok(Backend::from_url(&config.database_url)?)
}

/// Runs one of PostgreSQL's tools; its own message on failure.
fn run_tool(tool: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(tool).args(args).output().map_err(|e| {
        UsageError(format!(
            "không chạy được {tool} (cannot run {tool}): {e}. Cài postgresql-client cùng phiên bản với máy chủ \
             (install the PostgreSQL client tools of the server's version)."
        ))
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("{tool}: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn size(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

pub async fn backup(config: &Config, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        return Err(UsageError(format!("{} đã có; hãy chọn tên khác (already exists)", out.display())).into());
    }
    let started = Instant::now();
    let db = open(config).await?;
    store::migrate::check(&db).await?;
    match backend(config)? {
        Backend::Sqlite => store::backup::sqlite_snapshot(&db, out).await?,
        Backend::Postgres => {
            let file = out.to_string_lossy();
            run_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    &file,
                    "--dbname",
                    &config.database_url,
                ],
            )?;
        }
    }
    println!("Đã sao lưu vào {} ({}) trong {:.1} s.", out.display(), size(out), started.elapsed().as_secs_f64());
    Ok(())
}

pub async fn restore(config: &Config, file: &Path, force: bool) -> anyhow::Result<()> {
    if !file.is_file() {
        return Err(UsageError(format!("không có tệp {} (no such file)", file.display())).into());
    }
    let started = Instant::now();
    let backend = backend(config)?;
    {
        let db = open(config).await?;
        if store::backup::holds_deployment(&db).await? && !force {
            return Err(UsageError(
                "Cơ sở dữ liệu đích đã có dữ liệu; thêm --force để ghi đè (the target database holds a deployment: \
                 add --force to replace it)"
                    .into(),
            )
            .into());
        }
        db.conn().clone().close().await?;
    }
    match backend {
        Backend::Sqlite => {
            let mut head = [0u8; 16];
            use std::io::Read;
            std::fs::File::open(file)?.read_exact(&mut head).ok();
            if &head != b"SQLite format 3\0" {
                return Err(UsageError(format!(
                    "{} không phải bản sao lưu SQLite (not a SQLite backup)",
                    file.display()
                ))
                .into());
            }
            // A backup of a newer version is refused before anything is replaced.
            let versions = store::backup::sqlite_backup_versions(file).await.map_err(|e| {
                UsageError(format!("{} không đọc được như bản sao lưu (unreadable backup): {e}", file.display()))
            })?;
            let known = store::migrate::embedded(Backend::Sqlite);
            if let Some(newer) = versions.iter().find(|v| !known.iter().any(|m| m.version == **v)) {
                return Err(store::migrate::MigrateError::UnknownVersion(*newer).into());
            }
            let target = store::backup::sqlite_path(&config.database_url)?;
            let staging = target.with_extension("restoring");
            std::fs::copy(file, &staging)?;
            for stale in ["-wal", "-shm"] {
                let mut side = target.clone().into_os_string();
                side.push(stale);
                let _ = std::fs::remove_file(side);
            }
            std::fs::rename(&staging, &target)?;
        }
        Backend::Postgres => {
            let file = file.to_string_lossy();
            let mut args = vec!["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"];
            if force {
                args.extend(["--clean", "--if-exists"]);
            }
            args.extend(["--dbname", &config.database_url, &file]);
            run_tool("pg_restore", &args)?;
        }
    }
    let db = open(config).await?;
    // A backup of a newer version is refused here; one of an older version is brought up to date.
    for (version, name) in store::migrate::run(&db).await? {
        println!("Đã áp dụng bước lược đồ {version} ({name}) mà bản sao lưu chưa có.");
    }
    let chain = store::audit::verify(db.conn()).await?;
    if let Some(broken) = chain.broken {
        return Err(anyhow::anyhow!("chuỗi băm nhật ký bị phá vỡ sau khi khôi phục (audit chain broken): {broken:?}"));
    }
    println!(
        "Đã khôi phục từ {} trong {:.1} s; nhật ký toàn vẹn: {} mục (restored; audit chain intact: {} entries).",
        file.display(),
        started.elapsed().as_secs_f64(),
        chain.entries,
        chain.entries
    );
    Ok(())
}

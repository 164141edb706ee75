//! `ocop report` (the programme report as .xlsx or .pdf, the same as the dashboard's downloads)
//! and `ocop targets` (import an office's target set, list the sets).

use crate::UsageError;
use crate::config::Config;
use crate::serve;
use clap::Subcommand;
use std::path::Path;
use store::audit::Who;
use web::figures::Query;
use web::i18n::Locale;

#[derive(Subcommand)]
pub enum TargetsAction {
    /// Import (or replace) a target set from a JSON file (see data/targets/ for the format).
    Import { file: std::path::PathBuf },
    /// List the target sets: those shipped with the platform and those imported.
    List,
}

/// The report's options, as the command line gives them.
pub struct ReportArgs {
    pub province: Option<String>,
    pub group: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
    pub format: String,
    pub out: std::path::PathBuf,
}

fn usage_of(fields: &domain::FieldErrors) -> UsageError {
    let t = Locale::Vi.tr();
    let lines: Vec<String> =
        fields.iter().map(|(field, why)| format!("--{}: {}", field.replace('_', "-"), t.invalid(why))).collect();
    UsageError(lines.join("\n"))
}

pub async fn report(config: &Config, a: ReportArgs) -> anyhow::Result<()> {
    let format = a.format.trim().to_ascii_lowercase();
    if format != "pdf" && format != "xlsx" {
        return Err(
            UsageError(format!("--format: «{}» không phải pdf hoặc xlsx (must be pdf or xlsx).", a.format)).into()
        );
    }
    let q = Query {
        province: a.province.unwrap_or_default(),
        group: a.group.unwrap_or_default(),
        from: a.from.unwrap_or_default(),
        to: a.to.unwrap_or_default(),
        as_of: a.as_of.unwrap_or_default(),
    };
    let params = q.params(store::evaluation::today()).map_err(|e| usage_of(&e))?;
    let db = serve::open(config).await?;
    store::migrate::check(&db).await?;
    if let Some(p) = &params.province
        && store::units::province(db.conn(), p).await?.is_none()
    {
        return Err(UsageError(format!("--province: không có tỉnh, thành phố mã {p} (no such province).")).into());
    }
    let t = Locale::Vi.tr();
    let data = web::report::report_data(&db, t, params).await?;
    let bytes = if format == "pdf" {
        documents::report_pdf(&web::report::report_document(&data, t))
    } else {
        exchange::report::workbook(&web::report::report_sheets(&data, t))?
    };
    write(&a.out, &bytes)?;
    let s = &data.figures.stars;
    println!(
        "{}: {} sản phẩm còn hiệu lực ngày {} (5★: {}, tiềm năng 5★: {}, 4★: {}, 3★: {}).",
        data.place,
        s.total(),
        domain::fmt_date(data.figures.params.as_of),
        s.five,
        s.potential_five,
        s.four,
        s.three
    );
    println!("Đã ghi báo cáo (report written): {} ({} byte)", a.out.display(), bytes.len());
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| UsageError(format!("không ghi được {} (cannot write): {e}", path.display())).into())
}

pub async fn targets(config: &Config, action: TargetsAction) -> anyhow::Result<()> {
    let db = serve::open(config).await?;
    store::migrate::check(&db).await?;
    match action {
        TargetsAction::Import { file } => {
            let raw = std::fs::read(&file)
                .map_err(|e| UsageError(format!("không đọc được {} (cannot read): {e}", file.display())))?;
            let text = String::from_utf8(raw).map_err(|_| UsageError("tệp không phải UTF-8 (not UTF-8).".into()))?;
            let set = domain::stats::TargetSet::parse(&text).map_err(|e| UsageError(Locale::Vi.tr().invalid(&e)))?;
            if let Some(p) = set.province()
                && store::units::province(db.conn(), p.as_str()).await?.is_none()
            {
                return Err(UsageError(format!("scope: không có tỉnh, thành phố mã {p} (no such province).")).into());
            }
            let tx = db.write().await?;
            let new = store::stats::import_targets(&tx, &Who::cli(), &set).await?;
            tx.commit().await?;
            println!(
                "{} bộ mục tiêu {} ({} mục tiêu, {} – {}).",
                if new { "Đã nhập" } else { "Đã thay" },
                set.version,
                set.targets.len(),
                domain::fmt_date(set.from),
                domain::fmt_date(set.to)
            );
        }
        TargetsAction::List => {
            for set in store::stats::target_sets(db.conn()).await? {
                println!(
                    "{}\t{}\t{} – {}\t{} mục tiêu\t{}",
                    set.version,
                    set.scope,
                    domain::fmt_date(set.from),
                    domain::fmt_date(set.to),
                    set.targets.len(),
                    set.name
                );
            }
        }
    }
    Ok(())
}

//! `ocop import` and `ocop export`: the registry's spreadsheets from the server's command line.

use crate::UsageError;
use crate::config::Config;
use crate::serve::open;
use domain::access::Listing;
use exchange::{Format, Kind, export};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Instant;
use store::audit::Who;

fn kind(s: &str) -> anyhow::Result<Kind> {
    Kind::parse(s).ok_or_else(|| {
        UsageError(format!("«{s}»: hãy chọn producers hoặc products (choose producers or products)")).into()
    })
}

fn this_year() -> u16 {
    u16::try_from(time::OffsetDateTime::now_utc().year()).unwrap_or(2026)
}

/// How `ocop import` runs.
pub struct ImportArgs {
    pub good_rows: bool,
    pub year: Option<u16>,
    pub dry_run: bool,
    pub confirm_name_links: bool,
    /// `HEADER=KEY` (or `HEADER=-`).
    pub columns: Vec<String>,
}

/// `--column` arguments as a mapping of folded headers to column keys.
fn mapping(kind: Kind, columns: &[String]) -> anyhow::Result<exchange::sheet::Mapping> {
    let mut mapping = exchange::sheet::Mapping::default();
    for arg in columns {
        let Some((header, key)) = arg.rsplit_once('=') else {
            return Err(UsageError(format!("«{arg}»: hãy viết TIÊU ĐỀ=khoá (write HEADER=KEY)")).into());
        };
        let key = key.trim();
        let column = if key == "-" {
            None
        } else {
            let known: Vec<&str> = kind.columns().iter().map(|c| c.key).collect();
            Some(kind.columns().iter().find(|c| c.key == key).map(|c| c.key).ok_or_else(|| {
                UsageError(format!("«{key}»: không phải cột (not a column); các cột: {}", known.join(", ")))
            })?)
        };
        mapping.headers.insert(domain::text::fold(header), column);
    }
    Ok(mapping)
}

pub async fn import(config: &Config, kind_name: &str, file: &Path, how: ImportArgs) -> anyhow::Result<()> {
    let kind = kind(kind_name)?;
    let mapping = mapping(kind, &how.columns)?;
    let bytes =
        std::fs::read(file).map_err(|e| UsageError(format!("không đọc được {} (cannot read): {e}", file.display())))?;
    let db = open(config).await?;
    store::migrate::check(&db).await?;
    let options = exchange::Options {
        import_good_rows: how.good_rows,
        confirm_name_links: how.confirm_name_links,
        dry_run: how.dry_run,
        ..exchange::Options::new(Who::cli(), Listing::All, how.year.unwrap_or_else(this_year))
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let started = Instant::now();
    let progress = |stage: &'static str, done: usize, of: usize| {
        let what = match stage {
            "read" => "đã đọc (read)",
            "checked" => "đã kiểm tra (checked)",
            "writing" => "đang ghi (writing)",
            _ => "đã ghi (written)",
        };
        bar.set_message(format!("{what}: {done}/{of}"));
    };
    let read = exchange::sheet::read_mapped(&bytes, kind.columns(), &mapping);
    let report = exchange::import::import_read(&db, kind, read, &options, &progress).await?;
    bar.finish_and_clear();
    let t = web::i18n::Locale::Vi.tr();
    if let Some(e) = &report.file_error {
        return Err(UsageError(t.invalid(&e.invalid())).into());
    }
    if !report.ignored_columns.is_empty() {
        eprintln!("{}", t.arg("import-ignored-columns", "columns", &report.ignored_columns.join(", ")));
    }
    for e in &report.errors {
        eprintln!("dòng {} · {}: {}", e.row, e.column, t.invalid(&e.why));
    }
    if how.dry_run {
        for c in report.changes.iter().filter(|c| c.action != "unchanged") {
            let mut line = format!("dòng {} · {}", c.row, t.get(c.action_key()));
            if !c.record.is_empty() {
                line.push_str(&format!(" {}", c.record));
            }
            let fields: Vec<String> =
                c.fields.iter().map(|(col, before, after)| format!("{col}: «{before}» → «{after}»")).collect();
            if !fields.is_empty() {
                line.push_str(&format!(" {}", fields.join("; ")));
            }
            println!("{line}");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} dòng (rows): {} thêm mới, {} cập nhật, {} không đổi, {} giấy chứng nhận, {} dòng lỗi — {:.1} s",
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        report.certificates,
        report.bad_rows(),
        seconds
    );
    if how.dry_run {
        println!("Xem trước: chưa ghi gì (dry run: nothing written).");
    }
    match (report.written, report.bad_rows()) {
        (true, 0) => Ok(()),
        (true, skipped) => Err(UsageError(format!(
            "Đã nhập các dòng đúng; {skipped} dòng lỗi bị bỏ qua (the good rows were imported; {skipped} bad rows were skipped)."
        ))
        .into()),
        (false, 0) if how.dry_run => Ok(()),
        _ => Err(UsageError(
            "Tệp có lỗi nên chưa nhập gì; sửa các dòng trên hoặc dùng --good-rows để nhập các dòng đúng. \
             (Nothing imported: fix the rows above, or use --good-rows.)"
                .into(),
        )
        .into()),
    }
}

pub async fn export(config: &Config, kind_name: &str, output: &Path, template: bool) -> anyhow::Result<()> {
    let kind = kind(kind_name)?;
    let format = match output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("xlsx") => Format::Xlsx,
        Some("csv") => Format::Csv,
        _ => {
            return Err(
                UsageError("tệp xuất phải là .xlsx hoặc .csv (the output must end in .xlsx or .csv)".into()).into()
            );
        }
    };
    let bytes = if template {
        export::template(kind, format)?
    } else {
        let db = open(config).await?;
        store::migrate::check(&db).await?;
        let today = time::OffsetDateTime::now_utc().date();
        match kind {
            Kind::Producers => export::producers(&db, &Listing::All, format).await?,
            Kind::Products => export::products(&db, &Listing::All, &Default::default(), today, format).await?,
        }
    };
    std::fs::write(output, &bytes)?;
    println!("Đã ghi {} ({} byte).", output.display(), bytes.len());
    Ok(())
}

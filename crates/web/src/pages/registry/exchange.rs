//! Nhập và xuất: the office uploads its spreadsheets, reads the report, and downloads templates
//! and exports.

use super::products::{ListQuery, today};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::page::{PageCtx, render, render_status};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::Invalid;
use domain::access::Action;
use exchange::{Format, Kind, Report, export};

/// The largest upload accepted (about 200,000 rows of a typical workbook).
pub const MAX_UPLOAD: usize = 32 * 1024 * 1024;

struct ErrorLine {
    row: usize,
    column: String,
    message: String,
}

/// One row of the preview: what it does to which record, field by field.
struct ChangeLine {
    row: usize,
    action: String,
    record: String,
    fields: Vec<(String, String, String)>,
}

/// The preview shows this many rows that change something.
const PREVIEW_ROWS: usize = 200;

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    ctx: PageCtx,
    kind: String,
    report: Option<Report>,
    file_error: Option<String>,
    errors: Vec<ErrorLine>,
    changes: Vec<ChangeLine>,
    preview: bool,
}

impl ImportPage {
    fn summary(&self, r: &Report) -> String {
        self.ctx.t.args(
            "import-summary",
            &[
                ("rows", &r.rows.to_string()),
                ("created", &r.created.to_string()),
                ("updated", &r.updated.to_string()),
                ("unchanged", &r.unchanged.to_string()),
                ("certificates", &r.certificates.to_string()),
                ("bad", &r.bad_rows().to_string()),
            ],
        )
    }
}

pub async fn page(caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    caller.listing(Action::ManageRegistry)?;
    Ok(render(&ImportPage {
        ctx,
        kind: "producers".into(),
        report: None,
        file_error: None,
        errors: Vec::new(),
        changes: Vec::new(),
        preview: false,
    }))
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    mut form: Multipart,
) -> AppResult<Response> {
    let scope = caller.listing(Action::ManageRegistry)?;
    let me = caller.signed_in()?.clone();
    let bad = |key: &'static str| AppError::BadRequest(Invalid::new(key));
    let (mut kind, mut file, mut good_rows, mut confirm, mut preview) = (None, None, false, false, false);
    while let Some(field) = form.next_field().await.map_err(|_| bad("import-upload-failed"))? {
        match field.name() {
            Some("kind") => kind = Kind::parse(&field.text().await.map_err(|_| bad("import-upload-failed"))?),
            Some("good_rows") => good_rows = true,
            Some("confirm_name_links") => confirm = true,
            Some("preview") => preview = true,
            Some("file") => file = Some(field.bytes().await.map_err(|_| bad("import-upload-failed"))?),
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| bad("import-kind"))?;
    let kind_name = kind.as_str().to_owned();
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let page = ImportPage {
            file_error: Some(ctx.t.get("import-no-file")),
            ctx,
            kind: kind_name,
            report: None,
            errors: Vec::new(),
            changes: Vec::new(),
            preview,
        };
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let options = exchange::Options {
        import_good_rows: good_rows,
        confirm_name_links: confirm,
        dry_run: preview,
        ..exchange::Options::new(me.who(), scope, u16::try_from(today().year()).unwrap_or(2026))
    };
    // A spreadsheet is read alone: its shared strings and rows are the largest thing in memory.
    let read = state.heavy().run(u64::MAX, move || exchange::sheet::read(&bytes, kind.columns())).await?;
    let report = exchange::import::import_read(state.db(), kind, read, &options, &|_, _, _| {}).await?;
    let t = ctx.t;
    let errors = report
        .errors
        .iter()
        .map(|e| ErrorLine { row: e.row, column: e.column.clone(), message: t.invalid(&e.why) })
        .collect();
    let changes = report
        .changes
        .iter()
        .filter(|c| c.action != "unchanged")
        .take(PREVIEW_ROWS)
        .map(|c| ChangeLine {
            row: c.row,
            action: t.get(&format!("import-action-{}", c.action)),
            record: c.record.clone(),
            fields: c.fields.clone(),
        })
        .collect();
    let status = if report.written || (preview && report.errors.is_empty() && report.file_error.is_none()) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ImportPage {
        changes,
        preview,
        file_error: report.file_error.as_ref().map(|e| t.invalid(&e.invalid())),
        report: Some(report),
        errors,
        kind: kind_name,
        ctx,
    };
    Ok(render_status(status, &page))
}

/// `producers.xlsx` → (Producers, Xlsx).
fn file_name(name: &str) -> AppResult<(Kind, Format)> {
    let (stem, ext) = name.rsplit_once('.').ok_or(AppError::NotFound)?;
    let kind = Kind::parse(stem).ok_or(AppError::NotFound)?;
    let format = match ext {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => return Err(AppError::NotFound),
    };
    Ok((kind, format))
}

fn download(bytes: Vec<u8>, format: Format, name: &str) -> Response {
    crate::page::download(name, format.content_type(), bytes)
}

pub async fn template(caller: Caller, Path(name): Path<String>) -> AppResult<Response> {
    caller.listing(Action::ManageRegistry)?;
    let (kind, format) = file_name(&name)?;
    let bytes = export::template(kind, format).map_err(AppError::internal)?;
    Ok(download(bytes, format, &format!("mau-{}.{}", kind.as_str(), format.extension())))
}

/// Everything in the caller's scope (products: with the list's filters).
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ReadRecords)?;
    let (kind, format) = file_name(&name)?;
    let bytes = match kind {
        Kind::Producers => export::producers(state.db(), &listing, format).await,
        Kind::Products => {
            let set = store::criteria::current().map_err(AppError::internal)?;
            export::products(state.db(), &listing, &q.filter(set, false), today(), format).await
        }
    };
    let bytes = bytes.map_err(|e| match e {
        export::ExportError::Store(s) => AppError::from(s),
        other => AppError::internal(other),
    })?;
    Ok(download(bytes, format, &format!("{}-{}.{}", kind.as_str(), today(), format.extension())))
}

struct AwaitingRow {
    product_id: i64,
    product_name: String,
    product_code: String,
    producer_name: String,
    stars: String,
    issued: String,
    issuer: String,
    source: String,
}

#[derive(Template)]
#[template(path = "registry/awaiting.html")]
struct AwaitingPage {
    ctx: PageCtx,
    rows: Vec<AwaitingRow>,
}

/// `/certificates/awaiting`: recognitions recorded from news or another source whose decision
/// the office still has to find.
pub async fn awaiting(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let listing = caller.listing(Action::ManageRegistry)?;
    let t = ctx.t;
    let rows = store::certificates::awaiting_decision(state.db().conn(), &listing)
        .await?
        .into_iter()
        .map(|a| AwaitingRow {
            stars: crate::pages::evaluation::stars_text(Some(a.stars)),
            issued: crate::fmt::date(a.issued_on),
            issuer: if a.issuer_name.is_empty() { "—".to_owned() } else { a.issuer_name.clone() },
            source: t.get(&format!("certificate-evidence-{}", a.evidence)),
            product_id: a.product_id,
            product_name: a.product_name,
            product_code: a.product_code,
            producer_name: a.producer_name,
        })
        .collect();
    Ok(render(&AwaitingPage { ctx, rows }))
}

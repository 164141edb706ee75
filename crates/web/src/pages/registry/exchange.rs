//! Nhập và xuất: the office uploads its spreadsheets, reads the report, and downloads templates
//! and exports.

use super::products::{ListQuery, today};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::page::{Choice, PageCtx, render, render_status};
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::Invalid;
use domain::access::Action;
use exchange::sheet::Mapping;
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

/// What an import did, or would do, as the page shows it.
struct Outcome {
    report: Report,
    summary: String,
    file_error: Option<String>,
    errors: Vec<ErrorLine>,
    changes: Vec<ChangeLine>,
}

impl Outcome {
    fn new(t: Tr, report: Report) -> Outcome {
        let summary = t.args(
            "import-summary",
            &[
                ("rows", &report.rows.to_string()),
                ("created", &report.created.to_string()),
                ("updated", &report.updated.to_string()),
                ("unchanged", &report.unchanged.to_string()),
                ("certificates", &report.certificates.to_string()),
                ("bad", &report.bad_rows().to_string()),
            ],
        );
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
                action: t.get(c.action_key()),
                record: c.record.clone(),
                fields: c.fields.clone(),
            })
            .collect();
        Outcome {
            file_error: report.file_error.as_ref().map(|e| t.invalid(&e.invalid())),
            summary,
            errors,
            changes,
            report,
        }
    }

    /// 200 for a file written or a clean preview, 422 for one that needs mending.
    fn status(&self, preview: bool) -> StatusCode {
        let clean = self.report.errors.is_empty() && self.report.file_error.is_none();
        if self.report.written || (preview && clean) { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
    }
}

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    ctx: PageCtx,
    kind: String,
    outcome: Option<Outcome>,
    preview: bool,
    no_file: Option<String>,
}

pub async fn page(caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    caller.listing(Action::ManageRegistry)?;
    Ok(render(&ImportPage { ctx, kind: "producers".into(), outcome: None, preview: false, no_file: None }))
}

/// How an import runs for the person on the page.
fn options(
    me: &store::users::User,
    scope: domain::access::Listing,
    good_rows: bool,
    confirm: bool,
    dry_run: bool,
) -> exchange::Options {
    exchange::Options {
        import_good_rows: good_rows,
        confirm_name_links: confirm,
        dry_run,
        ..exchange::Options::new(me.who(), scope, u16::try_from(today().year()).unwrap_or(2026))
    }
}

/// Reads a file (alone: its shared strings and rows are the largest thing in memory) and imports
/// it, or only previews it.
async fn run(
    state: &AppState,
    kind: Kind,
    bytes: Vec<u8>,
    mapping: Mapping,
    options: &exchange::Options,
) -> AppResult<Report> {
    let read =
        state.heavy().run(u64::MAX, move || exchange::sheet::read_mapped(&bytes, kind.columns(), &mapping)).await?;
    Ok(exchange::import::import_read(state.db(), kind, read, options, &|_, _, _| {}).await?)
}

/// The upload form: a file imported at once by its headers, or (Preview) kept for the mapping
/// and preview steps at `/registry/import/{token}`.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    mut form: Multipart,
) -> AppResult<Response> {
    let scope = caller.listing(Action::ManageRegistry)?;
    let me = caller.signed_in()?.clone();
    let bad = |key: &'static str| AppError::BadRequest(Invalid::new(key));
    let (mut kind, mut file, mut file_name, mut good_rows, mut confirm, mut preview) =
        (None, None, String::new(), false, false, false);
    while let Some(field) = form.next_field().await.map_err(|_| bad("import-upload-failed"))? {
        match field.name() {
            Some("kind") => kind = Kind::parse(&field.text().await.map_err(|_| bad("import-upload-failed"))?),
            Some("good_rows") => good_rows = true,
            Some("confirm_name_links") => confirm = true,
            Some("preview") => preview = true,
            Some("file") => {
                file_name = domain::text::clean(field.file_name().unwrap_or_default());
                file = Some(field.bytes().await.map_err(|_| bad("import-upload-failed"))?);
            }
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| bad("import-kind"))?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let no_file = Some(ctx.t.get("import-no-file"));
        let page = ImportPage { ctx, kind: kind.as_str().to_owned(), outcome: None, preview, no_file };
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if preview {
        let tx = state.db().write().await?;
        let token = store::uploads::save(&tx, me.id, kind.as_str(), &file_name, bytes.to_vec()).await?;
        tx.commit().await?;
        return Ok(Redirect::to(&format!("/registry/import/{token}")).into_response());
    }
    let report =
        run(&state, kind, bytes.to_vec(), Mapping::default(), &options(&me, scope, good_rows, confirm, false)).await?;
    let outcome = Outcome::new(ctx.t, report);
    let status = outcome.status(false);
    Ok(render_status(
        status,
        &ImportPage { ctx, kind: kind.as_str().to_owned(), outcome: Some(outcome), preview, no_file: None },
    ))
}

/// One header of the file and the column it goes to.
struct MapRow {
    header: String,
    sample: String,
    choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "registry/import_map.html")]
struct MapPage {
    ctx: PageCtx,
    token: String,
    kind: String,
    file_name: String,
    rows: Vec<MapRow>,
    good_rows: bool,
    confirm: bool,
    outcome: Option<Outcome>,
    preview: bool,
    /// Imported: the mapping form is gone, the report stays.
    done: bool,
}

/// The choices of a header: every column of the kind, or none (ignored).
fn column_choices(t: Tr, kind: Kind, chosen: Option<&str>) -> Vec<Choice> {
    let english = t.locale == crate::i18n::Locale::En;
    let mut choices =
        vec![Choice { value: String::new(), label: t.get("import-map-ignore"), selected: chosen.is_none() }];
    choices.extend(kind.columns().iter().map(|c| Choice {
        value: c.key.to_owned(),
        label: (if english { c.en } else { c.vi }).to_owned(),
        selected: chosen == Some(c.key),
    }));
    choices
}

/// The mapping a person chose (`col-0`, `col-1`… by header position), checked against the kind's
/// columns; `None` where the form did not say (the header is then mapped by its name).
fn chosen(kind: Kind, headers: &[String], form: &[(String, String)]) -> AppResult<Vec<Option<Option<&'static str>>>> {
    headers
        .iter()
        .enumerate()
        .map(|(i, _)| match form.iter().find(|(k, _)| *k == format!("col-{i}")) {
            None => Ok(None),
            Some((_, v)) if v.is_empty() => Ok(Some(None)),
            Some((_, v)) => kind
                .columns()
                .iter()
                .find(|c| c.key == v)
                .map(|c| Some(Some(c.key)))
                .ok_or_else(|| AppError::BadRequest(Invalid::new("import-map-unknown").with("column", v))),
        })
        .collect()
}

/// The mapping page: the file's headers, what each becomes (proposed from its name, or as the
/// person chose), and the preview of the import under that mapping; or, once imported, the report.
async fn map_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageCtx,
    token: &str,
    form: &[(String, String)],
) -> AppResult<Response> {
    let scope = caller.listing(Action::ManageRegistry)?;
    let me = caller.signed_in()?.clone();
    let Some(upload) = store::uploads::get(state.db().conn(), token, me.id).await? else {
        return Ok(redirect_with_flash(state, &ctx.t.get("import-upload-gone"), "/registry/import"));
    };
    let kind = Kind::parse(&upload.kind).ok_or(AppError::NotFound)?;
    let t = ctx.t;
    let flag = |name: &str| form.iter().any(|(k, v)| k == name && !v.is_empty());
    let (good_rows, confirm, import) =
        (flag("good_rows"), flag("confirm_name_links"), form.iter().any(|(k, v)| k == "action" && v == "import"));
    // Read alone and off the async workers, like the import itself.
    let bytes = upload.bytes.clone();
    let (headers, sample) = match state.heavy().run(u64::MAX, move || exchange::sheet::sample(&bytes)).await? {
        Ok(found) => found,
        Err(e) => {
            let report = Report { file_error: Some(e), ..Report::default() };
            let page = MapPage {
                ctx,
                token: token.to_owned(),
                kind: upload.kind.clone(),
                file_name: upload.file_name.clone(),
                rows: Vec::new(),
                good_rows,
                confirm,
                outcome: Some(Outcome::new(t, report)),
                preview: true,
                done: false,
            };
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let picked = chosen(kind, &headers, form)?;
    let mut mapping = Mapping::default();
    let mut rows = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        let column = match picked[i] {
            Some(choice) => choice,
            None => exchange::columns::column_for(kind.columns(), header).map(|c| c.key),
        };
        mapping.positions.insert(i, column);
        rows.push(MapRow {
            header: header.clone(),
            sample: sample.get(i).cloned().unwrap_or_default(),
            choices: column_choices(t, kind, column),
        });
    }
    let report =
        run(state, kind, upload.bytes.clone(), mapping, &options(&me, scope, good_rows, confirm, !import)).await?;
    if report.written {
        let tx = state.db().write().await?;
        store::uploads::delete(&tx, upload.id).await?;
        tx.commit().await?;
    }
    let done = report.written;
    let outcome = Outcome::new(t, report);
    let status = outcome.status(!import);
    let page = MapPage {
        done,
        ctx,
        token: token.to_owned(),
        kind: upload.kind,
        file_name: upload.file_name,
        rows,
        good_rows,
        confirm,
        preview: !import,
        outcome: Some(outcome),
    };
    Ok(render_status(status, &page))
}

/// `/registry/import/{token}`: the proposed mapping and its preview.
pub async fn map(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    map_page(&state, &caller, ctx, &token, &[]).await
}

/// The mapping changed, previewed again, or imported.
pub async fn remap(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    map_page(&state, &caller, ctx, &token, &form).await
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

//! Imports: read, check every row, report, and write only what changes.

mod owners;
mod places;
mod producers;
mod products;

use crate::Kind;
use crate::sheet::{self, FileError, Row, Table};
use domain::Invalid;
use domain::access::{Listing, Place};
use serde::Serialize;
use store::Db;
use store::audit::Who;

/// How an import runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// When some rows are bad, import the good ones anyway (by default nothing is written).
    pub import_good_rows: bool,
    /// Who imports: the audit log's actor.
    pub who: Who,
    /// Where the importer may write (a province office imports for its province only).
    pub scope: Listing,
    /// The year generated product codes carry.
    pub year: u16,
    /// Link product rows to a producer found only by its name in a commune (a person confirmed
    /// each such link in the preview); otherwise such a row is refused with the producer named.
    pub confirm_name_links: bool,
    /// Check and compare only: report what would change, write nothing.
    pub dry_run: bool,
}

impl Options {
    /// An import that writes nothing when a row is bad, links no producer by name alone and
    /// writes for real.
    pub fn new(who: Who, scope: Listing, year: u16) -> Self {
        Self { import_good_rows: false, who, scope, year, confirm_name_links: false, dry_run: false }
    }
}

/// One refused value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// The spreadsheet row (the header is row 1).
    pub row: usize,
    /// The column's machine key.
    pub field: String,
    /// The column's header as the file has it (its Vietnamese name when the file lacks it).
    pub column: String,
    #[serde(skip)]
    pub why: Invalid,
    /// The message key, for JSON consumers.
    pub code: &'static str,
}

impl RowError {
    fn new(row: usize, field: &str, why: Invalid) -> Self {
        Self { row, field: field.to_owned(), column: String::new(), code: why.key, why }
    }
}

/// What an import found and did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Certificates recorded (product files only).
    pub certificates: usize,
    pub errors: Vec<RowError>,
    /// The file as a whole could not be read.
    #[serde(skip)]
    pub file_error: Option<FileError>,
    /// Headers of the file that no column took: their cells were not read.
    pub ignored_columns: Vec<String>,
    /// What each good row does to the record it matched, field by field.
    pub changes: Vec<RowChange>,
    /// Whether anything was written (false for a file with errors, unless asked, and for a dry run).
    pub written: bool,
}

/// What one row does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowChange {
    pub row: usize,
    /// `created`, `updated` or `unchanged`.
    pub action: &'static str,
    /// The record's platform or product code when it exists already.
    pub record: String,
    /// `(column header, before, after)` for each field that changes.
    pub fields: Vec<(String, String, String)>,
}

impl RowChange {
    /// The message that names the action.
    pub fn action_key(&self) -> &'static str {
        match self.action {
            "created" => "import-action-created",
            "updated" => "import-action-updated",
            _ => "import-action-unchanged",
        }
    }
}

impl Report {
    /// Rows with at least one error.
    pub fn bad_rows(&self) -> usize {
        let mut rows: Vec<usize> = self.errors.iter().map(|e| e.row).collect();
        rows.dedup();
        rows.len()
    }
}

/// Progress of a long import: `(what, done, of)`.
pub type Progress<'a> = &'a (dyn Fn(&'static str, usize, usize) + Sync);

/// Reads a file of `kind` and imports it.
pub async fn import(
    db: &Db,
    kind: Kind,
    bytes: &[u8],
    options: &Options,
    progress: Progress<'_>,
) -> store::Result<Report> {
    import_read(db, kind, sheet::read(bytes, kind.columns()), options, progress).await
}

/// Imports what [`sheet::read`] made of a file (a server reads it first, under its memory budget
/// and off the async workers); a file that could not be read is reported and nothing is written.
/// Only the columns the file has are changed on records it matches.
pub async fn import_read(
    db: &Db,
    kind: Kind,
    read: Result<Table, sheet::FileError>,
    options: &Options,
    progress: Progress<'_>,
) -> store::Result<Report> {
    let table = match read {
        Ok(table) => table,
        Err(e) => return Ok(Report { file_error: Some(e), ..Report::default() }),
    };
    progress("read", table.rows.len(), table.rows.len());
    let mut report = match kind {
        Kind::Producers => producers::import(db, &table, options, progress).await?,
        Kind::Products => products::import(db, &table, options, progress).await?,
    };
    for e in &mut report.errors {
        e.column = table.header(kind.columns(), &e.field);
    }
    for change in &mut report.changes {
        for field in &mut change.fields {
            field.0 = table.header(kind.columns(), &field.0);
        }
    }
    report.ignored_columns = table.ignored;
    Ok(report)
}

/// The fields that differ between two records as typed, by key: `(key, before, after)`.
fn differences(keys: &[&str], before: &serde_json::Value, after: &serde_json::Value) -> Vec<(String, String, String)> {
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
    keys.iter()
        .filter(|k| text(before, k) != text(after, k))
        .map(|k| ((*k).to_owned(), text(before, k), text(after, k)))
        .collect()
}

/// Whether the importer's scope (decided by `domain::access`) covers a place.
fn in_scope(scope: &Listing, place: &Place) -> bool {
    scope.covers(place, false)
}

/// Every row's errors, in row order, for rows the check refused.
fn collect<T>(checked: Vec<(usize, Result<T, Vec<RowError>>)>, report: &mut Report) -> Vec<(usize, T)> {
    let mut good = Vec::new();
    for (row, result) in checked {
        match result {
            Ok(v) => good.push((row, v)),
            Err(errors) => report.errors.extend(errors),
        }
    }
    good
}

fn row_errors(row: &Row, fields: domain::FieldErrors) -> Vec<RowError> {
    fields.iter().map(|(field, why)| RowError::new(row.number, field, why.clone())).collect()
}

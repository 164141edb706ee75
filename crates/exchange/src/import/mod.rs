//! Imports: read, check every row, report, and write only what changes.

mod producers;
mod products;

use crate::Kind;
use crate::sheet::{self, FileError, Row};
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
}

/// One refused value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// The spreadsheet row (the header is row 1).
    pub row: usize,
    /// The column's machine key.
    pub field: String,
    #[serde(skip)]
    pub why: Invalid,
    /// The message key, for JSON consumers.
    pub code: &'static str,
}

impl RowError {
    fn new(row: usize, field: &str, why: Invalid) -> Self {
        Self { row, field: field.to_owned(), code: why.key, why }
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
    /// Whether anything was written (false for a file with errors, unless asked).
    pub written: bool,
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
pub async fn import_read(
    db: &Db,
    kind: Kind,
    read: Result<Vec<sheet::Row>, sheet::FileError>,
    options: &Options,
    progress: Progress<'_>,
) -> store::Result<Report> {
    let rows = match read {
        Ok(rows) => rows,
        Err(e) => return Ok(Report { file_error: Some(e), ..Report::default() }),
    };
    progress("read", rows.len(), rows.len());
    match kind {
        Kind::Producers => producers::import(db, rows, options, progress).await,
        Kind::Products => products::import(db, rows, options, progress).await,
    }
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

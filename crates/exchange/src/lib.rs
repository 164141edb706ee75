//! Spreadsheets in and out of the registry: `.xlsx` (read with calamine, written with
//! rust_xlsxwriter) and `.csv` (UTF-8 with a byte-order mark, so Excel on Windows keeps the
//! diacritics). Imports check every row and report each bad one by its row number; by default a
//! file with errors changes nothing. Re-importing a file changes nothing either: producers are
//! matched by tax code (or name within the commune), products by product code (or name within
//! the producer), certificates by number.

pub mod columns;
pub mod export;
pub mod import;
pub mod report;
pub mod sheet;

pub use columns::Kind;
pub use import::{Options, Report, RowError};
pub use sheet::{FileError, Format};

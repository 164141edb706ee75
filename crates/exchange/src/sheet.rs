//! Reading a spreadsheet into rows of text, one value per known column, with the cell quirks of
//! Excel undone: numbers that were codes get their leading zeros back, serial dates become
//! `yyyy-mm-dd`, `12.0` becomes `12`.

use crate::columns::{Cell, Column, column_for};
use calamine::{Data, Reader, Xlsx};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// The largest file an import accepts, in rows.
pub const MAX_ROWS: usize = 200_000;
/// The widest sheet read: a cell further right is refused, not allocated up to.
pub const MAX_COLUMNS: usize = 64;
/// The longest cell, in characters.
pub const MAX_CELL_CHARS: usize = 4_000;
/// What a workbook may inflate to, in all and for its shared strings (which are held in memory
/// while the sheet is read). Measured while inflating: the sizes a ZIP declares can lie.
const MAX_INFLATED_BYTES: u64 = 512 * 1024 * 1024;
const MAX_SHARED_STRINGS_BYTES: u64 = 64 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// By content: a ZIP container is a workbook, anything else is read as CSV text.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") { Format::Xlsx } else { Format::Csv }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A file that cannot be read as a whole; nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("empty file")]
    Empty,
    #[error("unreadable: {0}")]
    Unreadable(String),
    #[error("missing columns: {0:?}")]
    MissingColumns(Vec<&'static str>),
    #[error("too many rows: {0}")]
    TooManyRows(usize),
    #[error("a cell beyond column {MAX_COLUMNS} (row {row})")]
    TooManyColumns { row: usize },
    #[error("a cell longer than {MAX_CELL_CHARS} characters (row {row})")]
    CellTooLong { row: usize },
    #[error("a control character in row {row}")]
    BadText { row: usize },
    #[error("inflates beyond the limit")]
    TooLarge,
}

impl FileError {
    /// The message key and its arguments, for the catalogues.
    pub fn invalid(&self) -> domain::Invalid {
        use domain::Invalid;
        match self {
            FileError::Empty => Invalid::new("import-empty"),
            FileError::Unreadable(detail) => Invalid::new("import-unreadable").with("detail", detail),
            FileError::MissingColumns(cols) => Invalid::new("import-missing-columns").with("columns", cols.join(", ")),
            FileError::TooManyRows(n) => Invalid::new("import-too-many-rows").with("max", MAX_ROWS).with("rows", n),
            FileError::TooManyColumns { row } => {
                Invalid::new("import-too-many-columns").with("max", MAX_COLUMNS).with("row", row)
            }
            FileError::CellTooLong { row } => {
                Invalid::new("import-cell-too-long").with("max", MAX_CELL_CHARS).with("row", row)
            }
            FileError::BadText { row } => Invalid::new("import-bad-text").with("row", row),
            FileError::TooLarge => Invalid::new("import-too-large").with("mb", MAX_INFLATED_BYTES / (1024 * 1024)),
        }
    }
}

/// One data row: its number in the spreadsheet (the header is row 1) and its values by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub values: HashMap<&'static str, String>,
}

impl Row {
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
}

/// A file read: its rows, the header each known column had in the file, and the headers no
/// column took (ignored, with a warning).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub rows: Vec<Row>,
    pub headers: Vec<(&'static str, String)>,
    pub ignored: Vec<String>,
}

impl Table {
    /// The header a column had in the file, else its Vietnamese name.
    pub fn header(&self, columns: &'static [Column], key: &str) -> String {
        self.headers
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, h)| h.clone())
            .or_else(|| columns.iter().find(|c| c.key == key).map(|c| c.vi.to_owned()))
            .unwrap_or_else(|| key.to_owned())
    }
}

/// How a person mapped the file's columns to ours (`None`: ignored): by position (the web page,
/// where two columns may share a header), else by folded header (the command line). Columns it
/// does not name are mapped by [`column_for`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    pub positions: std::collections::BTreeMap<usize, Option<&'static str>>,
    pub headers: std::collections::BTreeMap<String, Option<&'static str>>,
}

impl Mapping {
    fn column(&self, columns: &'static [Column], position: usize, header: &str) -> Option<&'static Column> {
        let chosen = self.positions.get(&position).or_else(|| self.headers.get(&domain::text::fold(header)));
        match chosen {
            Some(key) => key.and_then(|k| columns.iter().find(|c| c.key == k)),
            None => column_for(columns, header),
        }
    }
}

/// Reads a whole file, mapping its headers by name. The first non-empty row is the header.
pub fn read(bytes: &[u8], columns: &'static [Column]) -> Result<Table, FileError> {
    read_mapped(bytes, columns, &Mapping::default())
}

/// The file's header row (the first non-empty one) as written, and the first row under it (for
/// showing a person what each column holds while they map it).
pub fn sample(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), FileError> {
    let grid = match Format::sniff(bytes) {
        Format::Xlsx => read_xlsx(bytes)?,
        Format::Csv => read_csv(bytes)?,
    };
    let mut lines = grid.into_iter().filter(|(_, cells)| cells.iter().any(|c| !text_of(c).trim().is_empty()));
    let (_, header) = lines.next().ok_or(FileError::Empty)?;
    let first = lines.next().map(|(_, cells)| cells).unwrap_or_default();
    let text = |cells: &[Data], n: usize| {
        (0..n).map(|i| cells.get(i).map(|c| text_of(c).trim().to_owned()).unwrap_or_default()).collect()
    };
    Ok((text(&header, header.len()), text(&first, header.len())))
}

/// Reads a whole file with the headers mapped as `mapping` says (by name for the rest). A
/// column mapped twice keeps its first header; the second is ignored.
pub fn read_mapped(bytes: &[u8], columns: &'static [Column], mapping: &Mapping) -> Result<Table, FileError> {
    let grid = match Format::sniff(bytes) {
        Format::Xlsx => read_xlsx(bytes)?,
        Format::Csv => read_csv(bytes)?,
    };
    let mut lines = grid.into_iter().filter(|(_, cells)| cells.iter().any(|c| !text_of(c).trim().is_empty()));
    let (_, header) = lines.next().ok_or(FileError::Empty)?;
    let mut mapped: Vec<Option<&'static Column>> = Vec::with_capacity(header.len());
    let mut table = Table::default();
    for (position, h) in header.iter().enumerate() {
        let name = text_of(h).trim().to_owned();
        if name.is_empty() {
            mapped.push(None);
            continue;
        }
        let column = mapping.column(columns, position, &name);
        match column {
            Some(c) if !table.headers.iter().any(|(k, _)| *k == c.key) => {
                table.headers.push((c.key, name));
                mapped.push(Some(c));
            }
            _ => {
                table.ignored.push(name);
                mapped.push(None);
            }
        }
    }
    // The record must be named somehow; what a new record needs is checked row by row.
    if !mapped.iter().flatten().any(|m| m.names) {
        return Err(FileError::MissingColumns(columns.iter().filter(|c| c.names).map(|c| c.vi).collect()));
    }
    for (number, cells) in lines {
        if table.rows.len() >= MAX_ROWS {
            return Err(FileError::TooManyRows(table.rows.len() + 1));
        }
        // The template's example row shows how to fill the file; it is never a record.
        if cells.first().is_some_and(|c| is_example(&text_of(c))) {
            continue;
        }
        let mut values = HashMap::new();
        // Every mapped column has a value, a blank one when the row stops short of it: a blank
        // cell in a mapped column clears the field, an unmapped column leaves it alone.
        for (i, column) in mapped.iter().enumerate() {
            if let Some(column) = column {
                let value = cells.get(i).map(|cell| normalise(cell, column.cell)).unwrap_or_default();
                values.insert(column.key, value);
            }
        }
        table.rows.push(Row { number, values });
    }
    Ok(table)
}

/// The first cell of a template's example row ("Ví dụ — xóa dòng này").
pub const EXAMPLE: &str = "Ví dụ — xóa dòng này";

fn is_example(first: &str) -> bool {
    domain::text::fold(first).starts_with("vi du")
}

/// Rows of cells, each with its 1-based row number in the file.
type Grid = Vec<(usize, Vec<Data>)>;

/// Collects non-empty cells into rows while the file is read, refusing it as soon as it goes
/// beyond a limit: nothing is sized from what the file declares.
#[derive(Default)]
struct GridBuilder {
    grid: Grid,
}

impl GridBuilder {
    /// One cell, at its 1-based row and 0-based column, in reading order.
    fn push(&mut self, row: usize, column: usize, value: Data) -> Result<(), FileError> {
        if is_blank(&value) {
            return Ok(());
        }
        if column >= MAX_COLUMNS {
            return Err(FileError::TooManyColumns { row });
        }
        if let Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) = &value {
            if text.chars().nth(MAX_CELL_CHARS).is_some() {
                return Err(FileError::CellTooLong { row });
            }
            if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
                return Err(FileError::BadText { row });
            }
        }
        if self.grid.last().is_none_or(|(last, _)| *last != row) {
            // The header, then at most MAX_ROWS data rows: one more says the file is too long.
            if self.grid.len() > MAX_ROWS {
                return Err(FileError::TooManyRows(self.grid.len()));
            }
            self.grid.push((row, Vec::new()));
        }
        if let Some((_, cells)) = self.grid.last_mut() {
            if cells.len() <= column {
                cells.resize(column + 1, Data::Empty);
            }
            cells[column] = value;
        }
        Ok(())
    }
}

fn is_blank(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn unreadable(e: impl ToString) -> FileError {
    FileError::Unreadable(e.to_string())
}

/// Inflates every member of the ZIP container into nothing, counting: a bomb is refused before
/// the workbook reader holds any of it.
fn check_inflated_sizes(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(FileError::TooLarge);
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(unreadable)?;
        let limit = if entry.name().is_ok_and(|n| n.ends_with("sharedStrings.xml")) {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_INFLATED_BYTES - total
        };
        let inflated = std::io::copy(&mut (&mut entry).take(limit + 1), &mut std::io::sink()).map_err(unreadable)?;
        total += inflated;
        if inflated > limit || total > MAX_INFLATED_BYTES {
            return Err(FileError::TooLarge);
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Grid, FileError> {
    check_inflated_sizes(bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first = workbook.sheet_names().first().cloned().ok_or(FileError::Empty)?;
    // Cell by cell as the sheet's XML streams by: a single cell at XFD1048576 costs one cell.
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(unreadable)?;
    let mut grid = GridBuilder::default();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        grid.push(row as usize + 1, column as usize, Data::from(cell.get_value().clone()))?;
    }
    Ok(grid.grid)
}

fn read_csv(bytes: &[u8]) -> Result<Grid, FileError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| FileError::Unreadable("not UTF-8".into()))?;
    let first_line = text.lines().next().unwrap_or("");
    // Spreadsheets in Vietnamese locales often save CSV with semicolons.
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut grid = GridBuilder::default();
    // Count lines ourselves, incrementally: a record after blank lines is positioned at the first
    // of them, and the reader does not count those.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let mut start = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0)).min(bytes.len());
        while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
            start += 1;
        }
        line += bytes[counted_to.min(start)..start].iter().filter(|b| **b == b'\n').count();
        counted_to = start;
        for (column, value) in record.iter().enumerate() {
            grid.push(line, column, Data::String(value.to_owned()))?;
        }
    }
    Ok(grid.grid)
}

fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn float_text(f: f64) -> String {
    match domain::num::round(f) {
        Some(whole) if f.fract() == 0.0 && f.abs() < 1e15 => whole.to_string(),
        _ => f.to_string(),
    }
}

/// A cell as the text the parsers expect for its column.
fn normalise(cell: &Data, kind: Cell) -> String {
    let numeric = matches!(cell, Data::Int(_) | Data::Float(_));
    let text = text_of(cell).trim().to_owned();
    // An exported CSV cell that would read as a formula was written behind an apostrophe.
    let text = match text.strip_prefix('\'') {
        Some(rest) if crate::export::looks_like_formula(rest) => rest.to_owned(),
        _ => text,
    };
    match kind {
        Cell::Digits(len) if numeric && text.len() < len => format!("{text:0>len$}"),
        // A 10-digit tax code loses its leading 0 (9 digits left); a 12-digit personal
        // number starts 0 too (11 left).
        Cell::TaxCode if numeric && (text.len() == 9 || text.len() == 11) => format!("0{text}"),
        Cell::Phone if numeric && (text.len() == 9 || text.len() == 10) && !text.starts_with('0') => format!("0{text}"),
        Cell::Date if numeric => match cell {
            Data::Float(f) => excel_serial_date(*f).unwrap_or(text),
            Data::Int(i) => excel_serial_date(*i as f64).unwrap_or(text),
            _ => text,
        },
        _ => text,
    }
}

/// Excel's day number (1900 system, with its phantom 29 February 1900) as `yyyy-mm-dd`.
fn excel_serial_date(serial: f64) -> Option<String> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let epoch = time::macros::date!(1899 - 12 - 30);
    let date = epoch.checked_add(time::Duration::days(domain::num::round(serial.trunc())?))?;
    Some(date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::{PRODUCERS, PRODUCTS};

    #[test]
    fn csv_with_bom_semicolons_and_vietnamese_headers() {
        let text = "\u{feff}Mã số thuế;Tên chủ thể;Loại hình;Mã xã\n0100233488;HTX Bát Tràng;HTX;00577\n\n;Hộ Lan;Hộ kinh doanh;577\n";
        let rows = read(text.as_bytes(), PRODUCERS).expect("readable").rows;
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].number, rows[0].get("name")), (2, "HTX Bát Tràng"));
        assert_eq!(rows[1].number, 4, "row numbers count the blank line");
        assert_eq!(rows[1].get("commune"), "577", "text cells are left as typed; the parser pads");
    }

    #[test]
    fn unknown_headers_are_ignored_and_required_ones_must_be_there() {
        let table = read(b"ten chu the,loai hinh,cot la\nA,HTX,x\n", PRODUCERS).expect("readable");
        assert_eq!(table.ignored, ["cot la"]);
        assert_eq!(table.headers, [("name", "ten chu the".to_owned()), ("legal_type", "loai hinh".to_owned())]);
        assert_eq!(table.rows[0].values.len(), 2, "the ignored column's cells are not kept");
        let mut mapping = Mapping::default();
        mapping.headers.insert("cot la".into(), Some("representative"));
        mapping.positions.insert(1, None);
        mapping.headers.insert("ten chu the".into(), None);
        assert_eq!(
            read_mapped(b"ten chu the,loai hinh,cot la\nA,HTX,x\n", PRODUCERS, &mapping),
            Err(FileError::MissingColumns(vec!["Mã chủ thể", "Mã số thuế", "Tên chủ thể"])),
            "a file that names no record"
        );
        assert_eq!(read(b"Tax code\n0100233488\n", PRODUCERS).map(|t| t.rows.len()), Ok(1), "an update by tax code");
        assert_eq!(
            read(b"Phone\n0912345678\n", PRODUCERS),
            Err(FileError::MissingColumns(vec!["Mã chủ thể", "Mã số thuế", "Tên chủ thể"]))
        );
        assert_eq!(read(b"", PRODUCTS), Err(FileError::Empty));
    }

    #[test]
    fn numbers_that_were_codes_get_their_zeros_back() {
        assert_eq!(normalise(&Data::Float(100_233_488.0), Cell::TaxCode), "0100233488");
        assert_eq!(normalise(&Data::Int(577), Cell::Digits(5)), "00577");
        assert_eq!(normalise(&Data::Float(912_345_678.0), Cell::Phone), "0912345678");
        assert_eq!(normalise(&Data::Float(45_000.0), Cell::Number), "45000");
        assert_eq!(normalise(&Data::Float(44_197.0), Cell::Date), "2021-01-01");
        assert_eq!(normalise(&Data::String(" 0100233488 ".into()), Cell::TaxCode), "0100233488");
    }
}

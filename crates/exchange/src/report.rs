//! Reports as workbooks: named sheets of a header row and typed cells (text stays text, with
//! Excel's quote prefix when it would read as a formula; numbers stay numbers).

use crate::export::looks_like_formula;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Real(f64),
    Empty,
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<Option<i64>> for Value {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Value::Empty, Value::Int)
    }
}

pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let quoted = Format::new().set_num_format("@").set_quote_prefix();
    let money = Format::new().set_num_format("#,##0");
    for s in sheets {
        let sheet = book.add_worksheet();
        // Sheet names: at most 31 characters, none of []:*?/\
        let name: String = s.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        sheet.set_name(&name)?;
        // The header row stays in view while the reader scrolls.
        sheet.set_freeze_panes(1, 0)?;
        for (c, h) in s.header.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, h, &bold)?;
            sheet.set_column_width(c, 20)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, v) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match v {
                    Value::Text(t) if looks_like_formula(t) => {
                        sheet.write_string_with_format(r, c, t, &quoted)?;
                    }
                    Value::Text(t) => {
                        sheet.write_string_with_format(r, c, t, &text)?;
                    }
                    Value::Int(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &money)?;
                    }
                    Value::Real(x) => {
                        sheet.write_number(r, c, *x)?;
                    }
                    Value::Empty => {}
                }
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_back_with_its_types() {
        let sheet = Sheet {
            name: "Điểm bán [2026]".into(),
            header: vec!["Tên".into(), "Số sản phẩm".into()],
            rows: vec![
                vec!["=HYPERLINK(\"x\")".into(), Value::Int(12)],
                vec!["Điểm OCOP Đông Anh".into(), Value::Empty],
            ],
        };
        let bytes = workbook(&[sheet]).expect("workbook");
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
        assert_eq!(book.sheet_names(), vec!["Điểm bán 2026".to_owned()]);
        let range = book.worksheet_range("Điểm bán 2026").expect("sheet");
        assert_eq!(range.get_value((1, 0)), Some(&Data::String("=HYPERLINK(\"x\")".into())));
        assert_eq!(range.get_value((1, 1)), Some(&Data::Float(12.0)));
    }
}

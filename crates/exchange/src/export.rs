//! Exports and templates: the same columns an import reads, so an exported file imports back
//! unchanged. Code columns are text in the workbook so that Excel keeps their leading zeros.

use crate::Kind;
use crate::columns::{Cell, Column};
use crate::sheet::Format;
use domain::access::Listing;
use rust_xlsxwriter::{Format as XlsxFormat, Workbook, XlsxError};
use std::collections::BTreeSet;
use store::producers::{self, Producer, ProducerFilter};
use store::products::{self, Product, ProductFilter};
use store::{Db, Page, certificates};

/// What went wrong writing a file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("xlsx: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("csv: {0}")]
    Csv(String),
}

/// The header and values of a file.
struct Table {
    columns: &'static [Column],
    rows: Vec<Vec<String>>,
}

/// Whether a spreadsheet program would read a cell as a formula (`=1+1`, `+…`, `-…`, `@…`, or
/// one hidden behind a tab or carriage return): such text from the registry must stay text.
pub(crate) fn looks_like_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// CSV has no cell types: a leading apostrophe makes spreadsheet programs show the value as text
/// (the importer takes it off again, so an export imports back unchanged).
fn csv_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(value) { format!("'{value}").into() } else { value.into() }
}

/// The file of `table`; a workbook also lists `values` (see `values_sheet`) when there are any.
fn write(table: &Table, format: Format, values: &[(String, String, String)]) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Xlsx => {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet_with_constant_memory()?;
            let text = XlsxFormat::new().set_num_format("@");
            // Excel's quote prefix: shown and edited as text, never evaluated, not part of the value.
            let quoted = XlsxFormat::new().set_num_format("@").set_quote_prefix();
            let bold = XlsxFormat::new().set_bold();
            for (c, column) in table.columns.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                if !matches!(column.cell, Cell::Number | Cell::Date) {
                    sheet.set_column_format(c, &text)?;
                }
                sheet.set_column_width(c, 18)?;
                sheet.write_string_with_format(0, c, column.vi, &bold)?;
            }
            for (r, row) in table.rows.iter().enumerate() {
                let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
                for (c, value) in row.iter().enumerate() {
                    if !value.is_empty() {
                        let format = if looks_like_formula(value) { &quoted } else { &text };
                        sheet.write_string_with_format(r, u16::try_from(c).unwrap_or(u16::MAX), value, format)?;
                    }
                }
            }
            if !values.is_empty() {
                values_sheet(&mut workbook, values)?;
            }
            Ok(workbook.save_to_buffer()?)
        }
        Format::Csv => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(table.columns.iter().map(|c| c.vi)).map_err(|e| ExportError::Csv(e.to_string()))?;
                for row in &table.rows {
                    w.write_record(row.iter().map(|v| csv_cell(v).into_owned()))
                        .map_err(|e| ExportError::Csv(e.to_string()))?;
                }
                w.flush().map_err(|e| ExportError::Csv(e.to_string()))?;
            }
            Ok(out)
        }
    }
}

/// A file with the columns of `kind` and one example row (which imports skip); a workbook also
/// has a second sheet, "Giá trị hợp lệ", listing the values each fixed-list column accepts.
pub fn template(kind: Kind, format: Format) -> Result<Vec<u8>, ExportError> {
    let example: Vec<String> = kind
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| if i == 0 { crate::sheet::EXAMPLE.to_owned() } else { example_value(kind, c.key).to_owned() })
        .collect();
    let table = Table { columns: kind.columns(), rows: vec![example] };
    write(&table, format, &allowed_values(kind))
}

/// What the example row holds in each column.
fn example_value(kind: Kind, key: &str) -> &'static str {
    match (kind, key) {
        (_, "tax_code" | "producer_tax_code") => "0100233488",
        (Kind::Producers, "name") | (Kind::Products, "producer_name") => "HTX Gốm sứ Bát Tràng",
        (_, "legal_type") => "HTX",
        (_, "representative") => "Nguyễn Văn An",
        (_, "phone") => "0912345678",
        (_, "email") => "htx@battrang.vn",
        (_, "province") => "01",
        (_, "commune") => "00577",
        (Kind::Products, "producer_commune") => "Xã Bát Tràng",
        (Kind::Products, "producer_province") => "Thành phố Hà Nội",
        (_, "street") => "Thôn 1",
        (_, "established_on") => "15/03/2010",
        (_, "members_count") => "25",
        (_, "sales_channels") => "Sàn thương mại điện tử; Điểm giới thiệu và bán sản phẩm OCOP",
        (Kind::Products, "name") => "Bình gốm men lam",
        (_, "sheet") => "21",
        (_, "packaging") => "Hộp gỗ",
        (_, "price") => "1250000",
        (_, "year") => "2024",
        (_, "rank") => "4",
        (_, "certificate_number") => "HN-2024-00012",
        (_, "decision_number") => "1234/QĐ-UBND",
        (_, "decision_date" | "issued_on") => "20/12/2024",
        (_, "issuer") => "UBND Thành phố Hà Nội",
        (_, "evidence") => "quyết định",
        (_, "expires_on") => "20/12/2027",
        (_, "criteria_version") => "148/QĐ-TTg",
        _ => "",
    }
}

/// (column, value, meaning) for every column whose values are a fixed list.
fn allowed_values(kind: Kind) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut add = |column: &str, value: &str, meaning: &str| out.push((column.into(), value.into(), meaning.into()));
    match kind {
        Kind::Producers => {
            for (value, meaning) in [
                ("HTX", "Hợp tác xã"),
                ("THT", "Tổ hợp tác"),
                ("DN", "Doanh nghiệp (công ty)"),
                ("HKD", "Hộ kinh doanh"),
                ("TT", "Trang trại"),
                ("Hiệp hội", "Hiệp hội, hội: chỉ đăng ký sản phẩm dịch vụ du lịch (nhóm VI)"),
            ] {
                add("Loại hình", value, meaning);
            }
            for c in domain::producer::SalesChannel::ALL {
                if let Some(k) = domain::outlets::channel_kinds().get(c.as_str()) {
                    add("Kênh bán hàng", &k.vi, "Ghi nhiều kênh cách nhau bằng dấu chấm phẩy");
                }
            }
            add("Mã tỉnh, Mã xã", "01, 00577", "Mã đơn vị hành chính theo Quyết định 19/2025/QĐ-TTg (trang /units)");
            add("Ngày thành lập", "dd/mm/yyyy", "Ví dụ 15/03/2010");
        }
        Kind::Products => {
            if let Ok(set) = store::criteria::current() {
                for sheet in set.sheets() {
                    add("Bộ tiêu chí", &sheet.code, &sheet.name_vi);
                }
            }
            for (value, meaning) in [
                ("3", "3 sao"),
                ("4", "4 sao"),
                ("5", "5 sao, do Bộ Nông nghiệp và Môi trường công nhận"),
                ("5p", "Tiềm năng 5 sao (cũng ghi «tiềm năng 5 sao»), do tỉnh công nhận"),
            ] {
                add("Hạng sao", value, meaning);
            }
            for (value, meaning) in [
                ("quyết định", "Có quyết định công nhận"),
                ("tin chính thức", "Biết từ tin chính thức, chưa có quyết định"),
                ("khác", "Nguồn khác"),
            ] {
                add("Nguồn ghi nhận", value, meaning);
            }
            add("Ngày quyết định, Ngày cấp, Ngày hết hạn", "dd/mm/yyyy", "Ví dụ 20/12/2024");
        }
    }
    out
}

/// A second sheet, "Giá trị hợp lệ": the values each fixed-list column accepts.
fn values_sheet(workbook: &mut Workbook, values: &[(String, String, String)]) -> Result<(), XlsxError> {
    let text = XlsxFormat::new().set_num_format("@");
    let bold = XlsxFormat::new().set_bold();
    let list = workbook.add_worksheet().set_name("Giá trị hợp lệ")?;
    for (c, (header, width)) in [("Cột", 28), ("Giá trị", 36), ("Ý nghĩa", 70)].into_iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        list.set_column_width(c, width)?;
        list.write_string_with_format(0, c, header, &bold)?;
    }
    for (r, (column, value, meaning)) in values.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        list.write_string_with_format(r, 0, column, &text)?;
        list.write_string_with_format(r, 1, value, &text)?;
        list.write_string(r, 2, meaning)?;
    }
    Ok(())
}

fn producer_row(p: &Producer) -> Vec<String> {
    let i = p.input();
    vec![
        p.code(),
        i.tax_code,
        i.name,
        i.legal_type,
        i.representative,
        i.phone,
        i.email,
        i.province,
        i.commune,
        i.street,
        i.old_district,
        i.old_commune,
        i.established_on,
        i.members_count,
        i.sales_channels,
    ]
}

fn product_row(p: &Product, producer_tax: &str, certificate: Option<&certificates::Certificate>) -> Vec<String> {
    let i = p.input();
    let date = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let (rank, number, decision, decision_date, issued, issuer, evidence, expires, revoked, ground, version) =
        match certificate {
            Some(c) => (
                if c.potential_five() { "5p".to_owned() } else { c.stars.to_string() },
                c.number.clone(),
                c.decision_number.clone(),
                date(c.decision_date),
                c.issued_on.to_string(),
                c.issuer_name.clone(),
                c.evidence.clone(),
                c.expires_on.to_string(),
                date(c.revoked_on),
                c.revocation_ground.clone().unwrap_or_default(),
                c.criteria_version.clone(),
            ),
            None => Default::default(),
        };
    let year = p.code.rsplit('-').next().unwrap_or_default().to_owned();
    vec![
        p.code.clone(),
        producer_tax.to_owned(),
        domain::producer::platform_code(p.producer_id),
        p.producer_name.clone(),
        p.commune_name.clone(),
        p.province_name.clone(),
        i.name,
        i.sheet,
        i.gtin,
        i.description,
        i.ingredients,
        i.packaging,
        i.price,
        i.capacity,
        year,
        rank,
        number,
        decision,
        decision_date,
        issued,
        issuer,
        evidence,
        expires,
        revoked,
        ground,
        version,
    ]
}

/// Every producer the listing covers, in Vietnamese name order.
pub async fn producers(db: &Db, listing: &Listing, format: Format) -> Result<Vec<u8>, ExportError> {
    let mut rows = Vec::new();
    let mut page = Page::new(1, Page::MAX_SIZE);
    loop {
        let found = producers::search(db.conn(), listing, &ProducerFilter::default(), page).await?;
        rows.extend(found.items.iter().map(producer_row));
        if i64::from(page.number) * i64::from(page.size) >= found.total {
            break;
        }
        page = Page::new(page.number + 1, page.size);
    }
    write(&Table { columns: Kind::Producers.columns(), rows }, format, &[])
}

/// Every product the listing and filter cover, with its current certificate and its producer
/// (tax code when it has one, platform code, name and place).
pub async fn products(
    db: &Db,
    listing: &Listing,
    filter: &ProductFilter,
    today: time::Date,
    format: Format,
) -> Result<Vec<u8>, ExportError> {
    let mut rows = Vec::new();
    let mut page = Page::new(1, Page::MAX_SIZE);
    loop {
        let found = products::search(db.conn(), listing, filter, today, false, page).await?;
        let owners: BTreeSet<i64> = found.items.iter().map(|p| p.producer_id).collect();
        let taxes = producers::tax_codes(db.conn(), &owners).await?;
        let current: BTreeSet<i64> = found.items.iter().filter_map(|p| p.certificate_id).collect();
        let certificates = certificates::by_ids(db.conn(), &current).await?;
        for p in &found.items {
            let tax = taxes.get(&p.producer_id).map_or("", String::as_str);
            rows.push(product_row(p, tax, p.certificate_id.and_then(|id| certificates.get(&id))));
        }
        if i64::from(page.number) * i64::from(page.size) >= found.total {
            break;
        }
        page = Page::new(page.number + 1, page.size);
    }
    write(&Table { columns: Kind::Products.columns(), rows }, format, &[])
}

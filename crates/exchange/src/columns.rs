//! The columns of each kind of file, in template order. Headers are read in Vietnamese, in
//! English or as the machine key; diacritics and case do not matter.

use domain::text::fold;

/// What a column holds, which decides how a spreadsheet's cell becomes text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    /// Digits whose leading zeros a spreadsheet may have dropped: put them back to this length.
    Digits(usize),
    /// A tax code: 10 digits, or 12 for a personal identification number.
    TaxCode,
    /// A phone number: a spreadsheet turns 0912345678 into 912345678.
    Phone,
    Date,
    Number,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub cell: Cell,
    pub required: bool,
}

const fn col(key: &'static str, vi: &'static str, en: &'static str, cell: Cell, required: bool) -> Column {
    Column { key, vi, en, cell, required }
}

pub const PRODUCERS: &[Column] = &[
    col("tax_code", "Mã số thuế", "Tax code", Cell::TaxCode, false),
    col("name", "Tên chủ thể", "Producer name", Cell::Text, true),
    col("legal_type", "Loại hình", "Legal type", Cell::Text, true),
    col("representative", "Người đại diện", "Representative", Cell::Text, false),
    col("phone", "Điện thoại", "Phone", Cell::Phone, false),
    col("email", "Email", "E-mail", Cell::Text, false),
    col("province", "Mã tỉnh", "Province code", Cell::Digits(2), false),
    col("commune", "Mã xã", "Commune code", Cell::Digits(5), false),
    col("street", "Địa chỉ chi tiết", "Street address", Cell::Text, false),
    col("old_district", "Mã huyện cũ", "Old district code", Cell::Digits(3), false),
    col("old_commune", "Mã xã cũ", "Old commune code", Cell::Digits(5), false),
    col("established_on", "Ngày thành lập", "Established on", Cell::Date, false),
    col("members_count", "Số thành viên", "Members", Cell::Number, false),
    col("sales_channels", "Kênh bán hàng", "Sales channels", Cell::Text, false),
];

pub const PRODUCTS: &[Column] = &[
    col("code", "Mã sản phẩm", "Product code", Cell::Text, false),
    col("producer_tax_code", "Mã số thuế chủ thể", "Producer tax code", Cell::TaxCode, true),
    col("name", "Tên sản phẩm", "Product name", Cell::Text, true),
    col("sheet", "Bộ tiêu chí", "Criteria sheet", Cell::Digits(2), true),
    col("gtin", "GTIN", "GTIN", Cell::Text, false),
    col("description", "Mô tả", "Description", Cell::Text, false),
    col("ingredients", "Thành phần", "Ingredients", Cell::Text, false),
    col("packaging", "Quy cách đóng gói", "Packaging", Cell::Text, false),
    col("price", "Giá bán (đồng)", "Price (đồng)", Cell::Number, false),
    col("capacity", "Năng lực sản xuất", "Production capacity", Cell::Text, false),
    col("year", "Năm đánh giá", "Evaluation year", Cell::Number, false),
    col("rank", "Hạng sao", "Stars", Cell::Text, false),
    col("certificate_number", "Số giấy chứng nhận", "Certificate number", Cell::Text, false),
    col("decision_number", "Số quyết định", "Decision number", Cell::Text, false),
    col("decision_date", "Ngày quyết định", "Decision date", Cell::Date, false),
    col("issued_on", "Ngày cấp", "Issued on", Cell::Date, false),
    col("expires_on", "Ngày hết hạn", "Expires on", Cell::Date, false),
    col("revoked_on", "Ngày thu hồi", "Revoked on", Cell::Date, false),
    col("revocation_ground", "Lý do thu hồi", "Revocation ground", Cell::Text, false),
    col("criteria_version", "Theo quyết định", "Criteria decision", Cell::Text, false),
];

/// Which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Producers,
    Products,
}

impl Kind {
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Producers => PRODUCERS,
            Kind::Products => PRODUCTS,
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "producers" => Some(Kind::Producers),
            "products" => Some(Kind::Products),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Producers => "producers",
            Kind::Products => "products",
        }
    }
}

/// The column a header names, if any.
pub fn column_for(columns: &'static [Column], header: &str) -> Option<&'static Column> {
    let h = fold(header);
    columns.iter().find(|c| h == c.key || h == fold(c.vi) || h == fold(c.en))
}

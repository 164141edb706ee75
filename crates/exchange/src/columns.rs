//! The columns of each kind of file, in template order. Headers are read in Vietnamese, in
//! English, as the machine key or as another name offices use; diacritics and case do not matter.

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
    /// A column that names the record (a file needs at least one of them); the others may be
    /// left out, and a record the file matches keeps what they would hold.
    pub names: bool,
    /// Other headers offices give it, folded ("tinh", "sdt").
    pub aliases: &'static [&'static str],
}

const fn col(key: &'static str, vi: &'static str, en: &'static str, cell: Cell, names: bool) -> Column {
    Column { key, vi, en, cell, names, aliases: &[] }
}

impl Column {
    const fn or(self, aliases: &'static [&'static str]) -> Column {
        Column { aliases, ..self }
    }
}

pub const PRODUCERS: &[Column] = &[
    col("code", "Mã chủ thể", "Producer code", Cell::Text, true),
    col("tax_code", "Mã số thuế", "Tax code", Cell::TaxCode, true).or(&["mst", "ma so thue/cccd"]),
    col("name", "Tên chủ thể", "Producer name", Cell::Text, true).or(&[
        "ten co so",
        "ten htx",
        "ten doanh nghiep",
        "ten chu the san xuat",
        "chu the",
        "ten",
    ]),
    col("legal_type", "Loại hình", "Legal type", Cell::Text, false).or(&["loai hinh chu the", "hinh thuc"]),
    col("representative", "Người đại diện", "Representative", Cell::Text, false).or(&["chu co so", "dai dien"]),
    col("phone", "Điện thoại", "Phone", Cell::Phone, false).or(&["so dien thoai", "sdt", "dien thoai lien he"]),
    col("email", "Email", "E-mail", Cell::Text, false).or(&["thu dien tu"]),
    col("province", "Mã tỉnh", "Province code", Cell::Digits(2), false).or(&["tinh", "tinh/thanh pho", "tinh thanh"]),
    col("commune", "Mã xã", "Commune code", Cell::Digits(5), false).or(&["xa", "xa/phuong", "phuong/xa", "xa phuong"]),
    col("street", "Địa chỉ chi tiết", "Street address", Cell::Text, false).or(&["dia chi", "thon/xom", "so nha"]),
    col("old_district", "Mã huyện cũ", "Old district code", Cell::Digits(3), false).or(&[
        "huyen cu",
        "quan/huyen cu",
        "huyen",
        "quan/huyen",
    ]),
    col("old_commune", "Mã xã cũ", "Old commune code", Cell::Digits(5), false).or(&["xa cu", "xa/phuong cu"]),
    col("established_on", "Ngày thành lập", "Established on", Cell::Date, false),
    col("members_count", "Số thành viên", "Members", Cell::Number, false),
    col("sales_channels", "Kênh bán hàng", "Sales channels", Cell::Text, false),
];

pub const PRODUCTS: &[Column] = &[
    col("code", "Mã sản phẩm", "Product code", Cell::Text, true).or(&["ma ocop", "ma san pham ocop"]),
    col("producer_tax_code", "Mã số thuế chủ thể", "Producer tax code", Cell::TaxCode, false)
        .or(&["mst", "ma so thue"]),
    col("producer_code", "Mã chủ thể", "Producer code", Cell::Text, false),
    col("producer_name", "Tên chủ thể", "Producer name", Cell::Text, false).or(&["chu the", "ten co so", "ten htx"]),
    col("producer_commune", "Xã của chủ thể", "Producer's commune", Cell::Text, false).or(&["xa", "xa/phuong"]),
    col("producer_province", "Tỉnh của chủ thể", "Producer's province", Cell::Text, false)
        .or(&["tinh", "tinh/thanh pho"]),
    col("name", "Tên sản phẩm", "Product name", Cell::Text, true).or(&["san pham", "ten san pham ocop"]),
    col("sheet", "Bộ tiêu chí", "Criteria sheet", Cell::Digits(2), false).or(&[
        "nhom san pham",
        "bo san pham",
        "phan nhom",
    ]),
    col("gtin", "GTIN", "GTIN", Cell::Text, false).or(&["ma vach", "ma gtin"]),
    col("description", "Mô tả", "Description", Cell::Text, false),
    col("ingredients", "Thành phần", "Ingredients", Cell::Text, false),
    col("packaging", "Quy cách đóng gói", "Packaging", Cell::Text, false).or(&["quy cach"]),
    col("price", "Giá bán (đồng)", "Price (đồng)", Cell::Number, false).or(&["gia ban", "gia"]),
    col("capacity", "Năng lực sản xuất", "Production capacity", Cell::Text, false),
    col("year", "Năm đánh giá", "Evaluation year", Cell::Number, false).or(&["nam", "nam cong nhan"]),
    col("rank", "Hạng sao", "Stars", Cell::Text, false).or(&["so sao", "xep hang", "hang", "ket qua"]),
    col("certificate_number", "Số giấy chứng nhận", "Certificate number", Cell::Text, false).or(&["so gcn"]),
    col("decision_number", "Số quyết định", "Decision number", Cell::Text, false).or(&["quyet dinh", "so qd"]),
    col("decision_date", "Ngày quyết định", "Decision date", Cell::Date, false).or(&["ngay qd"]),
    col("issued_on", "Ngày cấp", "Issued on", Cell::Date, false).or(&["ngay cong nhan"]),
    col("issuer", "Cơ quan cấp", "Issued by", Cell::Text, false).or(&[
        "cap quyet dinh",
        "don vi cap",
        "co quan ban hanh",
    ]),
    col("evidence", "Nguồn ghi nhận", "Evidence", Cell::Text, false).or(&["nguon", "can cu"]),
    col("expires_on", "Ngày hết hạn", "Expires on", Cell::Date, false).or(&["het han"]),
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

/// The column a header names, if any: its key, Vietnamese or English name, then the other names
/// offices give it.
pub fn column_for(columns: &'static [Column], header: &str) -> Option<&'static Column> {
    let h = fold(header);
    columns
        .iter()
        .find(|c| h == c.key || h == fold(c.vi) || h == fold(c.en))
        .or_else(|| columns.iter().find(|c| c.aliases.contains(&h.as_str())))
}

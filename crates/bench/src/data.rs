//! Generated registry rows shaped like an office's spreadsheets: valid codes, Vietnamese names,
//! half of the products with the certificate they hold.

use domain::certificate::expiry;
use domain::gtin::Gtin;
use domain::tax_code::TaxCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_xlsxwriter::{Format, Workbook};
use std::collections::HashSet;

pub struct Producer {
    pub tax_code: String,
    pub name: String,
    pub province: String,
    pub commune: String,
}

impl Producer {
    fn placed(mut self, (province, commune): &(String, String)) -> Self {
        self.province = province.clone();
        self.commune = commune.clone();
        self
    }
}

pub struct Product {
    pub producer: usize,
    pub name: String,
    pub sheet: String,
    pub gtin: Option<String>,
    pub price: i64,
    pub certified: bool,
    pub issued_on: String,
    pub expires_on: String,
    pub stars: u8,
}

pub struct Set {
    pub producers: Vec<Producer>,
    pub products: Vec<Product>,
}

const KINDS: &[&str] = &[
    "Mật ong hoa nhãn",
    "Gạo nếp cái hoa vàng",
    "Bình gốm men lam",
    "Chè búp",
    "Miến dong",
    "Tương nếp",
    "Trà hoa cúc",
    "Lụa tơ tằm",
];
const PLACES: &[&str] =
    &["Đông Anh", "Gia Lâm", "Chương Mỹ", "Thạch Thất", "Ba Vì", "Sóc Sơn", "Mê Linh", "Thường Tín"];

/// `communes`: (province, commune) codes to spread the producers over; `certified_tenths`: how
/// many products in ten hold a certificate.
pub fn generate(communes: &[(String, String)], producers: usize, products: usize, certified_tenths: usize) -> Set {
    let mut rng = StdRng::seed_from_u64(100_000);
    let mut taxes = HashSet::new();
    let producers: Vec<Producer> = (0..producers)
        .map(|i| {
            let tax_code = loop {
                let mut nine = [0u8; 9];
                nine[1] = 1;
                for d in nine.iter_mut().skip(2) {
                    *d = rng.random_range(0..10);
                }
                if let Some(code) = TaxCode::from_nine(nine).map(String::from)
                    && taxes.insert(code.clone())
                {
                    break code;
                }
            };
            Producer {
                tax_code,
                name: format!(
                    "HTX {} {} số {}",
                    KINDS[i % KINDS.len()].split(' ').next().unwrap_or("Nông"),
                    PLACES[i % PLACES.len()],
                    i + 1
                ),
                province: String::new(),
                commune: String::new(),
            }
            .placed(&communes[rng.random_range(0..communes.len())])
        })
        .collect();
    let mut gtins = HashSet::new();
    let products = (0..products)
        .map(|i| {
            let certified = i % 10 < certified_tenths;
            let year = rng.random_range(2019..=2025);
            let issued = time::Date::from_calendar_date(year, time::Month::November, rng.random_range(1..=28))
                .unwrap_or(time::macros::date!(2021 - 11 - 15));
            let gtin = (i % 3 == 0).then(|| {
                loop {
                    let mut twelve = [8u8, 9, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                    for d in twelve.iter_mut().skip(3) {
                        *d = rng.random_range(0..10);
                    }
                    let g = Gtin::from_twelve(&twelve).to_string();
                    if gtins.insert(g.clone()) {
                        break g;
                    }
                }
            });
            Product {
                producer: i % producers.len(),
                name: format!("{} {} lô {}", KINDS[i % KINDS.len()], PLACES[(i / 7) % PLACES.len()], i + 1),
                sheet: format!("{:02}", 1 + i % 26),
                gtin,
                price: rng.random_range(20..2000) * 1000,
                certified,
                issued_on: issued.to_string(),
                expires_on: expiry(issued).to_string(),
                stars: if i % 10 < 6 { 3 } else { 4 },
            }
        })
        .collect();
    Set { producers, products }
}

pub fn producers_csv(set: &Set) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["Mã số thuế", "Tên chủ thể", "Loại hình", "Mã tỉnh", "Mã xã"])?;
    for p in &set.producers {
        w.write_record([p.tax_code.as_str(), &p.name, "HTX", &p.province, &p.commune])?;
    }
    Ok(w.into_inner()?)
}

const PRODUCT_HEADERS: [&str; 9] = [
    "Mã số thuế chủ thể",
    "Tên sản phẩm",
    "Bộ tiêu chí",
    "GTIN",
    "Giá bán (đồng)",
    "Hạng sao",
    "Số giấy chứng nhận",
    "Ngày cấp",
    "Ngày hết hạn",
];

fn product_cells(set: &Set, i: usize, p: &Product) -> [String; 9] {
    let (stars, number, issued, expires) = if p.certified {
        (p.stars.to_string(), format!("BENCH-{i:06}"), p.issued_on.clone(), p.expires_on.clone())
    } else {
        Default::default()
    };
    [
        set.producers[p.producer].tax_code.clone(),
        p.name.clone(),
        p.sheet.clone(),
        p.gtin.clone().unwrap_or_default(),
        p.price.to_string(),
        stars,
        number,
        issued,
        expires,
    ]
}

pub fn products_csv(set: &Set) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(PRODUCT_HEADERS)?;
    for (i, p) in set.products.iter().enumerate() {
        w.write_record(product_cells(set, i, p))?;
    }
    Ok(w.into_inner()?)
}

pub fn products_xlsx(set: &Set) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    let text = Format::new().set_num_format("@");
    for (c, h) in PRODUCT_HEADERS.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).unwrap_or(u16::MAX), *h)?;
    }
    for (i, p) in set.products.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (c, value) in product_cells(set, i, p).iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            if c == 4 {
                ws.write_number(row, u16::try_from(c).unwrap_or(u16::MAX), p.price as f64)?;
            } else {
                ws.write_string_with_format(row, u16::try_from(c).unwrap_or(u16::MAX), value, &text)?;
            }
        }
    }
    wb.save_to_buffer()
}

//! Imports and exports on the backend under test.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::access::Listing;
use domain::place::ProvinceCode;
use exchange::{Format, Kind, Options, Report, export};
use store::audit::Who;
use store::testing::TestDb;
use store::{Db, producers, products};

fn options(good_rows: bool) -> Options {
    Options { import_good_rows: good_rows, ..Options::new(Who::system(), Listing::All, 2026) }
}

async fn run(db: &Db, kind: Kind, bytes: &[u8], options: &Options) -> Report {
    exchange::import::import(db, kind, bytes, options, &|_, _, _| {}).await.expect("import runs")
}

async fn count(db: &Db, table: &str) -> i64 {
    #[derive(sea_orm::FromQueryResult)]
    struct N {
        n: i64,
    }
    use sea_orm::{FromQueryResult, Statement};
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    N::find_by_statement(Statement::from_string(db.conn().get_database_backend(), sql))
        .one(db.conn())
        .await
        .expect("q")
        .expect("row")
        .n
}

const PRODUCERS_CSV: &str = "\u{feff}Mã số thuế,Tên chủ thể,Loại hình,Điện thoại,Mã tỉnh,Mã xã,Mã huyện cũ,Mã xã cũ,Kênh bán hàng\n\
0100233488,HTX Gốm sứ Bát Tràng,HTX,0912345678,01,00577,018,00577,supermarket\n\
0100233480,HTX Sai mã số thuế,HTX,,01,00577,,,\n\
,Hộ kinh doanh Nguyễn Thị Lan,Hộ kinh doanh,01689123456,01,00577,,,\n\
0314409058-002,Chi nhánh Công ty Minh Long,Công ty TNHH,,,,,00001,ecommerce\n\
0100233488,HTX Gốm sứ Bát Tràng (lặp),HTX,,01,00577,,,\n";

#[tokio::test]
async fn a_file_with_errors_reports_every_bad_row_and_imports_nothing() {
    let t = TestDb::new().await;
    let report = run(&t.db, Kind::Producers, PRODUCERS_CSV.as_bytes(), &options(false)).await;
    assert!(!report.written);
    assert_eq!(report.rows, 5);
    let found: Vec<(usize, &str, &str)> = report.errors.iter().map(|e| (e.row, e.field.as_str(), e.code)).collect();
    assert_eq!(
        found,
        [
            (3, "tax_code", "invalid-tax-code-check"),
            (4, "phone", "invalid-phone-old-mobile"),
            (6, "tax_code", "import-duplicate-row"),
        ]
    );
    assert_eq!(count(&t.db, "producer").await, 0, "all or nothing");

    // Asked to, it imports the good rows, and the old commune 00001 (Phúc Xá) leads to Hồng Hà.
    let report = run(&t.db, Kind::Producers, PRODUCERS_CSV.as_bytes(), &options(true)).await;
    assert!(report.written);
    assert_eq!((report.created, report.bad_rows()), (2, 3));
    let branch =
        producers::find_by_tax_code(t.db.conn(), &domain::tax_code::TaxCode::parse("0314409058-002").expect("tax"))
            .await
            .expect("q")
            .expect("imported");
    assert_eq!((branch.commune_code.as_str(), branch.commune_name.as_str()), ("00097", "Phường Hồng Hà"));
    assert_eq!(branch.old_commune_name.as_deref(), Some("Phường Phúc Xá"));
    assert_eq!(branch.old_district_name.as_deref(), Some("Quận Ba Đình"));

    // The same file again changes nothing.
    let again = run(&t.db, Kind::Producers, PRODUCERS_CSV.as_bytes(), &options(true)).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(count(&t.db, "producer").await, 2);
}

#[tokio::test]
async fn an_old_commune_split_between_units_needs_a_person_to_choose() {
    let t = TestDb::new().await;
    let csv = "Tên chủ thể,Loại hình,Mã xã cũ\nHTX Cống Vị,HTX,00007\nHTX Không có,HTX,99999\n";
    let report = run(&t.db, Kind::Producers, csv.as_bytes(), &options(false)).await;
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert_eq!((report.errors[0].row, report.errors[0].code), (2, "invalid-old-commune-split"));
    assert!(report.errors[0].why.args.iter().any(|(k, v)| *k == "units" && v.contains("Phường Ngọc Hà")));
    assert_eq!((report.errors[1].row, report.errors[1].code), (3, "invalid-old-commune-unknown"));
}

#[tokio::test]
async fn a_province_office_imports_only_for_its_province() {
    let t = TestDb::new().await;
    let scoped = Options { scope: Listing::Province(ProvinceCode::parse("79").expect("p")), ..options(false) };
    let csv = "Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\nHTX Hà Nội,HTX,01,00577\n";
    let report = run(&t.db, Kind::Producers, csv.as_bytes(), &scoped).await;
    assert_eq!(report.errors.iter().map(|e| e.code).collect::<Vec<_>>(), ["invalid-outside-scope"]);
}

/// A workbook as an office makes it: codes typed as numbers, dates as Excel dates.
fn products_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format as F, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers = [
        "Mã sản phẩm",
        "Mã số thuế chủ thể",
        "Tên sản phẩm",
        "Bộ tiêu chí",
        "GTIN",
        "Giá bán (đồng)",
        "Hạng sao",
        "Số giấy chứng nhận",
        "Ngày cấp",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).expect("column"), *h).expect("header");
    }
    let date = F::new().set_num_format("dd/mm/yyyy");
    // Row 2: historical, certified 4★ in 2021, tax code typed as a number (leading zero lost).
    ws.write_string(1, 0, "01-00577-007-2021").expect("w");
    ws.write_number(1, 1, 100_233_488.0).expect("w");
    ws.write_string(1, 2, "Bình gốm men lam").expect("w");
    ws.write_number(1, 3, 21.0).expect("w");
    ws.write_number(1, 4, 8_934_563_138_165.0).expect("w");
    ws.write_number(1, 5, 1_250_000.0).expect("w");
    ws.write_string(1, 6, "4 sao").expect("w");
    ws.write_string(1, 7, "HN-2021-0042").expect("w");
    ws.write_datetime_with_format(1, 8, ExcelDateTime::from_ymd(2021, 12, 20).expect("d"), &date).expect("w");
    // Row 3: new, no code: the commune's next number.
    ws.write_string(2, 1, "0100233488").expect("w");
    ws.write_string(2, 2, "Ấm chén men rạn").expect("w");
    ws.write_string(2, 3, "21").expect("w");
    // Row 4: an unknown producer and a bad GTIN.
    ws.write_string(3, 1, "0314409058").expect("w");
    ws.write_string(3, 2, "Không rõ chủ thể").expect("w");
    ws.write_string(3, 3, "04").expect("w");
    ws.write_string(3, 4, "8934563138166").expect("w");
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn products_and_their_certificates_import_from_excel_and_round_trip() {
    let t = TestDb::new().await;
    let producer = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\n0100233488,HTX Gốm sứ Bát Tràng,HTX,01,00577\n";
    assert!(run(&t.db, Kind::Producers, producer.as_bytes(), &options(false)).await.written);

    let report = run(&t.db, Kind::Products, &products_workbook(), &options(false)).await;
    let found: Vec<(usize, &str, &str)> = report.errors.iter().map(|e| (e.row, e.field.as_str(), e.code)).collect();
    assert_eq!(found, [(4, "producer_tax_code", "import-producer-unknown"), (4, "gtin", "invalid-gtin-check")]);
    assert!(!report.written);

    let report = run(&t.db, Kind::Products, &products_workbook(), &options(true)).await;
    assert_eq!((report.created, report.certificates), (2, 1));
    let historical = products::find_by_code(t.db.conn(), "01-00577-007-2021").await.expect("q").expect("imported");
    assert_eq!((historical.stars, historical.price_vnd), (Some(4), Some(1_250_000)));
    assert_eq!(historical.gtin.as_deref(), Some("8934563138165"));
    assert_eq!(historical.criteria_version, "1048/QĐ-TTg", "rated under the decision of its day");
    // Sequences count per commune and year: the imported 2021 code raised 2021's count only.
    let new = products::find_by_code(t.db.conn(), "01-00577-001-2026").await.expect("q");
    assert!(new.is_some(), "the first code of 2026 in the commune");

    let again = run(&t.db, Kind::Products, &products_workbook(), &options(true)).await;
    assert_eq!((again.created, again.updated, again.unchanged, again.certificates), (0, 0, 2, 0));

    // What we export imports back without a change, in both formats.
    for format in [Format::Xlsx, Format::Csv] {
        let file =
            export::products(&t.db, &Listing::All, &Default::default(), time::macros::date!(2026 - 11 - 29), format)
                .await
                .expect("export");
        let back = run(&t.db, Kind::Products, &file, &options(false)).await;
        assert!(back.errors.is_empty(), "{format:?}: {:?}", back.errors);
        assert_eq!((back.created, back.updated, back.unchanged), (0, 0, 2), "{format:?}");
        let file = export::producers(&t.db, &Listing::All, format).await.expect("export");
        let back = run(&t.db, Kind::Producers, &file, &options(false)).await;
        assert_eq!((back.created, back.updated, back.unchanged), (0, 0, 1), "{format:?}: {:?}", back.errors);
    }
    let audit = store::audit::verify(t.db.conn()).await.expect("verify");
    assert!(audit.broken.is_none());
    assert_eq!(audit.entries, count(&t.db, "audit_log").await);
}

#[tokio::test]
async fn templates_read_back_as_empty_files_with_every_column() {
    for kind in [Kind::Producers, Kind::Products] {
        for format in [Format::Xlsx, Format::Csv] {
            let file = export::template(kind, format).expect("template");
            assert_eq!(Format::sniff(&file), format);
            let table = exchange::sheet::read(&file, kind.columns()).expect("readable");
            assert!(
                table.rows.is_empty() && table.ignored.is_empty(),
                "the example row is skipped: {kind:?} {format:?}"
            );
            assert_eq!(table.headers.len(), kind.columns().len(), "every column");
        }
    }
}

/// The template teaches: its example row, once its first cell is cleared, is a valid record of
/// each kind, and the workbook's second sheet lists the values fixed-list columns accept.
#[tokio::test]
async fn a_templates_example_row_imports_once_made_a_row_and_its_values_sheet_lists_the_choices() {
    use calamine::{Reader, Xlsx};
    let t = TestDb::new().await;
    let example = exchange::sheet::EXAMPLE;
    for kind in [Kind::Producers, Kind::Products] {
        let csv = String::from_utf8(export::template(kind, Format::Csv).expect("template")).expect("utf-8");
        assert!(csv.contains(example), "{csv}");
        let untouched = run(&t.db, kind, csv.as_bytes(), &options(false)).await;
        assert!(untouched.errors.is_empty() && untouched.created == 0, "{kind:?}: {:?}", untouched.errors);
        let filled = csv.replace(example, "");
        let report = run(&t.db, kind, filled.as_bytes(), &options(false)).await;
        assert!(report.errors.is_empty(), "{kind:?}: {:?}", report.errors);
        assert_eq!(report.created, 1, "{kind:?}");
    }
    let tax = domain::tax_code::TaxCode::parse("0100233488").expect("tax code");
    let p = producers::find_by_tax_code(t.db.conn(), &tax).await.expect("q").expect("imported");
    assert_eq!(p.sales_channels, "ecommerce,ocop_point", "channels written by their Vietnamese names");
    let xlsx = export::template(Kind::Products, Format::Xlsx).expect("template");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).expect("workbook");
    assert_eq!(book.sheet_names().get(1).map(String::as_str), Some("Giá trị hợp lệ"));
    let values = book.worksheet_range("Giá trị hợp lệ").expect("values sheet");
    let cells: Vec<String> = values.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    for wanted in ["Bộ tiêu chí", "26", "Hạng sao", "5p", "Nguồn ghi nhận", "tin chính thức"] {
        assert!(cells.iter().any(|c| c == wanted), "{wanted} listed: {cells:?}");
    }
}

#[tokio::test]
async fn exported_text_that_looks_like_a_formula_stays_text_and_imports_back() {
    let t = TestDb::new().await;
    let csv = "Tên chủ thể,Loại hình,Mã tỉnh,Mã xã,Người đại diện\n=1+1,HTX,01,00577,@SUM(A1)\n-Hộ Lan,Hộ kinh doanh,01,00577,+84\n";
    assert!(run(&t.db, Kind::Producers, csv.as_bytes(), &options(false)).await.written);

    let file = export::producers(&t.db, &Listing::All, Format::Csv).await.expect("export");
    let text = String::from_utf8(file.clone()).expect("utf-8");
    assert!(text.contains(",'=1+1,") && text.contains("'@SUM(A1)") && text.contains("'-Hộ Lan"), "{text}");
    let back = run(&t.db, Kind::Producers, &file, &options(false)).await;
    assert_eq!((back.created, back.updated, back.unchanged), (0, 0, 2), "{:?}", back.errors);

    // In a workbook the value is kept as it is, as a text cell with Excel's quote prefix.
    let file = export::producers(&t.db, &Listing::All, Format::Xlsx).await.expect("export");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&file)).expect("zip");
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").expect("styles"), &mut styles).expect("read");
    assert!(styles.contains(r#"quotePrefix="1""#), "{styles}");
    let rows = exchange::sheet::read(&file, Kind::Producers.columns()).expect("readable").rows;
    assert!(rows.iter().any(|r| r.get("name") == "=1+1"));
    let back = run(&t.db, Kind::Producers, &file, &options(false)).await;
    assert_eq!((back.created, back.updated, back.unchanged), (0, 0, 2), "{:?}", back.errors);
}

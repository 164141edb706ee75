//! Figures, targets and reports through HTTP: the Hà Nội demo's published split computed on
//! 31/12/2021, 488 dossiers against a plan of 400, the report as a workbook whose numbers are
//! numbers and as a PDF that says them, the targets and the lists behind them, the API, access by
//! place, and bad filters. On the backend `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, Client, PASSWORD, TestApp, province};
use domain::role::{Role, Scope};

async fn login(app: &TestApp, email: &str, role: Role, scope: Scope) -> Client {
    app.user(email, role, scope).await;
    let mut c = app.client();
    assert_eq!(c.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    c
}

async fn producer(app: &TestApp, name: &str, p: &str, c: &str) -> i64 {
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: name.into(),
        province: p.into(),
        commune: c.into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let made = store::producers::create(&tx, &store::audit::Who::system(), &input.parse().expect("producer"), false)
        .await
        .expect("create");
    tx.commit().await.expect("commit");
    made.id
}

fn hanoi() -> Scope {
    Scope::Province { province: province("01") }
}

/// The cell right of the first cell that reads `label`, in a sheet of the workbook.
fn cell_right_of(range: &calamine::Range<calamine::Data>, label: &str) -> calamine::Data {
    for row in range.rows() {
        if row.first().is_some_and(|c| calamine::DataType::get_string(c) == Some(label)) {
            return row.get(1).cloned().unwrap_or(calamine::Data::Empty);
        }
    }
    panic!("no row {label}");
}

#[tokio::test]
async fn the_hanoi_demo_gives_the_published_figures_computed_on_any_page_report_and_api() {
    let app = TestApp::new().await;
    store::demo::load(&app.db.db, 2021).await.expect("demo");
    let mut office = login(&app, "office@hanoi.vn", Role::ProvinceOffice, hanoi()).await;

    let page = office.get("/dashboard?as_of=31/12/2021").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for wanted in ["1.649", "1.098", "534", "chart-stars", "chart-districts", "chart-registrations", "<svg"] {
        assert!(page.text.contains(wanted), "the dashboard shows {wanted}");
    }
    assert!(!page.text.contains("chart-provinces"), "a province's dashboard does not compare provinces");

    let stars = office.get_json("/api/v1/stats/stars?as_of=2021-12-31").await;
    assert_eq!(stars.status, StatusCode::OK, "{}", stars.text);
    let data = &stars.json()["data"];
    assert_eq!(
        (data["five"].as_i64(), data["potential_five"].as_i64(), data["four"].as_i64(), data["three"].as_i64()),
        (Some(4), Some(13), Some(1098), Some(534))
    );
    let rounds = office.get_json("/api/v1/stats/registrations?from=2026-01-01&to=2026-12-31").await.json();
    let rounds = rounds["data"].as_array().expect("rounds").clone();
    assert!(rounds.iter().any(|r| r["plan"] == 400 && r["received"] == 488), "{rounds:?}");

    // The list behind the 5★ bar holds the four products.
    let list = office.get("/dashboard/products?as_of=31/12/2021&class=five").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("id=\"list-total\">4<"), "{}", list.text);

    // The report of 2021 as a workbook: numbers are numbers.
    let xlsx = office.get("/dashboard/report.xlsx?from=2021-01-01&to=2021-12-31").await;
    assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.text);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes.clone())).expect("xlsx");
    assert!(book.sheet_names().len() > 10, "one sheet per table: {:?}", book.sheet_names());
    let summary = book.worksheet_range("Tổng hợp").expect("summary sheet");
    assert_eq!(cell_right_of(&summary, "Sản phẩm OCOP còn hiệu lực ngày 31/12/2021"), calamine::Data::Float(1649.0));
    for (label, n) in [("5 sao", 4.0), ("Tiềm năng 5 sao", 13.0), ("4 sao", 1098.0), ("3 sao", 534.0)] {
        assert_eq!(cell_right_of(&summary, label), calamine::Data::Float(n), "{label}");
    }
    let targets = book.worksheet_range("Mục tiêu").expect("targets sheet");
    assert!(targets.rows().count() >= 10, "a row per target of Hà Nội's plan");

    // The same report as a PDF.
    let pdf = office.get("/dashboard/report.pdf?from=2021-01-01&to=2021-12-31").await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text);
    let text = common::pdf_text(&pdf.bytes, "report.pdf");
    for wanted in [
        "BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH OCOP",
        "Thành phố Hà Nội",
        "1.649",
        "1.098",
        "534",
        "Tiềm năng 5 sao 13",
    ] {
        assert!(text.contains(wanted), "the PDF says {wanted}: {text}");
    }
    let set = domain::stats::TargetSet::parse(domain::stats::shipped()[0].1).expect("hanoi set");
    for t in &set.targets {
        assert!(text.contains(&t.vi), "the PDF names the target {}", t.vi);
    }
    assert!(text.contains("649 ≥ 2.000"), "the 3★ added in 2021 against the plan's 2,000: {text}");

    // The targets page and the list behind a number.
    let targets = office.get("/targets?as_of=31/12/2021").await;
    assert_eq!(targets.status, StatusCode::OK);
    assert!(
        targets.text.contains("Tỷ lệ sản phẩm tiềm năng 5 sao")
            && targets.text.contains("Nền tảng chưa có danh mục làng nghề")
    );
    let members = office.get("/targets/HN-OCOP-2021-2025.1/potential_five_share?as_of=31/12/2021").await;
    assert_eq!(members.status, StatusCode::OK);
    assert!(members.text.contains("id=\"list-total\">4<"), "{}", members.text);
    let api = office.get_json("/api/v1/targets?as_of=2021-12-31").await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text);
    let added = api.json()[0]["targets"].as_array().expect("targets")[0].clone();
    assert_eq!((added["code"].as_str(), added["numerator"].as_i64()), (Some("added_3_star"), Some(649)));

    // The office's home leads with the figures of today.
    let home = office.get("/").await;
    assert!(home.text.contains("id=\"home-figures\""), "{}", home.text);
}

#[tokio::test]
async fn figures_are_read_by_place_and_refused_to_others() {
    let app = TestApp::new().await;
    let hn = producer(&app, "Hợp tác xã Mật ong Bát Tràng", "01", "00577").await;
    common::product(&app, hn, "Mật ong hoa nhãn", None, Cert::Valid).await;
    let hcm = producer(&app, "Hợp tác xã Cà phê Thủ Đức", "79", "25747").await;
    common::product(&app, hcm, "Cà phê rang xay", None, Cert::Valid).await;

    let mut office = login(&app, "office@hanoi.vn", Role::ProvinceOffice, hanoi()).await;
    assert_eq!(office.get("/dashboard?province=79").await.status, StatusCode::FORBIDDEN);
    assert_eq!(office.get_json("/api/v1/stats/stars?province=79").await.status, StatusCode::FORBIDDEN);
    let own = office.get_json("/api/v1/stats/stars").await.json();
    assert_eq!((own["params"]["province"].as_str(), own["data"]["three"].as_i64()), (Some("01"), Some(0)));
    assert_eq!(own["data"].as_object().map(|o| o.values().filter_map(|v| v.as_i64()).sum::<i64>()), Some(1));

    let mut central = login(&app, "tw@ocop.gov.vn", Role::CentralOffice, Scope::National).await;
    let national = central.get("/dashboard").await;
    assert_eq!(national.status, StatusCode::OK);
    assert!(
        national.text.contains("chart-provinces") && national.text.contains("chart-pipeline"),
        "the whole country compares provinces"
    );
    let all = central.get_json("/api/v1/stats/provinces").await.json();
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    let hcm_view = central.get_json("/api/v1/stats/stars?province=79").await.json();
    assert_eq!(hcm_view["params"]["province"].as_str(), Some("79"));
    // The national comparison gives each province the figures of its own view.
    let total = |v: &serde_json::Value| {
        ["five", "potential_five", "four", "three"].iter().filter_map(|k| v[k].as_i64()).sum::<i64>()
    };
    let rows = all["data"].as_array().expect("rows");
    for code in ["01", "79"] {
        let row = rows.iter().find(|r| r["code"] == code).expect("province row");
        let own = central.get_json(&format!("/api/v1/stats/stars?province={code}")).await.json();
        assert_eq!(total(row), total(&own["data"]), "{code}");
        assert_eq!(total(row), 1, "{code}");
    }

    let mut owner = login(
        &app,
        "owner@hanoi.vn",
        Role::Producer,
        Scope::Producer { producer: hn, province: province("01"), commune: common::commune("00577") },
    )
    .await;
    assert_eq!(owner.get("/dashboard").await.status, StatusCode::FORBIDDEN, "producers have no dashboard");
    assert_eq!(owner.get_json("/api/v1/targets").await.status, StatusCode::FORBIDDEN);
    assert!(!owner.get("/").await.text.contains("home-figures"));
    let mut anonymous = app.client();
    let r = anonymous.get("/dashboard").await;
    assert!(r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login"), "{:?}", r.status);
    // Hà Nội's plan is not Hồ Chí Minh City's office's to read.
    let mut south =
        login(&app, "office@hcm.vn", Role::ProvinceOffice, Scope::Province { province: province("79") }).await;
    assert_eq!(south.get("/targets/HN-OCOP-2021-2025.1/added_3_star").await.status, StatusCode::NOT_FOUND);
    assert!(south.get("/targets").await.text.contains("Chưa có bộ mục tiêu nào"));
}

#[tokio::test]
async fn bad_filters_get_a_clear_message() {
    let app = TestApp::new().await;
    let mut office = login(&app, "office@hanoi.vn", Role::ProvinceOffice, hanoi()).await;
    let r = office.get("/dashboard?as_of=32/13/2021").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ngày không hợp lệ"), "{}", r.text);
    let r = office.get("/dashboard?group=XX").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Không có nhóm sản phẩm"), "{}", r.text);
    let r = office.get_json("/api/v1/stats/stars?from=2022-01-01&to=2021-01-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ngày bắt đầu kỳ phải trước ngày kết thúc"), "{}", r.text);
    assert_eq!(office.get_json("/api/v1/stats/nothing").await.status, StatusCode::NOT_FOUND);
    assert_eq!(office.get("/targets?version=nope").await.status, StatusCode::NOT_FOUND);
    // With nothing recorded, every chart says so rather than drawing nothing.
    let empty = office.get("/dashboard").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text.contains("Chưa có số liệu"), "{}", empty.text);
}

//! The registry through HTTP: pages, forms, scopes, search and the JSON API.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Client, TestApp, commune, province};
use domain::certificate::{Stars, expiry};
use domain::registry::{ProducerInput, ProductInput};
use domain::role::{Role, Scope};
use store::audit::Who;
use store::certificates::{self, CertificateFact, Level};
use store::producers::{self, Producer};
use store::products::{self, CodeChoice, Product};
use time::macros::date;

fn input(name: &str, commune_code: &str, tax: &str) -> ProducerInput {
    ProducerInput {
        legal_type: "HTX".into(),
        name: name.into(),
        tax_code: tax.into(),
        province: "01".into(),
        commune: commune_code.into(),
        ..Default::default()
    }
}

async fn producer(app: &TestApp, name: &str, commune_code: &str, old_district: &str) -> Producer {
    let mut i = input(name, commune_code, "");
    i.old_district = old_district.into();
    let d = i.parse().expect("valid producer");
    let tx = app.db.db.write().await.expect("begin");
    let p = producers::create(&tx, &Who::system(), &d, false).await.expect("create");
    tx.commit().await.expect("commit");
    p
}

async fn product(app: &TestApp, producer_id: i64, name: &str, certified: bool) -> Product {
    let set = store::criteria::current().expect("criteria");
    let d = ProductInput { name: name.into(), sheet: "21".into(), ..Default::default() }
        .parse(producer_id, set)
        .expect("valid");
    let tx = app.db.db.write().await.expect("begin");
    let p = products::create(&tx, &Who::system(), &d, CodeChoice::Next { year: 2026 }, &set.version, false)
        .await
        .expect("create");
    if certified {
        let issued = date!(2025 - 10 - 01);
        let fact = CertificateFact {
            number: format!("HN-T-{}", p.id),
            stars: Stars::new(4).expect("stars"),
            level: Level::Province,
            decision_number: "1/QĐ-UBND".into(),
            decision_date: Some(issued),
            signer: String::new(),
            issued_on: issued,
            expires_on: expiry(issued),
            revoked_on: None,
            revocation_ground: None,
            revocation_decision: None,
            criteria_version: "148/QĐ-TTg".into(),
            source: "import",
            issuer_kind: None,
            issuer_name: String::new(),
            evidence: domain::certificate::Evidence::Decision,
        };
        certificates::record(&tx, &Who::system(), p.id, &fact).await.expect("certificate");
    }
    tx.commit().await.expect("commit");
    products::get(app.db.db.conn(), p.id).await.expect("get").expect("exists")
}

#[tokio::test]
async fn searching_without_accents_finds_dong_anh_first() {
    let app = TestApp::new().await;
    let dong_anh = producer(&app, "HTX Rau an toàn Vân Nội", "00430", "017").await;
    producer(&app, "HTX Thanh Long", "00004", "").await;
    producer(&app, "HTX Đồng Tâm", "00577", "018").await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let page = c.get("/producers?q=dong+anh").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("HTX Rau an toàn Vân Nội"), "found through its old district Đông Anh");
    assert!(!page.text.contains("HTX Thanh Long") && !page.text.contains("HTX Đồng Tâm"), "{}", page.text);
    assert!(page.text.contains(&format!("/producers/{}", dong_anh.id)));
}

#[tokio::test]
async fn a_producer_form_reports_each_bad_field_and_a_good_one_is_saved_and_audited() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let bad = c
        .post_form(
            "/producers",
            &[
                ("legal_type", "cooperative"),
                ("name", ""),
                ("tax_code", "0100233480"),
                ("phone", "01689123456"),
                ("province", "01"),
                ("commune", "00577"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in
        ["Trường này là bắt buộc.", "Mã số thuế sai chữ số kiểm tra", "đã được chuyển sang 10 chữ số từ năm 2018"]
    {
        assert!(bad.text.contains(message), "missing {message:?}");
    }
    let elsewhere = c
        .post_form(
            "/producers",
            &[("legal_type", "cooperative"), ("name", "HTX Sài Gòn"), ("province", "79"), ("commune", "25747")],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(elsewhere.text.contains("nằm ngoài phạm vi của bạn"));

    let ok = c
        .post_form(
            "/producers",
            &[
                ("legal_type", "cooperative"),
                ("name", "HTX Gốm sứ Bát Tràng"),
                ("tax_code", "0100233488"),
                ("phone", "0912 345 678"),
                ("province", "01"),
                ("commune", "00577"),
                ("old_district", "018"),
                ("old_commune", "00577"),
                ("sales_channels", "supermarket"),
                ("sales_channels", "ecommerce"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let page = c.get(ok.location()).await;
    assert!(page.text.contains("HTX Gốm sứ Bát Tràng") && page.text.contains("0912345678"));
    // The kinds ticked become the producer's channel records.
    assert!(page.text.contains("Chuỗi siêu thị, trung tâm thương mại") && page.text.contains("Sàn thương mại điện tử"));
    assert!(page.text.contains("Huyện Gia Lâm"), "the old address shows");
    let log = c.get("/admin/audit?entity=producer").await;
    assert!(log.text.contains("producer.create"));
}

#[tokio::test]
async fn a_bad_gtin_is_refused_in_vietnamese_and_a_product_gets_its_code() {
    let app = TestApp::new().await;
    let p = producer(&app, "HTX Mật ong Ba Vì", "09700", "271").await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let path = format!("/products?producer={}", p.id);
    let bad = c
        .post_form(&path, &[("name", "Mật ong rừng"), ("sheet", "04"), ("gtin", "8934563138166"), ("price", "150.000")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Mã GTIN sai chữ số kiểm tra (chữ số cuối phải là 5)."), "{}", bad.text);
    let ok = c
        .post_form(&path, &[("name", "Mật ong rừng"), ("sheet", "04"), ("gtin", "8934563138165"), ("price", "150.000")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = c.get(ok.location()).await;
    assert!(page.text.contains("01-09700-001-2026") && page.text.contains("150.000 ₫"), "{}", page.text);
    assert!(page.text.contains("<dd>8934563138165</dd>"), "shown as printed under the barcode");
    // Stored as GTIN-14: the same number in its 14-digit form is the same GTIN, already taken.
    let again = c.post_form(&path, &[("name", "Mật ong hoa nhãn"), ("sheet", "04"), ("gtin", "08934563138165")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("Mã GTIN này đã gắn với sản phẩm khác."), "{}", again.text);
    let id: i64 = ok.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("product id");
    let found =
        store::products::find_by_gtin(app.db.db.conn(), &domain::gtin::Gtin::parse("08934563138165").expect("gtin"))
            .await
            .expect("lookup")
            .expect("found by its 14-digit form");
    assert_eq!((found.id, found.gtin.as_deref()), (id, Some("8934563138165")));
}

#[tokio::test]
async fn a_stale_product_edit_shows_what_changed() {
    let app = TestApp::new().await;
    let p = producer(&app, "HTX Gốm", "00577", "").await;
    let x = product(&app, p.id, "Bình gốm", false).await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let path = format!("/products/{}", x.id);
    let first = c.post_form(&path, &[("name", "Bình gốm men lam"), ("sheet", "21"), ("version", "1")]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = c.post_form(&path, &[("name", "Bình gốm men rạn"), ("sheet", "21"), ("version", "1")]).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.text.contains("vừa được người khác thay đổi"));
    assert!(second.text.contains("<td>Bình gốm men lam</td><td>Bình gốm men rạn</td>"), "{}", second.text);
}

#[tokio::test]
async fn scopes_decide_who_sees_and_edits_what() {
    let app = TestApp::new().await;
    let here = producer(&app, "HTX Bát Tràng", "00577", "").await;
    let there = producer(&app, "HTX Ba Đình", "00004", "").await;
    let x_here = product(&app, here.id, "Ấm chén", false).await;

    // A commune officer of Bát Tràng reads its commune only, and edits nothing.
    let (mut officer, _) = app.signed_in(Role::CommuneOfficer).await;
    let list = officer.get("/producers").await;
    assert!(list.text.contains("HTX Bát Tràng") && !list.text.contains("HTX Ba Đình"));
    assert_eq!(officer.get(&format!("/producers/{}", there.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(officer.get(&format!("/producers/{}/edit", here.id)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(officer.get("/producers/new").await.status, StatusCode::FORBIDDEN);

    // A producer account edits its own record and products, nobody else's.
    let owner = app
        .user(
            "chu@battrang.vn",
            Role::Producer,
            Scope::Producer { producer: here.id, province: province("01"), commune: commune("00577") },
        )
        .await;
    let mut own = Client::new(app.router.clone());
    own.login(&owner.email, common::PASSWORD).await;
    assert_eq!(own.get(&format!("/producers/{}/edit", here.id)).await.status, StatusCode::OK);
    assert_eq!(own.get(&format!("/products/{}/edit", x_here.id)).await.status, StatusCode::OK);
    assert_eq!(own.get(&format!("/producers/{}/edit", there.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(own.get("/producers/new").await.status, StatusCode::FORBIDDEN);
    let theirs = own.post_form(&format!("/products?producer={}", there.id), &[("name", "X"), ("sheet", "21")]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    // Deleting is the office's.
    let del = own.post_form(&format!("/products/{}/delete", x_here.id), &[("version", "1")]).await;
    assert_eq!(del.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_office_deletes_and_restores() {
    let app = TestApp::new().await;
    let p = producer(&app, "HTX Xóa thử", "00577", "").await;
    let x = product(&app, p.id, "Bình gốm thử", false).await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    // The producer's page asks before deleting, naming what goes with it; scripts off, the
    // server asks on a page of its own and deletes nothing.
    let question = "Xóa chủ thể «HTX Xóa thử» và 1 sản phẩm?";
    assert!(c.get(&format!("/producers/{}", p.id)).await.text.contains(&format!(r#"data-confirm="{question}""#)));
    let asked = c.post_form(&format!("/producers/{}/delete", p.id), &[("version", "1")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.text.contains(question) && asked.text.contains(r#"name="confirmed" value="yes""#), "{}", asked.text);
    assert!(c.get("/producers").await.text.contains(&format!("href=\"/producers/{}\"", p.id)), "still listed");
    let del = c.post_form(&format!("/producers/{}/delete", p.id), &[("version", "1"), ("confirmed", "yes")]).await;
    assert_eq!(del.status, StatusCode::SEE_OTHER);
    let link = format!("href=\"/producers/{}\"", p.id);
    let after = c.get("/producers").await.text;
    assert!(after.contains("Đã xóa chủ thể HTX Xóa thử"), "the flash says so");
    assert!(!after.contains(&link), "gone from the list");
    assert!(c.get("/producers?deleted=on").await.text.contains(&link));
    let restore = c.post_form(&format!("/producers/{}/restore", p.id), &[]).await;
    assert_eq!(restore.status, StatusCode::SEE_OTHER);
    assert!(c.get("/producers").await.text.contains(&link));

    // A product alone: asked with its name and code, deleted once confirmed.
    let x = store::products::get(app.db.db.conn(), x.id).await.expect("read").expect("product");
    let question = format!("Xóa sản phẩm «Bình gốm thử» ({})?", x.code);
    assert!(c.get(&format!("/products/{}", x.id)).await.text.contains(&question));
    let version = x.version.to_string();
    let delete = format!("/products/{}/delete", x.id);
    let asked = c.post_form(&delete, &[("version", &version)]).await;
    assert!(asked.status == StatusCode::OK && asked.text.contains(&question), "{}", asked.text);
    let live = store::products::get(app.db.db.conn(), x.id).await.expect("read").expect("product");
    assert!(live.deleted_at.is_none(), "asking deletes nothing");
    let del = c.post_form(&delete, &[("version", &version), ("confirmed", "yes")]).await;
    assert_eq!(del.status, StatusCode::SEE_OTHER);
    let gone = store::products::get(app.db.db.conn(), x.id).await.expect("read").expect("product");
    assert!(gone.deleted_at.is_some());
}

#[tokio::test]
async fn the_public_sees_certified_products_and_public_fields_only() {
    let app = TestApp::new().await;
    let mut p_in = input("HTX Công khai", "00577", "0100233488");
    p_in.phone = "0912345678".into();
    let tx = app.db.db.write().await.expect("begin");
    let p = producers::create(&tx, &Who::system(), &p_in.parse().expect("valid"), false).await.expect("create");
    tx.commit().await.expect("commit");
    let certified = product(&app, p.id, "Bình gốm có sao", true).await;
    let bare = product(&app, p.id, "Bình gốm chưa xếp hạng", false).await;

    let mut public = app.client();
    let to_catalogue = public.get("/products?q=binh").await;
    assert_eq!((to_catalogue.status, to_catalogue.location()), (StatusCode::SEE_OTHER, "/catalogue?q=binh"));
    let list = public.get("/catalogue").await;
    assert!(list.text.contains("Bình gốm có sao") && !list.text.contains("chưa xếp hạng"));
    assert_eq!(public.get(&format!("/products/{}", certified.id)).await.status, StatusCode::OK);
    assert_eq!(
        public.get(&format!("/products/{}", bare.id)).await.status,
        StatusCode::SEE_OTHER,
        "sign in to see more"
    );
    assert_eq!(public.get("/producers").await.status, StatusCode::SEE_OTHER);

    let json = public.get_json("/api/v1/products?q=binh+gom").await.json();
    assert_eq!(json["total"], 1);
    let item = &json["items"][0];
    assert_eq!((item["name"].as_str(), item["certificate_status"].as_str()), (Some("Bình gốm có sao"), Some("valid")));
    assert!(item.get("version").is_none() && item.get("producer_id").is_none(), "public fields only: {item}");
    let producers_json = public.get_json("/api/v1/producers").await.json();
    assert_eq!(producers_json["total"], 1);
    assert!(producers_json["items"][0].get("tax_code").is_none() && producers_json["items"][0].get("phone").is_none());

    let (mut staff, _) = app.signed_in(Role::ProvinceOffice).await;
    let json = staff.get_json("/api/v1/products?q=binh+gom").await.json();
    assert_eq!(json["total"], 2);
    let producers_json = staff.get_json("/api/v1/producers?q=cong+khai").await.json();
    assert_eq!(producers_json["items"][0]["tax_code"], "0100233488");
}

#[tokio::test]
async fn the_json_api_validates_and_detects_stale_writes() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let bad = c
        .send_json(
            "POST",
            "/api/v1/producers",
            r#"{"legal_type":"HTX","name":"","tax_code":"123","province":"01","commune":"00577"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(fields, ["name", "tax_code"]);
    let broken = c.send_json("POST", "/api/v1/producers", "{not json").await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.json()["error"]["message"].as_str().is_some_and(|m| m.starts_with("Dữ liệu JSON không hợp lệ")));

    let created = c
        .send_json(
            "POST",
            "/api/v1/producers",
            r#"{"legal_type":"cooperative","name":"HTX API","province":"01","commune":"00577"}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_i64().expect("id");
    let update = |version: i64, name: &str| {
        format!(
            r#"{{"version":{version},"legal_type":"cooperative","name":"{name}","province":"01","commune":"00577"}}"#
        )
    };
    let ok = c.send_json("PUT", &format!("/api/v1/producers/{id}"), &update(1, "HTX API mới")).await;
    assert_eq!(ok.status, StatusCode::OK);
    let stale = c.send_json("PUT", &format!("/api/v1/producers/{id}"), &update(1, "HTX API cũ")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let product = c
        .send_json(
            "POST",
            "/api/v1/products",
            &format!(r#"{{"producer_id":{id},"name":"Gốm","sheet":"21","gtin":"8934563138166"}}"#),
        )
        .await;
    assert_eq!(product.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(product.json()["error"]["fields"][0]["code"], "invalid-gtin-check");
}

#[tokio::test]
async fn registry_pages_miss_no_message_in_either_language() {
    let app = TestApp::new().await;
    let p = producer(&app, "HTX Hai thứ tiếng", "00577", "018").await;
    let certified = product(&app, p.id, "Bình gốm", true).await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    for lang in ["vi", "en"] {
        for path in [
            "/producers".to_owned(),
            "/producers/new".to_owned(),
            format!("/producers/{}", p.id),
            format!("/producers/{}/edit", p.id),
            "/products?stars=4&status=valid".to_owned(),
            format!("/products/new?producer={}", p.id),
            format!("/products/{}", certified.id),
            format!("/products/{}/edit", certified.id),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let r = c.get(&format!("{path}{sep}lang={lang}")).await;
            assert_eq!(r.status, StatusCode::OK, "{lang} {path}");
            assert!(!r.text.contains('⟦'), "{lang} {path}: a message is missing: {}", r.text);
        }
    }
}

fn multipart(kind: &str, file: &[u8], good_rows: bool) -> (String, Vec<u8>) {
    let boundary = "----ocop-test-boundary";
    let mut body = Vec::new();
    let mut part = |headers: &str, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part("Content-Disposition: form-data; name=\"kind\"", kind.as_bytes());
    if good_rows {
        part("Content-Disposition: form-data; name=\"good_rows\"", b"on");
    }
    part("Content-Disposition: form-data; name=\"file\"; filename=\"chu-the.csv\"\r\nContent-Type: text/csv", file);
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, kind: &str, file: &[u8], good_rows: bool) -> common::Reply {
    let (content_type, body) = multipart(kind, file, good_rows);
    let req = Request::builder()
        .method("POST")
        .uri("/registry/import")
        .header(header::HOST, common::HOST)
        .header(header::ORIGIN, format!("http://{}", common::HOST))
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, format!("ocop_session={}", c.cookie("ocop_session").unwrap_or_default()))
        .body(Body::from(body))
        .expect("request");
    c.send(req).await
}

#[tokio::test]
async fn the_office_imports_a_spreadsheet_and_reads_the_report() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let csv = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\n0100233488,HTX Gốm,HTX,01,00577\n0100233480,HTX Sai,HTX,01,00577\n";
    let refused = upload(&mut c, "producers", csv.as_bytes(), false).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text.contains("<td>3</td><td>Mã số thuế</td><td>Mã số thuế sai chữ số kiểm tra"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("chưa nhập dòng nào"));
    assert_eq!(store::users::count_all(app.db.db.conn()).await.expect("n"), 1);

    let partly = upload(&mut c, "producers", csv.as_bytes(), true).await;
    assert_eq!(partly.status, StatusCode::OK);
    assert!(
        partly.text.contains("2 dòng: 1 thêm mới, 0 cập nhật, 0 không đổi, 0 giấy chứng nhận, 1 dòng lỗi."),
        "{}",
        partly.text
    );

    let template = c.get("/registry/template/products.xlsx").await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(
        template
            .headers
            .get("content-disposition")
            .is_some_and(|v| v.to_str().is_ok_and(|v| v.contains("mau-products.xlsx")))
    );
    let export = c.get("/registry/export/producers.csv").await;
    assert!(export.text.starts_with('\u{feff}') && export.text.contains("0100233488,HTX Gốm"), "{}", export.text);

    // Producers and commune officers do not import.
    let (mut officer, _) = app.signed_in(Role::CommuneOfficer).await;
    assert_eq!(upload(&mut officer, "producers", csv.as_bytes(), true).await.status, StatusCode::FORBIDDEN);
    assert_eq!(officer.get("/registry/import").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_office_gives_a_producer_an_account_for_its_own_records() {
    let app = TestApp::new().await;
    let p = producer(&app, "HTX Có tài khoản", "00577", "").await;
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let unknown = office
        .post_form(
            "/admin/users",
            &[
                ("email", "chu@htx.vn"),
                ("display_name", "Chủ HTX"),
                ("role", "producer"),
                ("province", "01"),
                ("producer", "999"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text.contains("Không có chủ thể mã 999."));
    let id = p.id.to_string();
    let created = office
        .post_form(
            "/admin/users",
            &[
                ("email", "chu@htx.vn"),
                ("display_name", "Chủ HTX"),
                ("role", "producer"),
                ("province", "01"),
                ("producer", &id),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user = store::users::find_for_login(app.db.db.conn(), "chu@htx.vn").await.expect("q").expect("created").0;
    assert_eq!(user.scope, Scope::Producer { producer: p.id, province: province("01"), commune: commune("00577") });
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(width, height, |x, y| {
        image::Rgb([u8::try_from(x % 256).expect("x"), u8::try_from(y % 256).expect("y"), 90u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

async fn upload_photos(c: &mut Client, product: i64, files: &[(&str, Vec<u8>)]) -> common::Reply {
    let boundary = "----ocop-photo-boundary";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(format!("/products/{product}/photos"))
        .header(header::HOST, common::HOST)
        .header(header::ORIGIN, format!("http://{}", common::HOST))
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::COOKIE, format!("ocop_session={}", c.cookie("ocop_session").unwrap_or_default()))
        .body(Body::from(body))
        .expect("request");
    c.send(req).await
}

#[tokio::test]
async fn photos_are_checked_by_content_thumbnailed_and_served_safely() {
    let app = TestApp::new().await;
    let p = producer(&app, "HTX Ảnh", "00577", "").await;
    let certified = product(&app, p.id, "Bình gốm có ảnh", true).await;
    let bare = product(&app, p.id, "Bình gốm chưa xếp hạng", false).await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;

    // A script named like a photo is refused, by its content; nothing is stored.
    let fake =
        upload_photos(&mut c, certified.id, &[("anh.jpg", b"<html><script>alert(1)</script></html>".to_vec())]).await;
    assert_eq!(fake.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fake.text.contains("anh.jpg: Không phải ảnh JPEG, PNG hay WebP"), "{}", fake.text);
    assert!(store::photos::of_product(app.db.db.conn(), certified.id).await.expect("q").is_empty());

    let ok = upload_photos(&mut c, certified.id, &[("binh-gom.png", png(1200, 900))]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let photos = store::photos::of_product(app.db.db.conn(), certified.id).await.expect("q");
    assert_eq!(photos.len(), 1);
    assert_eq!((photos[0].content_type.as_str(), photos[0].width, photos[0].height), ("image/png", 1200, 900));
    let page = c.get(&format!("/products/{}", certified.id)).await;
    assert!(page.text.contains(&format!("/photos/{}/thumb", photos[0].id)));

    // Anyone may see the photos of a certified product, with headers that keep them images.
    let mut public = app.client();
    let thumb = public.get(&format!("/photos/{}/thumb", photos[0].id)).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("image/jpeg"));
    assert_eq!(thumb.headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
    assert!(thumb.headers.get("content-security-policy").is_some());
    let original = public.get(&format!("/photos/{}", photos[0].id)).await;
    assert_eq!(original.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));

    // Not those of a product the public may not see.
    let hidden = upload_photos(&mut c, bare.id, &[("a.png", png(20, 20))]).await;
    assert_eq!(hidden.status, StatusCode::SEE_OTHER);
    let hidden_id = store::photos::of_product(app.db.db.conn(), bare.id).await.expect("q")[0].id;
    assert_ne!(public.get(&format!("/photos/{hidden_id}/thumb")).await.status, StatusCode::OK);

    let deleted = c.post_form(&format!("/photos/{}/delete", photos[0].id), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(store::photos::of_product(app.db.db.conn(), certified.id).await.expect("q").is_empty());
}

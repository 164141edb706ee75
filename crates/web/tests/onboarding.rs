//! Loading a province's real records through HTTP: certificate numbers with `/` and Vietnamese
//! letters whose links and QR work, old districts of merged provinces listed and kept when a form
//! is saved, certificates of a former district and recognitions known from news on every page,
//! duplicates merged, and the import's upload kept for its sender. On the backend
//! `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Client, PASSWORD, TestApp, province};
use domain::role::{Role, Scope};
use store::audit::Who;

async fn login(app: &TestApp, email: &str, role: Role, scope: Scope) -> Client {
    app.user(email, role, scope).await;
    let mut c = app.client();
    assert_eq!(c.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    c
}

fn office(code: &str) -> Scope {
    Scope::Province { province: province(code) }
}

/// Every `href` of a page that starts with `prefix`, as written.
fn hrefs(html: &str, prefix: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// The value of an attribute inside one tag's text.
fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(tag[start..].split('"').next()?.replace("&amp;", "&").replace("&#x2f;", "/").replace("&#x2F;", "/"))
}

/// What a browser would submit for the form whose `action` is given: its inputs' values and each
/// select's selected option (the first when none is).
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("action=\"{action}\"")).expect("the form");
    let form = &html[start..start + html[start..].find("</form>").expect("form end")];
    let mut fields = Vec::new();
    for tag in form.split('<').skip(1) {
        if let Some(rest) = tag.strip_prefix("input") {
            let (Some(name), kind) = (attr(rest, "name"), attr(rest, "type").unwrap_or_default()) else { continue };
            if (kind == "checkbox" || kind == "radio") && !rest.contains(" checked") {
                continue;
            }
            fields.push((name, attr(rest, "value").unwrap_or_default()));
        } else if let Some(rest) = tag.strip_prefix("select") {
            let name = attr(rest, "name").expect("select name");
            let body = &form[form.find(tag).expect("tag")..];
            let body = &body[..body.find("</select>").expect("select end")];
            let options: Vec<&str> = body.split("<option").skip(1).collect();
            let chosen = options
                .iter()
                .find(|o| o.split('>').next().is_some_and(|t| t.contains(" selected")))
                .or(options.first());
            fields.push((name, chosen.and_then(|o| attr(o, "value")).unwrap_or_default()));
        } else if let Some(rest) = tag.strip_prefix("textarea") {
            let name = attr(rest, "name").expect("textarea name");
            fields.push((name, rest.split_once('>').map(|(_, v)| v.to_owned()).unwrap_or_default()));
        }
    }
    fields
}

#[tokio::test]
async fn a_certificate_number_with_a_slash_and_vietnamese_letters_links_and_verifies() {
    let app = TestApp::new().await;
    let producer = {
        let input = domain::registry::ProducerInput {
            legal_type: "HTX".into(),
            name: "HTX Mật ong Ba Vì".into(),
            province: "01".into(),
            commune: "00004".into(),
            ..Default::default()
        };
        let tx = app.db.db.write().await.expect("begin");
        let p =
            store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false).await.expect("p");
        tx.commit().await.expect("commit");
        p.id
    };
    let product = common::product(&app, producer, "Mật ong hoa nhãn", None, common::Cert::None).await;
    let number = "3981/QĐ-UBND-07";
    let issued = store::evaluation::today() - time::Duration::days(100);
    let tx = app.db.db.write().await.expect("begin");
    let fact = store::certificates::CertificateFact {
        number: number.into(),
        stars: domain::certificate::Stars::new(4).expect("stars"),
        level: store::certificates::Level::Province,
        decision_number: "3981/QĐ-UBND".into(),
        decision_date: Some(issued),
        signer: String::new(),
        issued_on: issued,
        expires_on: domain::certificate::expiry(issued),
        revoked_on: None,
        revocation_ground: None,
        revocation_decision: None,
        criteria_version: "26/2026/QĐ-TTg".into(),
        source: "import",
        issuer_kind: None,
        issuer_name: String::new(),
        evidence: domain::certificate::Evidence::Decision,
    };
    store::certificates::record(&tx, &Who::system(), product.id, &fact).await.expect("certificate");
    tx.commit().await.expect("commit");

    let encoded = "3981%2FQ%C4%90-UBND-07";
    let mut clerk = login(&app, "clerk@hanoi.test", Role::ProvinceOffice, office("01")).await;
    let page = clerk.get(&format!("/products/{}", product.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(hrefs(&page.text, "/certificates/"), [format!("/certificates/{encoded}")]);
    let certificate = clerk.get(&format!("/certificates/{encoded}")).await;
    assert_eq!(certificate.status, StatusCode::OK, "{}", certificate.text);
    assert!(certificate.text.contains(number));
    let links = hrefs(&certificate.text, "/");
    assert!(links.contains(&format!("/certificates/{encoded}/pdf")), "{links:?}");
    assert!(links.contains(&format!("/verify/certificate/{encoded}")), "{links:?}");

    let pdf = clerk.get(&format!("/certificates/{encoded}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let disposition = pdf.headers["content-disposition"].to_str().expect("ascii");
    assert!(disposition.contains("filename*=UTF-8''3981%2FQ%C4%90-UBND-07.pdf"), "{disposition}");
    // The QR's address, printed under it, is the one that verifies (the printed line may wrap
    // at a hyphen, which pdftotext then drops).
    let text = common::pdf_text(&pdf.bytes, "certificate.pdf");
    let verify = format!("/verify/certificate/{encoded}");
    assert!(text.replace([' ', '-'], "").contains(&verify.replace('-', "")), "{text}");
    let mut shopper = app.client();
    let public = shopper.get(&verify).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.text.contains(number) && public.text.contains("Còn hiệu lực"));
    // The raw form with a literal slash is not a certificate: a 404, not someone else's record.
    assert_eq!(shopper.get("/verify/certificate/3981/QĐ-UBND-07").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_merged_province_lists_its_former_provinces_districts_and_a_save_keeps_them() {
    let app = TestApp::new().await;
    // Tuyên Quang (08) took in Hà Giang (02) on 1 July 2025.
    let mut clerk = login(&app, "clerk@tuyenquang.test", Role::ProvinceOffice, office("08")).await;
    let form = clerk.get("/producers/new").await;
    assert!(form.text.contains("Thành phố Hà Giang (Tỉnh Hà Giang cũ)"), "the district named with its former province");
    let created = clerk
        .post_form(
            "/producers",
            &[
                ("legal_type", "HTX"),
                ("name", "HTX Chè Shan tuyết Lũng Phìn"),
                ("province", "08"),
                ("commune", "00691"),
                ("old_district", "024"),
                ("old_commune", "00688"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let id: i64 = created.location().trim_start_matches("/producers/").parse().expect("id");
    let units = clerk.get_json("/api/v1/provinces/08/old-districts").await.json();
    let listed = units.as_array().expect("list").iter().find(|d| d["code"] == "024").expect("024 listed").clone();
    assert_eq!(listed["province_name"], "Tỉnh Hà Giang");

    // Saved again through the edit form as a browser submits it: the old address stays.
    let edit = clerk.get(&format!("/producers/{id}/edit")).await;
    let mut fields = form_fields(&edit.text, &format!("/producers/{id}"));
    fields.retain(|(k, _)| k != "phone");
    fields.push(("phone".into(), "0912345678".into()));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = clerk.post_form(&format!("/producers/{id}"), &borrowed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let stored = store::producers::get(app.db.db.conn(), id).await.expect("read").expect("producer");
    assert_eq!(stored.phone.as_deref(), Some("0912345678"));
    assert_eq!((stored.old_district_code.as_deref(), stored.old_commune_code.as_deref()), (Some("024"), Some("00688")));
}

async fn producer_in(app: &TestApp, name: &str, tax: &str) -> i64 {
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: name.into(),
        tax_code: tax.into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let p = store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false).await.expect("p");
    tx.commit().await.expect("commit");
    p.id
}

fn fact(
    number: &str,
    issued: time::Date,
    issuer: &str,
    evidence: domain::certificate::Evidence,
) -> store::certificates::CertificateFact {
    store::certificates::CertificateFact {
        number: number.into(),
        stars: domain::certificate::Stars::new(4).expect("stars"),
        level: store::certificates::Level::Province,
        decision_number: if evidence.on_file() { number.into() } else { String::new() },
        decision_date: evidence.on_file().then_some(issued),
        signer: String::new(),
        issued_on: issued,
        expires_on: domain::certificate::expiry(issued),
        revoked_on: None,
        revocation_ground: None,
        revocation_decision: None,
        criteria_version: "148/QĐ-TTg".into(),
        source: "import",
        issuer_kind: Some(domain::certificate::IssuerKind::District),
        issuer_name: issuer.into(),
        evidence,
    }
}

#[tokio::test]
async fn a_former_districts_certificate_prints_and_verifies_with_that_authority_and_news_shows_what_is_on_file() {
    let app = TestApp::new().await;
    let producer = producer_in(&app, "HTX Gốm sứ Bát Tràng", "0100233488").await;
    let vase = common::product(&app, producer, "Bình gốm men lam", None, common::Cert::None).await;
    let dish = common::product(&app, producer, "Đĩa gốm vẽ tay", None, common::Cert::None).await;
    let today = store::evaluation::today();
    let issued = today - time::Duration::days(400);
    let tx = app.db.db.write().await.expect("begin");
    let district =
        fact("215/QĐ-UBND", issued, "Ủy ban nhân dân huyện Gia Lâm", domain::certificate::Evidence::Decision);
    store::certificates::record(&tx, &Who::system(), vase.id, &district).await.expect("certificate");
    let news = fact("", issued, "UBND huyện Gia Lâm", domain::certificate::Evidence::News);
    let from_news = store::certificates::record(&tx, &Who::system(), dish.id, &news).await.expect("recognition");
    tx.commit().await.expect("commit");

    let mut clerk = login(&app, "clerk@hanoi.test", Role::ProvinceOffice, office("01")).await;
    // The district's certificate: its authority on the page, the PDF and the public check.
    let page = clerk.get("/certificates/215%2FQ%C4%90-UBND").await;
    assert!(page.text.contains("Ủy ban nhân dân huyện Gia Lâm"), "{}", page.text);
    let pdf = clerk.get("/certificates/215%2FQ%C4%90-UBND/pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = common::pdf_text(&pdf.bytes, "district.pdf");
    assert!(text.contains("ỦY BAN NHÂN DÂN HUYỆN GIA LÂM"), "{text}");
    assert!(text.contains("Gia Lâm, ngày"), "signed where the district sat: {text}");
    assert!(!text.contains("THÀNH PHỐ HÀ NỘI CỘNG HÒA"), "not as if Hà Nội had issued it: {text}");
    let mut shopper = app.client();
    let verify = shopper.get("/verify/certificate/215%2FQ%C4%90-UBND").await;
    assert!(verify.text.contains("Ủy ban nhân dân huyện Gia Lâm"));
    let api = shopper.get_json("/api/v1/certificates/215%2FQ%C4%90-UBND").await.json();
    assert_eq!(
        (api["issuer"].as_str(), api["issuer_kind"].as_str()),
        (Some("Ủy ban nhân dân huyện Gia Lâm"), Some("district"))
    );
    assert_eq!(api["issued_on"].as_str(), Some(issued.to_string().as_str()), "dates as yyyy-mm-dd");

    // The recognition known from news: recognised, with what is on file said, and no PDF.
    let product = clerk.get(&format!("/products/{}", dish.id)).await;
    assert!(product.text.contains("Chưa có số quyết định"), "{}", product.text);
    let number = common_seg(&from_news.number);
    let page = clerk.get(&format!("/certificates/{number}")).await;
    assert!(page.text.contains("quyết định chưa có trong hồ sơ (ghi nhận theo tin chính thức)"));
    assert!(!page.text.contains("/pdf\""), "no certificate to print");
    assert_eq!(clerk.get(&format!("/certificates/{number}/pdf")).await.status, StatusCode::BAD_REQUEST);
    let public = shopper.get(&format!("/p/{}", dish.code)).await;
    assert!(
        public.text.contains("Còn hiệu lực") && public.text.contains("ghi nhận theo tin chính thức"),
        "{}",
        public.text
    );
    let api = shopper.get_json(&format!("/api/v1/certificates/{number}")).await.json();
    assert_eq!((api["evidence"].as_str(), api["decision_on_file"].as_bool()), (Some("news"), Some(false)));
    // The office's worklist of decisions to find.
    let awaiting = clerk.get("/certificates/awaiting").await;
    assert_eq!(awaiting.status, StatusCode::OK);
    assert!(awaiting.text.contains("Đĩa gốm vẽ tay") && !awaiting.text.contains("Bình gốm men lam"));
}

fn common_seg(s: &str) -> String {
    domain::text::url_segment(s)
}

#[tokio::test]
async fn the_office_finds_a_producer_recorded_twice_and_merges_it() {
    let app = TestApp::new().await;
    let keep = producer_in(&app, "HTX Mật ong Ba Vì", "0100233488").await;
    let twice = producer_in(&app, "Hợp tác xã mật ong Ba Vì", "").await;
    common::product(&app, twice, "Mật ong hoa nhãn", None, common::Cert::Valid).await;
    let mut clerk = login(&app, "clerk@hanoi.test", Role::ProvinceOffice, office("01")).await;
    let list = clerk.get("/producers/duplicates").await;
    assert!(list.text.contains(&format!("/producers/{keep}/merge?duplicate={twice}")), "{}", list.text);
    let confirm = clerk.get(&format!("/producers/{keep}/merge?duplicate={twice}")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text.contains("1 sản phẩm"), "the page says what moves");
    let merged = clerk.post_form(&format!("/producers/{keep}/merge"), &[("duplicate", &twice.to_string())]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text);
    let kept = clerk.get(&format!("/producers/{keep}")).await;
    assert!(kept.text.contains("Mật ong hoa nhãn"), "the product moved");
    let gone = clerk.get(&format!("/producers/{twice}")).await;
    assert!(gone.text.contains(&format!("/producers/{keep}")), "the duplicate points at the producer kept");
    // An office of another province may not.
    let mut other = login(&app, "clerk@hue.test", Role::ProvinceOffice, office("46")).await;
    let refused = other.post_form(&format!("/producers/{keep}/merge"), &[("duplicate", &twice.to_string())]).await;
    assert!(matches!(refused.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn an_upload_waits_for_its_mapping_only_for_the_account_that_sent_it() {
    let app = TestApp::new().await;
    let mut clerk = login(&app, "clerk@hanoi.test", Role::ProvinceOffice, office("01")).await;
    let csv = "Tên cơ sở,Loại hình,Tỉnh,Xã,Ghi chú\nHTX Chè Ba Vì,HTX,Hà Nội,Bát Tràng,x\n".as_bytes();
    let sent = clerk
        .upload("/registry/import", &[("kind", "producers"), ("preview", "1")], "file", "danh-sach.csv", csv)
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let step = sent.location().to_owned();
    assert!(step.starts_with("/registry/import/"));
    let page = clerk.get(&step).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Đây là bản xem trước") && page.text.contains("1 thêm mới"), "{}", page.text);
    assert_eq!(
        store::producers::search(
            app.db.db.conn(),
            &domain::access::Listing::All,
            &Default::default(),
            store::Page::default()
        )
        .await
        .expect("list")
        .total,
        0,
        "a preview writes nothing"
    );

    // Another clerk of the same office has no such upload.
    let mut other = login(&app, "other@hanoi.test", Role::ProvinceOffice, office("01")).await;
    let refused = other.post_form(&step, &[("action", "import")]).await;
    assert_eq!((refused.status, refused.location()), (StatusCode::SEE_OTHER, "/registry/import"));
    // Its sender imports it; the upload is then gone.
    let done = clerk.post_form(&step, &[("col-0", "name"), ("col-4", ""), ("action", "import")]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert!(done.text.contains("Đã ghi dữ liệu"));
    assert_eq!(clerk.get(&step).await.location(), "/registry/import");
    let found = store::producers::search(
        app.db.db.conn(),
        &domain::access::Listing::All,
        &Default::default(),
        store::Page::default(),
    )
    .await
    .expect("list");
    assert_eq!((found.total, found.items[0].commune_code.as_str()), (1, "00577"));
}

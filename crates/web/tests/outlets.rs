//! Market outlets through HTTP: the public catalogue and producer pages, sales points, channels,
//! events, buyers' inquiries and the office's figures, with every refusal. On the backend
//! `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, Client, PASSWORD, TestApp, commune, province};
use domain::role::{Role, Scope};
use serde_json::Value;
use store::audit::Who;

/// A honey producer of Đông Anh (Hà Nội) with a 4★ honey, a 3★ tea and an uncertified product,
/// and its account; a producer of Thành phố Hồ Chí Minh with a 4★ product.
struct World {
    producer: i64,
    honey: store::products::Product,
    tea: store::products::Product,
    bare: store::products::Product,
    owner: Client,
    far_producer: i64,
}

async fn producer(app: &TestApp, name: &str, p: &str, c: &str, channels: &str) -> i64 {
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: name.into(),
        province: p.into(),
        commune: c.into(),
        sales_channels: channels.into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let made =
        store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false).await.expect("create");
    tx.commit().await.expect("commit");
    made.id
}

async fn set_stars(app: &TestApp, product: i64, stars: i64) {
    let sql = format!("UPDATE product SET stars = {stars} WHERE id = {product}");
    sea_orm::ConnectionTrait::execute_unprepared(app.db.db.conn(), &sql).await.expect("stars");
}

async fn world(app: &TestApp) -> World {
    // Xã Đông Anh is 00454 since 2025; the honey makers' old district is Huyện Đông Anh.
    let id = producer(app, "Hợp tác xã Mật ong Đông Anh", "01", "00454", "supermarket").await;
    let honey = common::product(app, id, "Mật ong hoa nhãn Đông Anh", Some(common::gtin(3)), Cert::Valid).await;
    let tea = common::product(app, id, "Trà hoa vàng", None, Cert::Valid).await;
    set_stars(app, tea.id, 3).await;
    let bare = common::product(app, id, "Mật ong chưa chứng nhận", None, Cert::None).await;
    let far = producer(app, "Hợp tác xã Cà phê Thủ Đức", "79", "25747", "").await;
    common::product(app, far, "Cà phê rang xay", None, Cert::Valid).await;
    let scope = Scope::Producer { producer: id, province: province("01"), commune: commune("00454") };
    let owner = app.user("htx@donganh.vn", Role::Producer, scope).await;
    let mut client = app.client();
    client.login(&owner.email, PASSWORD).await;
    World { producer: id, honey, tea, bare, owner: client, far_producer: far }
}

fn codes(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .map(|a| a.iter().map(|i| i["code"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_catalogue_finds_by_words_without_accents_filters_and_sorts() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut public = app.client();

    // The words match the honey and (through its maker's name) the tea; never the uncertified one.
    let found = public.get_json("/api/v1/catalogue?q=mat+ong+dong+anh").await.json();
    assert_eq!(codes(&found), [w.honey.code.clone(), w.tea.code.clone()]);
    let four = public.get_json("/api/v1/catalogue?q=mat+ong+dong+anh&stars=4").await.json();
    assert_eq!((codes(&four), four["items"][0]["stars"].as_i64()), (vec![w.honey.code.clone()], Some(4)));
    assert_eq!(public.get_json("/api/v1/catalogue?stars=3").await.json()["total"], 1);
    assert_eq!(codes(&public.get_json("/api/v1/catalogue?stars=3").await.json()), vec![w.tea.code.clone()]);
    let supermarket = public.get_json("/api/v1/catalogue?channel=supermarket").await.json();
    assert_eq!(supermarket["total"], 2, "both products of the producer selling through a chain: {supermarket}");
    assert_eq!(public.get_json("/api/v1/catalogue?channel=ecommerce").await.json()["total"], 0);
    assert_eq!(public.get_json("/api/v1/catalogue?province=79").await.json()["total"], 1);
    assert_eq!(public.get_json("/api/v1/catalogue?legal_type=household").await.json()["total"], 0);
    let by_stars = public.get_json("/api/v1/catalogue?sort=stars&province=01").await.json();
    assert_eq!(codes(&by_stars), [w.honey.code.clone(), w.tea.code.clone()]);

    // The page: cards link to the public product page and the producer's page.
    let page = public.get("/catalogue?q=mat+ong+dong+anh&stars=4").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains(&format!("href=\"/p/{}\"", w.honey.code)) && page.text.contains("Mật ong hoa nhãn Đông Anh")
    );
    assert!(page.text.contains(&format!("href=\"/producers/{}\"", w.producer)));
    assert!(page.text.contains("1 sản phẩm") && !page.text.contains("Trà hoa vàng"));
}

fn json_ld(html: &str) -> Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("a JSON-LD block") + 35;
    let end = start + html[start..].find("</script>").expect("closed");
    serde_json::from_str(&html[start..end]).expect("JSON-LD parses")
}

#[tokio::test]
async fn public_pages_describe_products_and_producers_for_search_engines() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut public = app.client();
    let page = public.get(&format!("/p/{}", w.honey.code)).await;
    let ld = json_ld(&page.text);
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["name"], "Mật ong hoa nhãn Đông Anh");
    let cert = &ld["hasCertification"];
    assert_eq!(
        (cert["@type"].as_str(), cert["certificationRating"]["ratingValue"].as_i64()),
        (Some("Certification"), Some(4))
    );
    let cert_row = store::certificates::find_by_number(app.db.db.conn(), &format!("HN-T-{}", w.honey.id))
        .await
        .expect("read")
        .expect("certificate");
    assert_eq!(cert["expires"], cert_row.expires_on.to_string());
    assert_eq!(cert["validFrom"], cert_row.issued_on.to_string());
    assert_eq!(cert["certificationStatus"], "valid");
    // A product with a GTIN is known by its Digital Link.
    let g14 = domain::gtin::Gtin::parse(w.honey.gtin.as_deref().expect("gtin")).expect("gtin").gtin14();
    assert!(
        page.text.contains(&format!("<link rel=\"canonical\" href=\"http://ocop.test/01/{g14}\">")),
        "{}",
        page.text
    );
    assert!(page.text.contains("og:title"));
    assert!(page.text.contains("id=\"inquiry-form\""), "buyers may ask about a certified product");

    // The producer's public page: its products in force, where it sells; an Organization.
    let maker = public.get(&format!("/producers/{}", w.producer)).await;
    assert_eq!(maker.status, StatusCode::OK);
    assert_eq!(json_ld(&maker.text)["@type"], "Organization");
    assert!(maker.text.contains("Mật ong hoa nhãn Đông Anh") && !maker.text.contains("chưa chứng nhận"));
    assert!(!maker.text.contains("Sửa"), "no staff controls for the public");

    // A producer with nothing in force has no public page: its record needs signing in.
    let empty = producer(&app, "HTX Chưa có sản phẩm", "01", "00577", "").await;
    let r = public.get(&format!("/producers/{empty}")).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, format!("/login?next=%2Fproducers%2F{empty}").as_str())
    );

    let sitemap = public.get("/sitemap.xml").await;
    assert_eq!(
        sitemap.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/xml; charset=utf-8")
    );
    assert!(sitemap.text.contains(&format!("<loc>http://ocop.test/p/{}</loc>", w.honey.code)));
    assert!(sitemap.text.contains(&format!("<loc>http://ocop.test/producers/{}</loc>", w.producer)));
    assert!(!sitemap.text.contains(&w.bare.code), "not certified, not listed");
}

#[tokio::test]
async fn the_office_runs_sales_points_in_its_province_and_the_public_finds_them() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let form = [
        ("kind", "showcase"),
        ("name", "Điểm giới thiệu sản phẩm OCOP Đông Anh"),
        ("commune", "00454"),
        ("street", "Số 2 đường Cao Lỗ"),
        ("operator_name", "HTX Dịch vụ Đông Anh"),
        ("opened_on", "15/03/2023"),
        ("opening_hours", "8:00–21:00"),
        ("phone", "0912345678"),
        ("lat", "21.1367"),
        ("lon", "105.8480"),
    ];
    // Bad input: every field named, nothing written.
    let bad = office
        .post_form(
            "/sales-points",
            &[
                ("kind", "kiosk"),
                ("name", ""),
                ("commune", "00454"),
                ("opened_on", "31/02/2023"),
                ("lat", "48.85"),
                ("lon", "2.35"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("Toạ độ nằm ngoài lãnh thổ Việt Nam") && bad.text.contains("Loại điểm không hợp lệ"),
        "{}",
        bad.text
    );
    assert_eq!(app.client().get_json("/api/v1/sales-points").await.json()["total"], 0);
    // A commune of another province is refused.
    let elsewhere: Vec<(&str, &str)> =
        form.iter().map(|(k, v)| if *k == "commune" { (*k, "25747") } else { (*k, *v) }).collect();
    assert_eq!(office.post_form("/sales-points", &elsewhere).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = office.post_form("/sales-points", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let url = r.location().to_owned();
    let id: i64 = url.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
    let r = office.post_form(&format!("{url}/products"), &[("product", &w.honey.code), ("since", "01/12/2026")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let again = office.post_form(&format!("{url}/products"), &[("product", &w.honey.code)]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "carried already");

    // The public: the list with its map data, the point's page, the API, the product's page.
    let mut public = app.client();
    let list = public.get("/sales-points").await;
    assert!(
        list.text.contains("Điểm giới thiệu sản phẩm OCOP Đông Anh") && list.text.contains("geo:21.136700,105.848000")
    );
    assert!(list.text.contains("\"lat\":21.1367") && list.text.contains("/static/leaflet.js?v="));
    let page = public.get(&url).await;
    assert!(page.text.contains("Mật ong hoa nhãn Đông Anh") && page.text.contains("8:00–21:00"));
    assert_eq!(json_ld(&page.text)["@type"], "Store");
    let api = public.get_json(&format!("/api/v1/sales-points?product={}", w.honey.id)).await.json();
    assert_eq!((api["total"].as_i64(), api["items"][0]["id"].as_i64()), (Some(1), Some(id)));
    let honey = public.get(&format!("/p/{}", w.honey.code)).await.text;
    assert!(honey.contains(&format!("href=\"/sales-points/{id}\"")), "where to buy names the point");

    // Stop carrying: gone from the public page and the API's filter.
    let r = office.post_form(&format!("{url}/products/{}/stop", w.honey.id), &[("until", "02/12/2026")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(public.get_json(&format!("/api/v1/sales-points?product={}", w.honey.id)).await.json()["total"], 0);

    // Refusals: the producer may not, another province's office finds nothing.
    let mut owner = w.owner.clone();
    assert_eq!(owner.post_form("/sales-points", &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(owner.get(&format!("{url}/edit")).await.status, StatusCode::NOT_FOUND);
    let hcm = app.user("hcm@hcm.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("79") }).await;
    let mut other = app.client();
    other.login(&hcm.email, PASSWORD).await;
    assert_eq!(other.get(&format!("{url}/edit")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.post_form(&format!("{url}/products"), &[("product", &w.honey.code)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(public.post_form(&url, &form).await.location(), format!("/login?next=%2F"));

    // The export.
    let x = office.get("/market/export/sales-points.xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK"));
    let audit = store::audit::verify(app.db.db.conn()).await.expect("verify");
    assert!(audit.broken.is_none());
}

#[tokio::test]
async fn producers_keep_their_channels_with_safe_links() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut owner = w.owner.clone();
    let uri = format!("/api/v1/producers/{}/channels", w.producer);
    let bad =
        owner.send_json("POST", &uri, r#"{"kind":"ecommerce","partner":"Shopee","url":"javascript:alert(1)"}"#).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["fields"][0]["code"], "invalid-https-url");
    let made = owner
        .send_json(
            "POST",
            &uri,
            r#"{"kind":"ecommerce","partner":"Shopee","url":"https://shopee.vn/htx-mat-ong","since":"01/03/2024"}"#,
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let mut public = app.client();
    let listed = public.get_json(&uri).await.json();
    let kinds: Vec<&str> = listed.as_array().expect("list").iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(kinds, ["ecommerce", "supermarket"], "{listed}");
    let page = public.get(&format!("/p/{}", w.honey.code)).await.text;
    assert!(
        page.contains(r#"<a href="https://shopee.vn/htx-mat-ong" rel="nofollow noopener" target="_blank">"#),
        "{page}"
    );
    assert_eq!(public.get_json("/api/v1/catalogue?channel=ecommerce").await.json()["total"], 2);

    // Ended channels no longer count; another producer's channels are not this one's to change.
    let id = made.json()["id"].as_i64().expect("id");
    let ended = owner
        .send_json(
            "PUT",
            &format!("{uri}/{id}"),
            r#"{"kind":"ecommerce","partner":"Shopee","since":"01/03/2024","until":"01/06/2024"}"#,
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text);
    assert_eq!(public.get_json("/api/v1/catalogue?channel=ecommerce").await.json()["total"], 0);
    let theirs = format!("/api/v1/producers/{}/channels", w.far_producer);
    assert_eq!(owner.send_json("POST", &theirs, r#"{"kind":"export"}"#).await.status, StatusCode::NOT_FOUND);
    assert_eq!(public.send_json("POST", &uri, r#"{"kind":"export"}"#).await.status, StatusCode::UNAUTHORIZED);

    // On the producer's own page, by form.
    let r = owner
        .post_form(&format!("/producers/{}/channels", w.producer), &[("kind", "export"), ("partner", "Nhật Bản")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let staff = owner.get(&format!("/producers/{}", w.producer)).await.text;
    assert!(staff.contains("Xuất khẩu") && staff.contains("Nhật Bản"));
    let summary = store::producers::get(app.db.db.conn(), w.producer).await.expect("read").expect("producer");
    assert_eq!(summary.sales_channels, "supermarket,export", "the kinds in force, as spreadsheets carry them");
}

#[tokio::test]
async fn events_take_sign_ups_up_to_capacity_and_report_sales() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let today = store::evaluation::today();
    let starts = domain::fmt_date(today + time::Duration::days(30));
    let ends = domain::fmt_date(today + time::Duration::days(34));
    let form = [
        ("name", "Hội chợ OCOP Hà Nội mùa xuân 2027"),
        ("kind", "fair"),
        ("starts_on", starts.as_str()),
        ("ends_on", ends.as_str()),
        ("commune", "00082"),
        ("organiser", "Văn phòng Điều phối OCOP Hà Nội"),
        ("budget", "1.500.000.000"),
        ("capacity", "1"),
    ];
    let bad = office
        .post_form("/events", &[("name", "X"), ("kind", "party"), ("starts_on", &ends), ("ends_on", &starts)])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Loại sự kiện không hợp lệ"));
    let r = office.post_form("/events", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let url = r.location().to_owned();

    // The producer signs up with its honey; the office approves; the event is then full.
    let mut owner = w.owner.clone();
    let page = owner.get(&url).await.text;
    assert!(page.contains("id=\"sign-up\"") && page.contains(&format!("value=\"{}\"", w.honey.id)));
    let r = owner.post_form(&format!("{url}/join"), &[("products", &w.honey.id.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let twice = owner.post_form(&format!("{url}/join"), &[("products", &w.honey.id.to_string())]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let mut public = app.client();
    assert!(!public.get(&url).await.text.contains("Hợp tác xã Mật ong Đông Anh"), "not public before approval");
    let id = store::outlets::events::participants(
        app.db.db.conn(),
        url.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id"),
    )
    .await
    .expect("participants")[0]
        .id;
    let r = office.post_form(&format!("{url}/participants/{id}/decide"), &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(public.get(&url).await.text.contains("Hợp tác xã Mật ong Đông Anh"));
    // Full: another producer is refused, by the office too.
    let second = producer(&app, "HTX Gốm Bát Tràng", "01", "00577", "").await;
    let pot = common::product(&app, second, "Bình gốm men lam", None, Cert::Valid).await;
    let r = office
        .post_form(&format!("{url}/participants"), &[("producer", &second.to_string()), ("product_codes", &pot.code)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("Sự kiện đã đủ 1 chủ thể tham gia"), "{}", r.text);

    // After it, sales and contacts; the public calendar and feed.
    let r = office
        .post_form(&format!("{url}/participants/{id}/report"), &[("sales", "25.000.000"), ("contacts", "7")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let api = public.get_json("/api/v1/events").await.json();
    assert_eq!((api["total"].as_i64(), api["items"][0]["reported_sales_vnd"].as_i64()), (Some(1), Some(25_000_000)));
    let calendar = public.get("/events").await.text;
    assert!(calendar.contains("Hội chợ OCOP Hà Nội mùa xuân 2027"));
    let ics = public.get("/events.ics").await;
    assert_eq!(ics.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/calendar; charset=utf-8"));
    assert!(ics.text.contains("SUMMARY:Hội chợ OCOP Hà Nội mùa xuân 2027\r\n") && ics.text.contains("BEGIN:VEVENT"));
    let event = public.get(&url).await.text;
    assert_eq!(json_ld(&event)["@type"], "Event");
    assert!(!event.contains("1.500.000.000"), "the budget is the office's");

    // Refusals.
    assert_eq!(owner.post_form("/events", &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        owner.post_form(&format!("{url}/participants/{id}/decide"), &[("decision", "reject")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(office.post_form(&format!("{url}/join"), &[("products", "1")]).await.status, StatusCode::FORBIDDEN);
    let x = office.get("/market/export/events.xlsx").await;
    assert_eq!((x.status, x.bytes.starts_with(b"PK")), (StatusCode::OK, true));
}

#[tokio::test]
async fn a_buyer_asks_the_producer_answers_and_the_office_counts_it() {
    let (smtp, mails) = common::relay().await;
    let app = TestApp::with_settings(web::Settings { smtp_url: Some(smtp), ..common::settings() }).await;
    let w = world(&app).await;
    let mut buyer = app.client();
    let ask = format!("/p/{}/inquiries", w.honey.code);
    let good = [
        ("name", "Trần Minh Châu"),
        ("organisation", "Chuỗi Nông sản sạch"),
        ("email", "chau@nongsan.vn"),
        ("quantity", "200 hũ/tháng"),
        ("target_price", "150.000"),
        ("message", "Xin báo giá sỉ mật ong hoa nhãn."),
        ("website", ""),
    ];
    // Refused: no way back, a robot, an uncertified product.
    let no_contact: Vec<(&str, &str)> =
        good.iter().map(|(k, v)| if *k == "email" { (*k, "") } else { (*k, *v) }).collect();
    let r = buyer.post_form(&ask, &no_contact).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Cần ít nhất email hoặc số điện thoại"));
    let robot: Vec<(&str, &str)> =
        good.iter().map(|(k, v)| if *k == "website" { (*k, "http://spam") } else { (*k, *v) }).collect();
    assert_eq!(buyer.post_form(&ask, &robot).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(buyer.post_form(&format!("/p/{}/inquiries", w.bare.code), &good).await.status, StatusCode::NOT_FOUND);
    assert!(
        store::outlets::inquiries::search(
            app.db.db.conn(),
            &domain::access::Listing::Producer(w.producer),
            store::Page::default()
        )
        .await
        .expect("q")
        .items
        .is_empty()
    );

    let r = buyer.post_form(&ask, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let private = r.location().to_owned();
    assert!(private.starts_with("/inquiries/t/") && private.len() > 40, "{private}");
    let thread = buyer.get(&private).await;
    assert_eq!(thread.headers.get("referrer-policy").and_then(|v| v.to_str().ok()), Some("no-referrer"));
    assert!(thread.text.contains("Xin báo giá sỉ mật ong hoa nhãn."));
    assert_eq!(app.client().get("/inquiries/t/0123456789abcdef0123456789abcdef").await.status, StatusCode::NOT_FOUND);

    // The producer sees it in its list and answers.
    let mut owner = w.owner.clone();
    let list = owner.get("/inquiries").await.text;
    assert!(list.contains("Trần Minh Châu") && list.contains("Chờ trả lời"), "{list}");
    let id = store::outlets::inquiries::search(
        app.db.db.conn(),
        &domain::access::Listing::Producer(w.producer),
        store::Page::default(),
    )
    .await
    .expect("q")
    .items[0]
        .id;
    let r = owner
        .post_form(&format!("/inquiries/{id}/reply"), &[("body", "Giá sỉ 160.000 đ/hũ, giao trong 3 ngày.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = owner.post_form(&format!("/inquiries/{id}/settle"), &[("state", "won")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let seen = buyer.get(&private).await.text;
    assert!(seen.contains("Giá sỉ 160.000 đ/hũ") && seen.contains("Đã bán được"), "{seen}");

    // Others do not see it: another producer's account, the office (figures only), the public.
    let other = producer(&app, "HTX Khác", "01", "00577", "").await;
    let stranger = app
        .user(
            "khac@htx.vn",
            Role::Producer,
            Scope::Producer { producer: other, province: province("01"), commune: commune("00577") },
        )
        .await;
    let mut them = app.client();
    them.login(&stranger.email, PASSWORD).await;
    assert_eq!(them.get(&format!("/inquiries/{id}")).await.status, StatusCode::NOT_FOUND);
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    assert_eq!(office.get(&format!("/inquiries/{id}")).await.status, StatusCode::FORBIDDEN);
    let figures = office.get("/market").await.text;
    assert!(figures.contains("<strong id=\"inquiries-total\">1</strong>"), "{figures}");
    assert!(figures.contains("100 %"), "answered within 3 days: {figures}");
    let x = office.get("/market/export/inquiries.xlsx").await;
    assert_eq!((x.status, x.bytes.starts_with(b"PK")), (StatusCode::OK, true));

    // Mail: the producer's account was told, the buyer got its link twice (sent, answered).
    for _ in 0..100 {
        if mails.lock().expect("lock").len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mails = mails.lock().expect("lock").clone();
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert!(mails.iter().any(|m| m.contains("To: htx@donganh.vn")));
    assert_eq!(mails.iter().filter(|m| m.contains("To: chau@nongsan.vn")).count(), 2);
    let notifications = owner.get("/notifications").await.text;
    assert!(notifications.contains("Trần Minh Châu hỏi mua"), "{notifications}");
}

#[tokio::test]
async fn inquiries_are_limited_per_address_and_per_product() {
    let limits = web::limits::RateLimits {
        searches_per_minute: 0,
        scans_per_minute: 0,
        inquiries_per_hour: 2,
        attempts_per_hour: 0,
        reports_per_hour: 0,
    };
    let app =
        TestApp::with_settings(web::Settings { rate_limits: limits, trusted_proxies: 1, ..common::settings() }).await;
    let w = world(&app).await;
    let ask = format!("/p/{}/inquiries", w.honey.code);
    let form = [("name", "Khách"), ("phone", "0912345678"), ("message", "Còn hàng không?")];
    let mut buyer = app.client();
    let from = |c: &mut Client, ip: &'static str| {
        let mut c = c.clone();
        let ask = ask.clone();
        async move {
            let body = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
            let req = axum::http::Request::builder()
                .method("POST")
                .uri(&ask)
                .header("host", common::HOST)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-forwarded-for", ip)
                .body(axum::body::Body::from(body))
                .expect("request");
            c.send(req).await.status
        }
    };
    assert_eq!(from(&mut buyer, "203.0.113.7").await, StatusCode::SEE_OTHER);
    assert_eq!(from(&mut buyer, "203.0.113.7").await, StatusCode::SEE_OTHER);
    assert_eq!(from(&mut buyer, "203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(from(&mut buyer, "198.51.100.1").await, StatusCode::SEE_OTHER, "another address");
}

#[tokio::test]
async fn one_product_takes_at_most_thirty_inquiries_an_hour_from_everyone() {
    let limits = web::limits::RateLimits {
        searches_per_minute: 0,
        scans_per_minute: 0,
        inquiries_per_hour: 0,
        attempts_per_hour: 0,
        reports_per_hour: 0,
    };
    let app = TestApp::with_settings(web::Settings { rate_limits: limits, ..common::settings() }).await;
    let w = world(&app).await;
    let ask = format!("/p/{}/inquiries", w.honey.code);
    let form = [("name", "Khách"), ("phone", "0912345678"), ("message", "Còn hàng không?")];
    let mut buyer = app.client();
    for n in 0..30 {
        assert_eq!(buyer.post_form(&ask, &form).await.status, StatusCode::SEE_OTHER, "inquiry {n}");
    }
    let r = buyer.post_form(&ask, &form).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("Có quá nhiều yêu cầu"));
    let tea = format!("/p/{}/inquiries", w.tea.code);
    assert_eq!(buyer.post_form(&tea, &form).await.status, StatusCode::SEE_OTHER, "another product");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

//! The guarantees a probe of the platform, tried as an attacker and as an operator would, found
//! missing: each test here failed before its fix. On the backend `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, PASSWORD, TestApp, province};
use domain::role::{Role, Scope};
use store::audit::Who;

async fn owner_id(app: &TestApp) -> i64 {
    let (found, _) =
        store::users::find_for_login(app.db.db.conn(), "chu@battrang.vn").await.expect("read").expect("user");
    found.id
}

fn producer_json(version: i64, province: &str, commune: &str) -> String {
    format!(
        r#"{{"version":{version},"legal_type":"cooperative","name":"Hợp tác xã Mật ong Bát Tràng","province":"{province}","commune":"{commune}"}}"#
    )
}

#[tokio::test]
async fn redirect_targets_stay_on_this_site() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for hostile in
        ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%5Cevil.example", "https%3A%2F%2Fevil.example"]
    {
        let r = c.get(&format!("/lang/en?next={hostile}")).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"), "{hostile}");
    }
    app.user("lan@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("01") }).await;
    let r = c
        .post_form("/login", &[("email", "lan@hanoi.gov.vn"), ("password", PASSWORD), ("next", "/\t/evil.example")])
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"));
}

#[tokio::test]
async fn a_producer_cannot_move_its_record_and_certificates_to_another_place() {
    let app = TestApp::new().await;
    let (id, product, mut own) = common::certified_producer(&app).await;
    let uri = format!("/api/v1/producers/{id}");

    // Not to another province, not even to another commune of its own: the office moves records.
    for (p, c) in [("79", "25747"), ("01", "00004")] {
        let r = own.send_json("PUT", &uri, &producer_json(1, p, c)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{p}/{c}: {}", r.text);
        assert_eq!(r.json()["error"]["fields"][0]["field"], "province");
        let form = own
            .post_form(
                &format!("/producers/{id}"),
                &[("version", "1"), ("legal_type", "cooperative"), ("name", "HTX"), ("province", p), ("commune", c)],
            )
            .await;
        assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY, "{p}/{c}");
    }
    // Its own fields it still edits.
    let ok = own.send_json("PUT", &uri, &producer_json(1, "01", "00577")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let stored = store::producers::get(app.db.db.conn(), id).await.expect("read").expect("producer");
    assert_eq!((stored.province_code.as_str(), stored.commune_code.as_str()), ("01", "00577"));

    // The office moves it within its province (its account follows), never out of it.
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let out = office.send_json("PUT", &uri, &producer_json(2, "79", "25747")).await;
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    let moved = office.send_json("PUT", &uri, &producer_json(2, "01", "00004")).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let account = store::users::get(app.db.db.conn(), owner_id(&app).await).await.expect("read").expect("user");
    assert_eq!(account.scope.commune().map(|c| c.as_str()), Some("00004"));

    // The issuing province decides acts on a certificate, wherever the product is now: a record
    // moved by a data fix does not hand its certificate to the other province's office.
    let fix = format!("UPDATE product SET province_code = '79', commune_code = '25747' WHERE id = {}", product.id);
    sea_orm::ConnectionTrait::execute_unprepared(app.db.db.conn(), &fix).await.expect("move");
    let number = format!("HN-T-{}", product.id);
    let other = app.user("hcm@hcm.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("79") }).await;
    let mut hcm = app.client();
    hcm.login(&other.email, PASSWORD).await;
    let revoke = [("ground", "b"), ("number", "12/QĐ-UBND"), ("signed_on", "01/12/2026"), ("signer", "X")];
    let r = hcm.post_form(&format!("/certificates/{number}/revoke"), &revoke).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let page = office.get(&format!("/certificates/{number}")).await;
    assert_eq!(page.status, StatusCode::OK, "the issuing office still reads its certificate");
    let cert = store::certificates::find_by_number(app.db.db.conn(), &number).await.expect("read").expect("cert");
    assert_eq!((cert.revoked_on, cert.issuing_province.as_deref()), (None, Some("01")));
}

/// The most memory this test process has held, in MB.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for path in ["/", "/login", "/products", "/nothing-here", "/api/v1/products", "/static/app.css"] {
        let r = c.get(path).await;
        let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let csp = h("content-security-policy");
        assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "strict-origin-when-cross-origin", "{path}");
        assert!(h("permissions-policy").contains("camera=()"), "{path}");
        assert_eq!(h("strict-transport-security"), "", "no HSTS over plain http");
    }
    // Pages hold no inline script for the policy to block.
    let home = c.get("/").await.text;
    assert!(!home.contains("<script>") && !home.contains(" onclick="), "{home}");

    let https =
        TestApp::with_settings(web::Settings { public_url: "https://ocop.hanoi.gov.vn".into(), ..common::settings() })
            .await;
    let r = https.client().get("/").await;
    assert_eq!(r.headers.get("strict-transport-security").and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
}

#[tokio::test]
async fn nul_bytes_and_broken_text_are_refused_before_the_database() {
    let app = TestApp::new().await;
    let (_, product, _) = common::certified_producer(&app).await;
    let mut public = app.client();
    for path in [
        "/catalogue?q=m%E1%BA%ADt%00",
        "/api/v1/products?q=%00",
        "/api/v1/producers?q=%FF%FE",
        &format!("/p/{}%00", product.code),
        "/units?q=a%00",
    ] {
        let r = public.get(path).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.text);
        assert!(r.text.contains("ký tự không hợp lệ"), "{path}: {}", r.text);
    }
    let login = public.post_form("/login", &[("email", "lan\0@hanoi.gov.vn"), ("password", "x")]).await;
    assert_eq!(login.status, StatusCode::UNPROCESSABLE_ENTITY);

    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let body = r#"{"legal_type":"cooperative","name":"HTX\u0000","province":"01","commune":"00577"}"#;
    let r = office.send_json("POST", "/api/v1/producers", body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "name");
    assert_eq!(office.get_json("/api/v1/producers").await.json()["total"], 1, "nothing written");
}

#[tokio::test]
async fn searches_are_bounded_in_length_and_words() {
    let app = TestApp::new().await;
    let mut public = app.client();
    let thousand_words = ["mat"; 1000].join("+");
    for path in [format!("/catalogue?q={thousand_words}"), format!("/api/v1/products?q={thousand_words}")] {
        let r = public.get(&path).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("Từ khoá tìm kiếm quá dài"), "{}", r.text);
    }
    assert_eq!(public.get("/catalogue?q=mat+ong+dong+anh").await.status, StatusCode::OK);
}

#[tokio::test]
async fn public_searches_and_scans_are_rate_limited_per_address_but_staff_are_not() {
    let limits = web::limits::RateLimits {
        searches_per_minute: 3,
        scans_per_minute: 2,
        inquiries_per_hour: 1,
        attempts_per_hour: 0,
        reports_per_hour: 0,
    };
    let app =
        TestApp::with_settings(web::Settings { rate_limits: limits, trusted_proxies: 1, ..common::settings() }).await;
    let (_, product, _) = common::certified_producer(&app).await;
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    let mut public = app.client();
    for _ in 0..3 {
        assert_eq!(public.get_with("/catalogue?q=mat+ong", &from("203.0.113.7")).await.status, StatusCode::OK);
    }
    let r = public.get_with("/api/v1/products?q=mat+ong", &from("203.0.113.7")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("Có quá nhiều yêu cầu"), "{}", r.text);
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("20"));
    assert_eq!(public.get_with("/catalogue", &from("198.51.100.1")).await.status, StatusCode::OK, "another address");

    let page = format!("/p/{}", product.code);
    assert_eq!(public.get_with(&page, &from("203.0.113.7")).await.status, StatusCode::OK);
    assert_eq!(public.get_with(&page, &from("203.0.113.7")).await.status, StatusCode::OK);
    assert_eq!(public.get_with(&page, &from("203.0.113.7")).await.status, StatusCode::TOO_MANY_REQUESTS);

    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    for _ in 0..5 {
        assert_eq!(office.get_with("/products?q=mat", &from("203.0.113.7")).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn identical_epcis_captures_at_once_both_succeed_and_are_audited() {
    let app = TestApp::new().await;
    let (_, _, owner) = common::certified_producer(&app).await;
    // A product with a GTIN and a lot, owned by the same producer.
    let producer_id = store::products::search(
        app.db.db.conn(),
        &domain::access::Listing::All,
        &store::products::ProductFilter::default(),
        store::evaluation::today(),
        false,
        store::Page::default(),
    )
    .await
    .expect("search")
    .items[0]
        .producer_id;
    let honey = common::product(&app, producer_id, "Mật ong rừng", Some(common::gtin(2)), Cert::Valid).await;
    common::lot(&app, honey.id, "L1").await;
    let g14 = domain::gtin::Gtin::parse(honey.gtin.as_deref().expect("gtin")).expect("gtin").gtin14();
    for round in 0..8 {
        let event = serde_json::json!({
            "type": "ObjectEvent", "eventID": format!("urn:uuid:00000000-0000-4000-8000-0000000001{round:02}"),
            "eventTime": "2026-11-21T09:00:00+07:00", "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
            "bizStep": "shipping",
            "quantityList": [{"epcClass": format!("https://id.gs1.org/01/{g14}/10/L1"), "quantity": 5}],
        })
        .to_string();
        let sends: Vec<_> = (0..2)
            .map(|_| {
                let mut c = owner.clone();
                let body = event.clone().into_bytes();
                tokio::spawn(async move { c.post_body("/api/v1/epcis/events", "application/json", body).await })
            })
            .collect();
        let mut created = 0;
        for send in sends {
            let r = send.await.expect("joined");
            assert!(matches!(r.status, StatusCode::OK | StatusCode::CREATED), "round {round}: {} {}", r.status, r.text);
            created += r.json()["created"].as_i64().unwrap_or(0);
        }
        assert_eq!(created, 1, "round {round}: stored once");
    }
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let audit = office.get("/admin/audit?action=epcis.capture").await;
    assert!(audit.text.contains("epcis.capture"), "{}", audit.text);
    let verified = store::audit::verify(app.db.db.conn()).await.expect("verify");
    assert!(verified.broken.is_none());
}

#[tokio::test]
async fn a_product_never_certified_does_not_show_its_producer_to_the_public() {
    let app = TestApp::new().await;
    let (producer_id, certified, _) = common::certified_producer(&app).await;
    let bare = common::product(&app, producer_id, "Mật ong chưa xếp hạng", None, Cert::None).await;
    let mut public = app.client();
    let page = public.get(&format!("/p/{}", bare.code)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Mật ong chưa xếp hạng") && page.text.contains("Chưa được công nhận OCOP"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("Hợp tác xã Mật ong Bát Tràng") && !page.text.contains("Bát Tràng"), "{}", page.text);
    assert!(page.text.contains("chỉ công khai khi sản phẩm đã được chứng nhận"));
    let shown = public.get(&format!("/p/{}", certified.code)).await;
    assert!(shown.text.contains("Hợp tác xã Mật ong Bát Tràng"));
}

#[tokio::test]
async fn checking_the_current_password_is_throttled_like_signing_in() {
    let app = TestApp::new().await;
    let (mut c, user) = app.signed_in(Role::ProvinceOffice).await;
    for attempt in 1..=5 {
        let r = c
            .post_form(
                "/account/password",
                &[("current", "đoán sai"), ("new", "mật khẩu mới dài"), ("confirm", "mật khẩu mới dài")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
    }
    let r = c
        .post_form(
            "/account/password",
            &[("current", PASSWORD), ("new", "mật khẩu mới dài"), ("confirm", "mật khẩu mới dài")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "even the right one waits now");
    assert!(r.text.contains("Đăng nhập sai quá nhiều lần"), "{}", r.text);
    // The same account cannot sign in elsewhere meanwhile: the same secret was being guessed.
    assert_eq!(app.client().login(&user.email, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_and_metrics_answer_only_on_loopback() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = store::testing::TestDb::new().await;
    let settings = web::Settings { header_read_timeout: std::time::Duration::from_millis(300), ..common::settings() };
    let state = web::AppState::new(db.db.clone(), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(web::serve(listener, state, {
        let stop = stop.clone();
        async move { stop.cancelled().await }
    }));

    let ask = |request: &'static str| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(request.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut out)).await;
        (read.is_ok(), String::from_utf8_lossy(&out).into_owned())
    };
    // Half a request, then silence: the server hangs up instead of waiting for ever.
    let started = std::time::Instant::now();
    let (closed, _) = ask("GET / HTTP/1.1\r\nHost: ocop.test\r\n").await;
    assert!(closed && started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    // A whole request is answered, and a loopback caller with no proxy in between reads metrics.
    let (_, answer) = ask("GET /metrics HTTP/1.1\r\nHost: ocop.test\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("text/plain; version=0.0.4"), "{answer}");
    let (_, forwarded) =
        ask("GET /metrics HTTP/1.1\r\nHost: ocop.test\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n")
            .await;
    assert!(forwarded.starts_with("HTTP/1.1 404"), "{forwarded}");
    stop.cancel();
    server.await.expect("joined").expect("served");
}

#[tokio::test]
async fn markup_typed_into_a_record_is_shown_as_text_on_public_pages() {
    let app = TestApp::new().await;
    let hostile = r#"HTX <script>alert("x")</script><img src=x onerror=alert(1)>"#;
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: hostile.into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let p =
        store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false).await.expect("create");
    tx.commit().await.expect("commit");
    let product = common::product(&app, p.id, "Trà <b>đậm</b> \"vị\"", None, Cert::Valid).await;
    let mut public = app.client();
    for path in [
        format!("/p/{}", product.code),
        "/catalogue?q=tra".to_owned(),
        format!("/verify/certificate/HN-T-{}", product.id),
    ] {
        let r = public.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            !r.text.contains("<script>alert") && !r.text.contains("<img src=x") && !r.text.contains("<b>đậm"),
            "{path}: {}",
            r.text
        );
        assert!(r.text.contains("&#60;b&#62;đậm") || r.text.contains("&#60;script&#62;"), "{path}: {}", r.text);
    }
}

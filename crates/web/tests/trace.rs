//! Traceability over HTTP: every Digital Link path form with its status and content, linksets,
//! label orders and sheets, EPCIS capture and query, the scan buffer and the anomaly alerts.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, Client, PASSWORD, TestApp, commune, gtin, labels, lot, product, province};
use domain::gtin::Gtin;
use domain::role::{Role, Scope};
use serde_json::{Value, json};
use store::audit::Who;
use store::products::Product;
use store::trace::stamps;

struct World {
    producer: i64,
    honey: Product,
    honey_gtin: Gtin,
}

async fn world(app: &TestApp) -> World {
    let w = common::evaluation_world(app).await;
    let honey = product(app, w.producer_id, "Mật ong rừng Ba Vì", Some(gtin(1)), Cert::Valid).await;
    let honey_gtin = Gtin::parse(honey.gtin.as_deref().expect("gtin")).expect("valid");
    World { producer: w.producer_id, honey, honey_gtin }
}

async fn signed_in(app: &TestApp, email: &str, role: Role, scope: Scope) -> Client {
    app.user(email, role, scope).await;
    let mut c = app.client();
    assert_eq!(c.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    c
}

fn producer_scope(w: &World) -> Scope {
    Scope::Producer { producer: w.producer, province: province("01"), commune: commune("00577") }
}

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";

#[tokio::test]
async fn every_digital_link_path_form_answers_with_its_status_and_content() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let g14 = w.honey_gtin.gtin14();
    let lot_id = lot(&app, w.honey.id, "L2611-A").await;
    let (order, serials) = labels(&app, w.honey.id, Some(lot_id), 3).await;
    let mut c = app.client();

    // The product by its GTIN, in the 14-digit form and as stored (13 digits).
    for path in [format!("/01/{g14}"), format!("/01/{}", w.honey_gtin.as_str())] {
        let r = c.get_as(&path, "text/html", PHONE).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains("Mật ong rừng Ba Vì") && r.text.contains("★★★★"), "{path}");
        assert!(r.text.contains("đến hết ngày"), "{path}");
        assert!(r.text.contains(r#"property="og:title""#) && r.text.contains("rel=\"canonical\""));
        assert!(r.headers.get("link").is_some_and(|l| l.to_str().unwrap_or("").contains("rel=\"linkset\"")));
    }
    // A lot, a label, a label of a lot.
    let r = c.get_as(&format!("/01/{g14}/10/L2611-A"), "text/html", PHONE).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Lô L2611-A") && r.text.contains("01/11/2027") && r.text.contains("1.200 hũ"));
    let r = c.get_as(&format!("/01/{g14}/21/{}", serials[0]), "text/html", PHONE).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Tem thật") && r.text.contains("Lô L2611-A"), "a label names its lot");
    assert!(r.text.contains("lần đầu tiên"));
    let r = c.get_as(&format!("/01/{g14}/10/L2611-A/21/{}", serials[1]), "text/html", PHONE).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Tem thật"));

    // Out of order, repeated, bad check digit, not a GTIN: 400 with the reason.
    let r = c.get(&format!("/01/{g14}/21/{}/10/L2611-A", serials[0])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Sai thứ tự") && r.text.contains("«10» phải đứng trước «21»"), "{}", r.text);
    let r = c.get(&format!("/01/{g14}/10/A/10/B")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("xuất hiện hai lần"));
    let wrong = format!("{}{}", &g14[..13], (g14.as_bytes()[13] - b'0' + 1) % 10);
    let r = c.get(&format!("/01/{wrong}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("sai chữ số kiểm tra") && r.text.contains(&format!("phải là {}", &g14[13..])));
    assert_eq!(c.get("/01/12345").await.status, StatusCode::BAD_REQUEST);

    // Unknown GTIN, unknown lot, a serial never issued, another product's serial.
    let r = c.get(&format!("/01/{}", Gtin::parse(&gtin(9)).expect("valid").gtin14())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("không phải nhãn OCOP thật"));
    let r = c.get(&format!("/01/{g14}/10/KHONGCO")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("Không tìm thấy lô hàng này"));
    let r = c.get(&format!("/01/{g14}/21/0000000000000000000A")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("tem này không phải tem thật"));
    let other = product(&app, w.producer, "Mật ong bạc hà", Some(gtin(2)), Cert::Valid).await;
    let (_, other_serials) = labels(&app, other.id, None, 1).await;
    let r = c.get(&format!("/01/{g14}/21/{}", other_serials[0])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a serial of another product is not this product's label");

    // A voided label: 410 with the reason.
    let tx = app.db.db.write().await.expect("begin");
    stamps::void(&tx, &Who::system(), order, Some(&serials[2]), "Tem in hỏng").await.expect("void");
    tx.commit().await.expect("commit");
    let r = c.get(&format!("/01/{g14}/21/{}", serials[2])).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("Tem này đã bị hủy") && r.text.contains("Tem in hỏng"));

    // Revoked, expired, never certified: the status computed today.
    for (n, cert, expect) in
        [(3, Cert::Revoked, "Đã thu hồi"), (4, Cert::Expired, "Hết hạn"), (5, Cert::None, "Chưa được công nhận OCOP")]
    {
        let p = product(&app, w.producer, &format!("Sản phẩm {n}"), Some(gtin(n)), cert).await;
        let path = format!("/01/{}", Gtin::parse(p.gtin.as_deref().expect("gtin")).expect("valid").gtin14());
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains(expect), "{path} should say {expect}");
        assert!(!r.text.contains("★★★★"), "no stars shown without a certificate in force");
    }

    // A recalled lot (its newest event says recalled) shows the red banner.
    let producer = signed_in(&app, "htx@battrang.vn", Role::Producer, producer_scope(&w)).await;
    let mut producer = producer;
    let recall = json!({
        "type": "ObjectEvent", "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "eventTime": "2026-11-20T08:30:00+07:00", "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
        "bizStep": "inspecting", "disposition": "recalled",
        "quantityList": [{"epcClass": format!("https://id.gs1.org/01/{g14}/10/L2611-A")}],
    });
    let r = producer.post_body("/api/v1/epcis/events", "application/json", recall.to_string().into_bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = c.get(&format!("/01/{g14}/21/{}", serials[0])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Lô hàng này đã bị thu hồi") && r.text.contains("id=\"recall\""));
    assert!(!c.get(&format!("/01/{g14}")).await.text.contains("id=\"recall\""), "the product page names no lot");

    // A product without a GTIN has its page by code; English on request.
    let plain = product(&app, w.producer, "Gốm sứ Bát Tràng", None, Cert::Valid).await;
    let r = c.get(&format!("/p/{}", plain.code)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Gốm sứ Bát Tràng"));
    assert_eq!(c.get("/p/01-00577-999-2026").await.status, StatusCode::NOT_FOUND);
    c.get("/lang/en?next=/").await;
    let r = c.get(&format!("/01/{g14}/21/0000000000000000000A")).await;
    assert!(r.text.contains("this label is not genuine"), "{}", r.text);
}

/// RFC 9264 §4.2: `{"linkset": [context objects]}`; a context object has an `anchor` URI and
/// relation types whose values are arrays of target objects with an `href`; target attributes
/// `hreflang` are arrays of strings, `type` and `title` strings.
fn assert_rfc9264(v: &Value) {
    let top = v.as_object().expect("object");
    assert_eq!(top.keys().collect::<Vec<_>>(), vec!["linkset"], "only the linkset member");
    let contexts = top["linkset"].as_array().expect("linkset is an array");
    assert!(!contexts.is_empty());
    for ctx in contexts {
        let ctx = ctx.as_object().expect("context object");
        let anchor = ctx.get("anchor").and_then(Value::as_str).expect("anchor");
        assert!(anchor.starts_with("http://") || anchor.starts_with("https://"), "anchor is a URI");
        for (rel, targets) in ctx.iter().filter(|(k, _)| *k != "anchor") {
            assert!(rel.starts_with("https://gs1.org/voc/"), "extension relation types are URIs: {rel}");
            let targets = targets.as_array().unwrap_or_else(|| panic!("{rel} must be an array"));
            assert!(!targets.is_empty());
            for t in targets {
                let t = t.as_object().expect("target object");
                let href = t.get("href").and_then(Value::as_str).expect("href");
                assert!(href.starts_with("http://"), "{href}");
                for (attr, value) in t {
                    match attr.as_str() {
                        "href" | "type" | "title" => assert!(value.is_string(), "{attr}"),
                        "hreflang" => assert!(value.as_array().is_some_and(|a| a.iter().all(Value::is_string))),
                        other => panic!("unexpected target attribute {other}"),
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn linksets_redirects_and_the_resolver_description() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let g14 = w.honey_gtin.gtin14();
    let mut c = app.client();
    let by_query = c.get(&format!("/01/{g14}?linkType=linkset")).await;
    assert_eq!(by_query.status, StatusCode::OK);
    assert_eq!(by_query.headers["content-type"], "application/linkset+json");
    let by_accept = c.get_as(&format!("/01/{g14}"), "application/linkset+json", "app").await;
    assert_eq!(by_accept.headers["content-type"], "application/linkset+json");
    for r in [&by_query, &by_accept] {
        let v = r.json();
        assert_rfc9264(&v);
        let ctx = &v["linkset"][0];
        assert_eq!(ctx["anchor"], format!("http://ocop.test/01/{g14}"));
        for rel in ["pip", "certificationInfo", "verificationService", "defaultLink"] {
            assert!(ctx.get(format!("https://gs1.org/voc/{rel}")).is_some(), "{rel}");
        }
        assert_eq!(
            ctx["https://gs1.org/voc/certificationInfo"][0]["href"],
            format!("http://ocop.test/verify/certificate/HN-T-{}", w.honey.id)
        );
    }
    let r = c.get(&format!("/01/{g14}?linkType=gs1:certificationInfo")).await;
    assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.location(), format!("http://ocop.test/verify/certificate/HN-T-{}", w.honey.id));
    let r = c.get(&format!("/01/{g14}?linkType=gs1:pip")).await;
    assert_eq!(r.location(), format!("http://ocop.test/p/{}", w.honey.code));
    let r = c.get(&format!("/01/{g14}?linkType=gs1:somethingElse")).await;
    assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.location(), format!("http://ocop.test/verify/01/{g14}"), "unknown link types go to the default");
    let r = c.get_as(&format!("/verify/01/{g14}"), "application/linkset+json", "app").await;
    assert!(r.text.contains("Mật ong rừng Ba Vì"), "the verification service is always the page");
    let r = c.get_json("/.well-known/gs1resolver").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["supportedPrimaryKeys"], json!(["01"]));
}

#[tokio::test]
async fn a_full_scan_buffer_never_fails_a_page_and_buffered_scans_survive_shutdown() {
    let mut settings = common::settings();
    settings.scans.capacity = 3;
    let app = TestApp::with_settings(settings).await;
    let w = world(&app).await;
    let (_, serials) = labels(&app, w.honey.id, None, 1).await;
    let path = format!("/01/{}/21/{}", w.honey_gtin.gtin14(), serials[0]);
    app.state.scan_log().pause();
    let mut c = app.client();
    for _ in 0..10 {
        let r = c.get_as(&path, "text/html", PHONE).await;
        assert_eq!(r.status, StatusCode::OK, "a full buffer never fails the page");
        assert!(r.text.contains("Tem thật"));
    }
    assert_eq!(app.state.scan_log().accepted(), 3);
    assert_eq!(app.state.scan_log().dropped(), 7);
    let stamp = stamps::find(app.db.db.conn(), &serials[0]).await.expect("read").expect("stamp");
    assert_eq!(stamp.scans, 0, "nothing written while the writer is held");
    // A graceful shutdown writes what is buffered.
    app.state.scan_log().shutdown().await;
    let stamp = stamps::find(app.db.db.conn(), &serials[0]).await.expect("read").expect("stamp");
    assert_eq!(stamp.scans, 3);
    assert!(stamp.first_scanned_at.is_some());
}

async fn wait_for_scans(app: &TestApp, serial: &str, n: i64) {
    for _ in 0..200 {
        let s = stamps::find(app.db.db.conn(), serial).await.expect("read").expect("stamp");
        if s.scans >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the scans of {serial} were not written");
}

/// A scan from a client address (the test server trusts one proxy's X-Forwarded-For).
async fn scan_from(c: &mut Client, path: &str, address: &str) -> common::Reply {
    c.get_with(path, &[("accept", "text/html"), ("user-agent", PHONE), ("x-forwarded-for", address)]).await
}

fn alert_settings() -> web::Settings {
    let mut settings = common::settings();
    settings.scans.flush_every = std::time::Duration::from_millis(10);
    settings.scans.rules.max_scans = 4;
    settings.trusted_proxies = 1;
    settings
}

#[tokio::test]
async fn one_machine_cannot_make_a_genuine_label_look_copied() {
    let app = TestApp::with_settings(alert_settings()).await;
    let w = world(&app).await;
    let (_, serials) = labels(&app, w.honey.id, None, 1).await;
    let path = format!("/01/{}/21/{}", w.honey_gtin.gtin14(), serials[0]);
    let mut c = app.client();
    // Thirty reloads and forged places from one machine: Hà Nội, Hồ Chí Minh City, Đà Nẵng, …
    let places = ["21.03,105.85", "10.78,106.70", "16.05,108.20", "20.90,106.70", "12.20,109.20"];
    for i in 0..30 {
        let r = scan_from(&mut c, &format!("{path}?geo={}", places[i % places.len()]), "203.0.113.9").await;
        assert_eq!(r.status, StatusCode::OK);
    }
    wait_for_scans(&app, &serials[0], 30).await;
    let r = scan_from(&mut c, &path, "203.0.113.9").await;
    assert!(r.text.contains("Tem thật") && !r.text.contains("bị quét bất thường"), "{}", r.text);
    assert!(r.text.contains("đây là lần quét thứ 31"), "every scan is counted");
    // Counted, but a raw row is kept only as evidence: the located scans, not the last one.
    wait_for_scans(&app, &serials[0], 31).await;
    let rows = store::trace::scans::places_of(app.db.db.conn(), &serials[0]).await.expect("rows");
    assert_eq!((rows.len(), rows.iter().filter(|(_, cell, _)| cell.is_some()).count()), (30, 30));
    assert!(store::trace::scans::alerts(app.db.db.conn(), None).await.expect("alerts").is_empty(), "no signal at all");
}

#[tokio::test]
async fn copied_labels_warn_the_consumer_when_several_origins_agree_and_the_office_can_clear_it() {
    let app = TestApp::with_settings(alert_settings()).await;
    let w = world(&app).await;
    let (_, serials) = labels(&app, w.honey.id, None, 3).await;
    let g14 = w.honey_gtin.gtin14();
    let mut c = app.client();
    let path = format!("/01/{g14}/21/{}", serials[0]);
    // Two phones half an hour apart at both ends of the country: the office sees it, shoppers
    // are not warned yet (two origins).
    scan_from(&mut c, &format!("{path}?geo=21.03,105.85"), "198.51.100.1").await;
    wait_for_scans(&app, &serials[0], 1).await;
    scan_from(&mut c, &format!("{path}?geo=10.78,106.70"), "198.51.100.2").await;
    wait_for_scans(&app, &serials[0], 2).await;
    let alerts = store::trace::scans::alerts(app.db.db.conn(), None).await.expect("alerts");
    assert_eq!(alerts.iter().map(|a| (a.rule.as_str(), a.public)).collect::<Vec<_>>(), [("impossible_travel", false)]);
    let r = scan_from(&mut c, &path, "198.51.100.3").await;
    assert!(!r.text.contains("bị quét bất thường"), "two origins do not warn shoppers");
    // A third and fourth origin, more places and scans: now shoppers are warned.
    for (i, geo) in ["16.05,108.20", "20.90,106.70", "12.20,109.20"].iter().enumerate() {
        scan_from(&mut c, &format!("{path}?geo={geo}"), &format!("198.51.100.{}", 4 + i)).await;
    }
    wait_for_scans(&app, &serials[0], 6).await;
    let r = scan_from(&mut c, &path, "198.51.100.9").await;
    assert!(r.text.contains("tem này bị quét bất thường"), "{}", r.text);
    assert!(r.text.contains("đây là lần quét thứ 7"));
    let clean = scan_from(&mut c, &format!("/01/{g14}/21/{}", serials[1]), "198.51.100.1").await;
    assert!(!clean.text.contains("bị quét bất thường"));

    let mut office =
        signed_in(&app, "ocop@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("01") }).await;
    let r = office.get("/traceability/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    let grouped = domain::serial::Serial::parse(&serials[0]).expect("serial").grouped();
    assert!(r.text.contains(&grouped));
    assert!(r.text.contains("Quét quá nhiều lần") && r.text.contains("Di chuyển không thể có"), "{}", r.text);
    assert!(r.text.contains("10.8, 106.7"), "the located scans are the evidence");
    assert!(r.text.contains("Đang cảnh báo người mua"));
    let mut hue =
        signed_in(&app, "ocop@hue.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("46") }).await;
    assert!(!hue.get("/traceability/alerts").await.text.contains(&grouped), "another province sees none");
    let mut producer = signed_in(&app, "htx@battrang.vn", Role::Producer, producer_scope(&w)).await;
    assert_eq!(producer.get("/traceability/alerts").await.status, StatusCode::FORBIDDEN);

    // The office clears the alerts as false: the page stops warning at once.
    let alerts = store::trace::scans::alerts(app.db.db.conn(), None).await.expect("alerts");
    let first = alerts[0].id;
    assert_eq!(hue.post_form(&format!("/traceability/alerts/{first}/clear"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        producer.post_form(&format!("/traceability/alerts/{first}/clear"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    for a in &alerts {
        let r = office.post_form(&format!("/traceability/alerts/{}/clear", a.id), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let r = scan_from(&mut c, &path, "198.51.100.10").await;
    assert!(r.text.contains("Tem thật") && !r.text.contains("bị quét bất thường"), "{}", r.text);
    assert!(store::trace::scans::alerts(app.db.db.conn(), None).await.expect("alerts").is_empty());
    let audit = store::audit::verify(app.db.db.conn()).await.expect("verify");
    assert!(audit.broken.is_none());
}

#[tokio::test]
async fn labels_never_issued_get_the_verdict_alone_and_are_logged_for_the_office_a_few_per_address() {
    let mut settings = common::settings();
    settings.scans.flush_every = std::time::Duration::from_millis(10);
    settings.rate_limits.attempts_per_hour = 3;
    settings.trusted_proxies = 1;
    let app = TestApp::with_settings(settings).await;
    let w = world(&app).await;
    let g14 = w.honey_gtin.gtin14();
    let mut c = app.client();
    for i in 0..5 {
        let r =
            scan_from(&mut c, &format!("/01/{g14}/21/00000000000000000{i:02}A?geo=21.03,105.85"), "203.0.113.50").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The verdict alone: no status, stars or shops to reassure a buyer of a fake.
        assert!(r.text.contains("tem này không phải tem thật") && r.text.contains("Sản phẩm thật trông như thế này"));
        assert!(r.text.contains("Mật ong rừng Ba Vì"), "what the genuine product is");
        for absent in ["certificate-status", "Còn hiệu lực", "★", "where-to-buy", "inquiry-form"] {
            assert!(!r.text.contains(absent), "{absent} on a fake label's page");
        }
        assert_eq!(r.text.matches("<h1").count(), 1);
    }
    scan_from(&mut c, &format!("/01/{g14}/10/KHONGCO"), "203.0.113.51").await;
    let attempts = || async {
        store::trace::scans::attempts(app.db.db.conn(), Some("01"), 0)
            .await
            .expect("attempts")
            .iter()
            .map(|g| g.attempts)
            .sum::<i64>()
    };
    for _ in 0..200 {
        if attempts().await >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(attempts().await, 4, "three of the first address, one of the second");
    let mut office =
        signed_in(&app, "ocop@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("01") }).await;
    let r = office.get("/traceability/alerts").await;
    assert!(r.text.contains("4 lượt quét tem không do hệ thống cấp"), "{}", r.text);
    assert!(r.text.contains("21.0, 105.9") && r.text.contains("Không rõ"), "by place");
}

#[tokio::test]
async fn a_voided_label_shows_as_voided_at_once_on_the_instance_that_voided_it() {
    let mut settings = common::settings();
    settings.public_cache_ttl = std::time::Duration::from_secs(600);
    let app = TestApp::with_settings(settings).await;
    let w = world(&app).await;
    let (order, serials) = labels(&app, w.honey.id, None, 2).await;
    let path = format!("/01/{}/21/{}", w.honey_gtin.gtin14(), serials[0]);
    let mut c = app.client();
    for _ in 0..3 {
        assert!(c.get_as(&path, "text/html", PHONE).await.text.contains("Tem thật"), "genuine until voided");
    }
    let mut producer = signed_in(&app, "htx@battrang.vn", Role::Producer, producer_scope(&w)).await;
    let r = producer
        .post_form(
            &format!("/stamp-orders/{order}/void"),
            &[("serial", &serials[0]), ("reason", "Tem bị mất"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = c.get_as(&path, "text/html", PHONE).await;
    assert_eq!(r.status, StatusCode::GONE, "the void shows on the next scan");
    assert!(r.text.contains("Tem này đã bị hủy") && r.text.contains("Tem bị mất"));
    assert!(!r.text.contains("Còn hiệu lực"));
}

#[tokio::test]
async fn a_void_on_another_instance_shows_within_the_poll_interval() {
    let mut settings = common::settings();
    settings.public_cache_ttl = std::time::Duration::from_millis(200);
    let app = TestApp::with_settings(settings).await;
    let w = world(&app).await;
    let (order, serials) = labels(&app, w.honey.id, None, 1).await;
    let path = format!("/01/{}/21/{}", w.honey_gtin.gtin14(), serials[0]);
    let mut here = app.client();
    assert!(here.get_as(&path, "text/html", PHONE).await.text.contains("Tem thật"));
    let other = app.another_instance().await;
    app.user("htx@battrang.vn", Role::Producer, producer_scope(&w)).await;
    let mut producer = app.client().on(other);
    assert_eq!(producer.login("htx@battrang.vn", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let r = producer
        .post_form(
            &format!("/stamp-orders/{order}/void"),
            &[("serial", &serials[0]), ("reason", "Mất"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mut status = StatusCode::OK;
    for _ in 0..40 {
        status = here.get_as(&path, "text/html", PHONE).await.status;
        if status == StatusCode::GONE {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::GONE, "the other instance's void shows here within the poll");
}

#[tokio::test]
async fn label_orders_are_approved_by_the_office_and_print_as_a_pdf_sheet() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut producer = signed_in(&app, "htx@battrang.vn", Role::Producer, producer_scope(&w)).await;
    let mut office =
        signed_in(&app, "ocop@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("01") }).await;
    let labels_page = format!("/products/{}/labels", w.honey.id);

    // A lot, then bad orders are refused with a message and change nothing.
    let r = producer
        .post_form(&format!("/products/{}/lots", w.honey.id), &[("code", "L 26/11 Ạ"), ("produced_on", "20/11/2026")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Mã lô tối đa 20 ký tự"));
    let r = producer
        .post_form(&format!("/products/{}/lots", w.honey.id), &[("code", "L2611-B"), ("produced_on", "20/11/2026")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = producer.post_form(&format!("/products/{}/stamp-orders", w.honey.id), &[("quantity", "0")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Số tem phải từ 1 đến 100000"), "{}", r.text);
    assert!(stamps::orders_of_product(app.db.db.conn(), w.honey.id).await.expect("orders").is_empty());

    let lot = store::trace::lots::find(app.db.db.conn(), w.honey.id, "L2611-B").await.expect("read").expect("lot");
    let r = producer
        .post_form(
            &format!("/products/{}/stamp-orders", w.honey.id),
            &[("quantity", "45"), ("lot", &lot.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let order = stamps::orders_of_product(app.db.db.conn(), w.honey.id).await.expect("orders").remove(0);
    assert_eq!((order.state.as_str(), order.quantity), ("requested", 45));
    assert_eq!(producer.get(&format!("/stamp-orders/{}/labels.pdf", order.id)).await.status, StatusCode::CONFLICT);
    let r = producer.post_form(&format!("/stamp-orders/{}/decide", order.id), &[("decision", "issue")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a producer cannot approve its own labels");
    let mut hue =
        signed_in(&app, "ocop@hue.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("46") }).await;
    let r = hue.post_form(&format!("/stamp-orders/{}/decide", order.id), &[("decision", "issue")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(office.get(&labels_page).await.text.contains("Duyệt và cấp tem"));
    let r = office.post_form(&format!("/stamp-orders/{}/decide", order.id), &[("decision", "issue")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = office.post_form(&format!("/stamp-orders/{}/decide", order.id), &[("decision", "reject")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "decided once");
    let serials = stamps::serials(app.db.db.conn(), order.id, -1, 100).await.expect("serials");
    assert_eq!(serials.len(), 45);
    let distinct: std::collections::BTreeSet<_> = serials.iter().map(|s| &s.1).collect();
    assert_eq!(distinct.len(), 45);

    // The sheet: 45 labels on 3-by-5 grids make 3 pages; each label's serial is printed.
    assert_eq!(
        producer.get(&format!("/stamp-orders/{}/labels.pdf?columns=30", order.id)).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = producer.get(&format!("/stamp-orders/{}/labels.pdf?columns=3&rows=5", order.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    let file = dir.join(format!("label-sheet-{}.pdf", std::process::id()));
    std::fs::write(&file, &r.bytes).expect("write");
    let info = std::process::Command::new("pdfinfo").arg(&file).output().expect("pdfinfo (poppler-utils) installed");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.split_whitespace().nth(1) == Some("3")), "{info}");
    let text = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    for (_, serial, _) in &serials {
        assert!(text.contains(&domain::serial::Serial::parse(serial).expect("serial").grouped()), "{serial}");
    }
    assert!(text.contains("Lô L2611-B"), "{text}");

    // Voiding: one label, with a reason; the public page (already read once) then says so.
    let label = format!("/01/{}/21/{}", w.honey_gtin.gtin14(), serials[0].1);
    assert_eq!(app.client().get(&label).await.status, StatusCode::OK);
    let r = producer
        .post_form(&format!("/stamp-orders/{}/void", order.id), &[("serial", &serials[0].1), ("reason", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let void = format!("/stamp-orders/{}/void", order.id);
    let asked = producer.post_form(&void, &[("serial", &serials[0].1), ("reason", "Tem rách")]).await;
    assert_eq!(asked.status, StatusCode::OK, "asked first");
    assert!(asked.text.contains(&format!("Hủy tem {}?", serials[0].1)), "{}", asked.text);
    assert_eq!(app.client().get(&label).await.status, StatusCode::OK, "nothing voided yet");
    let r = producer.post_form(&void, &[("serial", &serials[0].1), ("reason", "Tem rách"), ("confirmed", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.client().get(&label).await;
    assert_eq!(page.status, StatusCode::GONE, "a write on this instance clears the cached label");
    assert!(producer.get(&labels_page).await.text.contains("1 tem đã hủy"));
}

#[tokio::test]
async fn epcis_events_are_captured_all_or_nothing_idempotently_and_queried() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let g14 = w.honey_gtin.gtin14();
    lot(&app, w.honey.id, "L2611-C").await;
    let mut producer = signed_in(&app, "htx@battrang.vn", Role::Producer, producer_scope(&w)).await;
    let event = |id: &str, step: &str, time: &str| {
        json!({
            "type": "ObjectEvent", "eventID": format!("urn:uuid:00000000-0000-4000-8000-00000000000{id}"),
            "eventTime": time, "eventTimeZoneOffset": "+07:00", "action": "OBSERVE", "bizStep": step,
            "quantityList": [{"epcClass": format!("https://id.gs1.org/01/{g14}/10/L2611-C"), "quantity": 50}],
            "bizLocation": {"id": "urn:ocop:sales-point:01-007"},
        })
    };
    let post = |c: &mut Client, body: Value| {
        let mut c = c.clone();
        async move { c.post_body("/api/v1/epcis/events", "application/json", body.to_string().into_bytes()).await }
    };
    let shipping = event("1", "shipping", "2026-11-21T09:00:00+07:00");
    assert_eq!(post(&mut producer, shipping.clone()).await.status, StatusCode::CREATED);
    let again = post(&mut producer, shipping.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "the same event twice changes nothing");
    assert_eq!(again.json()["unchanged"], 1);
    let mut changed = shipping.clone();
    changed["bizStep"] = json!("receiving");
    let r = post(&mut producer, changed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("đã được ghi với nội dung khác"), "{}", r.text);

    // A document with one bad event stores none of them.
    let mut bad = event("3", "dancing", "2026-11-22T09:00:00+07:00");
    bad["bizStep"] = json!("dancing");
    let doc = json!({"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"], "type": "EPCISDocument",
        "schemaVersion": "2.0", "creationDate": "2026-11-22T10:00:00+07:00",
        "epcisBody": {"eventList": [event("2", "receiving", "2026-11-22T08:00:00+07:00"), bad]}});
    let r = post(&mut producer, doc).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "events[1]");
    let unknown = event("4", "shipping", "2026-11-22T09:00:00+07:00");
    let mut unknown = unknown;
    unknown["quantityList"][0]["epcClass"] = json!(format!("https://id.gs1.org/01/{g14}/10/KHONGCO"));
    let r = post(&mut producer, unknown).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("không phải sản phẩm hoặc lô có trong hệ thống"));
    let r = producer.post_body("/api/v1/epcis/events", "application/json", b"{not json".to_vec()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Another producer may not write events of this product; the public may not write at all.
    let tx = app.db.db.write().await.expect("begin");
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "Hợp tác xã Chè Ba Vì".into(),
        tax_code: "0100109106".into(),
        representative: "Lê Thị Hoa".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let stranger =
        store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false).await.expect("p");
    tx.commit().await.expect("commit");
    let mut stranger = signed_in(
        &app,
        "che@bavi.vn",
        Role::Producer,
        Scope::Producer { producer: stranger.id, province: province("01"), commune: commune("00577") },
    )
    .await;
    let r = post(&mut stranger, event("5", "shipping", "2026-11-23T09:00:00+07:00")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Bạn không được ghi sự kiện"), "{}", r.text);
    let r = post(&mut app.client(), event("6", "shipping", "2026-11-23T09:00:00+07:00")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Query and export.
    let mut public = app.client();
    let r = public.get_json(&format!("/api/v1/epcis/events?gtin={g14}&lot=L2611-C")).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["type"], "EPCISQueryDocument");
    let list = v["epcisBody"]["queryResults"]["resultsBody"]["eventList"].as_array().expect("events").clone();
    assert_eq!(list.len(), 1, "only the stored event: {v}");
    assert_eq!(list[0]["eventID"], shipping["eventID"]);
    let r = public.get_json(&format!("/api/v1/epcis/events?product={}&bizStep=receiving", w.honey.code)).await;
    assert_eq!(r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"], json!([]));
    assert_eq!(public.get_json("/api/v1/epcis/events?product=01-00577-999-2026").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        public.get_json(&format!("/api/v1/epcis/events?product={}&GE_eventTime=yesterday", w.honey.code)).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = public.get_json(&format!("/api/v1/products/{}/epcis", w.honey.code)).await;
    assert_eq!(r.json()["type"], "EPCISDocument");
    assert_eq!(r.json()["epcisBody"]["eventList"].as_array().map(Vec::len), Some(1));

    // The national minimum data set, JSON and CSV.
    let r = public.get_json(&format!("/api/v1/products/{}/traceability?lot=L2611-C", w.honey.code)).await;
    let v = r.json();
    assert_eq!(v.as_object().map(|o| o.keys().filter(|k| k.starts_with(char::is_numeric)).count()), Some(10));
    assert_eq!(v["01_name"], "Mật ong rừng Ba Vì");
    assert_eq!(v["03_producer_name"], "Hợp tác xã Mật ong Bát Tràng");
    assert_eq!(v["05_stages"][0]["location_tracking_code"], "urn:ocop:sales-point:01-007");
    assert_eq!(v["07_traceability_code"], format!("http://ocop.test/01/{g14}/10/L2611-C"));
    assert_eq!(v["09_expiry"], "01/11/2027");
    let r = public.get(&format!("/api/v1/products/{}/traceability?lot=L2611-C&format=csv", w.honey.code)).await;
    assert!(r.headers["content-type"].to_str().unwrap_or("").starts_with("text/csv"));
    assert!(r.text.starts_with("\u{feff}muc,gia_tri") && r.text.contains("\"01_name\",\"Mật ong rừng Ba Vì\""));
}

fn png() -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(16, 12, |x, y| {
        image::Rgb([u8::try_from(x * 15).expect("x"), u8::try_from(y * 20).expect("y"), 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

#[tokio::test]
async fn a_shopper_reports_a_label_never_issued_to_the_office_whose_contact_the_page_shows() {
    let mut settings = common::settings();
    settings.rate_limits.reports_per_hour = 3;
    let app = TestApp::with_settings(settings).await;
    let w = world(&app).await;
    let g14 = w.honey_gtin.gtin14();
    let conn = app.db.db.conn();

    // The office says how shoppers reach it; a contact without a phone or an e-mail is refused.
    let (mut office, office_user) = app.signed_in(Role::ProvinceOffice).await;
    let r = office.post_form("/office-contact", &[("name", "Văn phòng OCOP Hà Nội")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Cần ít nhất số điện thoại hoặc email"), "{}", r.text);
    assert!(store::offices::contact(conn, "01").await.expect("read").is_none(), "nothing saved");
    let r = office.post_form("/office-contact", &[("name", "Văn phòng OCOP Hà Nội"), ("phone", "024 3826 1234")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(office.get(r.location()).await.text.contains("value=\"02438261234\""));

    // A label never issued: the verdict, the office's contact and the report button.
    let mut shopper = app.client();
    let fake = format!("/01/{g14}/21/0000000000000000000A");
    let r = shopper.get(&fake).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("Văn phòng OCOP Hà Nội") && r.text.contains("href=\"tel:02438261234\""), "{}", r.text);
    let href = r.text.split("id=\"report\" href=\"").nth(1).and_then(|s| s.split('"').next()).expect("report button");
    assert_eq!(href, format!("/report?link=%2F01%2F{g14}%2F21%2F0000000000000000000A"));
    let form = shopper.get(href).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("Mật ong rừng Ba Vì") && form.text.contains("Văn phòng OCOP Hà Nội"));
    assert!(form.text.contains("Không tìm thấy — tem này không phải tem thật"), "{}", form.text);
    assert_eq!(shopper.get("/report?link=%2F01%2F08934563999999").await.status, StatusCode::NOT_FOUND);
    // A label of the product's code page (`/p/{code}`) names its serial in the query.
    let by_code = format!("/report?link=%2Fp%2F{}%3Fserial%3D0000000000000000000A", w.honey.code);
    let form = shopper.get(&by_code).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("Không tìm thấy — tem này không phải tem thật"), "{}", form.text);
    // The report names the label by its canonical path (the product has a GTIN).
    assert!(form.text.contains(&format!("<code>{fake}</code>")), "{}", form.text);

    // Bad input is refused and changes nothing: a description too long, a file that is no image.
    let count = || async { store::trace::reports::of_province(conn, Some("01"), 0, 10).await.expect("reports").len() };
    let long = "x".repeat(2001);
    let r = shopper.upload("/report", &[("link", &fake), ("message", &long)], "photo", "", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Tối đa 2000 ký tự."), "{}", r.text);
    let r = shopper.upload("/report", &[("link", &fake)], "photo", "tem.jpg", b"not an image").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("tem.jpg"), "the refused file is named: {}", r.text);
    assert_eq!(count().await, 0);

    // A report with a place and a photo reaches the office, which is told.
    let fields = [("link", fake.as_str()), ("place", "Chợ Đồng Xuân, quầy 12"), ("message", "Tem in mờ")];
    let r = shopper.upload("/report", &fields, "photo", "tem.png", &png()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(shopper.get(r.location()).await.text.contains("Đã gửi báo cáo"));
    let reports = store::trace::reports::of_province(conn, Some("01"), 0, 10).await.expect("reports");
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(
        (report.verdict.as_str(), report.place.as_str(), report.photos),
        ("unknown_serial", "Chợ Đồng Xuân, quầy 12", 1)
    );
    let told = store::notifications::of_user(conn, office_user.id, 10).await.expect("notifications");
    assert!(told.iter().any(|n| n.message_key == "notify-label-report"));
    let page = office.get("/traceability/alerts").await;
    assert!(page.text.contains("Chợ Đồng Xuân, quầy 12") && page.text.contains("Tem in mờ"), "{}", page.text);
    let photo = format!("/traceability/reports/{}/photo", report.id);
    assert!(page.text.contains(&photo));
    let image = office.get(&photo).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("image/jpeg"));
    // Another province's office does not see it; the shopper cannot open it.
    let elsewhere = Scope::Province { province: province("79") };
    let mut other = signed_in(&app, "vp@hcm.vn", Role::ProvinceOffice, elsewhere).await;
    assert_eq!(other.get(&photo).await.status, StatusCode::NOT_FOUND);
    assert!(!other.get("/traceability/alerts").await.text.contains("Chợ Đồng Xuân"));
    assert_ne!(shopper.get(&photo).await.status, StatusCode::OK);

    // The office marks it handled, saying what it did; a note too long, or another province's
    // office, changes nothing.
    let handled = format!("/traceability/reports/{}/handled", report.id);
    assert!(page.text.contains(&format!("action=\"{handled}\"")), "{}", page.text);
    let bound = format!("maxlength=\"{}\"", domain::reports::MAX_HANDLED_NOTE);
    assert!(page.text.contains(&bound), "the form says the note's bound: {}", page.text);
    let r = office.post_form(&handled, &[("note", &"x".repeat(1001))]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Tối đa 1000 ký tự."), "{}", r.text);
    assert_eq!(other.post_form(&handled, &[("note", "Xong")]).await.status, StatusCode::NOT_FOUND);
    // A report stays with the office it was sent to, even when its product moves to another
    // province (a producer that moves takes its products along).
    let moved = format!("UPDATE product SET province_code = '79' WHERE id = {}", report.product_id);
    sea_orm::ConnectionTrait::execute_unprepared(conn, &moved).await.expect("move the product");
    assert_eq!(other.post_form(&handled, &[("note", "Xong")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&photo).await.status, StatusCode::NOT_FOUND);
    assert_eq!(office.get(&photo).await.status, StatusCode::OK);
    let stored = || async { store::trace::reports::of_province(conn, Some("01"), 0, 10).await.expect("reports") };
    assert!(stored().await[0].handled_at.is_none());
    let note = "Đã kiểm tra quầy 12, chuyển Quản lý thị trường";
    let r = office.post_form(&handled, &[("note", note)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = office.get("/traceability/alerts").await;
    assert!(page.text.contains("Đã đánh dấu báo cáo là đã xử lý."), "{}", page.text);
    assert!(page.text.contains(note) && !page.text.contains(&format!("action=\"{handled}\"")), "{}", page.text);
    let done = &stored().await[0];
    assert_eq!(done.handled_note.as_deref(), Some(note));
    assert!(done.handled_at.is_some() && done.handled_by.is_some());
    // Marking it again keeps the first marking.
    let r = office.post_form(&handled, &[("note", "Khác")]).await;
    assert!(office.get(r.location()).await.text.contains("giữ nguyên lần đánh dấu đầu"));
    assert_eq!(stored().await[0].handled_note.as_deref(), Some(note));

    // Three reports an hour from one address (refused ones count): the fourth waits.
    let r = shopper.upload("/report", &fields, "photo", "", b"").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(count().await, 1);
    assert!(store::audit::verify(conn).await.expect("verify").broken.is_none());
}

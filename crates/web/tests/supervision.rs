//! Supervision and capacity building through HTTP: inspection plans with the platform's
//! proposal and live coverage, the inspection record and its refusals, findings to sanctions up
//! to a revocation proposal with its time limit, the record as a PDF, training classes, support
//! records and funded label quotas. On the backend `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, Client, PASSWORD, TestApp, commune, province};
use domain::role::{Role, Scope};
use serde_json::{Value, json};
use store::audit::Who;

/// Two honey producers of Xã Bát Tràng (Hà Nội) with certified products, one producer of Thành
/// phố Hồ Chí Minh; the office, two inspectors and the first producer's account.
struct World {
    producer: i64,
    second: i64,
    far: i64,
    honey: store::products::Product,
    tea: store::products::Product,
    office: Client,
    inspector: (Client, i64),
    other_inspector: Client,
    owner: Client,
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
    let made =
        store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false).await.expect("create");
    tx.commit().await.expect("commit");
    made.id
}

async fn login(app: &TestApp, email: &str, role: Role, scope: Scope) -> (Client, i64) {
    let u = app.user(email, role, scope).await;
    let mut c = app.client();
    assert_eq!(c.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    (c, u.id)
}

async fn world(app: &TestApp) -> World {
    let id = producer(app, "Hợp tác xã Mật ong Bát Tràng", "01", "00577").await;
    let honey = common::product(app, id, "Mật ong hoa nhãn", Some(common::gtin(4)), Cert::Valid).await;
    let tea = common::product(app, id, "Trà hoa vàng", None, Cert::Valid).await;
    let second = producer(app, "Tổ hợp tác Gốm Bát Tràng", "01", "00577").await;
    common::product(app, second, "Bình gốm men lam", None, Cert::Valid).await;
    let far = producer(app, "Hợp tác xã Cà phê Thủ Đức", "79", "25747").await;
    common::product(app, far, "Cà phê rang xay", None, Cert::Valid).await;
    let hanoi = || Scope::Province { province: province("01") };
    let (office, _) = login(app, "office@hanoi.vn", Role::ProvinceOffice, hanoi()).await;
    let inspector = login(app, "kiemtra@hanoi.vn", Role::Inspector, hanoi()).await;
    let (other_inspector, _) = login(app, "kiemtra2@hanoi.vn", Role::Inspector, hanoi()).await;
    let own = Scope::Producer { producer: id, province: province("01"), commune: commune("00577") };
    let (owner, _) = login(app, "htx@battrang.vn", Role::Producer, own).await;
    World { producer: id, second, far, honey, tea, office, inspector, other_inspector, owner }
}

fn ok(r: &common::Reply) {
    assert!(r.status == StatusCode::SEE_OTHER || r.status == StatusCode::OK, "{}: {}", r.status, r.text);
}

/// The values of the proposal's `pick` checkboxes.
fn picks(html: &str) -> Vec<String> {
    html.match_indices("name=\"pick\" value=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').expect("closed")].to_owned()
        })
        .collect()
}

/// A plan of the office, proposed by "never inspected" and confirmed; returns its id and the
/// visit of the first producer.
async fn planned(app: &TestApp, w: &mut World) -> (i64, i64) {
    let r = w
        .office
        .post_form(
            "/inspections/plans",
            &[("name", "Kế hoạch kiểm tra 2026"), ("starts_on", "01/01/2026"), ("ends_on", "30/12/2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let plan: i64 = r.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("plan id");
    let proposal = w.office.post_form(&format!("/inspections/plans/{plan}/propose"), &[("never", "1")]).await;
    assert_eq!(proposal.status, StatusCode::OK, "{}", proposal.text);
    let chosen = picks(&proposal.text);
    assert_eq!(chosen.len(), 2, "the two Hà Nội producers, never the other province's: {chosen:?}");
    assert!(
        chosen.iter().any(|p| p.starts_with(&format!("{}:", w.producer)))
            && !chosen.iter().any(|p| p.starts_with(&format!("{}:", w.far)))
    );
    assert!(proposal.text.contains("Chưa từng được kiểm tra"));
    let fields: Vec<(&str, &str)> = chosen.iter().map(|p| ("pick", p.as_str())).collect();
    ok(&w.office.post_form(&format!("/inspections/plans/{plan}/visits"), &fields).await);
    let visits = store::supervision::inspections::of_plan(app.db.db.conn(), plan).await.expect("visits");
    let visit = visits.iter().find(|v| v.producer_id == w.producer).expect("the producer's visit").id;
    (plan, visit)
}

fn all_met() -> serde_json::Map<String, Value> {
    domain::supervision::supervision()
        .checklist
        .iter()
        .map(|i| (i.code.clone(), json!({"answer": "met", "note": ""})))
        .collect()
}

#[tokio::test]
async fn a_plan_is_proposed_assigned_recorded_and_its_coverage_moves() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let (plan, visit) = planned(&app, &mut w).await;
    let page = w.office.get(&format!("/inspections/plans/{plan}")).await;
    assert!(page.text.contains("0/2 chủ thể, 0/3 sản phẩm đã kiểm tra"), "{}", page.text);
    // Confirming the same producers again adds nothing; a product of another producer is refused.
    let r = w
        .office
        .post_form(
            &format!("/inspections/plans/{plan}/visits"),
            &[("producer", &w.second.to_string()), ("product_codes", &w.honey.code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("không thuộc chủ thể này"), "{}", r.text);

    // Only the assigned inspector sees and writes the visit; the other gets 404.
    let inspector_id = w.inspector.1.to_string();
    ok(&w.office.post_form(&format!("/inspections/{visit}/inspectors"), &[("inspectors", &inspector_id)]).await);
    let mine = w.inspector.0.get_json("/api/v1/inspections").await.json();
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(w.other_inspector.get_json("/api/v1/inspections").await.json()["total"], 0);
    assert_eq!(w.other_inspector.get(&format!("/inspections/{visit}")).await.status, StatusCode::NOT_FOUND);
    let save = |revision: i64, answers: serde_json::Map<String, Value>| {
        json!({"visited_on": "", "present": "", "answers": answers, "revision": revision}).to_string()
    };
    let r = w
        .other_inspector
        .post_body(&format!("/inspections/{visit}/save"), "application/json", save(5, all_met()).into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.client().get_json("/api/v1/inspections").await.status, StatusCode::UNAUTHORIZED);

    // A bad answer is refused with 422 and writes nothing; the good one is saved.
    let mut bad = all_met();
    bad.insert("2.1".into(), json!({"answer": "yes", "note": ""}));
    let r = w
        .inspector
        .0
        .post_body(&format!("/inspections/{visit}/save"), "application/json", save(3, bad).into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let stored = store::supervision::inspections::get(app.db.db.conn(), visit).await.expect("read").expect("visit");
    assert_eq!((stored.revision, stored.state.as_str(), stored.answers.as_str()), (0, "planned", "{}"));
    let r = w
        .inspector
        .0
        .post_body(&format!("/inspections/{visit}/save"), "application/json", save(4, all_met()).into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A late, older save changes nothing.
    let mut older = all_met();
    older.insert("1.1".into(), json!({"answer": "not_met", "note": "cũ"}));
    w.inspector
        .0
        .post_body(&format!("/inspections/{visit}/save"), "application/json", save(2, older).into_bytes())
        .await;
    let stored = store::supervision::inspections::get(app.db.db.conn(), visit).await.expect("read").expect("visit");
    assert_eq!((stored.revision, stored.checklist().answer("1.1")), (4, Some(domain::supervision::Answer::Met)));

    // Closing needs the date and who was present.
    let r = w.inspector.0.post_form(&format!("/inspections/{visit}/complete"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let today = domain::fmt_date(store::evaluation::today());
    let mut form: Vec<(String, String)> =
        vec![("visited_on".into(), today.clone()), ("present".into(), "Ông Kiểm, bà Hoa".into())];
    for i in &domain::supervision::supervision().checklist {
        form.push((format!("a_{}", i.code), "met".into()));
    }
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ok(&w.inspector.0.post_form(&format!("/inspections/{visit}"), &fields).await);
    ok(&w.inspector.0.post_form(&format!("/inspections/{visit}/complete"), &[]).await);
    let page = w.office.get(&format!("/inspections/plans/{plan}")).await;
    assert!(page.text.contains("1/2 chủ thể, 2/3 sản phẩm đã kiểm tra"), "{}", page.text);
    // A closed record does not change.
    let r = w
        .inspector
        .0
        .post_body(&format!("/inspections/{visit}/save"), "application/json", save(9, all_met()).into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The plan with its coverage as a workbook.
    let x = w.office.get(&format!("/inspections/plans/{plan}/coverage.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK"), "an xlsx is a zip");
    // A producer may not know the office's plans exist.
    assert_eq!(w.owner.get(&format!("/inspections/plans/{plan}/coverage.xlsx")).await.status, StatusCode::NOT_FOUND);
    let audit =
        store::audit::search(app.db.db.conn(), &Default::default(), store::Page::new(1, 200)).await.expect("audit");
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    for a in ["plan.create", "inspection.plan", "inspection.assign", "inspection.save", "inspection.complete"] {
        assert!(actions.contains(&a), "{a} audited: {actions:?}");
    }
}

/// A visit of the first producer, recorded, with two findings (one minor, one critical on the
/// honey); returns the visit and the findings.
async fn recorded(app: &TestApp, w: &mut World) -> (i64, i64, i64) {
    let (_, visit) = planned(app, w).await;
    let inspector_id = w.inspector.1.to_string();
    ok(&w.office.post_form(&format!("/inspections/{visit}/inspectors"), &[("inspectors", &inspector_id)]).await);
    let remedy = domain::fmt_date(store::evaluation::today() + time::Duration::days(20));
    let honey = w.honey.id.to_string();
    let add = |severity: &'static str, text: &'static str| {
        vec![
            ("item", "2.1".to_owned()),
            ("product", honey.clone()),
            ("severity", severity.to_owned()),
            ("description", text.to_owned()),
            ("remedy_by", remedy.clone()),
        ]
    };
    for f in [add("minor", "Nhãn thiếu hạn sử dụng"), add("critical", "Phiếu kiểm nghiệm không đạt chỉ tiêu vi sinh")]
    {
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w.inspector.0.post_form(&format!("/inspections/{visit}/findings"), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let found = store::supervision::findings::of_inspection(app.db.db.conn(), visit).await.expect("findings");
    (visit, found[0].id, found[1].id)
}

#[tokio::test]
async fn findings_are_answered_followed_up_and_only_a_critical_one_proposes_revocation() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let (visit, minor, critical) = recorded(&app, &mut w).await;
    // A finding with a date in the past or an unknown severity is refused, nothing written.
    let r = w
        .inspector
        .0
        .post_form(
            &format!("/inspections/{visit}/findings"),
            &[("severity", "fatal"), ("description", "x"), ("remedy_by", "01/01/2020")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store::supervision::findings::of_inspection(app.db.db.conn(), visit).await.expect("read").len(), 2);

    // The producer sees its findings and their deadline, and was told.
    let list = w.owner.get("/findings").await;
    assert!(list.text.contains("Nhãn thiếu hạn sử dụng") && list.text.contains("Nghiêm trọng"), "{}", list.text);
    let deadline = domain::fmt_date(store::evaluation::today() + time::Duration::days(20));
    assert!(list.text.contains(&deadline));
    let notes = w.owner.get("/notifications").await;
    assert!(notes.text.contains("Tồn tại cần khắc phục trước ngày"), "{}", notes.text);
    // … but may not conclude it, nor see another producer's.
    let r = w.owner.post_form(&format!("/findings/{minor}/follow-up"), &[("state", "remedied")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (mut stranger, _) = login(
        &app,
        "htx@gom.vn",
        Role::Producer,
        Scope::Producer { producer: w.second, province: province("01"), commune: commune("00577") },
    )
    .await;
    assert_eq!(stranger.get(&format!("/findings/{minor}")).await.status, StatusCode::NOT_FOUND);
    ok(&w
        .owner
        .post_form(&format!("/findings/{minor}/respond"), &[("response", "Đã in lại nhãn có hạn sử dụng")])
        .await);
    let r = w.owner.upload(&format!("/findings/{minor}/evidence"), &[], "file", "nhan-moi.pdf", common::PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // A minor finding cannot become a revocation proposal: 422, nothing changes.
    let r = w
        .office
        .post_form(
            &format!("/findings/{minor}/follow-up"),
            &[("state", "not_remedied"), ("outcome", "revocation_proposal")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = store::supervision::findings::get(app.db.db.conn(), minor).await.expect("read").expect("finding");
    assert_eq!((f.state.as_str(), f.outcome.as_deref()), ("answered", None));
    ok(&w
        .office
        .post_form(&format!("/findings/{minor}/follow-up"), &[("state", "remedied"), ("outcome", "reminder")])
        .await);
    // A concluded finding is not concluded twice.
    let r = w.office.post_form(&format!("/findings/{minor}/follow-up"), &[("state", "remedied")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The critical one, not remedied, becomes a revocation proposal on the honey's certificate.
    ok(&w
        .office
        .post_form(
            &format!("/findings/{critical}/follow-up"),
            &[("state", "not_remedied"), ("outcome", "revocation_proposal")],
        )
        .await);
    let number = format!("HN-T-{}", w.honey.id);
    let due = domain::fmt_date(store::evaluation::today() + time::Duration::days(15));
    let cert = w.office.get(&format!("/certificates/{number}")).await;
    assert!(cert.text.contains("id=\"revocation-proposal\"") && cert.text.contains(&due), "{}", cert.text);
    assert!(cert.text.contains("<option value=\"no_longer_meets\" selected>"), "ground (b) chosen");
    // The reminder job tells the office as the time limit nears.
    let day = store::evaluation::today() + time::Duration::days(13);
    let report = store::evaluation::reminders::run(&app.db.db, day).await.expect("reminders");
    assert_eq!(report.revocations_due, 1);
    assert!(w.office.get("/notifications").await.text.contains(&number));
    // The revocation rests on the inspection record.
    let r = w
        .office
        .post_form(
            &format!("/certificates/{number}/revoke"),
            &[
                ("ground", "no_longer_meets"),
                ("number", "77/QĐ-UBND"),
                ("signed_on", &domain::fmt_date(store::evaluation::today())),
                ("signer", "Nguyễn Văn A"),
                ("confirmed", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let c = store::certificates::find_by_number(app.db.db.conn(), &number).await.expect("read").expect("cert");
    assert_eq!((c.revocation_ground.as_deref(), c.revocation_inspection_id), (Some("no_longer_meets"), Some(visit)));
    let cert = w.office.get(&format!("/certificates/{number}")).await;
    assert!(
        cert.text.contains(&format!("href=\"/inspections/{visit}\" id=\"revocation-basis\""))
            && !cert.text.contains("id=\"revocation-proposal\"")
    );
    let notes = w.owner.get("/notifications").await;
    assert!(notes.text.contains("đề nghị thu hồi giấy chứng nhận"), "{}", notes.text);
}

#[tokio::test]
async fn the_inspection_record_prints_with_its_checklist_and_findings() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let (visit, _, _) = recorded(&app, &mut w).await;
    let mut answers = all_met();
    answers.insert("2.1".into(), json!({"answer": "not_met", "note": "Thiếu hạn sử dụng trên nhãn"}));
    let body = json!({"visited_on": domain::fmt_date(store::evaluation::today()), "present": "Ông Trần Văn Kiểm; bà Nguyễn Thị Hoa", "answers": answers, "revision": 7});
    let r = w.inspector.0.send_json("PUT", &format!("/api/v1/inspections/{visit}"), &body.to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let pdf = w.owner.get(&format!("/inspections/{visit}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK, "the producer gets its record");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let dir = std::env::temp_dir().join(format!("ocop-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("record.pdf");
    std::fs::write(&file, &pdf.bytes).expect("write");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    // Table cells wrap their text over lines: compare with the whitespace collapsed.
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        "BIÊN BẢN KIỂM TRA",
        "Hợp tác xã Mật ong Bát Tràng",
        "Ông Trần Văn Kiểm",
        "Không đạt",
        "Thiếu hạn sử dụng",
        "Nhãn thiếu hạn sử dụng",
        "Nghiêm trọng",
        "Mật ong hoa nhãn",
        "ĐOÀN KIỂM TRA",
    ] {
        assert!(text.contains(wanted), "«{wanted}» missing from the record:\n{text}");
    }
    let item = &domain::supervision::supervision().checklist[0];
    let start: String = item.vi.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    assert!(text.contains(&format!("{} {start}", item.code)), "{start}: {text}");
    assert_eq!(app.client().get(&format!("/inspections/{visit}/pdf")).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn trainings_count_by_topic_and_producers_see_their_history() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let class = [
        ("name", "Tập huấn bộ tiêu chí OCOP 2026"),
        ("topic", "criteria"),
        ("organiser", "Văn phòng Điều phối NTM Hà Nội"),
        ("commune", "00577"),
        ("place", "Hội trường UBND xã Bát Tràng"),
        ("starts_on", "10/04/2026"),
        ("ends_on", "11/04/2026"),
        ("sessions", "3"),
        ("budget", "25.000.000"),
    ];
    let mut bad = class.to_vec();
    bad[1] = ("topic", "astrology");
    let r = w.office.post_form("/trainings", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("không có trong danh mục"), "{}", r.text);
    let r = w.office.post_form("/trainings", &class).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("class");
    assert_eq!(w.owner.post_form("/trainings", &class).await.status, StatusCode::FORBIDDEN);
    let producer = w.producer.to_string();
    ok(&w
        .office
        .post_form(
            &format!("/trainings/{id}/participants"),
            &[("producer", &producer), ("person", "Nguyễn Thị Hoa"), ("role", "Giám đốc")],
        )
        .await);
    let far = w.far.to_string();
    let r = w
        .office
        .post_form(&format!("/trainings/{id}/participants"), &[("producer", &far), ("person", "Lê Văn Xa")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "another province's producer");
    let people = store::supervision::trainings::participants(app.db.db.conn(), id).await.expect("people");
    assert_eq!(people.len(), 1);
    let p = people[0].id;
    let r =
        w.office.post_form(&format!("/trainings/{id}/participants/{p}"), &[("sessions", "1"), ("sessions", "4")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "there is no fourth session");
    ok(&w
        .office
        .post_form(
            &format!("/trainings/{id}/participants/{p}"),
            &[("sessions", "1"), ("sessions", "3"), ("satisfaction", "5")],
        )
        .await);
    let page = w.office.get("/trainings?year=2026").await;
    assert!(
        page.text.contains("1 lớp tập huấn") && page.text.contains("Bộ tiêu chí và hồ sơ đánh giá"),
        "{}",
        page.text
    );
    // The producer sees the class it sent someone to, with its own people only.
    let mine = w.owner.get_json("/api/v1/trainings").await.json();
    assert_eq!(mine["total"], 1, "{mine}");
    let page = w.owner.get(&format!("/trainings/{id}")).await;
    assert!(page.text.contains("Nguyễn Thị Hoa") && page.text.contains("2/3"), "{}", page.text);
    let (mut other, _) = login(
        &app,
        "htx@gom.vn",
        Role::Producer,
        Scope::Producer { producer: w.second, province: province("01"), commune: commune("00577") },
    )
    .await;
    assert_eq!(other.get_json("/api/v1/trainings").await.json()["total"], 0);
    assert_eq!(other.get(&format!("/trainings/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.client().get_json("/api/v1/trainings").await.status, StatusCode::UNAUTHORIZED);
    let x = w.office.get("/trainings.xlsx?year=2026").await;
    assert!(x.status == StatusCode::OK && x.bytes.starts_with(b"PK"));
    // Through the API.
    let body = json!({"name": "Tiếp thị số cho HTX", "topic": "digital_marketing", "organiser": "Sở Công Thương", "place": "https://meet.example.vn/ocop", "starts_on": "2026-05-02", "ends_on": "2026-05-02"});
    let r = w.office.send_json("POST", "/api/v1/trainings", &body.to_string()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(w.office.get_json("/api/v1/trainings?topic=digital_marketing").await.json()["total"], 1);
}

#[tokio::test]
async fn support_funds_label_quotas_and_orders_beyond_them_wait_for_the_office() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let year = store::evaluation::today().year();
    let decided = domain::fmt_date(store::evaluation::today());
    let producer = w.producer.to_string();
    let support = |purpose: &'static str, labels: &'static str| {
        vec![
            ("producer", producer.clone()),
            ("product", w.honey.code.clone()),
            ("purpose", purpose.to_owned()),
            ("funder", "province".to_owned()),
            ("amount", "3.000.000".to_owned()),
            ("decision", "123/QĐ-UBND".to_owned()),
            ("decided_on", decided.clone()),
            ("funded_labels", labels.to_owned()),
        ]
    };
    let post = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    for (bad, why) in [(support("labels", "2001"), "Số tem"), (support("brand", "500"), "tem nhãn")] {
        let fields = post(&bad);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w.office.post_form("/support", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains(why), "{}", r.text);
    }
    let far_record = json!({"producer": w.far.to_string(), "purpose": "quality_test", "funder": "province", "amount": "1000000", "decision": "1/QĐ", "decided_on": decided});
    let r = w.office.send_json("POST", "/api/v1/support", &far_record.to_string()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "another province's producer");
    let good = post(&support("labels", "2.000"));
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ok(&w.office.post_form("/support", &fields).await);
    let quota = store::supervision::support::quota(app.db.db.conn(), w.honey.id, year, 0).await.expect("quota");
    assert_eq!((quota.granted, quota.remaining), (2000, 2000));

    // The producer sees what remains, orders within it (issued at once with auto-approval), then
    // beyond it: that order waits, flagged for the office.
    let auto = web::Settings { stamps_auto_approve: true, ..common::settings() };
    let app2 = TestApp {
        state: web::AppState::new(app.db.db.clone(), auto.clone()),
        router: web::build_app(web::AppState::new(app.db.db.clone(), auto)),
        db: app.db,
    };
    let mut owner = w.owner.on(app2.router.clone());
    let page = owner.get(&format!("/products/{}/labels", w.honey.id)).await;
    assert!(page.text.contains("còn 2.000 trên 2.000 tem"), "{}", page.text);
    ok(&owner.post_form(&format!("/products/{}/stamp-orders", w.honey.id), &[("quantity", "1500")]).await);
    let r = owner.post_form(&format!("/products/{}/stamp-orders", w.honey.id), &[("quantity", "800")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let orders = store::trace::stamps::orders_of_product(app2.db.db.conn(), w.honey.id).await.expect("orders");
    let states: Vec<(&str, i64, i64)> = orders.iter().map(|o| (o.state.as_str(), o.funded, o.beyond_quota)).collect();
    assert_eq!(states, [("requested", 500, 300), ("issued", 1500, 0)]);
    let page = owner.get(&format!("/products/{}/labels", w.honey.id)).await;
    assert!(
        page.text.contains("còn 0 trên 2.000 tem") && page.text.contains("300 tem vượt định mức hỗ trợ"),
        "{}",
        page.text
    );
    let mut office = w.office.on(app2.router.clone());
    let alerts = office.get("/traceability/alerts").await;
    assert!(alerts.text.contains("300 tem vượt định mức hỗ trợ"), "{}", alerts.text);
    // A product with no quota orders as before, nothing flagged.
    let r = owner.post_form(&format!("/products/{}/stamp-orders", w.tea.id), &[("quantity", "50")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let tea = store::trace::stamps::orders_of_product(app2.db.db.conn(), w.tea.id).await.expect("orders");
    assert_eq!((tea[0].state.as_str(), tea[0].beyond_quota), ("issued", 0));

    // Totals, the producer's own records, and the API's refusals.
    let page = office.get(&format!("/support?year={year}")).await;
    assert!(
        page.text.contains("3.000.000 ₫") && page.text.contains("Tem nhãn, tem truy xuất nguồn gốc"),
        "{}",
        page.text
    );
    assert_eq!(owner.get_json("/api/v1/support").await.json()["total"], 1);
    let (mut other, _) = login(
        &app2,
        "htx@gom.vn",
        Role::Producer,
        Scope::Producer { producer: w.second, province: province("01"), commune: commune("00577") },
    )
    .await;
    assert_eq!(other.get_json("/api/v1/support").await.json()["total"], 0);
    assert_eq!(app2.client().get_json("/api/v1/support").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(owner.send_json("POST", "/api/v1/support", &far_record.to_string()).await.status, StatusCode::FORBIDDEN);
    let x = office.get(&format!("/support.xlsx?year={year}")).await;
    assert!(x.status == StatusCode::OK && x.bytes.starts_with(b"PK"));
}

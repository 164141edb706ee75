//! The evaluation cycle over HTTP: every step a role may not take is refused with a clear
//! message, and a refused step changes nothing.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Client, EvaluationWorld, PASSWORD, TestApp, commune, province};
use domain::role::{Role, Scope};
use store::evaluation::dossiers;

struct Cast {
    producer: Client,
    officer: Client,
    other_officer: Client,
    office: Client,
    other_office: Client,
    members: Vec<(Client, i64)>,
    outsider: Client,
}

async fn client(app: &TestApp, email: &str, role: Role, scope: Scope) -> (Client, i64) {
    let u = app.user(email, role, scope).await;
    let mut c = app.client();
    let r = c.login(email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{email}: {}", r.text);
    (c, u.id)
}

async fn cast(app: &TestApp, w: &EvaluationWorld) -> Cast {
    let hanoi = || Scope::Province { province: province("01") };
    let producer = Scope::Producer { producer: w.producer_id, province: province("01"), commune: commune("00577") };
    let mut members = Vec::new();
    for m in ["chair", "a", "b"] {
        members.push(client(app, &format!("{m}@council.vn"), Role::CouncilMember, hanoi()).await);
    }
    Cast {
        producer: client(app, "htx@battrang.vn", Role::Producer, producer).await.0,
        officer: client(
            app,
            "xa@battrang.gov.vn",
            Role::CommuneOfficer,
            Scope::Commune { province: province("01"), commune: commune("00577") },
        )
        .await
        .0,
        other_officer: client(
            app,
            "xa@vannoi.gov.vn",
            Role::CommuneOfficer,
            Scope::Commune { province: province("01"), commune: commune("00430") },
        )
        .await
        .0,
        office: client(app, "ocop@hanoi.gov.vn", Role::ProvinceOffice, hanoi()).await.0,
        other_office: client(
            app,
            "ocop@hue.gov.vn",
            Role::ProvinceOffice,
            Scope::Province { province: province("46") },
        )
        .await
        .0,
        outsider: client(app, "outsider@council.vn", Role::CouncilMember, hanoi()).await.0,
        members,
    }
}

fn fields(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

async fn state_of(app: &TestApp, id: i64) -> String {
    dossiers::get(app.db.db.conn(), id).await.expect("get").expect("registration").state
}

/// Registers, self-assesses, uploads a PDF and submits, as the producer; returns the id.
async fn submitted(app: &TestApp, w: &EvaluationWorld, c: &mut Cast) -> i64 {
    let id = filed(w, &mut c.producer, "first").await;
    assert_eq!(state_of(app, id).await, "submitted");
    id
}

/// Registers as `kind`, self-assesses, uploads a PDF and files, as `producer`; returns the id.
async fn filed(w: &EvaluationWorld, producer: &mut Client, kind: &str) -> i64 {
    let r = producer
        .post_form(
            "/evaluation/registrations",
            &[("product", &w.product_id.to_string()), ("round", &w.round_id.to_string()), ("kind", kind)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().split('/').nth(3).and_then(|s| s.parse().ok()).expect("registration id");
    let answers = common::best_answers(&[]);
    let r = producer.post_form(&format!("/evaluation/registrations/{id}/self-assessment"), &fields(&answers)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = producer
        .upload(
            &format!("/evaluation/registrations/{id}/evidence"),
            &[("label", "ATTP")],
            "file",
            "attp.pdf",
            common::PDF,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = producer.post_form(&format!("/evaluation/registrations/{id}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    id
}

fn form03() -> [(&'static str, &'static str); 4] {
    [
        ("materials", "Nguyên liệu tại xã"),
        ("labour", "Lao động tại xã"),
        ("idea", "Của HTX"),
        ("identity", "Truyền thống"),
    ]
}

#[tokio::test]
async fn screening_belongs_to_the_commune_officer_of_that_commune() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    let id = submitted(&app, &w, &mut c).await;
    let accept = format!("/evaluation/registrations/{id}/accept");

    // The producer may read the dossier but not screen it.
    let r = c.producer.post_form(&accept, &form03()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another commune's officer does not learn it exists.
    assert_eq!(c.other_officer.get(&format!("/evaluation/registrations/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.other_officer.post_form(&accept, &form03()).await.status, StatusCode::NOT_FOUND);
    // The province office reads it but screening is the commune's.
    assert_eq!(c.office.post_form(&accept, &form03()).await.status, StatusCode::FORBIDDEN);
    // The producer can no longer change a submitted dossier: 409 with the reason.
    let r = c.producer.post_form(&format!("/evaluation/registrations/{id}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("Hồ sơ đã nộp nên không sửa được"), "{}", r.text);
    assert_eq!(state_of(&app, id).await, "submitted", "refusals changed nothing");

    // An incomplete form 03 names the missing topic and changes nothing.
    let r =
        c.officer.post_form(&accept, &[("materials", "Có"), ("labour", ""), ("idea", "Có"), ("identity", "Có")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Sử dụng lao động địa phương: Trường này là bắt buộc."), "{}", r.text);
    assert_eq!(state_of(&app, id).await, "submitted");
    // The product was coded in another year: the commune's listing gives it the round's year.
    let earlier = "01-00577-001-2019";
    let sql = format!("UPDATE product SET code = '{earlier}' WHERE id = {}", w.product_id);
    sea_orm::ConnectionTrait::execute_unprepared(app.db.db.conn(), &sql).await.expect("code of 2019");
    let r = c.officer.post_form(&accept, &form03()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await, "accepted");
    let round = store::evaluation::rounds::get(app.db.db.conn(), w.round_id).await.expect("read").expect("round");
    let product = store::products::get(app.db.db.conn(), w.product_id).await.expect("read").expect("product");
    assert!(product.code.starts_with("01-00577-") && product.code.ends_with(&format!("-{}", round.year)));
    let page = app.client().get(&format!("/p/{earlier}")).await;
    assert_eq!(page.status, StatusCode::OK, "a label printed with the earlier code still verifies");
    assert!(page.text.contains(&product.code), "{}", page.text);
    let page = c.office.get(&format!("/products/{}", w.product_id)).await;
    assert!(page.text.contains(&format!("trước đây: {earlier}")), "{}", page.text);
    // A second answer is refused by state.
    let r =
        c.officer.post_form(&format!("/evaluation/registrations/{id}/return"), &[("reasons", "Thiếu giấy tờ")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("Không thể thực hiện bước «return» khi hồ sơ đang ở trạng thái «accepted»"), "{}", r.text);
}

#[tokio::test]
async fn registration_is_refused_outside_the_round_and_for_other_producers() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    // A round that closed yesterday.
    let today = store::evaluation::today();
    let tx = app.db.db.write().await.expect("begin");
    let closed = store::evaluation::rounds::create(
        &tx,
        &store::audit::Who::system(),
        &province("01"),
        &store::evaluation::rounds::RoundDraft {
            name: "Đợt 1".into(),
            opens_on: today - time::Duration::days(90),
            commune_deadline: today - time::Duration::days(1),
            closes_on: today + time::Duration::days(30),
            plan_count: 10,
        },
    )
    .await
    .expect("round");
    tx.commit().await.expect("commit");
    let r = c
        .producer
        .post_form(
            "/evaluation/registrations",
            &[("product", &w.product_id.to_string()), ("round", &closed.id.to_string()), ("kind", "first")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Đợt này chỉ nhận đăng ký từ"), "{}", r.text);
    // A re-rating needs a certificate in its window.
    let r = c
        .producer
        .post_form(
            "/evaluation/registrations",
            &[("product", &w.product_id.to_string()), ("round", &w.round_id.to_string()), ("kind", "rerating")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("chỉ dành cho sản phẩm đang có giấy chứng nhận"), "{}", r.text);
    // Nobody else's producer account may register this product.
    let (mut stranger, _) = client(
        &app,
        "khac@vannoi.vn",
        Role::Producer,
        Scope::Producer { producer: 999, province: province("01"), commune: commune("00430") },
    )
    .await;
    let r = stranger
        .post_form(
            "/evaluation/registrations",
            &[("product", &w.product_id.to_string()), ("round", &w.round_id.to_string()), ("kind", "first")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let n =
        dossiers::search(app.db.db.conn(), &domain::access::Listing::All, &Default::default(), store::Page::default())
            .await
            .expect("search")
            .total;
    assert_eq!(n, 0, "no registration was left behind");
}

#[tokio::test]
async fn evidence_is_checked_and_served_as_a_download() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    let r = c
        .producer
        .post_form(
            "/evaluation/registrations",
            &[("product", &w.product_id.to_string()), ("round", &w.round_id.to_string()), ("kind", "first")],
        )
        .await;
    let id: i64 = r.location().split('/').nth(3).and_then(|s| s.parse().ok()).expect("id");
    let url = format!("/evaluation/registrations/{id}/evidence");
    let r = c
        .producer
        .upload(&url, &[("label", "Giả")], "file", "giay-phep.pdf", b"<html><script>alert(1)</script></html>")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Chỉ nhận tệp PDF, JPEG hoặc PNG"), "{}", r.text);
    let r = c.producer.upload(&url, &[("label", "Phiếu kiểm nghiệm")], "file", "kiểm nghiệm.pdf", common::PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let g = dossiers::get(app.db.db.conn(), id).await.expect("get").expect("g");
    let files = dossiers::evidence_of(app.db.db.conn(), &g).await.expect("files");
    assert_eq!(files.len(), 1);
    let r = c.producer.get(&format!("/evidence/{}", files[0].id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(r.headers["content-disposition"].to_str().expect("ascii").starts_with("attachment;"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers["content-security-policy"].to_str().expect("ascii").contains("sandbox"));
    assert_eq!(files[0].sha256.len(), 64);
    // Another commune's officer may not fetch it.
    assert_eq!(c.other_officer.get(&format!("/evidence/{}", files[0].id)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_council_scores_privately_and_only_the_chair_closes_and_approves() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    let id = submitted(&app, &w, &mut c).await;
    c.officer.post_form(&format!("/evaluation/registrations/{id}/accept"), &form03()).await;
    let ids: Vec<String> = c.members.iter().map(|(_, id)| id.to_string()).collect();
    let mut council =
        vec![("name", "Hội đồng Hà Nội"), ("chair", ids[0].as_str()), ("quorum_percent", "75"), ("spread_limit", "10")];
    for m in &ids {
        council.push(("members", m.as_str()));
    }
    // Another province's office cannot assign Hà Nội's dossier to its council.
    let r = c.office.post_form("/evaluation/councils", &council).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let council_url = r.location().to_owned();
    assert_eq!(
        c.other_office.post_form(&format!("{council_url}/assign"), &[("registrations", &id.to_string())]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(c.producer.get("/evaluation/councils").await.status, StatusCode::FORBIDDEN);
    // The dossiers to assign are searched (diacritics ignored), filtered and paged; "every
    // matching dossier" assigns what the filter finds on every page.
    let none = c.office.get(&format!("{council_url}?q=gom+su")).await.text;
    assert!(!none.contains(r#"id="assign-form""#), "nothing matches");
    let page = c.office.get(&format!("{council_url}?q=mat+ong&kind=first&commune=00577")).await.text;
    assert!(page.contains(r#"id="candidate-count">1 hồ sơ"#), "{page}");
    let r = c
        .office
        .post_form(
            &format!("{council_url}/assign"),
            &[("all_matching", "1"), ("q", "mat ong"), ("kind", "first"), ("commune", "00577"), ("sheet", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = c.office.get(&council_url).await.text;
    assert!(!page.contains(r#"id="assign-form""#), "assigned: no longer waiting");
    let evaluation =
        store::evaluation::councils::evaluations_of_registration(app.db.db.conn(), id).await.expect("e").remove(0).id;

    // Each member's home lists the card to score.
    let home = c.members[1].0.get("/").await.text;
    assert!(home.contains(r#"id="home-cards""#) && home.contains("Mật ong hoa nhãn Đông Anh"), "{home}");
    assert!(!c.outsider.get("/").await.text.contains("Mật ong hoa nhãn Đông Anh"), "not before another council");
    // A council member of another council does not see it.
    assert_eq!(c.outsider.get(&format!("/evaluation/evaluations/{evaluation}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.outsider.get(&format!("/evaluation/scorecards/{evaluation}")).await.status, StatusCode::NOT_FOUND);

    // Autosave: a newer revision wins; a late older one changes nothing.
    let save = |rev: i64, answers: serde_json::Value| {
        serde_json::json!({"answers": answers, "knock_outs": [], "disqualified": false, "revision": rev})
            .to_string()
            .into_bytes()
    };
    let full: serde_json::Map<String, serde_json::Value> = common::best_answers(&["1.5"])
        .into_iter()
        .map(|(k, v)| {
            let v =
                if v == "true" { serde_json::json!(true) } else { serde_json::json!(v.parse::<u64>().expect("index")) };
            (k.trim_start_matches("a_").to_owned(), v)
        })
        .collect();
    let url = format!("/evaluation/scorecards/{evaluation}/save");
    let (member_a, _) = &mut c.members[1];
    let r = member_a.post_body(&url, "application/json", save(10, serde_json::Value::Object(full.clone()))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["revision"], 10);
    let r = member_a.post_body(&url, "application/json", save(9, serde_json::json!({"1.1": 0}))).await;
    assert_eq!(r.json()["revision"], 10, "the late save was ignored");
    let r = member_a.post_body(&url, "application/json", save(11, serde_json::json!({"1.1": 7}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().expect("message").contains("Tiêu chí 1.1: không có phương án số 7"));
    // Members see only their own card while scoring is open.
    let page = member_a.get(&format!("/evaluation/evaluations/{evaluation}")).await.text;
    assert!(page.contains("Trong khi chấm, mỗi thành viên chỉ thấy phiếu của mình"));

    // Before the quorum the chair's button is disabled, saying why.
    let (chair, _) = &mut c.members[0];
    let page = chair.get(&format!("/evaluation/evaluations/{evaluation}")).await.text;
    assert!(
        page.contains(r#"id="close-scoring" disabled"#) && page.contains("Chưa đủ số thành viên nộp phiếu"),
        "{page}"
    );

    for (client, _) in c.members.iter_mut() {
        let r = client.post_body(&url, "application/json", save(20, serde_json::Value::Object(full.clone()))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = client.post_form(&format!("/evaluation/scorecards/{evaluation}/submit"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let home = c.members[1].0.get("/").await.text;
    assert!(home.contains("Phiếu cần chấm (0)") && !home.contains("Mật ong hoa nhãn Đông Anh"), "submitted: {home}");
    // Once submitted, a card is locked.
    let (member_a, _) = &mut c.members[1];
    let r = member_a.post_body(&url, "application/json", save(30, serde_json::Value::Object(full.clone()))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Only the chair closes and approves; the office cannot either.
    let close = format!("/evaluation/evaluations/{evaluation}/close");
    let r = member_a.post_form(&close, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("Chỉ chủ tịch hội đồng mới được làm việc này."), "{}", r.text);
    assert_eq!(c.office.post_form(&close, &[]).await.status, StatusCode::FORBIDDEN);
    let (chair, _) = &mut c.members[0];
    let approve = format!("/evaluation/evaluations/{evaluation}/approve");
    let r = chair.post_form(&approve, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "approval before closing");
    assert!(
        r.text.contains("Chưa thực hiện được") && !r.text.contains("Dữ liệu đã thay đổi"),
        "a refusal, not a conflict"
    );
    let page = chair.get(&format!("/evaluation/evaluations/{evaluation}")).await.text;
    assert!(!page.contains(r#"id="close-scoring" disabled"#), "the quorum is there");
    assert!(page.contains(r#"data-confirm="Kết thúc chấm điểm sản phẩm «Mật ong hoa nhãn Đông Anh»?""#), "{page}");
    // Unconfirmed (scripts off), closing asks on a page of its own and changes nothing.
    let asked = chair.post_form(&close, &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.text.contains("3/3 phiếu chấm đã nộp"), "{}", asked.text);
    assert!(asked.text.contains(r#"name="confirmed" value="yes""#));
    let e = store::evaluation::councils::evaluation(app.db.db.conn(), evaluation).await.expect("e").expect("e");
    assert_eq!(e.state, "scoring");
    assert_eq!(chair.post_form(&close, &[("confirmed", "yes")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(chair.post_form(&approve, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await, "approved");
    // 4★ though the total reaches 5★: the missed requirement is named on the dossier.
    let page = c.office.get(&format!("/evaluation/registrations/{id}")).await.text;
    assert!(page.contains("tiêu chí 1.5 (cần"), "{page}");

    // The decision: not by another province; a future date is refused; then issued.
    let decide = [
        ("registrations", id.to_string()),
        ("number", "5123/QĐ-UBND".into()),
        ("signed_on", "01/01/2099".into()),
        ("signer", "Chủ tịch".into()),
    ];
    let as_fields: Vec<(&str, &str)> = decide.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.office.post_form("/evaluation/decisions", &as_fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ngày này chưa đến."), "{}", r.text);
    let today = domain::fmt_date(store::evaluation::today());
    let mut ok = as_fields.clone();
    ok[2] = ("signed_on", today.as_str());
    let r = c.other_office.post_form("/evaluation/decisions", &ok).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "Huế's office cannot recognise a Hà Nội dossier");
    let r = c.office.post_form("/evaluation/decisions", &ok).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(state_of(&app, id).await, "recognised");
    // The office's decisions through the API; Huế's office sees none of Hà Nội's.
    let decisions = c.office.get_json("/api/v1/decisions").await.json();
    assert_eq!(decisions["items"][0]["number"].as_str(), Some("5123/QĐ-UBND"), "{decisions}");
    assert_eq!(decisions["items"][0]["kind"].as_str(), Some("recognition"));
    assert_eq!(decisions["items"][0]["signed_on"].as_str().map(str::len), Some(10), "yyyy-mm-dd");
    assert_eq!(c.other_office.get_json("/api/v1/decisions").await.json()["total"].as_i64(), Some(0));
    assert_eq!(c.producer.get_json("/api/v1/decisions").await.status, StatusCode::FORBIDDEN);

    // Revocation shows everywhere at once: the verification page and the product page.
    let g = dossiers::get(app.db.db.conn(), id).await.expect("g").expect("g");
    let cert = store::certificates::by_ids(app.db.db.conn(), &[g.certificate_id.expect("cert")].into_iter().collect())
        .await
        .expect("c")
        .into_values()
        .next()
        .expect("c");
    let mut public = app.client();
    assert!(public.get(&format!("/verify/certificate/{}", cert.number)).await.text.contains("Còn hiệu lực"));
    let revoke = format!("/certificates/{}/revoke", cert.number);
    let r = c
        .producer
        .post_form(&revoke, &[("ground", "mark_misuse"), ("number", "9/QĐ"), ("signed_on", &today), ("signer", "X")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .office
        .post_form(
            &revoke,
            &[("ground", "nonsense"), ("number", "9/QĐ-UBND"), ("signed_on", &today), ("signer", "Chủ tịch")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Hãy chọn căn cứ thu hồi theo Điều 8."), "{}", r.text);
    let fields = [("ground", "mark_misuse"), ("number", "9/QĐ-UBND"), ("signed_on", &today), ("signer", "Chủ tịch")];
    // A valid revocation is asked once more, naming the certificate and the decision; until then
    // nothing changes.
    let asked = c.office.post_form(&revoke, &fields).await;
    assert_eq!(asked.status, StatusCode::OK);
    let question = format!("Thu hồi giấy chứng nhận {} của sản phẩm «Mật ong hoa nhãn Đông Anh»?", cert.number);
    assert!(asked.text.contains(&question) && asked.text.contains("Theo quyết định số 9/QĐ-UBND"), "{}", asked.text);
    assert!(public.get(&format!("/verify/certificate/{}", cert.number)).await.text.contains("Còn hiệu lực"));
    let confirmed: Vec<(&str, &str)> = fields.iter().copied().chain([("confirmed", "yes")]).collect();
    let r = c.office.post_form(&revoke, &confirmed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let verify = public.get(&format!("/verify/certificate/{}", cert.number)).await.text;
    assert!(verify.contains("Đã thu hồi") && verify.contains("Sử dụng nhãn hiệu OCOP không đúng quy định"), "{verify}");
    let product = public.get(&format!("/products/{}", w.product_id)).await;
    assert_eq!(
        product.status,
        StatusCode::SEE_OTHER,
        "a revoked product leaves the public catalogue: sign in to see it"
    );
    let product = c.office.get(&format!("/products/{}", w.product_id)).await.text;
    assert!(product.contains("Đã thu hồi"));
    // An unknown number says plainly that it is not genuine.
    let fake = public.get("/verify/certificate/OCOP-01-2026-99999").await;
    assert_eq!(fake.status, StatusCode::NOT_FOUND);
    assert!(fake.text.contains("giấy chứng nhận này không có thật"));
}

#[tokio::test]
async fn criteria_messages_follow_the_language() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    let r = c
        .producer
        .post_form(
            "/evaluation/registrations",
            &[("product", &w.product_id.to_string()), ("round", &w.round_id.to_string()), ("kind", "first")],
        )
        .await;
    let id: i64 = r.location().split('/').nth(3).and_then(|s| s.parse().ok()).expect("id");
    let _ = c.producer.get("/lang/en?next=/").await;
    let r = c.producer.post_form(&format!("/evaluation/registrations/{id}/self-assessment"), &[("a_1.1", "9")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Criterion 1.1: there is no option 9"), "{}", r.text);
}

/// A certificate as an import records it: its number, how many days from today it expires, and
/// (if revoked today) the ground in words.
struct Held<'a> {
    number: &'a str,
    days: i64,
    revoked: Option<&'a str>,
    stars: u8,
    central: bool,
}

impl Held<'_> {
    fn four(number: &str, days: i64) -> Held<'_> {
        Held { number, days, revoked: None, stars: 4, central: false }
    }
}

/// Records the certificate for the product.
async fn certified(app: &TestApp, product_id: i64, held: Held<'_>) -> store::certificates::Certificate {
    let Held { number, days, revoked, stars, central } = held;
    use domain::certificate::{Evidence, Stars, expiry};
    use store::certificates::{CertificateFact, Level};
    let expires = store::evaluation::today() + time::Duration::days(days);
    let issued = expires.replace_year(expires.year() - 3).expect("a day three years before");
    let fact = CertificateFact {
        number: number.into(),
        stars: Stars::new(stars).expect("stars"),
        level: if central { Level::Central } else { Level::Province },
        decision_number: "1234/QĐ-UBND".into(),
        decision_date: Some(issued),
        signer: "Chủ tịch UBND".into(),
        issued_on: issued,
        expires_on: expiry(issued),
        revoked_on: revoked.map(|_| store::evaluation::today()),
        revocation_ground: revoked.map(str::to_owned),
        revocation_decision: None,
        criteria_version: "148/QĐ-TTg".into(),
        source: "import",
        issuer_kind: None,
        issuer_name: String::new(),
        evidence: Evidence::Decision,
    };
    let tx = app.db.db.write().await.expect("begin");
    let c = store::certificates::record(&tx, &store::audit::Who::system(), product_id, &fact).await.expect("record");
    tx.commit().await.expect("commit");
    c
}

#[tokio::test]
async fn a_late_rerating_is_offered_accepted_and_explained_to_its_owner() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    // Expiring in 60 days: the window closed 60 days ago.
    let cert = certified(&app, w.product_id, Held::four("HN-2023-00077", 60)).await;
    let page = c.producer.get(&format!("/evaluation/register?product={}", w.product_id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(r#"value="rerating" checked"#), "the kind it can file is offered first");
    let id = filed(&w, &mut c.producer, "rerating").await;
    let until = domain::fmt_date(cert.expires_on + time::Duration::days(180));
    let page = c.producer.get(&format!("/evaluation/registrations/{id}")).await;
    assert!(page.text.contains("Điều 12.3") && page.text.contains(&until), "the flash and the notice: {}", page.text);
    assert!(page.text.contains("chủ thể chịu trách nhiệm"), "the owner is told its responsibility");
    let g = dossiers::get(app.db.db.conn(), id).await.expect("get").expect("g");
    assert!(g.late);

    // The same through the API, under the same access rules.
    let list = c.producer.get_json("/api/v1/registrations").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let items = list.json()["items"].as_array().cloned().expect("items");
    assert_eq!((items.len(), list.json()["total"].as_i64()), (1, Some(1)));
    assert_eq!((items[0]["id"].as_i64(), items[0]["late"].as_bool()), (Some(id), Some(true)));
    assert_eq!(items[0]["screening_due"].as_str().map(str::len), Some(10), "yyyy-mm-dd");
    let bad = c.producer.get_json("/api/v1/registrations?state=lost").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let one = c.producer.get_json(&format!("/api/v1/registrations/{id}")).await.json();
    let steps: Vec<(String, Option<String>)> = one["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["action"].as_str().unwrap_or_default().to_owned(), h["state"].as_str().map(str::to_owned)))
        .collect();
    assert_eq!(steps.first().map(|s| s.0.as_str()), Some("registration.create"));
    assert!(steps.contains(&("registration.submit".to_owned(), Some("submitted".to_owned()))), "{steps:?}");
    assert_eq!(c.other_office.get_json(&format!("/api/v1/registrations/{id}")).await.status, StatusCode::NOT_FOUND);
    let certs = c.producer.get_json("/api/v1/certificates").await.json();
    assert_eq!(certs["items"][0]["number"].as_str(), Some("HN-2023-00077"));
    assert_eq!(certs["items"][0]["status"].as_str(), Some("expiring"));
    let other = c.other_office.get_json("/api/v1/certificates").await.json();
    assert_eq!(other["total"].as_i64(), Some(0), "another province's office sees none of Hà Nội's");
    let rounds = c.office.get_json("/api/v1/rounds").await.json();
    assert!(rounds["items"].as_array().expect("rounds").iter().any(|r| r["id"].as_i64() == Some(w.round_id)));

    // The public lookup: a form, a number sent to its page.
    let mut public = app.client();
    let form = public.get("/verify/certificate").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"id="verify-lookup""#));
    let r = public.get("/verify/certificate?number=+HN-2023-00077+").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/verify/certificate/HN-2023-00077"));
    let page = public.get("/verify/certificate/HN-2023-00077").await;
    assert!(page.text.contains("Sắp hết hạn"), "in its last 180 days it is expiring: {}", page.text);

    // Later, past its expiry and before the decision (the dates moved back to make it so): every
    // page says it is extended, and until when at the latest.
    let today = store::evaluation::today();
    let (expired, until) = (today - time::Duration::days(10), today + time::Duration::days(170));
    for sql in [
        format!("UPDATE certificate SET expires_on = '{expired}', extended_until = '{until}' WHERE id = {}", cert.id),
        format!(
            "UPDATE product SET certificate_expires_on = '{expired}', certificate_extended_until = '{until}' WHERE id = {}",
            w.product_id
        ),
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(app.db.db.conn(), &sql).await.expect("move the dates");
    }
    let extended = format!("Gia hạn đến khi có kết quả phân hạng lại, tối đa đến {}", domain::fmt_date(until));
    let code = store::products::get(app.db.db.conn(), w.product_id).await.expect("p").expect("p").code;
    for (who, path) in [
        ("verify", "/verify/certificate/HN-2023-00077".to_owned()),
        ("scan page", format!("/p/{code}")),
        ("staff product page", format!("/products/{}", w.product_id)),
    ] {
        let client = if who == "staff product page" { &mut c.office } else { &mut public };
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{who}");
        assert!(page.text.contains(&extended), "{who}: {}", page.text);
    }
    let api = public.get_json("/api/v1/certificates/HN-2023-00077").await.json();
    assert_eq!(api["status"].as_str(), Some("extended"));
    assert_eq!(api["extended_until"].as_str(), Some(until.to_string().as_str()));
}

#[tokio::test]
async fn a_replaced_or_revoked_certificate_says_what_became_of_it() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let old = certified(&app, w.product_id, Held::four("HN-2023-00001", 30)).await;
    // Its successor, revoked with its ground in words (as an import records it).
    let ground = "Vi phạm quy định về an toàn thực phẩm";
    let new = certified(&app, w.product_id, Held { revoked: Some(ground), ..Held::four("HN-2026-00002", 1000) }).await;
    let mut public = app.client();
    let page = public.get(&format!("/verify/certificate/{}", old.number)).await;
    assert!(page.text.contains(r#"id="verify-replaced-by""#) && page.text.contains(&new.number), "{}", page.text);
    // Printed again, a revoked certificate carries its revocation across the page.
    let mut c = cast(&app, &w).await;
    let pdf = c.office.get(&format!("/certificates/{}/pdf", new.number)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = common::pdf_text(&pdf.bytes, "revoked.pdf");
    assert!(text.contains("ĐÃ THU HỒI"), "{text}");
    assert!(text.contains("HẠNG 4 SAO"), "{text}");
    for lang in ["vi", "en"] {
        public.get(&format!("/lang/{lang}")).await;
        let page = public.get(&format!("/verify/certificate/{}", new.number)).await;
        assert!(page.text.contains(ground), "{lang}: {}", page.text);
        assert!(!page.text.contains('⟦'), "{lang}: no raw message key");
    }
}

#[tokio::test]
async fn a_five_star_rerating_goes_up_on_the_provinces_letter_and_can_come_back() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let mut c = cast(&app, &w).await;
    // A Ministry's 5★ certificate in its re-rating window.
    certified(&app, w.product_id, Held { stars: 5, central: true, ..Held::four("TW-2023-00005", 150) }).await;
    let id = filed(&w, &mut c.producer, "rerating").await;
    let r = c.officer.post_form(&format!("/evaluation/registrations/{id}/accept"), &form03()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The office may ask for a missing paper first; the producer sends the dossier back.
    let completion = format!("/evaluation/registrations/{id}/completion");
    let r = c.office.post_form(&completion, &[("papers", "Phiếu kiểm nghiệm năm 2026")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = c.producer.get(&format!("/evaluation/registrations/{id}")).await.text;
    assert!(page.contains("Phiếu kiểm nghiệm năm 2026") && page.contains("Đang bổ sung hồ sơ"), "{page}");
    let r = c.producer.post_form(&format!("/evaluation/registrations/{id}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(state_of(&app, id).await, "accepted");

    // No provincial scoring: the office forwards it with its letter, report and a PDF.
    let page = c.office.get(&format!("/evaluation/registrations/{id}")).await.text;
    assert!(page.contains(r#"id="forward-form""#) && !page.contains(r#"name="signer""#), "no approval decision asked");
    let forward = format!("/evaluation/registrations/{id}/forward");
    let r = c
        .office
        .upload(
            &forward,
            &[("letter_number", " "), ("letter_date", "01/01/2026"), ("report_number", "9/BC")],
            "report_file",
            "bc.pdf",
            common::PDF,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the letter's number is required");
    assert_eq!(state_of(&app, id).await, "accepted", "nothing changed");
    let fields = [("letter_number", "55/UBND-NNMT"), ("letter_date", "01/01/2026"), ("report_number", "12/BC-CCPTNT")];
    let r = c.office.upload(&forward, &fields, "report_file", "bc.pdf", common::PDF).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(state_of(&app, id).await, "forwarded");

    // The central office sees what the province sent and may return it for a local re-evaluation.
    let (mut ministry, _) = client(&app, "ocop@mae.gov.vn", Role::CentralOffice, Scope::National).await;
    let page = ministry.get(&format!("/evaluation/registrations/{id}")).await.text;
    assert!(page.contains("55/UBND-NNMT") && page.contains("12/BC-CCPTNT") && page.contains("bc.pdf"), "{page}");
    let back = format!("/evaluation/registrations/{id}/return-to-province");
    assert_eq!(c.office.post_form(&back, &[("reason", "x")]).await.status, StatusCode::FORBIDDEN, "not the province's");
    let r = ministry.post_form(&back, &[("reason", "Báo cáo chưa nêu kết quả kiểm tra thực tế")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(state_of(&app, id).await, "accepted");
}

#[tokio::test]
async fn notifications_are_mailed_once_with_their_link() {
    let (smtp, mails) = common::relay().await;
    let app = TestApp::with_settings(web::Settings { smtp_url: Some(smtp), ..common::settings() }).await;
    let u =
        app.user("htx@battrang.vn", Role::ProvinceOffice, Scope::Province { province: common::province("01") }).await;
    let tx = app.db.db.write().await.expect("begin");
    let message = store::notifications::Message {
        subject: "test:1".into(),
        key: "notify-accepted",
        args: vec![("number", "001/PĐK-01-00577-2026".into()), ("product", "Mật ong hoa nhãn".into())],
        link: "/evaluation/registrations/1".into(),
    };
    store::notifications::notify(&tx, &[u.id], &message).await.expect("notify");
    tx.commit().await.expect("commit");
    assert_eq!(web::jobs::mail_pending(&app.state).await.expect("mail"), 1);
    assert_eq!(web::jobs::mail_pending(&app.state).await.expect("again"), 0, "claimed once");
    for _ in 0..100 {
        if !mails.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let got = mails.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("To: htx@battrang.vn"), "{got:?}");
    // The body is base64 after the headers.
    use base64::Engine;
    let encoded: String = got[0].split("\n\n").nth(1).unwrap_or_default().split_whitespace().collect();
    let body =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64")).expect("utf-8");
    assert!(body.contains("UBND xã đã tiếp nhận hồ sơ 001/PĐK-01-00577-2026"), "{body}");
    assert!(body.contains("http://ocop.test/evaluation/registrations/1"), "{body}");
}

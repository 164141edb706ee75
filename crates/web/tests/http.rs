//! The application through HTTP, on the backend `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Client, PASSWORD, TestApp, province, scope_for};
use domain::role::{Role, Scope};
use web::Settings;

#[tokio::test]
async fn pages_speak_vietnamese_by_default_and_english_on_request() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains(r#"<html lang="vi">"#));
    assert!(home.text.contains("Chương trình mỗi xã một sản phẩm"));
    let en = c.get("/?lang=en").await;
    assert!(en.text.contains(r#"<html lang="en">"#) && en.text.contains("One Commune One Product"));

    // The switch remembers the choice in a cookie and returns to the page.
    let switch = c.get("/lang/en?next=%2Funits").await;
    assert_eq!((switch.status, switch.location()), (StatusCode::SEE_OTHER, "/units"));
    assert_eq!(c.cookie("ocop_lang").as_deref(), Some("en"));
    assert!(c.get("/units").await.text.contains("Administrative units"));
    // Only pages of this site are valid targets.
    assert_eq!(c.get("/lang/vi?next=%2F%2Fevil.example").await.location(), "/");
}

#[tokio::test]
async fn sign_in_and_out() {
    let app = TestApp::new().await;
    app.user("lan@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("01") }).await;
    let mut c = app.client();
    assert_eq!(c.get("/account").await.location(), "/login?next=%2Faccount", "anonymous is sent to sign in");

    let ok =
        c.post_form("/login", &[("email", "LAN@hanoi.gov.vn"), ("password", PASSWORD), ("next", "/account")]).await;
    assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/account"));
    let cookie = ok.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let account = c.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.text.contains("lan@hanoi.gov.vn") && account.text.contains("Thành phố Hà Nội"));

    let out = c.post_form("/logout", &[]).await;
    assert_eq!(out.location(), "/");
    assert!(c.get("/").await.text.contains("Bạn đã đăng xuất."));
    assert_eq!(c.get("/account").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_throttled_after_five_tries() {
    let app = TestApp::new().await;
    app.user("an@hanoi.gov.vn", Role::Inspector, Scope::Province { province: province("01") }).await;
    let mut c = app.client();
    for attempt in 1..=5 {
        let r = c.login("an@hanoi.gov.vn", "sai mật khẩu rồi").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert!(r.text.contains("Email hoặc mật khẩu không đúng."));
        assert!(r.text.contains(r#"value="an@hanoi.gov.vn""#), "the e-mail stays in the form");
    }
    // Even the right password is refused now, without being checked.
    let r = c.login("an@hanoi.gov.vn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("Đăng nhập sai quá nhiều lần"), "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
    // An unknown account fails the same way as a wrong password.
    assert_eq!(c.login("nobody@hanoi.gov.vn", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_throttle_is_shared_by_instances_and_counts_per_address_too() {
    let settings = Settings { trusted_proxies: 1, login_max_failures_ip: 3, ..common::settings() };
    let app = TestApp::with_settings(settings).await;
    app.user("binh@hanoi.gov.vn", Role::Inspector, Scope::Province { province: province("01") }).await;
    let other = app.another_instance().await;
    let mut a = app.client();
    let mut b = a.on(other);
    // Three different accounts from one address, alternating instances.
    for (i, email) in ["x@y.vn", "z@y.vn", "w@y.vn"].into_iter().enumerate() {
        let c = if i % 2 == 0 { &mut a } else { &mut b };
        assert_eq!(c.login(email, "whatever-wrong").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(b.login("binh@hanoi.gov.vn", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_cross_site_post_is_blocked() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let form = [("current", PASSWORD), ("new", "một mật khẩu mới"), ("confirm", "một mật khẩu mới")];
    let attack = c.post_form_from("/account/password", &form, "https://evil.example", "cross-site").await;
    assert_eq!(attack.status, StatusCode::FORBIDDEN);
    assert!(attack.text.contains("được gửi từ một trang web khác"), "{}", attack.text);
    // The password did not change: the old one still signs in.
    let mut fresh = app.client();
    assert_eq!(fresh.login("province_office@hanoi.test", PASSWORD).await.status, StatusCode::SEE_OTHER);
    // The same form from our own page works.
    let own = c.post_form("/account/password", &form).await;
    assert_eq!((own.status, own.location()), (StatusCode::SEE_OTHER, "/account"));
}

#[tokio::test]
async fn two_instances_share_a_session() {
    let app = TestApp::new().await;
    let (a, user) = app.signed_in(Role::Admin).await;
    let other = app.another_instance().await;
    let mut b = a.on(other);
    let page = b.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&user.email));
    // Signing out on one instance ends the session on the other.
    let mut a = a;
    a.post_form("/logout", &[]).await;
    let mut c = Client::new(app.router.clone());
    assert_eq!(c.get("/account").await.status, StatusCode::SEE_OTHER);
}

/// Which roles may open the account and audit pages: 200, 403, or sign in (303).
#[tokio::test]
async fn every_role_gets_exactly_its_pages() {
    let app = TestApp::new().await;
    let expected = [
        (Role::Producer, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (Role::CommuneOfficer, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (Role::ProvinceOffice, StatusCode::OK, StatusCode::OK),
        (Role::CouncilMember, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (Role::Inspector, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (Role::CentralOffice, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (Role::Admin, StatusCode::OK, StatusCode::OK),
    ];
    for (role, users_page, audit_page) in expected {
        let (mut c, _) = app.signed_in(role).await;
        assert_eq!(c.get("/admin/users").await.status, users_page, "{role} /admin/users");
        assert_eq!(c.get("/admin/users/new").await.status, users_page, "{role} /admin/users/new");
        assert_eq!(c.get("/admin/audit").await.status, audit_page, "{role} /admin/audit");
        let create = c
            .post_form(
                "/admin/users",
                &[("email", "new@x.vn"), ("display_name", "X"), ("role", "inspector"), ("province", "01")],
            )
            .await;
        let created = create.status == StatusCode::CREATED;
        assert_eq!(created, users_page == StatusCode::OK, "{role} creating an account: {}", create.status);
        if !created {
            assert_eq!(create.status, StatusCode::FORBIDDEN, "{role}");
        }
        // A refusal says so in Vietnamese on the error page, with the request id.
        if users_page == StatusCode::FORBIDDEN {
            let page = c.get("/admin/users").await;
            assert!(page.text.contains("Không có quyền truy cập") && page.text.contains("Mã yêu cầu:"));
        }
        c.post_form("/logout", &[]).await;
        // The account created above must not block the next role's attempt.
        if created {
            let tx = app.db.db.write().await.expect("begin");
            sea_orm::ConnectionTrait::execute_unprepared(&tx, "DELETE FROM app_user WHERE email = 'new@x.vn'")
                .await
                .expect("cleanup");
            tx.commit().await.expect("commit");
        }
    }
    let mut anonymous = app.client();
    for path in ["/admin/users", "/admin/audit", "/account"] {
        let r = anonymous.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/login?next="), "{path}");
    }
    assert_eq!(anonymous.get_json("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_province_office_manages_only_its_province() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::ProvinceOffice).await;
    let mine = app.user("mine@hanoi.gov.vn", Role::Inspector, Scope::Province { province: province("01") }).await;
    let theirs = app.user("theirs@hcm.gov.vn", Role::Inspector, Scope::Province { province: province("79") }).await;
    let admin = app.user("root@ocop.vn", Role::Admin, Scope::National).await;

    assert_eq!(c.get(&format!("/admin/users/{}", mine.id)).await.status, StatusCode::OK);
    // Outside its scope an account does not exist for it: 404, not 403.
    assert_eq!(c.get(&format!("/admin/users/{}", theirs.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get(&format!("/admin/users/{}", admin.id)).await.status, StatusCode::NOT_FOUND);
    let post = c.post_form(&format!("/admin/users/{}/password", theirs.id), &[]).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);

    let list = c.get("/admin/users").await;
    assert!(list.text.contains("mine@hanoi.gov.vn"));
    assert!(!list.text.contains("theirs@hcm.gov.vn") && !list.text.contains("root@ocop.vn"));

    // No granting of admin rights, nor of accounts in another province.
    let escalate =
        c.post_form("/admin/users", &[("email", "boss@x.vn"), ("display_name", "Boss"), ("role", "admin")]).await;
    assert_eq!(escalate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(escalate.text.contains("Bạn không được cấp vai trò và phạm vi này."));
    let elsewhere = c
        .post_form(
            "/admin/users",
            &[("email", "a@x.vn"), ("display_name", "A"), ("role", "inspector"), ("province", "79")],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    let promote = c
        .post_form(
            &format!("/admin/users/{}", mine.id),
            &[("email", "mine@hanoi.gov.vn"), ("display_name", "Mine"), ("role", "central_office"), ("version", "1")],
        )
        .await;
    assert_eq!(promote.status, StatusCode::UNPROCESSABLE_ENTITY);
    let count = store::users::count_all(app.db.db.conn()).await.expect("count");
    assert_eq!(count, 4, "nothing was created");
}

#[tokio::test]
async fn account_forms_name_each_bad_field_in_vietnamese() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::Admin).await;
    let r = c
        .post_form(
            "/admin/users",
            &[("email", "không-phải-email"), ("display_name", ""), ("role", "commune_officer"), ("province", "1a")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Vui lòng sửa các lỗi được đánh dấu bên dưới.",
        "Địa chỉ email không hợp lệ.",
        "Trường này là bắt buộc.",
        "Mã tỉnh phải gồm 2 chữ số.",
    ] {
        assert!(r.text.contains(message), "missing {message:?}");
    }
    assert!(r.text.contains(r#"value="không-phải-email""#), "what was typed stays");
    let unknown = c
        .post_form(
            "/admin/users",
            &[
                ("email", "ok@x.vn"),
                ("display_name", "Ok"),
                ("role", "commune_officer"),
                ("province", "01"),
                ("commune", "99999"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text.contains("Không có xã, phường mã 99999."));
    assert_eq!(store::users::count_all(app.db.db.conn()).await.expect("count"), 1);
}

#[tokio::test]
async fn a_new_account_gets_a_one_time_password_and_must_change_it() {
    let app = TestApp::new().await;
    let (mut admin, _) = app.signed_in(Role::Admin).await;
    let created = admin
        .post_form(
            "/admin/users",
            &[
                ("email", "tuan@battrang.vn"),
                ("display_name", "Trần Văn Tuấn"),
                ("role", "commune_officer"),
                ("province", "01"),
                ("commune", "00577"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let marker = "Mật khẩu tạm thời: ";
    let start = created.text.find(marker).expect("password shown") + marker.len();
    let temp: String = created.text[start..].chars().take(16).collect();

    let mut tuan = app.client();
    let login = tuan.login("tuan@battrang.vn", &temp).await;
    assert_eq!(login.location(), "/account");
    let held = tuan.get("/units").await;
    assert_eq!((held.status, held.location()), (StatusCode::SEE_OTHER, "/account?next=%2Funits"));
    assert!(tuan.get("/account").await.text.contains("Bạn đang dùng mật khẩu tạm thời."));
    let short = tuan.post_form("/account/password", &[("current", &temp), ("new", "ngắn"), ("confirm", "ngắn")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text.contains("Mật khẩu cần ít nhất 10 ký tự."));
    let changed = tuan
        .post_form("/account/password", &[("current", &temp), ("new", "Bát Tràng 2026"), ("confirm", "Bát Tràng 2026")])
        .await;
    assert_eq!(changed.location(), "/account");
    assert_eq!(tuan.get("/units").await.status, StatusCode::OK);
    assert!(tuan.get("/account").await.text.contains("Xã Bát Tràng, Thành phố Hà Nội"));
}

#[tokio::test]
async fn sign_in_and_a_first_password_change_lead_where_the_user_was_headed() {
    let app = TestApp::new().await;
    app.user("lan@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: province("01") }).await;
    let mut lan = app.client();
    // A page that needs an account sends to sign-in and says so; the header's link of a public
    // page comes back to it without the warning.
    let asked = lan.get("/producers?q=gom").await;
    assert_eq!(asked.location(), "/login?next=%2Fproducers%3Fq%3Dgom");
    assert!(lan.get(asked.location()).await.text.contains("Vui lòng đăng nhập để tiếp tục."));
    assert!(lan.get("/catalogue").await.text.contains(r#"href="/login?from=%2Fcatalogue""#));
    let chosen = lan.get("/login?from=%2Fcatalogue").await.text;
    assert!(chosen.contains(r#"name="next" value="/catalogue""#), "{chosen}");
    assert!(!chosen.contains("Vui lòng đăng nhập để tiếp tục."));
    let login = |next: &'static str| [("email", "lan@hanoi.gov.vn"), ("password", PASSWORD), ("next", next)];
    assert_eq!(lan.post_form("/login", &login("/producers?q=gom")).await.location(), "/producers?q=gom");

    // A password to change first: the account page, then on to the page asked for.
    let sql = "UPDATE app_user SET must_change_password = TRUE WHERE email = 'lan@hanoi.gov.vn'";
    sea_orm::ConnectionTrait::execute_unprepared(app.db.db.conn(), sql).await.expect("flag");
    let mut again = app.client();
    let signed = again.post_form("/login", &login("/producers?q=gom")).await;
    assert_eq!(signed.location(), "/account?next=%2Fproducers%3Fq%3Dgom");
    let held = again.get("/evaluation?state=accepted").await;
    assert_eq!(held.location(), "/account?next=%2Fevaluation%3Fstate%3Daccepted");
    let form = again.get(signed.location()).await.text;
    assert!(form.contains(r#"name="next" value="/producers?q=gom""#), "{form}");
    let new = "Hà Nội nghìn năm 2026";
    let changed = again
        .post_form(
            "/account/password",
            &[("current", PASSWORD), ("new", new), ("confirm", new), ("next", "/producers?q=gom")],
        )
        .await;
    assert_eq!((changed.status, changed.location()), (StatusCode::SEE_OTHER, "/producers?q=gom"));
    assert_eq!(again.get("/producers?q=gom").await.status, StatusCode::OK);
    // Never off the site.
    let elsewhere = again
        .post_form(
            "/account/password",
            &[("current", new), ("new", PASSWORD), ("confirm", PASSWORD), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(elsewhere.location(), "/account");
}

#[tokio::test]
async fn a_stale_edit_gets_409_and_the_latest_version() {
    let app = TestApp::new().await;
    let (mut c, _) = app.signed_in(Role::Admin).await;
    let target = app.user("minh@hanoi.gov.vn", Role::Inspector, Scope::Province { province: province("01") }).await;
    let path = format!("/admin/users/{}", target.id);
    let edit = |name: &'static str| {
        [
            ("email", "minh@hanoi.gov.vn"),
            ("display_name", name),
            ("role", "inspector"),
            ("province", "01"),
            ("version", "1"),
        ]
    };
    let first = c.post_form(&path, &edit("Phạm Minh")).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let second = c.post_form(&path, &edit("Phạm Văn Minh")).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.text.contains("vừa được người khác thay đổi"));
    assert!(second.text.contains(r#"value="Phạm Minh""#), "the form shows the latest version");
    let stored = store::users::get(app.db.db.conn(), target.id).await.expect("get").expect("exists");
    assert_eq!(stored.display_name, "Phạm Minh");
}

#[tokio::test]
async fn changes_are_in_the_audit_log_and_a_province_sees_its_own() {
    let app = TestApp::new().await;
    let (mut admin, _) = app.signed_in(Role::Admin).await;
    let hcm = app.user("hoa@hcm.gov.vn", Role::Inspector, Scope::Province { province: province("79") }).await;
    let hanoi = app.user("ha@hanoi.gov.vn", Role::Inspector, Scope::Province { province: province("01") }).await;
    let r = admin
        .post_form(
            &format!("/admin/users/{}", hanoi.id),
            &[
                ("email", "ha@hanoi.gov.vn"),
                ("display_name", "Nguyễn Thu Hà"),
                ("role", "inspector"),
                ("province", "01"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let log = admin.get("/admin/audit?entity=user&action=user.update").await;
    assert!(log.text.contains("user.update") && log.text.contains("Nguyễn Thu Hà"), "{}", log.text);
    assert!(log.text.contains("admin@hanoi.test"));
    // Read as officials read it: the action and the record in Vietnamese, and the change field by
    // field (the name before and after), the filters named too.
    assert!(log.text.contains("Sửa tài khoản") && log.text.contains("Tài khoản #"), "{}", log.text);
    assert!(
        log.text.contains(r#"<th scope="row">Họ tên</th><td>ha@hanoi.gov.vn</td><td>Nguyễn Thu Hà</td>"#),
        "{}",
        log.text
    );
    assert!(log.text.contains(r#"<option value="user.update" selected>Sửa tài khoản</option>"#), "{}", log.text);
    let verified = admin.get("/admin/audit?verify=1").await;
    assert!(verified.text.contains("Chuỗi băm toàn vẹn"));

    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let own = office.get("/admin/audit?entity=user").await;
    assert!(own.text.contains(&format!("Tài khoản #{}", hanoi.id)));
    assert!(!own.text.contains(&format!("Tài khoản #{}<", hcm.id)) && !own.text.contains("hoa@hcm.gov.vn"));
    let bad_date = office.get("/admin/audit?from=32%2F13%2F2026").await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_date.text.contains("Ngày không hợp lệ"));
    // Dates are typed as they are written here, dd/mm/yyyy.
    let today = domain::fmt_date(store::evaluation::today());
    let dated = office.get(&format!("/admin/audit?entity=user&from={today}&until={today}")).await;
    assert!(dated.status == StatusCode::OK && dated.text.contains(&format!("Tài khoản #{}", hanoi.id)));
    assert!(dated.text.contains(r#"placeholder="dd/mm/yyyy""#) && !dated.text.contains(r#"type="date""#));
}

#[tokio::test]
async fn a_scorecards_autosaves_show_as_one_entry_per_sitting() {
    use store::audit::{Change, Who};
    let app = TestApp::new().await;
    let member = Who::user(7, "tv@hanoi.gov.vn");
    let tx = app.db.db.write().await.expect("begin");
    for n in 0..12 {
        let after = serde_json::json!({ "revision": n });
        let save = Change::new("scorecard.save", "scorecard", 41).province(Some("01")).after(&after);
        store::audit::append(&tx, &member, save).await.expect("save");
    }
    let other = Change::new("scorecard.save", "scorecard", 42).province(Some("01"));
    store::audit::append(&tx, &member, other).await.expect("another card");
    let submit = Change::new("scorecard.submit", "scorecard", 41).province(Some("01"));
    store::audit::append(&tx, &member, submit).await.expect("submit");
    tx.commit().await.expect("commit");
    let (mut office, _) = app.signed_in(Role::ProvinceOffice).await;
    let log = office.get("/admin/audit?entity=scorecard").await;
    assert!(log.text.contains("3 mục"), "one entry per card and sitting, and the submission: {}", log.text);
    assert!(log.text.contains("Lưu phiếu chấm (tự động)") && log.text.contains("12 lần lưu"), "{}", log.text);
    assert!(log.text.contains("Nộp phiếu chấm"));
    // The chain underneath is whole: every save is kept.
    let all = store::audit::verify(app.db.db.conn()).await.expect("verify");
    assert!(all.broken.is_none() && all.entries >= 14);
}

#[tokio::test]
async fn administrative_units_api() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let provinces = c.get_json("/api/v1/provinces").await.json();
    assert_eq!(provinces.as_array().map(Vec::len), Some(34));
    let hanoi = c.get_json("/api/v1/provinces/01/units").await.json();
    assert_eq!(hanoi.as_array().map(Vec::len), Some(126));
    let districts = c.get_json("/api/v1/provinces/01/old-districts").await.json();
    assert!(districts.as_array().is_some_and(|d| d.iter().any(|d| d["name"] == "Huyện Gia Lâm")));
    let gia_lam = c.get_json("/api/v1/old-districts/018/communes").await.json();
    assert!(gia_lam.as_array().is_some_and(|c| c.iter().any(|c| c["commune_name"] == "Xã Bát Tràng")));
    let phuc_xa = c.get_json("/api/v1/old-communes/00001").await.json();
    assert_eq!(phuc_xa["current"][0]["name"], "Phường Hồng Hà");

    let malformed = c.get_json("/api/v1/old-communes/12ab").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["message"], "Mã xã, phường phải gồm 5 chữ số.");
    let unknown = c.get_json("/api/v1/provinces/99/units").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let body = unknown.json();
    assert_eq!(body["error"]["status"], 404);
    assert!(body["error"]["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    let english = c.get_json("/api/v1/provinces/99/units?lang=en").await.json();
    assert_eq!(english["error"]["title"], "Not found");
}

#[tokio::test]
async fn the_units_page_looks_up_old_communes() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let page = c.get("/units?old=00007").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Phường Cống Vị") && page.text.contains("Phường Ngọc Hà"));
    assert_eq!(c.get("/units?old=99999").await.status, StatusCode::NOT_FOUND);
    let bad = c.get("/units?old=abc").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Mã xã, phường phải gồm 5 chữ số."));
}

#[tokio::test]
async fn operational_endpoints() {
    let app =
        TestApp::with_settings(Settings { metrics_token: Some("s3cr3t-token".into()), ..common::settings() }).await;
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.text, "ok");
    assert_eq!(c.get("/readyz").await.status, StatusCode::OK);
    // Scans that can no longer reach the database make the instance not ready.
    let scans_stopped = TestApp::new().await;
    scans_stopped.state.scan_log().shutdown().await;
    assert_eq!(scans_stopped.client().get("/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE);
    c.get("/units").await;
    // Metrics are the operator's: without the token there is nothing there.
    assert_eq!(c.get("/metrics").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get_with("/metrics", &[("authorization", "Bearer sai")]).await.status, StatusCode::NOT_FOUND);
    let metrics = c.get_with("/metrics", &[("authorization", "Bearer s3cr3t-token")]).await.text;
    assert!(metrics.contains("http_requests_total") && metrics.contains(r#"route="/units""#), "{metrics}");
    let doc = c.get_json("/api/v1/openapi.json").await.json();
    assert_eq!(doc["info"]["title"], "OCOP Platform API");
    assert!(doc["paths"]["/api/v1/old-communes/{code}"]["get"].is_object());
    let docs = c.get("/api/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text.contains("swagger"), "Swagger UI is served from the binary");
    let css = c.get("/static/app.css").await;
    assert_eq!(css.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/css; charset=utf-8"));
    let missing = c.get("/khong-co-trang-nay").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Không tìm thấy") && missing.text.contains("Mã yêu cầu:"));
    let id = missing.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("request id header");
    assert!(missing.text.contains(id), "the page shows the request id of the response");
}

#[tokio::test]
async fn no_page_misses_a_message_in_either_language() {
    let app = TestApp::new().await;
    let (mut c, user) = app.signed_in(Role::Admin).await;
    let other = app.user("x@hanoi.gov.vn", Role::Inspector, scope_for(Role::Inspector)).await;
    for lang in ["vi", "en"] {
        for path in [
            "/".to_owned(),
            "/login".to_owned(),
            "/account".to_owned(),
            "/units?old=00001".to_owned(),
            "/units?old=abc".to_owned(),
            "/admin/users".to_owned(),
            "/admin/users/new".to_owned(),
            format!("/admin/users/{}", other.id),
            "/admin/audit?verify=1".to_owned(),
            "/nowhere".to_owned(),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let r = c.get(&format!("{path}{sep}lang={lang}")).await;
            assert!(!r.text.contains('⟦'), "{lang} {path}: a message is missing: {}", r.text);
        }
    }
    let _ = user;
}

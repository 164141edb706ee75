//! Journeys in a real headless Chromium (Debian's `chromium` and `chromium-driver`), against the
//! application served on a real socket. Screenshots land in `test-artifacts/` at the repository
//! root.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use common::{PASSWORD, TestApp};
use domain::role::{Role, Scope};
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;
use tokio_util::sync::CancellationToken;

struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Child,
    base: String,
    stop: CancellationToken,
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

impl Browser {
    async fn start(app: &TestApp, width: u32, height: u32) -> Browser {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = CancellationToken::new();
        let server_stop = stop.clone();
        tokio::spawn(web::serve(listener, app.state.clone(), async move { server_stop.cancelled().await }));

        let port = free_port();
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver not found ({e}): install Debian's chromium and chromium-driver (scripts/test does)"
                )
            });
        // Wait until the driver accepts connections (bounded; no fixed sleep).
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = DesiredCapabilities::chrome();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=vi",
        ] {
            caps.add_arg(arg).expect("arg");
        }
        // Desktop windows have a minimum width; emulate the device so the viewport is exact.
        caps.add_experimental_option(
            "mobileEmulation",
            serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 } }),
        )
        .expect("mobile emulation");
        if std::path::Path::new("/usr/bin/chromium").exists() {
            caps.set_binary("/usr/bin/chromium").expect("binary");
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.expect("start Chromium");
        Browser { driver: Some(driver), chromedriver, base, stop }
    }

    fn d(&self) -> &WebDriver {
        self.driver.as_ref().expect("driver")
    }

    async fn open(&self, path: &str) {
        self.d().goto(format!("{}{path}", self.base)).await.expect("goto");
    }

    async fn text(&self) -> String {
        self.d().find(By::Tag("body")).await.expect("body").text().await.expect("text")
    }

    async fn fill(&self, name: &str, value: &str) {
        let field = self.d().find(By::Name(name)).await.expect("field");
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    async fn submit(&self, form_selector: &str) {
        let button = format!("{form_selector} button[type=submit]");
        let button = self.d().find(By::Css(button)).await.expect("submit button");
        self.navigating(button.click()).await;
    }

    /// Runs an action that loads a new page and waits until the old page is gone.
    async fn navigating<T>(&self, action: impl Future<Output = WebDriverResult<T>>) {
        let old = self.d().find(By::Tag("html")).await.expect("page");
        action.await.expect("action");
        let deadline = Instant::now() + Duration::from_secs(10);
        while old.tag_name().await.is_ok() {
            if Instant::now() > deadline {
                // What the page shows instead, for whoever reads the failure.
                let _ = self.d().screenshot(&artifacts().join("page-did-not-change.png")).await;
                let url = self.d().current_url().await.map(|u| u.to_string()).unwrap_or_default();
                panic!("the page did not change ({url}); see test-artifacts/page-did-not-change.png");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        self.d().screenshot(&artifacts().join(name)).await.expect("screenshot");
    }

    async fn path(&self) -> String {
        self.d().current_url().await.expect("url").path().to_owned()
    }

    async fn finish(mut self) {
        if let Some(driver) = self.driver.take() {
            let _ = driver.quit().await;
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        self.stop.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_signs_in_on_a_phone_and_meets_vietnamese_validation() {
    let app = TestApp::new().await;
    app.user("lan@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: common::province("01") }).await;
    let b = Browser::start(&app, 390, 844).await;

    b.open("/login").await;
    b.screenshot("login-phone.png").await;
    b.fill("email", "lan@hanoi.gov.vn").await;
    b.fill("password", "sai mật khẩu").await;
    b.submit("form[action='/login']").await;
    assert!(b.text().await.contains("Email hoặc mật khẩu không đúng."));

    b.fill("password", PASSWORD).await;
    b.submit("form[action='/login']").await;
    assert_eq!(b.path().await, "/");
    let home = b.text().await;
    assert!(home.contains("Xin chào, lan@hanoi.gov.vn!"), "{home}");
    assert!(home.contains("Thành phố Hà Nội"));
    b.screenshot("home-phone.png").await;

    // On a phone the menu folds behind a button.
    let nav_link = b.d().find(By::Css("#site-nav a[href='/admin/users']")).await.expect("link");
    assert!(!nav_link.is_displayed().await.expect("visible?"), "menu starts folded");
    b.d().find(By::Css(".menu-toggle")).await.expect("toggle").click().await.expect("open menu");
    b.navigating(nav_link.click()).await;
    assert_eq!(b.path().await, "/admin/users");

    // A real same-origin form POST passes the CSRF layer; bad input comes back in Vietnamese.
    b.open("/admin/users/new").await;
    b.fill("email", "không-hợp-lệ").await;
    b.fill("display_name", "Trần Văn Tuấn").await;
    b.submit("form.card").await;
    let form = b.text().await;
    assert!(form.contains("Địa chỉ email không hợp lệ."), "{form}");
    b.screenshot("user-form-errors-phone.png").await;

    b.d().find(By::Css(".menu-toggle")).await.expect("toggle").click().await.expect("open menu");
    let english = b.d().find(By::LinkText("English")).await.expect("switch");
    b.navigating(english.click()).await;
    assert!(b.text().await.contains("Add account"));
    b.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_finds_dong_anh_without_accents_and_meets_a_gtin_error() {
    let app = TestApp::new().await;
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "HTX Rau an toàn Vân Nội".into(),
        province: "01".into(),
        commune: "00430".into(),
        old_district: "017".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let p = store::producers::create(&tx, &store::audit::Who::system(), &input.parse().expect("valid"), false)
        .await
        .expect("producer");
    tx.commit().await.expect("commit");
    app.user("lan@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: common::province("01") }).await;
    let b = Browser::start(&app, 390, 844).await;
    b.open("/login").await;
    b.fill("email", "lan@hanoi.gov.vn").await;
    b.fill("password", PASSWORD).await;
    b.submit("form[action='/login']").await;

    b.open("/producers").await;
    b.fill("q", "dong anh").await;
    b.submit("form.search-form .search-row").await;
    let found = b.text().await;
    assert!(found.contains("HTX Rau an toàn Vân Nội") && found.contains("Huyện Đông Anh"), "{found}");
    b.screenshot("search-dong-anh-phone.png").await;

    b.open(&format!("/products/new?producer={}", p.id)).await;
    b.fill("name", "Mật ong hoa nhãn").await;
    b.d()
        .find(By::Css("select[name=sheet] option[value='04']"))
        .await
        .expect("sheet 04")
        .click()
        .await
        .expect("choose");
    b.fill("gtin", "8934563138166").await;
    b.fill("price", "150.000").await;
    b.submit("form.card").await;
    let form = b.text().await;
    assert!(form.contains("Mã GTIN sai chữ số kiểm tra (chữ số cuối phải là 5)."), "{form}");
    b.screenshot("product-gtin-error-phone.png").await;
    b.finish().await;
}

impl Browser {
    async fn sign_in(&self, email: &str) {
        self.d().delete_all_cookies().await.expect("sign out");
        self.open("/login").await;
        self.fill("email", email).await;
        self.fill("password", PASSWORD).await;
        self.submit("form[action='/login']").await;
        assert_eq!(self.path().await, "/", "{email} signed in");
    }

    /// Ticks, in every criterion on the page, its best option (or the second best for the
    /// codes in `second`), as a person clicking would: each click fires the page's change events.
    async fn tick(&self, second: &[&str]) {
        let script = r#"
            const second = arguments[0];
            document.querySelectorAll('fieldset[data-criterion]').forEach(fs => {
                const inputs = Array.from(fs.querySelectorAll('input[type=radio]'));
                inputs.sort((a, b) => Number(b.dataset.points) - Number(a.dataset.points));
                const pick = second.includes(fs.dataset.criterion) && inputs.length > 1 ? inputs[1] : inputs[0];
                pick.click();
            });
        "#;
        self.d().execute(script, vec![serde_json::json!(second)]).await.expect("tick options");
    }

    async fn wait_for_text(&self, selector: &str, wanted: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.d().find(By::Css(selector)).await.expect("element").text().await.expect("text");
            if text.contains(wanted) {
                return text;
            }
            assert!(Instant::now() < deadline, "{selector} never showed «{wanted}»: «{text}»");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn click(&self, selector: &str) {
        let el = self.d().find(By::Css(selector)).await.unwrap_or_else(|_| panic!("{selector}"));
        self.navigating(el.click()).await;
    }

    /// Runs axe-core (vendored from the npm package, `tests/vendor/axe-core`) on the page in
    /// Vietnamese and in English, and fails on any serious or critical violation, or on a page
    /// without exactly one `h1`. Leaves the page in Vietnamese.
    async fn accessible(&self, what: &str) {
        const AXE: &str = include_str!("vendor/axe-core/axe.min.js");
        let url = self.d().current_url().await.expect("url");
        let here = format!("{}{}", url.path(), url.query().map(|q| format!("?{q}")).unwrap_or_default());
        let next: String = here.bytes().map(|b| format!("%{b:02X}")).collect();
        for lang in ["vi", "en"] {
            if lang == "en" {
                self.open(&format!("/lang/en?next={next}")).await;
            }
            self.d().execute(AXE, vec![]).await.expect("inject axe-core");
            let found = self
                .d()
                .execute_async(
                    "const done = arguments[arguments.length - 1];\
                     axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations\
                       .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                       .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3)\
                         .map(n => n.target.join(' ')).join(' | '))));",
                    vec![],
                )
                .await
                .expect("axe-core ran");
            let violations: Vec<String> = found.convert().expect("a list");
            let h1: i64 = self
                .d()
                .execute("return document.querySelectorAll('h1').length", vec![])
                .await
                .expect("h1")
                .convert()
                .expect("a number");
            if !violations.is_empty() || h1 != 1 {
                self.screenshot("accessibility-failure.png").await;
                panic!("{what} ({lang}, {here}): {h1} h1; {violations:#?}");
            }
        }
        self.open(&format!("/lang/vi?next={next}")).await;
    }

    /// Clicks a destructive action's button, accepts the question the page asks, waits for the
    /// next page and returns the question.
    async fn click_confirmed(&self, selector: &str) -> String {
        let old = self.d().find(By::Tag("html")).await.expect("page");
        self.d().find(By::Css(selector)).await.unwrap_or_else(|_| panic!("{selector}")).click().await.expect("click");
        let question = self.d().get_alert_text().await.expect("the page asks first");
        self.d().accept_alert().await.expect("accept");
        let deadline = Instant::now() + Duration::from_secs(10);
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "the page did not change after confirming");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        question
    }
}

/// The whole cycle in a browser: the producer registers and self-assesses, the commune accepts,
/// three council members score on a tablet, the chair approves, the office decides, and the
/// certificate PDF downloads with its Vietnamese text intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_product_goes_from_registration_to_a_certificate() {
    let app = TestApp::new().await;
    let world = common::evaluation_world(&app).await;
    let hanoi = || Scope::Province { province: common::province("01") };
    app.user(
        "htx@battrang.vn",
        Role::Producer,
        Scope::Producer {
            producer: world.producer_id,
            province: common::province("01"),
            commune: common::commune("00577"),
        },
    )
    .await;
    app.user(
        "xa@battrang.gov.vn",
        Role::CommuneOfficer,
        Scope::Commune { province: common::province("01"), commune: common::commune("00577") },
    )
    .await;
    app.user("ocop@hanoi.gov.vn", Role::ProvinceOffice, hanoi()).await;
    let members = ["chutich@hanoi.gov.vn", "uyvien.a@hanoi.gov.vn", "uyvien.b@hanoi.gov.vn"];
    let mut member_ids = Vec::new();
    for m in members {
        member_ids.push(app.user(m, Role::CouncilMember, hanoi()).await.id);
    }
    // A tablet in portrait, as council members use.
    let b = Browser::start(&app, 820, 1180).await;

    // 1. The producer registers the product and scores it, watching the total.
    b.sign_in("htx@battrang.vn").await;
    b.open(&format!("/products/{}", world.product_id)).await;
    b.click("#register-product").await;
    b.submit("form[action='/evaluation/registrations']").await;
    assert!(b.path().await.ends_with("/self-assessment"));
    b.tick(&[]).await;
    b.wait_for_text("[data-total]", "100").await;
    b.screenshot("self-assessment-tablet.png").await;
    b.click("#save-self-assessment").await;
    let page = b.text().await;
    assert!(page.contains("Đã lưu phiếu tự chấm: 100/100 điểm."), "{page}");
    let registration = b.path().await;

    let pdf_path = std::env::temp_dir().join(format!("attp-{}.pdf", std::process::id()));
    std::fs::write(&pdf_path, common::PDF).expect("sample evidence");
    b.fill("label", "Giấy chứng nhận cơ sở đủ điều kiện ATTP").await;
    let file = b.d().find(By::Css("input[type=file][name=file]")).await.expect("file input");
    file.send_keys(pdf_path.to_string_lossy()).await.expect("choose file");
    b.submit("form[enctype='multipart/form-data']").await;
    assert!(b.text().await.contains("Đã thêm minh chứng."));
    b.click("#submit-dossier").await;
    let page = b.text().await;
    assert!(page.contains("Đã nộp hồ sơ số 001/PĐK-01-00577-"), "{page}");
    assert!(b.d().find(By::Css("#submit-dossier")).await.is_err(), "a submitted dossier is locked");

    // 2. The commune accepts it with form 03.
    b.sign_in("xa@battrang.gov.vn").await;
    b.open("/evaluation").await;
    assert!(b.text().await.contains("Mật ong hoa nhãn Đông Anh"));
    b.open(&registration).await;
    b.fill("materials", "100% mật ong từ đàn ong nuôi tại xã").await;
    b.fill("labour", "12 lao động địa phương").await;
    b.fill("idea", "Ý tưởng của hợp tác xã").await;
    b.fill("identity", "Nghề nuôi ong truyền thống ven sông Hồng").await;
    b.submit("#accept-form").await;
    assert!(b.text().await.contains("Đã chấp nhận hồ sơ và chuyển lên tỉnh."));

    // 3. The office sets up the council and assigns the product.
    b.sign_in("ocop@hanoi.gov.vn").await;
    b.open("/evaluation/councils").await;
    b.fill("name", "Hội đồng đánh giá sản phẩm OCOP thành phố Hà Nội").await;
    for id in &member_ids {
        b.d()
            .find(By::Css(format!("input[name=members][value='{id}']")))
            .await
            .expect("member")
            .click()
            .await
            .expect("tick");
    }
    b.d()
        .find(By::Css(format!("select[name=chair] option[value='{}']", member_ids[0])))
        .await
        .expect("chair")
        .click()
        .await
        .expect("choose chair");
    b.submit("#council-form").await;
    assert!(b.text().await.contains("Đã thành lập hội đồng."));
    b.d()
        .find(By::Css("#assign-form input[name=registrations]"))
        .await
        .expect("candidate")
        .click()
        .await
        .expect("tick");
    b.submit("#assign-form").await;
    assert!(b.text().await.contains("Đã giao 1 sản phẩm cho hội đồng."));
    let evaluation =
        b.d().find(By::Css("table.list a[href^='/evaluation/evaluations/']")).await.expect("evaluation link");
    let evaluation = evaluation.attr("href").await.expect("href").expect("href");

    // 4. Each member scores, part by part; answers are saved as they click.
    for m in members {
        b.sign_in(m).await;
        b.open(&evaluation).await;
        b.click("#my-scorecard").await;
        if m == members[0] {
            b.accessible("the scorecard").await;
        }
        for (i, part) in ["A", "B", "C"].iter().enumerate() {
            b.tick(&["1.5"]).await;
            b.wait_for_text("[data-save-state]", "Đã lưu").await;
            if i == 0 && m == members[0] {
                b.screenshot("scorecard-tablet.png").await;
            }
            let next = if *part == "C" { "summary".to_owned() } else { ["B", "C"][i].to_owned() };
            b.click(&format!("nav.tabs a[href$='part={next}']")).await;
        }
        let summary = b.text().await;
        assert!(summary.contains("Đã chấm đủ mọi tiêu chí."), "{summary}");
        b.click("#submit-scorecard").await;
        assert!(b.text().await.contains("Đã nộp phiếu chấm."));
    }

    // 5. The chair closes scoring and approves: 1.5 misses its 5★ tag, so 4★.
    b.sign_in(members[0]).await;
    b.open(&evaluation).await;
    let asked = b.click_confirmed("#close-scoring").await;
    assert!(asked.contains("Kết thúc chấm điểm sản phẩm"), "{asked}");
    let result = b.text().await;
    assert!(result.contains("99") && result.contains("1.5"), "{result}");
    b.click("#approve-result").await;
    assert!(b.text().await.contains("Đã phê duyệt kết quả đánh giá."));
    b.screenshot("evaluation-approved-tablet.png").await;

    // 6. The office issues the decision; the certificate exists and its PDF downloads.
    b.sign_in("ocop@hanoi.gov.vn").await;
    b.open("/evaluation/decisions").await;
    b.fill("number", "5123/QĐ-UBND").await;
    b.fill("signer", "Trần Sỹ Thanh").await;
    b.submit("#decision-form").await;
    let flash = b.text().await;
    assert!(flash.contains("Đã ban hành quyết định 5123/QĐ-UBND") && flash.contains("HN-20"), "{flash}");
    b.open(&registration).await;
    assert!(b.text().await.contains("Đã công nhận"));
    let href = b
        .d()
        .find(By::Css("#certificate-pdf"))
        .await
        .expect("pdf link")
        .attr("href")
        .await
        .expect("href")
        .expect("href");
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], { credentials: 'same-origin' })
          .then(r => r.arrayBuffer())
          .then(b => done(Array.from(new Uint8Array(b)).map(x => x.toString(16).padStart(2, '0')).join('')));
    "#;
    let hexed = b.d().execute_async(script, vec![serde_json::json!(href)]).await.expect("download");
    let bytes = hex::decode(hexed.json().as_str().expect("hex")).expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"));
    let pdf = artifacts().join("certificate-from-browser.pdf");
    std::fs::write(&pdf, &bytes).expect("save pdf");
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(text.stdout).expect("utf-8");
    for wanted in [
        "GIẤY CHỨNG NHẬN",
        "Mật ong hoa nhãn Đông Anh",
        "Hợp tác xã Mật ong Bát Tràng",
        "Xã Bát Tràng",
        "5123/QĐ-UBND",
        "HẠNG 4 SAO",
        "Trần Sỹ Thanh",
    ] {
        assert!(text.contains(wanted), "«{wanted}» missing from the PDF text:\n{text}");
    }
    // The public verification page the QR leads to shows it as valid, for anyone.
    b.d().delete_all_cookies().await.expect("sign out");
    let number = href.trim_start_matches("/certificates/").trim_end_matches("/pdf").to_owned();
    b.open(&format!("/verify/certificate/{number}")).await;
    let verify = b.text().await;
    assert!(verify.contains("Còn hiệu lực") && verify.contains("Mật ong hoa nhãn Đông Anh"), "{verify}");
    b.screenshot("verify-certificate-tablet.png").await;
    let _ = std::fs::remove_file(&pdf_path);
    b.finish().await;

    // The scorecard (submitted now, read only) at phone and desktop size too: it was scored on a
    // tablet above.
    let card = evaluation.replace("/evaluations/", "/scorecards/");
    for (width, height) in [(390, 844), (1366, 900)] {
        let b = Browser::start(&app, width, height).await;
        b.sign_in(members[0]).await;
        b.open(&card).await;
        assert!(b.text().await.contains("Mật ong hoa nhãn Đông Anh"), "the card opens");
        b.accessible(&format!("the scorecard at {width} px")).await;
        b.finish().await;
    }
}

/// A re-rating filed after its window takes the late path (the owner is told), the council rates
/// it potential 5★, the office forwards it with the chairman's decision and its PDF, and the
/// central office sends it back to the province for a local re-evaluation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_rerating_goes_up_as_potential_five_and_comes_back_for_local_re_evaluation() {
    use domain::certificate::{Evidence, Stars, expiry};
    use store::certificates::{CertificateFact, Level as CertLevel};
    use store::evaluation::{councils, dossiers};
    let app = TestApp::new().await;
    let world = common::evaluation_world(&app).await;
    let hanoi = || Scope::Province { province: common::province("01") };
    let producer = Scope::Producer {
        producer: world.producer_id,
        province: common::province("01"),
        commune: common::commune("00577"),
    };
    app.user("htx@battrang.vn", Role::Producer, producer).await;
    app.user(
        "xa@battrang.gov.vn",
        Role::CommuneOfficer,
        Scope::Commune { province: common::province("01"), commune: common::commune("00577") },
    )
    .await;
    app.user("ocop@hanoi.gov.vn", Role::ProvinceOffice, hanoi()).await;
    app.user("ocop@mae.gov.vn", Role::CentralOffice, Scope::National).await;
    let mut members = Vec::new();
    for m in ["chutich@hanoi.gov.vn", "a@hanoi.gov.vn", "b@hanoi.gov.vn"] {
        members.push(app.user(m, Role::CouncilMember, hanoi()).await);
    }
    // A 4★ certificate expiring in 60 days: its re-rating window closed two months ago.
    let db = &app.db.db;
    let today = store::evaluation::today();
    let expires = today + time::Duration::days(60);
    let issued = expires.replace_year(expires.year() - 3).expect("issued");
    let fact = CertificateFact {
        number: "HN-2023-00123".into(),
        stars: Stars::new(4).expect("4"),
        level: CertLevel::Province,
        decision_number: "123/QĐ-UBND".into(),
        decision_date: Some(issued),
        signer: "Chủ tịch UBND".into(),
        issued_on: issued,
        expires_on: expiry(issued),
        revoked_on: None,
        revocation_ground: None,
        revocation_decision: None,
        criteria_version: "148/QĐ-TTg".into(),
        source: "import",
        issuer_kind: None,
        issuer_name: String::new(),
        evidence: Evidence::Decision,
    };
    let tx = db.write().await.expect("begin");
    let cert =
        store::certificates::record(&tx, &store::audit::Who::system(), world.product_id, &fact).await.expect("c");
    tx.commit().await.expect("commit");
    let b = Browser::start(&app, 820, 1180).await;

    // 1. The producer: the form offers a re-rating; filed late, the dossier says what follows.
    b.sign_in("htx@battrang.vn").await;
    b.open(&format!("/evaluation/register?product={}", world.product_id)).await;
    let checked = b.d().find(By::Css("input[name=kind][value=rerating]")).await.expect("kind").is_selected().await;
    assert!(checked.expect("selected"), "a certified product is offered the re-rating");
    b.submit("form[action='/evaluation/registrations']").await;
    b.tick(&[]).await;
    b.wait_for_text("[data-total]", "100").await;
    b.wait_for_text("[data-band]", "5 sao").await;
    b.click("#save-self-assessment").await;
    let registration = b.path().await;
    let pdf_path = std::env::temp_dir().join(format!("late-{}.pdf", std::process::id()));
    std::fs::write(&pdf_path, common::PDF).expect("sample evidence");
    b.fill("label", "Phiếu kiểm nghiệm").await;
    let file = b.d().find(By::Css("input[type=file][name=file]")).await.expect("file input");
    file.send_keys(pdf_path.to_string_lossy()).await.expect("choose file");
    b.submit("form[enctype='multipart/form-data']").await;
    b.click("#submit-dossier").await;
    let page = b.text().await;
    let until = domain::fmt_date(cert.expires_on + time::Duration::days(180));
    assert!(page.contains("Điều 12.3") && page.contains(&until) && page.contains("chịu trách nhiệm"), "{page}");
    b.screenshot("late-rerating-tablet.png").await;

    // 2. The commune accepts it.
    b.sign_in("xa@battrang.gov.vn").await;
    b.open(&registration).await;
    b.fill("materials", "Mật ong từ đàn ong nuôi tại xã").await;
    b.fill("labour", "12 lao động địa phương").await;
    b.fill("idea", "Ý tưởng của hợp tác xã").await;
    b.fill("identity", "Nghề nuôi ong truyền thống").await;
    b.submit("#accept-form").await;
    assert!(b.text().await.contains("Đã chấp nhận hồ sơ và chuyển lên tỉnh."));

    // 3. The provincial council rates it 5★ (scored through the store: the whole cycle's
    //    browser test clicks through scoring).
    let id: i64 = registration.rsplit('/').next().and_then(|x| x.parse().ok()).expect("id");
    let set = store::criteria::current().expect("criteria");
    let who = store::audit::Who::system();
    let best: std::collections::BTreeMap<String, domain::scoring::Answer> = set
        .sheet("04")
        .expect("04")
        .scored()
        .map(|c| {
            let a = match c.options.iter().enumerate().max_by_key(|(_, o)| o.points) {
                Some((i, _)) => domain::scoring::Answer::Choice(i),
                None => domain::scoring::Answer::Met(true),
            };
            (c.code.clone(), a)
        })
        .collect();
    let tx = db.write().await.expect("begin");
    let council = councils::create(
        &tx,
        &who,
        &councils::CouncilDraft {
            name: "Hội đồng OCOP Hà Nội".into(),
            level: domain::scoring::Level::Province,
            province: Some(common::province("01")),
            round_id: None,
            members: members.iter().map(|m| m.id).collect(),
            chair: members[0].id,
            quorum_percent: 75,
            spread_limit: 10,
        },
    )
    .await
    .expect("council");
    councils::assign(&tx, &who, council.id, &[id]).await.expect("assign");
    let evaluation = councils::evaluations_of_council(&tx, council.id).await.expect("e").remove(0).id;
    for m in &members {
        let save = councils::CardSave {
            answers: best.clone(),
            knock_outs: Default::default(),
            disqualified: false,
            revision: 1,
        };
        councils::save_card(&tx, &who, set, evaluation, m.id, &save).await.expect("save");
        councils::submit_card(&tx, &who, set, evaluation, m.id).await.expect("submit");
    }
    councils::close(&tx, &who, set, evaluation, members[0].id).await.expect("close");
    councils::approve(&tx, &who, set, evaluation, members[0].id).await.expect("approve");
    tx.commit().await.expect("commit");
    assert!(dossiers::get(db.conn(), id).await.expect("g").expect("g").potential_five());

    // 4. The office forwards it with the chairman's approval decision, its letter, its report
    //    and the decision's PDF.
    b.sign_in("ocop@hanoi.gov.vn").await;
    b.open(&registration).await;
    b.fill("number", "4567/QĐ-UBND").await;
    b.fill("signed_on", &domain::fmt_date(today)).await;
    b.fill("signer", "Trần Sỹ Thanh").await;
    b.fill("letter_number", "88/UBND-KT").await;
    b.fill("letter_date", &domain::fmt_date(today)).await;
    b.fill("report_number", "21/BC-CCPTNT").await;
    let file = b.d().find(By::Css("input[type=file][name=decision_file]")).await.expect("decision file");
    file.send_keys(pdf_path.to_string_lossy()).await.expect("choose file");
    b.submit("#forward-form").await;
    let page = b.text().await;
    assert!(page.contains("Đã chuyển 1 hồ sơ lên trung ương."), "{page}");
    assert!(page.contains("4567/QĐ-UBND") && page.contains("88/UBND-KT"), "{page}");
    assert!(page.contains("Tiềm năng 5★") && !page.contains("Đạt 5 sao"), "before the central council: {page}");
    assert!(b.d().find(By::Css("#forward-form")).await.is_err(), "forwarded once");

    // 5. The central office sees what the province sent and returns it for local re-evaluation.
    b.sign_in("ocop@mae.gov.vn").await;
    b.open(&registration).await;
    let page = b.text().await;
    assert!(page.contains("Trần Sỹ Thanh") && page.contains("21/BC-CCPTNT"), "{page}");
    assert!(b.d().find(By::Css("#forwarding a[href^='/evidence/']")).await.is_ok(), "the decision's PDF");
    b.screenshot("forwarded-central-tablet.png").await;
    b.fill("reason", "Đề nghị tỉnh kiểm tra thực tế vùng nguyên liệu trước khi chuyển lại").await;
    b.click("#re-evaluate").await;
    assert!(b.text().await.contains("Hồ sơ đã trở lại tỉnh để hội đồng cấp tỉnh đánh giá lại."));
    assert_eq!(dossiers::get(db.conn(), id).await.expect("g").expect("g").state(), domain::evaluation::State::Accepted);
    let _ = std::fs::remove_file(&pdf_path);
    b.finish().await;
}

/// A council member's tablet loses its connection while scoring: nothing chosen is lost, whether
/// the connection comes back on the same page or the tab is closed and reopened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scorecard_survives_a_flaky_connection() {
    use store::evaluation::{councils, dossiers};
    let app = TestApp::new().await;
    let world = common::evaluation_world(&app).await;
    let hanoi = Scope::Province { province: common::province("01") };
    let mut members = Vec::new();
    for m in ["chutich@hanoi.gov.vn", "a@hanoi.gov.vn", "b@hanoi.gov.vn"] {
        members.push(app.user(m, Role::CouncilMember, hanoi.clone()).await);
    }
    // A dossier before the council, set up through the store.
    let db = &app.db.db;
    let who = store::audit::Who::system();
    let set = store::criteria::current().expect("criteria");
    let today = store::evaluation::today();
    let tx = db.write().await.expect("begin");
    let g = dossiers::create(&tx, &who, world.product_id, world.round_id, domain::evaluation::Kind::First, today)
        .await
        .expect("registration");
    let answers = set
        .sheet("04")
        .expect("04")
        .scored()
        .map(|c| {
            let a = if c.options.is_empty() {
                domain::scoring::Answer::Met(true)
            } else {
                domain::scoring::Answer::Choice(0)
            };
            (c.code.clone(), a)
        })
        .collect();
    dossiers::save_self_assessment(&tx, &who, set, g.id, answers).await.expect("self");
    let file = dossiers::NewEvidence {
        label: "ATTP",
        file_name: "attp.pdf",
        content_type: "application/pdf",
        sha256: "00",
        bytes: common::PDF.to_vec(),
    };
    dossiers::add_evidence(&tx, &who, g.id, file).await.expect("evidence");
    dossiers::submit(&tx, &who, set, g.id, today).await.expect("submit");
    let form = dossiers::Form03 { materials: "x".into(), labour: "x".into(), idea: "x".into(), identity: "x".into() };
    dossiers::screen(&tx, &who, g.id, dossiers::Screening::Accept(form)).await.expect("accept");
    let council = councils::create(
        &tx,
        &who,
        &councils::CouncilDraft {
            name: "Hội đồng".into(),
            level: domain::scoring::Level::Province,
            province: Some(common::province("01")),
            round_id: None,
            members: members.iter().map(|m| m.id).collect(),
            chair: members[0].id,
            quorum_percent: 75,
            spread_limit: 10,
        },
    )
    .await
    .expect("council");
    councils::assign(&tx, &who, council.id, &[g.id]).await.expect("assign");
    tx.commit().await.expect("commit");
    let evaluation = councils::evaluations_of_council(db.conn(), council.id).await.expect("e").remove(0).id;
    let stored = async || {
        councils::card(db.conn(), evaluation, members[1].id)
            .await
            .expect("card")
            .expect("card")
            .scorecard()
            .expect("a card that reads back")
            .answers
            .len()
    };
    let part = |p: domain::criteria::Part| set.sheet("04").expect("04").scored().filter(|c| c.part == p).count();

    let b = Browser::start(&app, 820, 1180).await;
    b.sign_in("a@hanoi.gov.vn").await;
    b.open(&format!("/evaluation/scorecards/{evaluation}?part=A")).await;
    let offline = r#"
        window.__offline = true;
        const real = window.fetch.bind(window);
        window.fetch = (url, options) => window.__offline ? Promise.reject(new TypeError('offline')) : real(url, options);
    "#;
    b.d().execute(offline, Vec::new()).await.expect("go offline");
    b.tick(&[]).await;
    b.wait_for_text("[data-save-state]", "Chưa lưu được").await;
    assert_eq!(stored().await, 0, "nothing reached the server");
    b.screenshot("scorecard-offline-tablet.png").await;

    // The tab is closed and reopened: the answers kept on the device go to the server.
    b.open(&format!("/evaluation/scorecards/{evaluation}?part=A")).await;
    b.wait_for_text("[data-save-state]", "Đã lưu").await;
    assert_eq!(stored().await, part(domain::criteria::Part::A));

    // Offline again on part B; the connection returns while the page is open.
    b.open(&format!("/evaluation/scorecards/{evaluation}?part=B")).await;
    b.d().execute(offline, Vec::new()).await.expect("go offline");
    b.tick(&[]).await;
    b.wait_for_text("[data-save-state]", "Chưa lưu được").await;
    b.d()
        .execute("window.__offline = false; window.dispatchEvent(new Event('online'));", Vec::new())
        .await
        .expect("back online");
    b.wait_for_text("[data-save-state]", "Đã lưu").await;
    assert_eq!(stored().await, part(domain::criteria::Part::A) + part(domain::criteria::Part::B));
    b.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_scans_a_label_on_a_phone_and_sees_stars_status_and_warnings() {
    let app = TestApp::new().await;
    let w = common::evaluation_world(&app).await;
    let honey =
        common::product(&app, w.producer_id, "Mật ong rừng Ba Vì", Some(common::gtin(1)), common::Cert::Valid).await;
    let lot = common::lot(&app, honey.id, "L2611-A").await;
    let (_, serials) = common::labels(&app, honey.id, Some(lot), 2).await;
    let gtin = domain::gtin::Gtin::parse(honey.gtin.as_deref().expect("gtin")).expect("valid").gtin14();
    // The second label was scanned three times already, over the (strict) limit of two.
    let copied: Vec<_> = (0..3)
        .map(|i| store::trace::scans::ScanRecord {
            at: time::OffsetDateTime::now_utc().unix_timestamp() - 3600 + i,
            product_id: honey.id,
            lot_id: Some(lot),
            serial: Some(serials[1].clone()),
            cell: None,
            agent: "mobile",
            client: None,
            attempt: None,
        })
        .collect();
    let rules = domain::scan_rules::Rules { max_scans: 2, ..Default::default() };
    store::trace::scans::flush(&app.db.db, &copied, rules).await.expect("scans");

    let b = Browser::start(&app, 390, 844).await;
    b.open(&format!("/01/{gtin}/10/L2611-A/21/{}", serials[0])).await;
    let genuine = b.text().await;
    assert!(genuine.contains("Tem thật"), "{genuine}");
    assert!(genuine.contains("Mật ong rừng Ba Vì") && genuine.contains("★★★★"), "{genuine}");
    let status = b.d().find(By::Id("certificate-status")).await.expect("status").text().await.expect("text");
    assert_eq!(status, "Còn hiệu lực");
    assert!(genuine.contains("đến hết ngày") && genuine.contains("Lô L2611-A"));
    assert!(genuine.contains("Đây là lần đầu tiên tem này được quét."));
    // It reads on a phone: nothing wider than the screen.
    let width: i64 = b
        .d()
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .expect("js")
        .convert()
        .expect("number");
    assert!(width <= 390, "the page scrolls sideways: {width}px");
    b.screenshot("label-genuine-phone.png").await;

    b.open(&format!("/01/{gtin}/10/L2611-A/21/{}", serials[1])).await;
    let warned = b.text().await;
    assert!(warned.contains("Cảnh báo: tem này bị quét bất thường"), "{warned}");
    assert!(warned.contains("đây là lần quét thứ 4"), "{warned}");
    b.screenshot("label-suspicious-phone.png").await;

    b.open(&format!("/01/{gtin}/21/0000000000000000000A")).await;
    assert!(b.text().await.contains("Không tìm thấy — tem này không phải tem thật"));
    b.screenshot("label-not-genuine-phone.png").await;
    b.finish().await;
}

/// Selects an option of a `<select>` by its value, as a person choosing it would.
impl Browser {
    /// The value a `<select>` holds.
    async fn chosen(&self, name: &str) -> String {
        let select = self.d().find(By::Css(format!("select[name='{name}']"))).await.expect("select");
        select.prop("value").await.expect("value").unwrap_or_default()
    }

    async fn choose(&self, name: &str, value: &str) {
        let script = "const s = document.querySelector(`select[name='${arguments[0]}']`); s.value = arguments[1]; \
                      s.dispatchEvent(new Event('change', {bubbles: true}));";
        self.d().execute(script, vec![serde_json::json!(name), serde_json::json!(value)]).await.expect("choose");
    }
}

/// The market side's world: a honey maker of Đông Anh with a 4★ honey, its account, the office,
/// and a second producer with a 3★ product.
async fn outlets_world(app: &TestApp) -> (i64, store::products::Product, i64, store::products::Product) {
    let make = |name: &'static str, commune: &'static str| domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: name.into(),
        province: "01".into(),
        commune: commune.into(),
        old_district: "017".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let honey_maker = store::producers::create(
        &tx,
        &store::audit::Who::system(),
        &make("Hợp tác xã Mật ong Đông Anh", "00454").parse().expect("producer"),
        false,
    )
    .await
    .expect("producer");
    let potter = store::producers::create(
        &tx,
        &store::audit::Who::system(),
        &make("Hợp tác xã Gốm Bát Tràng", "00577").parse().expect("producer"),
        false,
    )
    .await
    .expect("producer");
    tx.commit().await.expect("commit");
    let honey =
        common::product(app, honey_maker.id, "Mật ong hoa nhãn Đông Anh", Some(common::gtin(4)), common::Cert::Valid)
            .await;
    let pot = common::product(app, potter.id, "Bình gốm men lam", None, common::Cert::Valid).await;
    let owner = Scope::Producer {
        producer: honey_maker.id,
        province: common::province("01"),
        commune: common::commune("00454"),
    };
    app.user("htx@donganh.vn", Role::Producer, owner).await;
    app.user("lan@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: common::province("01") }).await;
    (honey_maker.id, honey, potter.id, pot)
}

fn outlets_settings() -> web::Settings {
    // No tiles: the test machine has no internet, and the map must work without them.
    web::Settings { map_tiles: String::new(), ..common::settings() }
}

/// A buyer on a phone finds honey in the catalogue without typing accents, asks the producer,
/// the producer answers, the buyer reads the answer through the private link, and the office
/// sees the inquiry counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buyer_finds_honey_asks_and_reads_the_producers_answer() {
    let app = TestApp::with_settings(outlets_settings()).await;
    let (_, honey, _, _) = outlets_world(&app).await;
    let b = Browser::start(&app, 390, 844).await;

    b.open("/catalogue").await;
    b.fill("q", "mat ong dong anh").await;
    b.d().find(By::Css("#catalogue-search summary")).await.expect("filters").click().await.expect("open filters");
    b.choose("stars", "4").await;
    b.submit("#catalogue-search .search-row").await;
    let found = b.text().await;
    assert!(found.contains("Mật ong hoa nhãn Đông Anh") && found.contains("1 sản phẩm"), "{found}");
    assert!(!found.contains("Bình gốm men lam"));
    b.d().execute("document.getElementById('catalogue-count').scrollIntoView()", vec![]).await.expect("scroll");
    b.screenshot("catalogue-phone.png").await;

    b.click(&format!("#catalogue a[href='/p/{}']", honey.code)).await;
    assert!(b.text().await.contains("4★") || b.text().await.contains("★★★★"));
    b.d().find(By::Css("#ask summary")).await.expect("ask").click().await.expect("open the form");
    b.fill("name", "Trần Minh Châu").await;
    b.fill("organisation", "Chuỗi Nông sản sạch").await;
    b.fill("email", "chau@nongsan.vn").await;
    b.fill("quantity", "200 hũ mỗi tháng").await;
    b.fill("message", "Xin báo giá sỉ mật ong hoa nhãn, giao tại Hà Nội.").await;
    b.submit("#inquiry-form").await;
    let private = b.path().await;
    assert!(private.starts_with("/inquiries/t/"), "{private}");
    assert!(b.text().await.contains("Đã gửi yêu cầu"));

    // The producer answers from its list.
    b.sign_in("htx@donganh.vn").await;
    b.open("/inquiries").await;
    assert!(b.text().await.contains("Trần Minh Châu"));
    b.click("#inquiries a").await;
    b.fill("body", "Giá sỉ 160.000 đ/hũ từ 100 hũ, giao trong 3 ngày.").await;
    b.submit("#reply-form").await;
    assert!(b.text().await.contains("Giá sỉ 160.000 đ/hũ"));

    // The buyer, signed out, reads it through the private link.
    b.d().delete_all_cookies().await.expect("sign out");
    b.open(&private).await;
    let thread = b.text().await;
    assert!(thread.contains("Giá sỉ 160.000 đ/hũ") && thread.contains("Đã trả lời"), "{thread}");
    b.screenshot("inquiry-thread-phone.png").await;

    // The office counts it.
    b.sign_in("lan@hanoi.gov.vn").await;
    b.open("/market").await;
    let figures = b.wait_for_text("#inquiries-total", "1").await;
    assert_eq!(figures, "1");
    b.finish().await;
}

/// The office adds a sales point carrying two products and a fair with two participants; the
/// public pages show them, the map included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_opens_a_sales_point_and_a_fair_and_the_public_sees_them() {
    let app = TestApp::with_settings(outlets_settings()).await;
    let (honey_maker, honey, potter, pot) = outlets_world(&app).await;
    let b = Browser::start(&app, 1280, 900).await;
    b.sign_in("lan@hanoi.gov.vn").await;

    b.open("/sales-points/new").await;
    b.choose("kind", "showcase").await;
    b.fill("name", "Điểm giới thiệu và bán sản phẩm OCOP Đông Anh").await;
    b.choose("commune", "00454").await;
    b.fill("street", "Số 2 đường Cao Lỗ").await;
    b.fill("operator_name", "HTX Dịch vụ thương mại Đông Anh").await;
    b.fill("opened_on", "15/03/2024").await;
    b.fill("opening_hours", "8:00–21:00 hằng ngày").await;
    b.fill("lat", "21.1367").await;
    b.fill("lon", "105.8480").await;
    b.submit("#point-form").await;
    let point = b.path().await;
    assert!(point.starts_with("/sales-points/"), "{point}");
    for code in [&honey.code, &pot.code] {
        b.fill("product", code).await;
        b.submit("#carry-form").await;
    }
    assert!(b.text().await.contains("Bình gốm men lam"));

    let starts = domain::fmt_date(store::evaluation::today() + time::Duration::days(20));
    let ends = domain::fmt_date(store::evaluation::today() + time::Duration::days(24));
    b.open("/events/new").await;
    b.fill("name", "Hội chợ OCOP Hà Nội mùa xuân 2027").await;
    b.choose("kind", "fair").await;
    b.fill("starts_on", &starts).await;
    b.fill("ends_on", &ends).await;
    b.choose("commune", "00082").await;
    b.fill("organiser", "Văn phòng Điều phối Chương trình OCOP Hà Nội").await;
    b.fill("capacity", "40").await;
    b.submit("#event-form").await;
    let event = b.path().await;
    for (producer, code) in [(honey_maker, &honey.code), (potter, &pot.code)] {
        b.fill("producer", &producer.to_string()).await;
        b.fill("product_codes", code).await;
        b.submit("#participant-form").await;
    }
    assert!(b.text().await.contains("Hợp tác xã Gốm Bát Tràng"));

    // The public.
    b.d().delete_all_cookies().await.expect("sign out");
    b.open(&point).await;
    let page = b.text().await;
    assert!(
        page.contains("Mật ong hoa nhãn Đông Anh") && page.contains("Bình gốm men lam") && page.contains("8:00–21:00")
    );
    // The map drew its marker (Leaflet ran under the page's Content-Security-Policy).
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.d().find(By::Css("#map .leaflet-marker-icon")).await.is_err() {
        assert!(Instant::now() < deadline, "no marker on the map");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.screenshot("sales-point-desktop.png").await;
    b.open("/sales-points").await;
    assert!(b.text().await.contains("Điểm giới thiệu và bán sản phẩm OCOP Đông Anh"));
    b.screenshot("sales-points-map-desktop.png").await;
    b.open(&event).await;
    let fair = b.text().await;
    assert!(fair.contains("Hợp tác xã Mật ong Đông Anh") && fair.contains("Hợp tác xã Gốm Bát Tràng"), "{fair}");
    b.open("/events").await;
    assert!(b.text().await.contains("Hội chợ OCOP Hà Nội mùa xuân 2027"));
    b.screenshot("events-calendar-desktop.png").await;
    b.finish().await;
}

/// Supervision on a tablet: the inspector records a visit with two findings and a photo, losing
/// the connection midway without losing an answer; the producer sees its deadline and answers;
/// the office closes one finding and turns the other into a revocation proposal; the plan's
/// coverage moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inspector_records_a_visit_on_a_tablet_through_a_lost_connection() {
    use store::supervision::{inspections, plans};
    let app = TestApp::new().await;
    let db = &app.db.db;
    let who = store::audit::Who::system();
    let hanoi = Scope::Province { province: common::province("01") };
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "Hợp tác xã Mật ong Ba Vì".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let tx = db.write().await.expect("begin");
    let producer =
        store::producers::create(&tx, &who, &input.parse().expect("producer"), false).await.expect("producer");
    tx.commit().await.expect("commit");
    let honey = common::product(&app, producer.id, "Mật ong hoa nhãn Ba Vì", None, common::Cert::Valid).await;
    let wax = common::product(&app, producer.id, "Sáp ong Ba Vì", None, common::Cert::Valid).await;
    app.user("vanphong@hanoi.gov.vn", Role::ProvinceOffice, hanoi.clone()).await;
    let inspector = app.user("kiemtra@hanoi.gov.vn", Role::Inspector, hanoi.clone()).await;
    let own =
        Scope::Producer { producer: producer.id, province: common::province("01"), commune: common::commune("00577") };
    app.user("htx@bavi.vn", Role::Producer, own).await;
    let today = store::evaluation::today();
    let tx = db.write().await.expect("begin");
    let plan = domain::supervision::PlanInput {
        name: "Kế hoạch kiểm tra 2026".into(),
        purpose: String::new(),
        starts_on: domain::fmt_date(today - time::Duration::days(30)),
        ends_on: domain::fmt_date(today + time::Duration::days(60)),
    };
    let plan = plans::create(&tx, &who, "01", &plan.parse().expect("plan"), false).await.expect("plan");
    let visit =
        inspections::add(&tx, &who, &plan, producer.id, &[honey.id, wax.id], "hand", false).await.expect("visit");
    inspections::assign(&tx, &who, &visit, &[inspector.id]).await.expect("assign");
    tx.commit().await.expect("commit");
    let stored = async || inspections::get(db.conn(), visit.id).await.expect("read").expect("visit");
    let items = domain::supervision::supervision().checklist.len();

    let b = Browser::start(&app, 820, 1180).await;
    b.sign_in("kiemtra@hanoi.gov.vn").await;
    b.open(&format!("/inspections/{}", visit.id)).await;
    let offline = r#"
        window.__offline = true;
        const real = window.fetch.bind(window);
        window.fetch = (url, options) => window.__offline ? Promise.reject(new TypeError('offline')) : real(url, options);
    "#;
    // Online: the date and who is present.
    let set_date = "const d = document.querySelector('input[name=visited_on]'); d.value = arguments[0]; \
                    d.dispatchEvent(new Event('change', {bubbles: true}));";
    b.d().execute(set_date, vec![serde_json::json!(today.to_string())]).await.expect("date");
    // Typed as a person would (the field is empty: nothing to clear).
    let present = b.d().find(By::Name("present")).await.expect("present");
    present.send_keys("Ông Trần Văn Kiểm (đoàn kiểm tra); bà Nguyễn Thị Hoa (giám đốc HTX)").await.expect("type");
    b.wait_for_text("[data-save-state]", "Đã lưu").await;
    // The connection drops: half the checklist is answered on the device only.
    b.d().execute(offline, Vec::new()).await.expect("go offline");
    let answer = "const [from, to, bad] = arguments; \
        Array.from(document.querySelectorAll('fieldset[data-item]')).slice(from, to).forEach(fs => { \
          const v = bad.includes(fs.dataset.item) ? 'not_met' : 'met'; \
          fs.querySelector(`input[value=${v}]`).click(); });";
    b.d()
        .execute(answer, vec![serde_json::json!(0), serde_json::json!(items / 2), serde_json::json!(["2.1"])])
        .await
        .expect("answer");
    b.wait_for_text("[data-save-state]", "Chưa lưu được").await;
    b.screenshot("inspection-offline-tablet.png").await;
    assert_eq!(stored().await.checklist().counts(), (0, 0, 0), "nothing reached the server");
    // The connection returns while the page is open: every answer kept on the device arrives.
    b.d()
        .execute("window.__offline = false; window.dispatchEvent(new Event('online'));", Vec::new())
        .await
        .expect("back online");
    b.wait_for_text("[data-save-state]", "Đã lưu").await;
    let half = stored().await.checklist().counts();
    assert_eq!(half.0 + half.1, items / 2, "{half:?}");
    // Offline again for the rest; the tablet reopens the page later and sends them then.
    b.d().execute(offline, Vec::new()).await.expect("go offline");
    b.d()
        .execute(answer, vec![serde_json::json!(items / 2), serde_json::json!(items), serde_json::json!(["4.1"])])
        .await
        .expect("answer");
    b.wait_for_text("[data-save-state]", "Chưa lưu được").await;
    b.open(&format!("/inspections/{}", visit.id)).await;
    b.wait_for_text("[data-save-state]", "Đã lưu").await;
    let s = stored().await;
    assert_eq!(s.checklist().counts(), (items - 2, 2, 0));
    assert!(s.present.contains("Nguyễn Thị Hoa") && s.visited_on == Some(today));

    // Two findings, one critical on the honey.
    let remedy = domain::fmt_date(today + time::Duration::days(14));
    for (item, product, severity, text) in [
        ("2.1", wax.id, "minor", "Nhãn sáp ong thiếu hạn sử dụng"),
        ("4.1", honey.id, "critical", "Bao bì mật ong in 5 sao trong khi sản phẩm đạt 4 sao"),
    ] {
        let fill = "const f = document.querySelector('#finding-form'); \
            f.querySelector('select[name=item]').value = arguments[0]; \
            f.querySelector('select[name=product]').value = arguments[1]; \
            f.querySelector('select[name=severity]').value = arguments[2]; \
            f.querySelector('input[name=remedy_by]').value = arguments[3];";
        let args = vec![
            serde_json::json!(item),
            serde_json::json!(product.to_string()),
            serde_json::json!(severity),
            serde_json::json!(remedy),
        ];
        b.d().execute(fill, args).await.expect("finding fields");
        // (`By::Name("description")` would find the page's <meta name="description"> first.)
        let description = b.d().find(By::Css("#finding-form textarea[name=description]")).await.expect("description");
        description.send_keys(text).await.expect("type");
        b.submit("#finding-form").await;
        assert!(b.text().await.contains(text));
    }
    // A photo of the label.
    let img = image::ImageBuffer::from_fn(64, 48, |x, y| {
        image::Rgb([u8::try_from(x).expect("x") * 3, u8::try_from(y).expect("y") * 4, 120])
    });
    let photo = std::env::temp_dir().join(format!("ocop-label-{}.png", std::process::id()));
    image::DynamicImage::ImageRgb8(img).save(&photo).expect("png");
    b.d()
        .execute("document.querySelector('#photo-form select[name=item]').value = '2.1';", Vec::new())
        .await
        .expect("item");
    let file = b.d().find(By::Css("#photo-form input[type=file]")).await.expect("file input");
    file.send_keys(photo.to_string_lossy().to_string()).await.expect("choose photo");
    b.submit("#photo-form").await;
    assert_eq!(b.d().find_all(By::Css("#photos .gallery img")).await.expect("photos").len(), 1);
    b.screenshot("inspection-record-tablet.png").await;
    b.navigating(b.d().find(By::Id("complete-record")).await.expect("complete").click()).await;
    assert!(b.text().await.contains("Biên bản đã kết thúc"), "{}", b.text().await);
    assert_eq!(stored().await.state, "done");

    // The producer sees the deadline and answers.
    let findings = store::supervision::findings::of_inspection(db.conn(), visit.id).await.expect("findings");
    let (minor, critical) = (findings[0].id, findings[1].id);
    b.sign_in("htx@bavi.vn").await;
    b.open("/findings").await;
    let text = b.text().await;
    assert!(
        text.contains(&domain::fmt_date(today + time::Duration::days(14))) && text.contains("Nhãn sáp ong"),
        "{text}"
    );
    b.screenshot("findings-producer-tablet.png").await;
    b.open(&format!("/findings/{minor}")).await;
    b.fill("response", "Đã in lại nhãn sáp ong có hạn sử dụng, gửi kèm ảnh").await;
    b.submit("#respond-form").await;
    assert!(b.text().await.contains("Chủ thể đã trả lời"));

    // The office: the plan's coverage moved; one finding closed, the other proposed for revocation.
    b.sign_in("vanphong@hanoi.gov.vn").await;
    b.open(&format!("/inspections/plans/{}", plan.id)).await;
    assert!(b.text().await.contains("1/1 chủ thể, 2/2 sản phẩm đã kiểm tra"), "{}", b.text().await);
    b.open(&format!("/findings/{minor}")).await;
    b.d().find(By::Css("#follow-up-form input[value=remedied]")).await.expect("remedied").click().await.expect("click");
    b.choose("outcome", "reminder").await;
    b.submit("#follow-up-form").await;
    assert!(b.text().await.contains("Đã khắc phục"));
    b.open(&format!("/findings/{critical}")).await;
    b.d()
        .find(By::Css("#follow-up-form input[value=not_remedied]"))
        .await
        .expect("not remedied")
        .click()
        .await
        .expect("click");
    b.choose("outcome", "revocation_proposal").await;
    b.submit("#follow-up-form").await;
    let due = domain::fmt_date(today + time::Duration::days(15));
    assert!(b.text().await.contains(&due), "{}", b.text().await);
    b.open(&format!("/certificates/HN-T-{}", honey.id)).await;
    let banner = b.wait_for_text("#revocation-proposal", &due).await;
    assert!(banner.contains("15 ngày"), "{banner}");
    b.screenshot("revocation-proposal-tablet.png").await;
    b.finish().await;
    let _ = std::fs::remove_file(photo);
}

/// The central office opens the national dashboard, picks Hà Nội and 31/12/2021, reads the
/// published split computed from the demo's records, and follows the 4★ bar of the chart to the
/// products it counts — on a desktop and on a phone.
#[tokio::test]
async fn the_dashboard_answers_for_a_day_and_a_province_and_a_bar_opens_its_list() {
    let app = TestApp::new().await;
    store::demo::load(&app.db.db, 2021).await.expect("demo");
    app.user("tw@ocop.gov.vn", Role::CentralOffice, Scope::National).await;
    for (width, height, device) in [(1366, 900, "desktop"), (390, 844, "phone")] {
        let b = Browser::start(&app, width, height).await;
        b.sign_in("tw@ocop.gov.vn").await;
        b.open("/dashboard").await;
        let national = b.text().await;
        assert!(national.contains("Sản phẩm theo tỉnh, thành phố"), "the whole country compares provinces");
        b.screenshot(&format!("dashboard-national-{device}.png")).await;

        b.d()
            .find(By::Css("select[name=province] option[value='01']"))
            .await
            .expect("Hà Nội")
            .click()
            .await
            .expect("pick");
        b.fill("as_of", "31/12/2021").await;
        b.submit("#dashboard-filters").await;
        let page = b.text().await;
        for wanted in ["Thành phố Hà Nội", "1.649", "1.098", "534", "Sản phẩm theo quận, huyện cũ"] {
            assert!(page.contains(wanted), "{device}: the dashboard shows {wanted}");
        }
        // The charts fit the screen: no horizontal scrolling on a phone.
        let overflow: bool = b
            .d()
            .execute("return document.documentElement.scrollWidth > window.innerWidth + 1;", Vec::new())
            .await
            .expect("width")
            .convert()
            .expect("bool");
        assert!(!overflow, "{device}: the page scrolls sideways");
        b.screenshot(&format!("dashboard-hanoi-2021-{device}.png")).await;

        // The third bar of the stars chart is 4★: it opens the list of those products.
        let bar = b.d().find(By::Css("#chart-stars svg a:nth-of-type(3) rect")).await.expect("the 4★ bar");
        b.d()
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![bar.to_json().expect("json")])
            .await
            .expect("scroll");
        b.navigating(bar.click()).await;
        assert_eq!(b.path().await, "/dashboard/products");
        let list = b.text().await;
        assert!(list.contains("1098") || list.contains("1.098"), "{device}: the list counts the 4★ products");
        assert!(list.contains("4 sao"), "{device}");
        b.screenshot(&format!("dashboard-list-{device}.png")).await;
        b.finish().await;
    }
}

/// An office loads its own list of products, with its own headers and unit names: it uploads the
/// file, checks and mends the proposed mapping, confirms the links made by name, sees the preview,
/// imports, and finds the products.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_imports_its_own_spreadsheet_through_mapping_and_preview() {
    let app = TestApp::new().await;
    let hanoi = Scope::Province { province: common::province("01") };
    app.user("clerk@hanoi.test", Role::ProvinceOffice, hanoi).await;
    let producer = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "HTX Mật ong Ba Vì".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    store::producers::create(&tx, &store::audit::Who::system(), &producer.parse().expect("producer"), false)
        .await
        .expect("producer");
    tx.commit().await.expect("commit");
    let csv = "STT,Tên SP,Chủ thể,Xã,Tỉnh,Nhóm sản phẩm,Số sao,Năm công nhận,Nguồn,Ghi chú\n\
               1,Mật ong hoa nhãn Ba Vì,HTX Mật ong Ba Vì,Bát Tràng,Hà Nội,Mật ong,4,2023,tin chính thức,đã xác minh\n\
               2,Mật ong bạc hà,HTX Mật ong Ba Vì,Bát Tràng,Hà Nội,Mật ong,3,2024,tin chính thức,\n";
    let file = std::env::temp_dir().join(format!("ocop-danh-sach-{}.csv", std::process::id()));
    std::fs::write(&file, csv).expect("write csv");

    let b = Browser::start(&app, 1366, 900).await;
    b.sign_in("clerk@hanoi.test").await;
    b.open("/registry/import").await;
    b.choose("kind", "products").await;
    let input = b.d().find(By::Css("input[type=file][name=file]")).await.expect("file input");
    input.send_keys(file.to_string_lossy().to_string()).await.expect("choose file");
    b.click("#import-map-start").await;
    assert!(b.path().await.starts_with("/registry/import/"), "the mapping step");
    let page = b.text().await;
    assert!(page.contains("Mật ong hoa nhãn Ba Vì"), "the first row is shown as an example: {page}");
    // The proposal took the office's headers it knows; "Tên SP" it did not: the clerk sets it.
    assert_eq!(b.chosen("col-2").await, "producer_name");
    assert_eq!(b.chosen("col-3").await, "producer_commune");
    assert_eq!(b.chosen("col-6").await, "rank");
    assert_eq!(b.chosen("col-1").await, "", "Tên SP is not a header it knows");
    b.choose("col-1", "name").await;
    b.click("#import-repreview").await;
    // Linked by name only: the preview says so and names the producer's code.
    let page = b.wait_for_text("#import-report", "chỉ khớp theo tên").await;
    assert!(page.contains("CT0"), "{page}");
    b.screenshot("import-mapping-desktop.png").await;
    b.d().find(By::Css("input[name=confirm_name_links]")).await.expect("box").click().await.expect("tick");
    b.click("#import-repreview").await;
    let preview = b.wait_for_text("#import-report", "Đây là bản xem trước").await;
    assert!(preview.contains("2 thêm mới") && preview.contains("Ghi chú"), "{preview}");
    assert!(preview.contains("Số sao: 4★") && preview.contains("Số sao: 3★"), "each recognition shown: {preview}");
    b.click("#import-confirm").await;
    b.wait_for_text("#import-written", "Đã ghi dữ liệu").await;
    b.screenshot("import-done-desktop.png").await;

    b.open("/products?q=mat ong bac ha").await;
    let found = b.text().await;
    assert!(found.contains("Mật ong bạc hà"), "{found}");
    b.finish().await;
    let _ = std::fs::remove_file(&file);
}

/// Each role signs in to a home that lists its own work with the counts of the lists it leads to
/// — on the demo, at desktop and phone size; the office's menu fits one row on a 1366-pixel screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_signs_in_to_a_list_of_its_own_work() {
    use store::evaluation::dossiers::{self, RegistrationFilter};
    let app = TestApp::new().await;
    store::demo::load(&app.db.db, 2021).await.expect("demo");
    let conn = app.db.db.conn();
    let first_in = async |state: domain::evaluation::State| {
        let filter = RegistrationFilter { states: vec![state], ..RegistrationFilter::default() };
        dossiers::search(conn, &domain::access::Listing::All, &filter, store::Page::new(1, 1))
            .await
            .expect("search")
            .items
            .remove(0)
    };
    let screening = first_in(domain::evaluation::State::Submitted).await;
    let returned = first_in(domain::evaluation::State::Returned).await;
    let hanoi = || Scope::Province { province: common::province("01") };
    let commune =
        Scope::Commune { province: common::province("01"), commune: common::commune(&screening.commune_code) };
    let producer = Scope::Producer {
        producer: returned.producer_id,
        province: common::province("01"),
        commune: common::commune(&returned.commune_code),
    };
    let cast = [
        ("office", Role::ProvinceOffice, hanoi()),
        ("commune", Role::CommuneOfficer, commune),
        ("producer", Role::Producer, producer),
        ("council", Role::CouncilMember, hanoi()),
        ("inspector", Role::Inspector, hanoi()),
        ("central", Role::CentralOffice, Scope::National),
        ("admin", Role::Admin, Scope::National),
    ];
    for (name, role, scope) in &cast {
        app.user(&format!("{name}@ocop.vn"), *role, scope.clone()).await;
    }
    let own_products = store::products::search(
        conn,
        &domain::access::Listing::Producer(returned.producer_id),
        &store::products::ProductFilter::default(),
        store::evaluation::today(),
        false,
        store::Page::new(1, 1),
    )
    .await
    .expect("products")
    .total;
    for (width, height, device) in [(1366, 900, "desktop"), (390, 844, "phone")] {
        let b = Browser::start(&app, width, height).await;
        let count = async |selector: &str| {
            let found = b.d().find(By::Css(selector)).await.unwrap_or_else(|_| panic!("{selector}"));
            found.text().await.expect("text")
        };
        for (name, _, _) in &cast {
            b.sign_in(&format!("{name}@ocop.vn")).await;
            let home = b.text().await;
            assert!(home.contains("Việc cần làm"), "{name}: {home}");
            b.screenshot(&format!("home-{name}-{device}.png")).await;
            b.accessible(&format!("{name}'s home")).await;
            match *name {
                "office" => {
                    let overdue = count("#home-tasks a[href='/evaluation'] .n").await;
                    assert_ne!(overdue, "0", "the demo has dossiers overdue at the commune");
                    if device == "desktop" {
                        let rows: i64 = b
                            .d()
                            .execute(
                                "return new Set([...document.querySelectorAll('#site-nav ul li')]\
                                 .map(l => Math.round(l.getBoundingClientRect().top))).size",
                                vec![],
                            )
                            .await
                            .expect("script")
                            .convert()
                            .expect("number");
                        assert_eq!(rows, 1, "the office's menu fits one row at 1366 px");
                    }
                    let accepted = count("#home-tasks a[href='/evaluation?state=accepted#rows'] .n").await;
                    b.open("/evaluation").await;
                    assert_eq!(count(".tiles.stats a[href='/evaluation'] strong").await, overdue, "the desk's count");
                    b.open("/").await;
                    b.navigating(async {
                        b.d()
                            .find(By::Css("#home-tasks a[href='/evaluation?state=accepted#rows']"))
                            .await?
                            .click()
                            .await
                    })
                    .await;
                    let listed = b.text().await;
                    assert!(listed.contains("Xã đã chấp nhận"), "{listed}");
                    assert_eq!(
                        count(".tiles.stats a[href='/evaluation?state=accepted'] strong").await,
                        accepted,
                        "the list the task leads to counts the same"
                    );
                }
                "commune" => {
                    let n: usize = count("#home-tasks a[href='#home-to-screen'] .n").await.parse().expect("a count");
                    let rows = b.d().find_all(By::Css("#home-to-screen .worklist li")).await.expect("rows").len();
                    assert_eq!(rows, n.min(8), "the dossiers to screen are listed");
                    assert!(home.contains("ngày làm việc"), "each with its deadline in working days: {home}");
                }
                "producer" => {
                    let rows = b.d().find_all(By::Css("#home-products .worklist li")).await.expect("rows").len();
                    assert_eq!(i64::try_from(rows).unwrap_or(0), own_products, "every product of its own");
                    assert!(home.contains(&returned.product_name), "its returned dossier: {home}");
                    assert!(home.contains("đang chờ bạn"), "{home}");
                }
                // (Only on the first pass: finishing the first browser's server shuts the shared
                // state's scan writer down.)
                "admin" if device == "desktop" => assert!(home.contains("Hệ thống hoạt động bình thường"), "{home}"),
                _ => {}
            }
        }
        // The pages the public and the office use most, checked the same way.
        b.sign_in("office@ocop.vn").await;
        let (gtin, lot, serial) = store::trace::stamps::issued_with_gtin(conn, 1).await.expect("labels").remove(0);
        let label = domain::digital_link::label_path(Some(&gtin), "", lot.as_deref(), Some(&serial));
        let product = store::products::get(conn, returned.product_id).await.expect("read").expect("product");
        for (path, what) in [
            ("/catalogue".to_owned(), "the catalogue"),
            (format!("/p/{}", product.code), "a product's public page"),
            (label, "a label's page"),
            (format!("/evaluation/registrations/{}", returned.id), "a dossier"),
            ("/dashboard".to_owned(), "the dashboard"),
            ("/admin/audit".to_owned(), "the audit log"),
        ] {
            b.open(&path).await;
            b.accessible(what).await;
        }
        b.finish().await;
    }
}

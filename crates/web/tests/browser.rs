//! Journeys in a real headless Chromium (Debian's `chromium` and `chromium-driver`), against the
//! application served on a real socket. Screenshots land in `test-artifacts/` at the repository
//! root.

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
            assert!(Instant::now() < deadline, "the page did not change");
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

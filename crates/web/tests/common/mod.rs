//! The test harness: the real application on its own database (SQLite file or PostgreSQL
//! database, per `OCOP_TEST_DATABASE_URL`), driven through HTTP requests like a browser.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use domain::email::Email;
use domain::password::{self, Password};
use domain::place::{CommuneCode, ProvinceCode};
use domain::role::{Role, Scope};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::audit::Who;
use store::testing::TestDb;
use store::users::{self, User, UserDraft};
use tower::ServiceExt;
use web::{AppState, Settings, build_app};

pub const HOST: &str = "ocop.test";
pub const PASSWORD: &str = "mật khẩu thử nghiệm";

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: Router,
}

/// The settings tests start from: the platform reached at `http://ocop.test`.
pub fn settings() -> Settings {
    Settings { public_url: format!("http://{HOST}"), ..Settings::default() }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(settings()).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        let db = TestDb::new().await;
        let app_db = db.db.clone();
        Self::on(db, app_db, settings)
    }

    /// The application on `app_db`, a handle of the test database (e.g. with a read replica).
    pub fn on(db: TestDb, app_db: store::Db, settings: Settings) -> Self {
        let state = AppState::new(app_db, settings);
        let router = build_app(state.clone());
        Self { db, state, router }
    }

    /// A second application instance on the same database, with its own connection pool.
    pub async fn another_instance(&self) -> Router {
        let db = self.db.another_instance().await;
        build_app(AppState::new(db, self.state.settings().clone()))
    }

    pub fn client(&self) -> Client {
        Client::new(self.router.clone())
    }

    /// Creates an account with the test password (not a temporary one).
    pub async fn user(&self, email: &str, role: Role, scope: Scope) -> User {
        let hash = password::hash(&Password::parse(PASSWORD).expect("policy")).expect("hash");
        let draft = UserDraft { email: Email::parse(email).expect("email"), display_name: email.into(), role, scope };
        let tx = self.db.db.write().await.expect("begin");
        let u = users::create(&tx, &Who::system(), &draft, &hash, false).await.expect("create user");
        tx.commit().await.expect("commit");
        u
    }

    /// A signed-in client for a new account of this role, scoped to Hà Nội / Xã Bát Tràng.
    pub async fn signed_in(&self, role: Role) -> (Client, User) {
        let email = format!("{}@hanoi.test", role.as_str());
        let user = self.user(&email, role, scope_for(role)).await;
        let mut client = self.client();
        let r = client.login(&email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login of {email}: {}", r.text);
        (client, user)
    }
}

pub fn province(code: &str) -> ProvinceCode {
    ProvinceCode::parse(code).expect("province code")
}

pub fn commune(code: &str) -> CommuneCode {
    CommuneCode::parse(code).expect("commune code")
}

/// Hà Nội for provincial roles, Xã Bát Tràng for the commune officer.
pub fn scope_for(role: Role) -> Scope {
    match role {
        Role::Admin | Role::CentralOffice => Scope::National,
        Role::CommuneOfficer => Scope::Commune { province: province("01"), commune: commune("00577") },
        Role::Producer => Scope::Producer { producer: 1, province: province("01"), commune: commune("00577") },
        _ => Scope::Province { province: province("01") },
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// A browser-like client: keeps cookies, sends same-origin headers on forms.
#[derive(Clone)]
pub struct Client {
    router: Router,
    cookies: Arc<Mutex<HashMap<String, String>>>,
}

impl Client {
    pub fn new(router: Router) -> Self {
        Self { router, cookies: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// The same cookies against another instance's router.
    pub fn on(&self, router: Router) -> Self {
        Self { router, cookies: self.cookies.clone() }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("cookies").get(name).cloned()
    }

    fn cookie_header(&self) -> Option<String> {
        let jar = self.cookies.lock().expect("cookies");
        (!jar.is_empty()).then(|| jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    pub async fn send(&mut self, req: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(req).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().expect("ascii cookie");
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            if let Some((name, value)) = pair.split_once('=') {
                let mut jar = self.cookies.lock().expect("cookies");
                if attrs.contains("Max-Age=0") {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, text: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    fn builder(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(uri).header(header::HOST, HOST);
        if let Some(c) = self.cookie_header() {
            b = b.header(header::COOKIE, c);
        }
        b
    }

    pub async fn get(&mut self, uri: &str) -> Reply {
        let req = self.builder(Method::GET, uri).header(header::ACCEPT, "text/html").body(Body::empty()).expect("req");
        self.send(req).await
    }

    /// A GET with these headers besides the usual ones.
    pub async fn get_with(&mut self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        let mut b = self.builder(Method::GET, uri).header(header::ACCEPT, "text/html");
        for (name, value) in headers {
            b = b.header(*name, HeaderValue::from_str(value).expect("header value"));
        }
        self.send(b.body(Body::empty()).expect("req")).await
    }

    /// A GET with this `Accept` and `User-Agent`.
    pub async fn get_as(&mut self, uri: &str, accept: &str, user_agent: &str) -> Reply {
        let req = self
            .builder(Method::GET, uri)
            .header(header::ACCEPT, accept)
            .header(header::USER_AGENT, user_agent)
            .body(Body::empty())
            .expect("req");
        self.send(req).await
    }

    pub async fn get_json(&mut self, uri: &str) -> Reply {
        let req =
            self.builder(Method::GET, uri).header(header::ACCEPT, "application/json").body(Body::empty()).expect("req");
        self.send(req).await
    }

    /// A form POST as a browser sends it from one of our own pages.
    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        self.post_form_from(uri, fields, &format!("http://{HOST}"), "same-origin").await
    }

    pub async fn post_form_from(&mut self, uri: &str, fields: &[(&str, &str)], origin: &str, site: &str) -> Reply {
        let body = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let req = self
            .builder(Method::POST, uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, HeaderValue::from_str(origin).expect("origin"))
            .header("sec-fetch-site", site)
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body))
            .expect("req");
        self.send(req).await
    }

    /// A same-origin POST with any body (JSON from a page's script, a multipart upload).
    pub async fn post_body(&mut self, uri: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let req = self
            .builder(Method::POST, uri)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ORIGIN, HeaderValue::from_str(&format!("http://{HOST}")).expect("origin"))
            .header("sec-fetch-site", "same-origin")
            .header(header::ACCEPT, "application/json, text/html")
            .body(Body::from(body))
            .expect("req");
        self.send(req).await
    }

    /// A JSON request as an API client sends it (no `Origin`: not a browser).
    pub async fn send_json(&mut self, method: &str, uri: &str, body: &str) -> Reply {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let req = self
            .builder(method, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request");
        self.send(req).await
    }

    /// A one-file multipart form.
    pub async fn upload(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        name: &str,
        bytes: &[u8],
    ) -> Reply {
        let boundary = "----ocop-upload-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_body(uri, &format!("multipart/form-data; boundary={boundary}"), body).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Reply {
        self.post_form("/login", &[("email", email), ("password", password), ("next", "/")]).await
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A producer in Xã Bát Tràng with one product on sheet 04 (honey), and a round of Hà Nội open
/// for registration today.
pub struct EvaluationWorld {
    pub producer_id: i64,
    pub product_id: i64,
    pub round_id: i64,
}

pub async fn evaluation_world(app: &TestApp) -> EvaluationWorld {
    let today = store::evaluation::today();
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "Hợp tác xã Mật ong Bát Tràng".into(),
        tax_code: "0100233488".into(),
        representative: "Nguyễn Văn Đức".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let producer = store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false)
        .await
        .expect("producer");
    let product = store::products::create(
        &tx,
        &Who::system(),
        &domain::registry::ProductDraft {
            producer_id: producer.id,
            name: "Mật ong hoa nhãn Đông Anh".into(),
            sheet_code: "04".into(),
            gtin: None,
            description: String::new(),
            ingredients: String::new(),
            packaging: String::new(),
            price: None,
            capacity: String::new(),
        },
        store::products::CodeChoice::Next { year: 2026 },
        "26/2026/QĐ-TTg",
        false,
    )
    .await
    .expect("product");
    let round = store::evaluation::rounds::create(
        &tx,
        &Who::system(),
        &province("01"),
        &store::evaluation::rounds::RoundDraft {
            name: "Đợt 2 năm 2026".into(),
            opens_on: today - time::Duration::days(30),
            commune_deadline: today + time::Duration::days(30),
            closes_on: today + time::Duration::days(60),
            plan_count: 400,
        },
    )
    .await
    .expect("round");
    tx.commit().await.expect("commit");
    EvaluationWorld { producer_id: producer.id, product_id: product.id, round_id: round.id }
}

/// A minimal valid PDF.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The certificate a traceability test product holds.
#[derive(Clone, Copy)]
pub enum Cert {
    None,
    Valid,
    Expired,
    Revoked,
}

pub fn gtin(n: u8) -> String {
    domain::gtin::Gtin::from_twelve(&[8, 9, 3, 4, 5, 6, 3, 1, 3, 8, 1, n]).to_string()
}

pub async fn product(
    app: &TestApp,
    producer: i64,
    name: &str,
    gtin: Option<String>,
    cert: Cert,
) -> store::products::Product {
    let tx = app.db.db.write().await.expect("begin");
    let p = store::products::create(
        &tx,
        &Who::system(),
        &domain::registry::ProductDraft {
            producer_id: producer,
            name: name.into(),
            sheet_code: "04".into(),
            gtin: gtin.map(|g| domain::gtin::Gtin::parse(&g).expect("valid GTIN")),
            description: String::new(),
            ingredients: String::new(),
            packaging: "Hũ thủy tinh 500 g".into(),
            price: Some(domain::money::Vnd::new(180_000).expect("price")),
            capacity: String::new(),
        },
        store::products::CodeChoice::Next { year: 2026 },
        "26/2026/QĐ-TTg",
        false,
    )
    .await
    .expect("product");
    let today = store::evaluation::today();
    let issued = match cert {
        Cert::Expired => today - time::Duration::days(40 * 30),
        _ => today - time::Duration::days(100),
    };
    if !matches!(cert, Cert::None) {
        let fact = store::certificates::CertificateFact {
            number: format!("HN-T-{}", p.id),
            stars: domain::certificate::Stars::new(4).expect("stars"),
            level: store::certificates::Level::Province,
            decision_number: "1/QĐ-UBND".into(),
            decision_date: Some(issued),
            signer: String::new(),
            issued_on: issued,
            expires_on: domain::certificate::expiry(issued),
            revoked_on: matches!(cert, Cert::Revoked).then_some(today - time::Duration::days(3)),
            revocation_ground: matches!(cert, Cert::Revoked).then(|| "b".to_owned()),
            revocation_decision: matches!(cert, Cert::Revoked).then(|| "9/QĐ-UBND".to_owned()),
            criteria_version: "26/2026/QĐ-TTg".into(),
            source: "import",
            issuer_kind: None,
            issuer_name: String::new(),
            evidence: domain::certificate::Evidence::Decision,
        };
        store::certificates::record(&tx, &Who::system(), p.id, &fact).await.expect("certificate");
    }
    tx.commit().await.expect("commit");
    store::products::get(app.db.db.conn(), p.id).await.expect("read").expect("product")
}

pub async fn lot(app: &TestApp, product: i64, code: &str) -> i64 {
    let draft = store::trace::lots::LotInput {
        code: code.into(),
        produced_on: "01/11/2026".into(),
        expires_on: "01/11/2027".into(),
        quantity: "1.200".into(),
        unit: "hũ".into(),
    }
    .parse()
    .expect("lot");
    let tx = app.db.db.write().await.expect("begin");
    let l = store::trace::lots::create(&tx, &Who::system(), product, &draft).await.expect("lot");
    tx.commit().await.expect("commit");
    l.id
}

/// Issues `n` labels at once and returns their serials in sheet order.
pub async fn labels(app: &TestApp, product: i64, lot: Option<i64>, n: i64) -> (i64, Vec<String>) {
    let tx = app.db.db.write().await.expect("begin");
    let o = store::trace::stamps::request(&tx, &Who::system(), product, lot, n, true).await.expect("order");
    tx.commit().await.expect("commit");
    let serials = store::trace::stamps::serials(app.db.db.conn(), o.id, -1, 1000).await.expect("serials");
    (o.id, serials.into_iter().map(|s| s.1).collect())
}

/// The best option of every criterion on sheet 04, as form fields `a_<code>`.
pub fn best_answers(second: &[&str]) -> Vec<(String, String)> {
    let set = store::criteria::current().expect("criteria");
    set.sheet("04")
        .expect("04")
        .scored()
        .map(|c| {
            let value = if c.options.is_empty() {
                "true".to_owned()
            } else {
                let mut idx: Vec<usize> = (0..c.options.len()).collect();
                idx.sort_by_key(|&i| std::cmp::Reverse(c.options[i].points));
                let pick = if second.contains(&c.code.as_str()) { idx[1] } else { idx[0] };
                pick.to_string()
            };
            (format!("a_{}", c.code), value)
        })
        .collect()
}

/// The text of a PDF in reading order (not `-layout`, so a table cell's lines stay together) with
/// whitespace collapsed, as table cells wrap their text over lines (poppler's `pdftotext`).
pub fn pdf_text(bytes: &[u8], name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ocop-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(name);
    std::fs::write(&file, bytes).expect("write");
    let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A mail relay that accepts everything and keeps what it was given.
pub async fn relay() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 relay\r\n").await;
                let mut data = None::<String>;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            kept.lock().expect("lock").push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 ok\r\n").await;
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = if line.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go\r\n"
                    } else if line.starts_with("QUIT") {
                        b"221 bye\r\n"
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (format!("smtp://{addr}"), got)
}

/// A producer of Xã Bát Tràng (Hà Nội) with a certified honey, and its account signed in.
pub async fn certified_producer(app: &TestApp) -> (i64, store::products::Product, Client) {
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "Hợp tác xã Mật ong Bát Tràng".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let tx = app.db.db.write().await.expect("begin");
    let producer = store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false)
        .await
        .expect("producer");
    tx.commit().await.expect("commit");
    let product = product(app, producer.id, "Mật ong hoa nhãn", None, Cert::Valid).await;
    let scope = Scope::Producer { producer: producer.id, province: province("01"), commune: commune("00577") };
    let owner = app.user("chu@battrang.vn", Role::Producer, scope).await;
    let mut client = app.client();
    client.login(&owner.email, PASSWORD).await;
    (producer.id, product, client)
}

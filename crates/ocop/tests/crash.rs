//! No acknowledged write is lost when the server is killed: writers register producers and their
//! products, capture EPCIS events of a lot through the HTTP API, and a council member's
//! scorecard autosaves; every answered request is noted, the server gets `kill -9` in the middle
//! of the load, comes back, and every noted record is there with the audit chain whole.
//! On the backend under test; a bounded load (not timed: the kill comes after a number of answers).
//! Label scans are counted, not records: a `kill -9` loses at most the scans of the last flush
//! interval (`OCOP_SCAN_FLUSH_MS`), which the second test measures.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::role::{Role, Scope};
use sea_orm::ConnectionTrait;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use store::testing::TestDb;

const PASSWORD: &str = "Mật-khẩu-thử-2026";
/// Answers to wait for before the kill; the writers keep going until it lands.
const BEFORE_KILL: usize = 200;

/// A write the server answered for: a producer's name, and its product's once that was answered.
type Answered = (String, Option<String>);

fn serve(url: &str, settings: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocop"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-migrate"])
        .env_clear()
        .env("OCOP_DATABASE_URL", url)
        .env("OCOP_LOG", "warn")
        .envs(settings.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ocop serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines.next().expect("the server prints its address").expect("line");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    // Keep reading what it prints so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// One HTTP/1.1 request on its own connection: the status and the whole answer, or `None` when
/// the server is gone.
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, answer))
}

fn sign_in(addr: &str, email: &str) -> String {
    let form = format!("email={}&password={}", email.replace('@', "%40"), percent(PASSWORD));
    let (status, answer) =
        request(addr, "POST", "/login", &[("Content-Type", "application/x-www-form-urlencoded")], &form)
            .expect("sign in");
    assert_eq!(status, 303, "{answer}");
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .filter(|c| !c.starts_with("flash"))
        .expect("a session cookie");
    cookie.split(';').next().expect("cookie").to_owned()
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A producer of Hà Nội and its product with a GTIN (whose last data digit is `last`), and the
/// GTIN-14 labels carry.
async fn product_with_gtin(
    tx: &store::Tx,
    producer: &str,
    product: &str,
    last: u8,
) -> (store::products::Product, String) {
    let who = store::audit::Who::system();
    let maker = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: producer.into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let maker = store::producers::create(tx, &who, &maker.parse().expect("valid"), false).await.expect("producer");
    let gtin = domain::gtin::Gtin::from_twelve(&[8, 9, 3, 4, 5, 6, 3, 1, 3, 8, 1, last]);
    let draft = domain::registry::ProductDraft {
        producer_id: maker.id,
        name: product.into(),
        sheet_code: "04".into(),
        gtin: Some(gtin.clone()),
        description: String::new(),
        ingredients: String::new(),
        packaging: String::new(),
        price: None,
        capacity: String::new(),
    };
    let code = store::products::CodeChoice::Next { year: 2026 };
    let made = store::products::create(tx, &who, &draft, code, "26/2026/QĐ-TTg", false).await.expect("product");
    (made, gtin.gtin14())
}

/// A dossier of Hà Nội screened and before a council of three, the first of whom signs in as
/// `member_email` with `PASSWORD`: returns the evaluation to score.
async fn before_the_council(db: &store::Db, member_email: &str) -> i64 {
    use store::evaluation::{councils, dossiers, rounds};
    let who = store::audit::Who::system();
    let today = store::evaluation::today();
    let hanoi = domain::place::ProvinceCode::parse("01").expect("p");
    let set = store::criteria::current().expect("criteria");
    let hash = domain::password::hash(&domain::password::Password::parse(PASSWORD).expect("policy")).expect("hash");
    let tx = db.write().await.expect("begin");
    let mut members = Vec::new();
    for email in [member_email.to_owned(), format!("2.{member_email}"), format!("3.{member_email}")] {
        let member = store::users::UserDraft {
            email: domain::email::Email::parse(&email).expect("email"),
            display_name: "Thành viên hội đồng".into(),
            role: Role::CouncilMember,
            scope: Scope::Province { province: hanoi.clone() },
        };
        members.push(store::users::create(&tx, &who, &member, &hash, false).await.expect("member").id);
    }
    let (product, _) = product_with_gtin(&tx, "HTX Chè Tân Cương", "Chè búp Tân Cương", 7).await;
    let draft = rounds::RoundDraft {
        name: "Đợt thử".into(),
        opens_on: today - time::Duration::days(30),
        commune_deadline: today + time::Duration::days(30),
        closes_on: today + time::Duration::days(60),
        plan_count: 10,
    };
    let round = rounds::create(&tx, &who, &hanoi, &draft).await.expect("round");
    let kind = domain::evaluation::Kind::First;
    let g = dossiers::create(&tx, &who, product.id, round.id, kind, today).await.expect("registered");
    dossiers::save_self_assessment(&tx, &who, set, g.id, best_answers()).await.expect("self-assessed");
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let file = dossiers::NewEvidence {
        label: "ATTP",
        file_name: "attp.pdf",
        content_type: "application/pdf",
        sha256: "ab",
        bytes: pdf,
    };
    dossiers::add_evidence(&tx, &who, g.id, file).await.expect("evidence");
    dossiers::submit(&tx, &who, set, g.id, today).await.expect("submitted");
    let form03 = dossiers::Form03 {
        materials: "Tại xã".into(),
        labour: "Tại xã".into(),
        idea: "HTX".into(),
        identity: "Truyền thống".into(),
    };
    dossiers::screen(&tx, &who, g.id, dossiers::Screening::Accept(form03)).await.expect("accepted");
    let council = councils::CouncilDraft {
        name: "Hội đồng thử".into(),
        level: domain::scoring::Level::Province,
        province: Some(hanoi),
        round_id: Some(round.id),
        chair: members[0],
        members,
        quorum_percent: 75,
        spread_limit: 10,
    };
    let council = councils::create(&tx, &who, &council).await.expect("council");
    councils::assign(&tx, &who, council.id, &[g.id]).await.expect("assigned");
    let evaluation = councils::evaluations_of_council(&tx, council.id).await.expect("evaluations")[0].id;
    tx.commit().await.expect("commit");
    evaluation
}

/// The best option of every criterion of sheet 04.
fn best_answers() -> std::collections::BTreeMap<String, domain::scoring::Answer> {
    let set = store::criteria::current().expect("criteria");
    let sheet = set.sheet("04").expect("sheet 04");
    sheet
        .scored()
        .map(|c| {
            let answer = match c.kind {
                domain::criteria::Kind::MetOrNot => domain::scoring::Answer::Met(true),
                _ => {
                    let best = (0..c.options.len()).max_by_key(|&i| c.options[i].points).unwrap_or(0);
                    domain::scoring::Answer::Choice(best)
                }
            };
            (c.code.clone(), answer)
        })
        .collect()
}

/// The answers as the scorecard page autosaves them: an option's index, or met / not met.
fn answers_json() -> String {
    let answers: serde_json::Map<String, serde_json::Value> = best_answers()
        .into_iter()
        .map(|(code, a)| {
            let v = match a {
                domain::scoring::Answer::Met(met) => serde_json::json!(met),
                domain::scoring::Answer::Choice(i) => serde_json::json!(i),
            };
            (code, v)
        })
        .collect();
    serde_json::Value::Object(answers).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_kill_9() {
    let t = TestDb::new().await;
    let email = "clerk@hanoi.test";
    {
        let hash = domain::password::hash(&domain::password::Password::parse(PASSWORD).expect("policy")).expect("hash");
        let draft = store::users::UserDraft {
            email: domain::email::Email::parse(email).expect("email"),
            display_name: "Văn phòng".into(),
            role: Role::ProvinceOffice,
            scope: Scope::Province { province: domain::place::ProvinceCode::parse("01").expect("p") },
        };
        let tx = t.db.write().await.expect("begin");
        store::users::create(&tx, &store::audit::Who::system(), &draft, &hash, false).await.expect("user");
        tx.commit().await.expect("commit");
    }
    // A product with a lot whose traceability events a third writer captures.
    let gtin14 = {
        let who = store::audit::Who::system();
        let tx = t.db.write().await.expect("begin");
        let (honey, gtin14) = product_with_gtin(&tx, "HTX Mật ong Ba Vì", "Mật ong hoa nhãn", 2).await;
        let lot = store::trace::lots::LotInput {
            code: "L1".into(),
            produced_on: "01/11/2026".into(),
            expires_on: "01/11/2027".into(),
            quantity: "1.000".into(),
            unit: "hũ".into(),
        };
        store::trace::lots::create(&tx, &who, honey.id, &lot.parse().expect("lot")).await.expect("lot");
        tx.commit().await.expect("commit");
        gtin14
    };
    let member_email = "member@hanoi.test";
    let evaluation = before_the_council(&t.db, member_email).await;
    let (mut server, addr) = serve(&t.url, &[]);
    let cookie = sign_in(&addr, email);
    // A council member's scorecard autosaving, each save a newer revision.
    let saved = Arc::new(Mutex::new(0i64));
    let scorer = {
        let (addr, cookie, saved) = (addr.clone(), sign_in(&addr, member_email), saved.clone());
        std::thread::spawn(move || {
            let json = [("Content-Type", "application/json"), ("Cookie", cookie.as_str())];
            let answers = answers_json();
            let path = format!("/evaluation/scorecards/{evaluation}/save");
            for revision in 1i64.. {
                let body =
                    format!(r#"{{"answers":{answers},"knock_outs":[],"disqualified":false,"revision":{revision}}}"#);
                let Some((status, answer)) = request(&addr, "POST", &path, &json, &body) else { break };
                if status != 200 {
                    assert!(status >= 500, "refused: {answer}");
                    break;
                }
                *saved.lock().expect("lock") = revision;
            }
        })
    };
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let capturer = {
        let (addr, cookie, events) = (addr.clone(), cookie.clone(), events.clone());
        std::thread::spawn(move || {
            let json = [("Content-Type", "application/json"), ("Cookie", cookie.as_str())];
            for i in 0u32.. {
                let id = format!("urn:uuid:00000000-0000-4000-8000-{i:012}");
                let body = format!(
                    r#"{{"type":"ObjectEvent","eventID":"{id}","eventTime":"2026-11-21T09:00:00+07:00","eventTimeZoneOffset":"+07:00","action":"OBSERVE","bizStep":"shipping","quantityList":[{{"epcClass":"https://id.gs1.org/01/{gtin14}/10/L1","quantity":5}}]}}"#
                );
                let Some((status, answer)) = request(&addr, "POST", "/api/v1/epcis/events", &json, &body) else {
                    break;
                };
                if !(200..300).contains(&status) {
                    assert!(status >= 500, "refused: {answer}");
                    break;
                }
                events.lock().expect("lock").push(id);
            }
        })
    };

    // Two writers: a producer, then a product of it, as fast as answers come.
    let acknowledged: Arc<Mutex<Vec<Answered>>> = Arc::default();
    let gone = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (addr, cookie, acknowledged, gone) = (addr.clone(), cookie.clone(), acknowledged.clone(), gone.clone());
            std::thread::spawn(move || {
                let json = [("Content-Type", "application/json"), ("Cookie", cookie.as_str())];
                for i in 0.. {
                    let name = format!("HTX Thử tải {w}-{i}");
                    let body = format!(r#"{{"legal_type":"HTX","name":"{name}","province":"01","commune":"00577"}}"#);
                    let Some((status, answer)) = request(&addr, "POST", "/api/v1/producers", &json, &body) else {
                        break;
                    };
                    if status != 201 {
                        assert!(gone.load(Ordering::Relaxed) || status >= 500, "refused: {answer}");
                        break;
                    }
                    acknowledged.lock().expect("lock").push((name.clone(), None));
                    let id = answer
                        .split("\"id\":")
                        .nth(1)
                        .and_then(|s| s.split([',', '}']).next())
                        .expect("id")
                        .trim()
                        .to_owned();
                    let product = format!("Mật ong thử {w}-{i}");
                    let body = format!(r#"{{"producer_id":{id},"name":"{product}","sheet":"04"}}"#);
                    let Some((status, _)) = request(&addr, "POST", "/api/v1/products", &json, &body) else { break };
                    if status == 201 {
                        acknowledged.lock().expect("lock").push((name, Some(product)));
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().expect("lock").len() < BEFORE_KILL {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    gone.store(true, Ordering::Relaxed);
    server.kill().expect("kill -9");
    let _ = server.wait();
    for w in writers {
        w.join().expect("writer");
    }
    capturer.join().expect("capturer");
    scorer.join().expect("scorer");

    // Back up: the server starts on what it left, and everything it answered for is there.
    let (mut again, addr) = serve(&t.url, &[]);
    let ready = request(&addr, "GET", "/readyz", &[], "").expect("ready");
    let _ = again.kill();
    let _ = again.wait();
    assert_eq!(ready.0, 200, "{}", ready.1);
    let db = store::Db::connect(&t.url, &store::DbOptions::default()).await.expect("open");
    let acknowledged = acknowledged.lock().expect("lock").clone();
    let listing = domain::access::Listing::All;
    let mut all = Vec::new();
    for page in 1.. {
        let found = store::producers::search(db.conn(), &listing, &Default::default(), store::Page::new(page, 200))
            .await
            .expect("producers");
        let last = found.items.len() < 200;
        all.extend(found.items);
        if last {
            break;
        }
    }
    for (producer, product) in &acknowledged {
        let p = all.iter().find(|p| &p.name == producer).unwrap_or_else(|| panic!("{producer} was lost"));
        if let Some(product) = product {
            let held = store::products::of_producer(db.conn(), p.id).await.expect("products");
            assert!(held.iter().any(|x| &x.name == product), "{product} was lost");
        }
    }
    let events = events.lock().expect("lock").clone();
    assert!(!events.is_empty(), "events were captured before the kill");
    for id in &events {
        let found = db
            .conn()
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                db.conn().get_database_backend(),
                if db.backend() == store::Backend::Postgres {
                    "SELECT event_id FROM epcis_event WHERE event_id = $1"
                } else {
                    "SELECT event_id FROM epcis_event WHERE event_id = ?"
                },
                [id.clone().into()],
            ))
            .await
            .expect("query");
        assert!(found.is_some(), "event {id} was lost");
    }
    let saved = *saved.lock().expect("lock");
    assert!(saved > 0, "the scorecard was saved before the kill");
    let cards = store::evaluation::councils::cards(db.conn(), evaluation).await.expect("cards");
    let stored = cards.iter().map(|c| c.revision).max().unwrap_or(0);
    assert!(stored >= saved, "the scorecard's save {saved} was answered, the database holds {stored}");
    let chain = store::audit::verify(db.conn()).await.expect("verify");
    assert!(chain.broken.is_none(), "the audit chain holds");
    assert!(chain.entries >= i64::try_from(acknowledged.len()).expect("count"));
    eprintln!(
        "acknowledged {} registry writes, {} EPCIS captures and {saved} scorecard saves before kill -9; all found after restart",
        acknowledged.len(),
        events.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_loses_at_most_the_scans_of_the_last_flush_interval() {
    const FLUSH_MS: u64 = 300;
    let t = TestDb::new().await;
    let (gtin14, serials) = {
        let who = store::audit::Who::system();
        let tx = t.db.write().await.expect("begin");
        let (tea, gtin14) = product_with_gtin(&tx, "HTX Chè Ba Vì", "Chè búp Ba Vì", 3).await;
        let order = store::trace::stamps::request(&tx, &who, tea.id, None, 40, false).await.expect("order");
        store::trace::stamps::decide(&tx, &who, order.id, true, "").await.expect("issue");
        let serials = store::trace::stamps::serials(&tx, order.id, -1, 40).await.expect("serials");
        tx.commit().await.expect("commit");
        (gtin14, serials.into_iter().map(|(_, serial, _)| serial).collect::<Vec<_>>())
    };
    let flush = FLUSH_MS.to_string();
    let (mut server, addr) =
        serve(&t.url, &[("OCOP_SCAN_FLUSH_MS", flush.as_str()), ("OCOP_RATE_SCANS_PER_MINUTE", "0")]);
    let answered: Arc<Mutex<Vec<std::time::Instant>>> = Arc::default();
    let scanners: Vec<_> = (0..2)
        .map(|k| {
            let (addr, answered, serials, gtin14) = (addr.clone(), answered.clone(), serials.clone(), gtin14.clone());
            std::thread::spawn(move || {
                for i in (k..).step_by(2) {
                    let path = format!("/01/{gtin14}/21/{}", serials[i % serials.len()]);
                    match request(&addr, "GET", &path, &[("Accept", "text/html")], "") {
                        Some((200, _)) => answered.lock().expect("lock").push(std::time::Instant::now()),
                        _ => break,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(5 * FLUSH_MS));
    server.kill().expect("kill -9");
    let killed = std::time::Instant::now();
    let _ = server.wait();
    for s in scanners {
        s.join().expect("scanner");
    }
    let answered = answered.lock().expect("lock").clone();
    let db = store::Db::connect(&t.url, &store::DbOptions::default()).await.expect("open");
    let mut counted = 0;
    for serial in &serials {
        counted += store::trace::stamps::find(db.conn(), serial).await.expect("read").expect("label").scans;
    }
    let acknowledged = i64::try_from(answered.len()).expect("count");
    // A flush interval's wait, then the write itself (allowed as long again).
    let window = std::time::Duration::from_millis(2 * FLUSH_MS);
    let recent =
        i64::try_from(answered.iter().filter(|at| killed.duration_since(**at) <= window).count()).expect("count");
    eprintln!(
        "acknowledged {acknowledged} scans before kill -9 (flush every {FLUSH_MS} ms); {counted} counted after it, \
         {} lost; {recent} were answered in the last {} ms",
        acknowledged - counted,
        window.as_millis()
    );
    assert!(acknowledged > 0 && counted > 0, "scans were answered and written before the kill");
    assert!(counted <= acknowledged, "no scan counted twice");
    assert!(acknowledged - counted <= recent, "only the scans of the last interval may be lost");
}

//! The `ocop` binary as an operator uses it, against the backend under test.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use sea_orm::ConnectionTrait;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use store::testing::TestDb;

fn ocop(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ocop"))
        .args(args)
        .env_clear()
        .env("OCOP_DATABASE_URL", url)
        .env("OCOP_LOG", "warn")
        .output()
        .expect("run ocop")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn config_print_shows_effective_settings_with_secrets_redacted() {
    let o = ocop("postgres://ocop:s3cret@db.internal/ocop", &["config", "print", "--listen", "0.0.0.0:9000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("OCOP_DATABASE_URL=postgres://ocop:***@db.internal/ocop"), "{out}");
    assert!(!out.contains("s3cret"));
    assert!(out.contains("OCOP_LISTEN=0.0.0.0:9000"), "the flag wins over the default: {out}");
    let defaults =
        Command::new(env!("CARGO_BIN_EXE_ocop")).args(["config", "print"]).env_clear().output().expect("run");
    assert!(stdout(&defaults).contains("OCOP_DATABASE_URL=sqlite://ocop.db"));
    assert!(stdout(&defaults).contains("OCOP_LISTEN=127.0.0.1:8080"));
}

#[test]
fn an_unknown_database_scheme_is_a_clear_error() {
    let o = ocop("mysql://root:pw@localhost/ocop", &["migrate"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("không được hỗ trợ") && err.contains("sqlite://") && err.contains("postgres://"), "{err}");
    assert!(!err.contains(":pw@"), "{err}");
}

#[tokio::test]
async fn accounts_from_the_command_line() {
    let t = TestDb::new().await;
    let add = ocop(
        &t.url,
        &[
            "user",
            "add",
            "--email",
            "Lan@HaNoi.gov.vn",
            "--name",
            "Nguyễn Thị Lan",
            "--role",
            "province_office",
            "--province",
            "01",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    assert!(stdout(&add).contains("Mật khẩu tạm thời"));
    let bad = ocop(&t.url, &["user", "add", "--email", "x@y.vn", "--role", "commune_officer", "--province", "01"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--commune: Vai trò này cần trường này."), "{}", stderr(&bad));
    let dup = ocop(&t.url, &["user", "add", "--email", "lan@hanoi.gov.vn", "--role", "admin"]);
    assert_eq!(dup.status.code(), Some(2));
    assert!(stderr(&dup).contains("Email này đã được dùng"), "{}", stderr(&dup));
    let list = ocop(&t.url, &["user", "list", "--province", "01"]);
    assert!(stdout(&list).contains("lan@hanoi.gov.vn") && stdout(&list).contains("1 tài khoản"), "{}", stdout(&list));
    let disable = ocop(&t.url, &["user", "disable", "--email", "lan@hanoi.gov.vn"]);
    assert!(disable.status.success(), "{}", stderr(&disable));
    let user = store::users::find_for_login(t.db.conn(), "lan@hanoi.gov.vn").await.expect("q").expect("exists").0;
    assert!(user.disabled);

    // A producer's account names the producer by the code its page shows.
    let tx = t.db.write().await.expect("begin");
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "HTX Gốm sứ Bát Tràng".into(),
        representative: "Lê Văn Hùng".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    let who = store::audit::Who::system();
    let p = store::producers::create(&tx, &who, &input.parse().expect("valid"), false).await.expect("producer");
    tx.commit().await.expect("commit");
    let code = domain::producer::platform_code(p.id);
    let add = ocop(&t.url, &["user", "add", "--email", "htx@battrang.vn", "--role", "producer", "--producer", &code]);
    assert!(add.status.success(), "{}", stderr(&add));
    let user = store::users::find_for_login(t.db.conn(), "htx@battrang.vn").await.expect("q").expect("exists").0;
    assert_eq!(user.scope.producer(), Some(p.id));
    let unknown = ocop(&t.url, &["user", "add", "--email", "x@z.vn", "--role", "producer", "--producer", "CT999999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("CT999999"), "{}", stderr(&unknown));
}

#[test]
fn each_command_shows_only_the_flags_it_uses() {
    let help = stdout(&ocop("sqlite://x.db", &["user", "add", "--help"]));
    assert!(help.contains("--email") && help.contains("--database-url") && help.contains("Mã chủ thể"), "{help}");
    for server_only in ["--listen", "--public-url", "--metrics-token", "--rate-scans-per-minute", "--smtp-url"] {
        assert!(!help.contains(server_only), "{server_only} in `user add --help`: {help}");
    }
    let serve = stdout(&ocop("sqlite://x.db", &["serve", "--help"]));
    assert!(
        serve.contains("--listen") && serve.contains("--public-url") && serve.contains("--database-url"),
        "{serve}"
    );
}

#[tokio::test]
async fn audit_verify_finds_a_tampered_row() {
    let t = TestDb::new().await;
    for email in ["a@hanoi.gov.vn", "b@hanoi.gov.vn", "c@hanoi.gov.vn"] {
        let o = ocop(&t.url, &["user", "add", "--email", email, "--role", "inspector", "--province", "01"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let ok = ocop(&t.url, &["audit", "verify"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("3 mục"), "{}", stdout(&ok));

    let unguard = match t.db.backend() {
        store::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        store::Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    t.db.conn().execute_unprepared(unguard).await.expect("unguard");
    t.db.conn().execute_unprepared("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2").await.expect("tamper");
    let broken = ocop(&t.url, &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(stderr(&broken).contains("mục 2"), "{}", stderr(&broken));
}

/// `ocop serve --listen 127.0.0.1:0` prints the address it picked, and a sign-in page is there.
#[tokio::test]
async fn serve_prints_its_address_and_serves_the_login_page() {
    let t = TestDb::empty().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocop"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_clear()
        .env("OCOP_DATABASE_URL", &t.url)
        .env("OCOP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ocop serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = String::new();
    let addr = loop {
        let line = lines.next().expect("the server prints its address").expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    assert!(printed.contains("admin@localhost"), "the first admin is announced: {printed}");
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    write!(stream, "GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("Đăng nhập") && response.contains(r#"name="password""#));
}

#[test]
fn a_server_reachable_from_other_machines_needs_its_public_address() {
    let o = ocop("sqlite:///nonexistent-dir/never.db", &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("OCOP_PUBLIC_URL"), "{err}");
    let bad = ocop(
        "sqlite:///nonexistent-dir/never.db",
        &["serve", "--public-url", "https://x.vn/path?q", "--listen", "127.0.0.1:0"],
    );
    assert!(stderr(&bad).contains("không có đường dẫn"), "{}", stderr(&bad));
}

/// `ocop targets import` checks and stores an office's target set; `ocop report` writes the
/// programme report in both formats and refuses bad options with a message and exit code 2.
#[tokio::test]
async fn targets_import_and_the_programme_report() {
    let t = TestDb::new().await;
    let dir = std::env::temp_dir().join(format!("ocop-cli-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let set = dir.join("hcm.json");
    std::fs::write(
        &set,
        r#"{"version": "HCM-2026-2030.1", "name": "Kế hoạch OCOP Thành phố Hồ Chí Minh 2026–2030", "scope": "79",
            "from": "2026-01-01", "to": "2030-12-31",
            "targets": [{"code": "added", "vi": "Sản phẩm từ 3 sao tăng thêm", "en": "Products added",
                         "rule": "products_added", "min_stars": 3, "at_least": 300}]}"#,
    )
    .expect("write");
    let o = ocop(&t.url, &["targets", "import", set.to_str().expect("path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Đã nhập bộ mục tiêu HCM-2026-2030.1 (1 mục tiêu"), "{}", stdout(&o));
    let again = ocop(&t.url, &["targets", "import", set.to_str().expect("path")]);
    assert!(stdout(&again).contains("Đã thay"), "{}", stdout(&again));
    let list = ocop(&t.url, &["targets", "list"]);
    let listed = stdout(&list);
    assert!(
        listed.contains("HCM-2026-2030.1")
            && listed.contains("HN-OCOP-2021-2025.1")
            && listed.contains("QD-919-2022.1"),
        "{listed}"
    );

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"version": "X", "name": "X", "scope": "99x", "from": "2026-01-01", "to": "2030-12-31", "targets": []}"#,
    )
    .expect("write");
    let refused = ocop(&t.url, &["targets", "import", bad.to_str().expect("path")]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("Tệp mục tiêu không hợp lệ"), "{}", stderr(&refused));

    for format in ["xlsx", "pdf"] {
        let out = dir.join(format!("report.{format}"));
        let o = ocop(
            &t.url,
            &[
                "report",
                "--province",
                "01",
                "--from",
                "2021-01-01",
                "--to",
                "2021-12-31",
                "--format",
                format,
                "--out",
                out.to_str().expect("p"),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).lines().last().is_some_and(|l| l.starts_with("Đã ghi báo cáo")), "{}", stdout(&o));
        let bytes = std::fs::read(&out).expect("report");
        assert!(bytes.starts_with(if format == "pdf" { b"%PDF" } else { b"PK\x03\x04" }), "{format}");
    }
    let wrong = ocop(&t.url, &["report", "--format", "doc", "--out", dir.join("x").to_str().expect("p")]);
    assert_eq!(wrong.status.code(), Some(2));
    let wrong = ocop(&t.url, &["report", "--to", "31/02/2021", "--out", dir.join("x").to_str().expect("p")]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("--to: Ngày không hợp lệ"), "{}", stderr(&wrong));
}

#[tokio::test]
async fn import_reports_by_header_previews_and_fails_when_rows_were_skipped() {
    let t = TestDb::new().await;
    let dir = std::env::temp_dir().join(format!("ocop-cli-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("ds.csv");
    std::fs::write(
        &file,
        "Tên cơ sở,Loại hình,Tỉnh,Xã,Ghi chú\nHTX Chè Ba Vì,HTX,Hà Nội,Bát Tràng,x\nHTX Lỗi,HTX,Hà Nội,Không Có Xã Này,\n",
    )
    .expect("write");
    let path = file.to_str().expect("path");

    // A dry run shows each change and writes nothing; the bad row is named by the file's header.
    let dry = ocop(&t.url, &["import", "producers", path, "--dry-run"]);
    assert_eq!(dry.status.code(), Some(2), "{}", stderr(&dry));
    assert!(stderr(&dry).contains("dòng 3 · Xã:"), "{}", stderr(&dry));
    assert!(stderr(&dry).contains("Ghi chú"), "the ignored column is named: {}", stderr(&dry));
    // The good rows only: written, and still a failure, because a row was skipped.
    let good = ocop(&t.url, &["import", "producers", path, "--good-rows"]);
    assert_eq!(good.status.code(), Some(2), "{}", stdout(&good));
    assert!(stdout(&good).contains("1 thêm mới"), "{}", stdout(&good));
    let n =
        t.db.conn()
            .query_one_raw(sea_orm::Statement::from_string(
                t.db.conn().get_database_backend(),
                "SELECT COUNT(*) AS n FROM producer",
            ))
            .await
            .expect("q")
            .expect("row");
    assert_eq!(n.try_get::<i64>("", "n").expect("n"), 1);
    // The person's own mapping: the note column read as the street, shown field by field.
    let mapped = ocop(&t.url, &["import", "producers", path, "--dry-run", "--column", "Ghi chú=street"]);
    assert!(stdout(&mapped).contains("Cập nhật CT000001 Ghi chú: «» → «x»"), "{}", stdout(&mapped));
    assert!(!stderr(&mapped).contains("không thuộc mẫu"), "{}", stderr(&mapped));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every row of every table, each value as text, in a stable order.
async fn every_row(db: &store::Db) -> std::collections::BTreeMap<String, Vec<Vec<Option<String>>>> {
    use sea_orm::Statement;
    let c = db.conn();
    let backend = c.get_database_backend();
    let query =
        |sql: String| async move { c.query_all_raw(Statement::from_string(backend, sql)).await.expect("query") };
    let postgres = db.backend() == store::Backend::Postgres;
    let tables: Vec<String> = query(if postgres {
        "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public'".into()
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'".into()
    })
    .await
    .iter()
    .map(|r| r.try_get::<String>("", "name").expect("name"))
    .collect();
    let mut all = std::collections::BTreeMap::new();
    for t in tables {
        let columns: Vec<String> = query(if postgres {
            format!(
                "SELECT column_name::text AS name FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{t}' ORDER BY ordinal_position"
            )
        } else {
            format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid")
        })
        .await
        .iter()
        .map(|r| r.try_get::<String>("", "name").expect("column"))
        .collect();
        // Text on PostgreSQL (bytea shows as hex there); hex on SQLite, whose blobs are not text.
        let select: Vec<String> = columns
            .iter()
            .map(|c| {
                if postgres {
                    format!("CAST(\"{c}\" AS TEXT) AS \"{c}\"")
                } else {
                    format!("CASE WHEN \"{c}\" IS NULL THEN NULL ELSE hex(\"{c}\") END AS \"{c}\"")
                }
            })
            .collect();
        let order: Vec<String> = (1..=columns.len()).map(|n| n.to_string()).collect();
        let rows = query(format!("SELECT {} FROM \"{t}\" ORDER BY {}", select.join(", "), order.join(", "))).await;
        let values = rows
            .iter()
            .map(|r| columns.iter().map(|c| r.try_get::<Option<String>>("", c).expect("value")).collect())
            .collect();
        all.insert(t, values);
    }
    all
}

#[tokio::test]
async fn a_backup_restores_every_row_and_refuses_to_overwrite_unless_told() {
    let t = TestDb::new().await;
    let who = store::audit::Who::system();
    let tx = t.db.write().await.expect("begin");
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: "HTX Mật ong Ba Vì".into(),
        province: "01".into(),
        commune: "00577".into(),
        ..Default::default()
    };
    store::producers::create(&tx, &who, &input.parse().expect("valid"), false).await.expect("producer");
    let second = domain::registry::ProducerInput { name: "HTX Gốm sứ Bát Tràng".into(), ..input };
    store::producers::create(&tx, &who, &second.parse().expect("valid"), false).await.expect("producer");
    tx.commit().await.expect("commit");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("ocop.backup");
    let path = file.to_str().expect("path");

    let made = ocop(&t.url, &["backup", "--out", path]);
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stdout(&made).contains("Đã sao lưu"), "{}", stdout(&made));
    assert_eq!(ocop(&t.url, &["backup", "--out", path]).status.code(), Some(2), "an existing file is kept");

    let target = TestDb::empty().await;
    let restored = ocop(&target.url, &["restore", path]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(stdout(&restored).contains("nhật ký toàn vẹn"), "{}", stdout(&restored));
    let back = store::Db::connect(&target.url, &store::DbOptions::default()).await.expect("open");
    let (before, after) = (every_row(&t.db).await, every_row(&back).await);
    assert!(before.get("producer").is_some_and(|rows| rows.len() == 2) && before["audit_log"].len() == 2);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    for (table, rows) in &before {
        assert!(after[table] == *rows, "table {table} differs after the restore");
    }

    // A database holding a deployment is not overwritten unless told.
    let refused = ocop(&target.url, &["restore", path]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--force"));
    let forced = ocop(&target.url, &["restore", path, "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));

    // A SQLite backup made by a newer version is refused before anything is replaced.
    if t.db.backend() == store::Backend::Sqlite {
        let newer = dir.path().join("newer.backup");
        std::fs::copy(&file, &newer).expect("copy");
        let copy = store::Db::connect(&format!("sqlite://{}", newer.display()), &store::DbOptions::default())
            .await
            .expect("open");
        copy.conn()
            .execute_unprepared(
                "INSERT INTO ocop_migration (version, name, checksum, applied_at) VALUES (999, 'future', '', 0)",
            )
            .await
            .expect("a future version");
        copy.conn().clone().close().await.expect("close");
        let fresh = TestDb::empty().await;
        let refused = ocop(&fresh.url, &["restore", newer.to_str().expect("path")]);
        assert!(!refused.status.success() && stderr(&refused).contains("999"), "{}", stderr(&refused));
        let untouched = store::Db::connect(&fresh.url, &store::DbOptions::default()).await.expect("open");
        assert!(!store::backup::holds_deployment(&untouched).await.expect("check"), "nothing was put in place");
    }
}

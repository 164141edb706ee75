//! The storage conformance suite: the same assertions on SQLite and on PostgreSQL
//! (`OCOP_TEST_DATABASE_URL=postgres://…`), each test on its own database.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::access::Listing;
use domain::email::Email;
use domain::place::{CommuneCode, ProvinceCode};
use domain::role::{Role, Scope};
use sea_orm::ConnectionTrait;
use store::audit::{self, AuditFilter, Change, Who};
use store::testing::TestDb;
use store::users::{UserDraft, UserFilter};
use store::{Backend, Db, DbOptions, Page, StoreError, migrate, sessions, throttle, units, users};

fn province(code: &str) -> ProvinceCode {
    ProvinceCode::parse(code).expect("test province")
}

fn draft(email: &str, name: &str, role: Role, scope: Scope) -> UserDraft {
    UserDraft { email: Email::parse(email).expect("test email"), display_name: name.into(), role, scope }
}

async fn add_user(db: &Db, email: &str, name: &str, role: Role, scope: Scope) -> users::User {
    let tx = db.write().await.expect("begin");
    let u = users::create(&tx, &Who::system(), &draft(email, name, role, scope), "$argon2id$fake", false)
        .await
        .expect("create user");
    tx.commit().await.expect("commit");
    u
}

#[tokio::test]
async fn runs_on_the_backend_under_test() {
    let t = TestDb::new().await;
    assert_eq!(t.db.backend(), store::testing::backend());
    let version = t.db.server_version().await.expect("version");
    eprintln!("conformance suite on {version}");
    if t.db.backend() == Backend::Sqlite {
        // FTS5 trigram with remove_diacritics needs 3.45; the bundled library must not be downgraded.
        let v: Vec<u32> =
            version.trim_start_matches("SQLite ").split('.').map(|p| p.parse().expect("number")).collect();
        assert!(v[0] == 3 && v[1] >= 45, "bundled SQLite too old: {version}");
        let mode =
            t.db.conn()
                .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA journal_mode"));
        let row = mode.await.expect("pragma").expect("row");
        assert_eq!(row.try_get_by_index::<String>(0).expect("text"), "wal");
        // Every commit is on disk before it is acknowledged (2 = FULL), on every connection.
        for _ in 0..3 {
            let sync =
                t.db.conn()
                    .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA synchronous"));
            let row = sync.await.expect("pragma").expect("row");
            assert_eq!(row.try_get_by_index::<i32>(0).expect("number"), 2, "synchronous=FULL");
        }
    }
}

#[tokio::test]
async fn unknown_scheme_is_a_clear_error() {
    let err = Db::connect("mysql://root:hunter2@localhost/ocop", &DbOptions::default()).await.expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("không được hỗ trợ") && msg.contains("sqlite://") && msg.contains("postgres://"), "{msg}");
    assert!(!msg.contains("hunter2"), "password leaked: {msg}");
}

#[tokio::test]
async fn migrations_apply_once_even_when_two_instances_race() {
    let t = TestDb::empty().await;
    let other = t.another_instance().await;
    let (a, b) = tokio::join!(migrate::run(&t.db), migrate::run(&other));
    let (a, b) = (a.expect("first instance"), b.expect("second instance"));
    assert_eq!(a.len() + b.len(), migrate::embedded(t.db.backend()).len(), "each migration applied exactly once");
    let status = migrate::status(&t.db).await.expect("status");
    assert!(status.pending.is_empty());
    assert!(migrate::run(&t.db).await.expect("re-run").is_empty());
    migrate::check(&t.db).await.expect("schema is current");
}

#[tokio::test]
async fn serve_refuses_a_database_with_pending_or_unknown_migrations() {
    let t = TestDb::empty().await;
    assert!(matches!(migrate::check(&t.db).await, Err(migrate::MigrateError::Pending(_))));
    migrate::run(&t.db).await.expect("migrate");
    t.db.conn()
        .execute_unprepared(
            "INSERT INTO ocop_migration (version, name, checksum, applied_at) VALUES (9999, 'future', 'x', 0)",
        )
        .await
        .expect("insert");
    assert!(matches!(migrate::check(&t.db).await, Err(migrate::MigrateError::UnknownVersion(9999))));
}

#[tokio::test]
async fn administrative_units_are_complete() {
    let t = TestDb::new().await;
    let c = units::counts(t.db.conn()).await.expect("counts");
    assert_eq!((c.provinces, c.communes), (34, 3321));
    assert_eq!(c.old_units, 10_056 + 10_604);
    assert_eq!(c.mappings, 10_570);
    assert!(!units::ensure_loaded(&t.db).await.expect("reload check"), "unchanged data is not reloaded");

    let provinces = units::provinces(t.db.conn()).await.expect("provinces");
    assert_eq!(provinces[0].name, "Thành phố Hà Nội");
    let hanoi = units::communes(t.db.conn(), "01").await.expect("communes");
    assert_eq!(hanoi.len(), 126);
    assert_eq!(hanoi.iter().filter(|c| c.kind == "phường").count(), 51);
    let bat_trang = units::commune(t.db.conn(), "00577").await.expect("query").expect("Bát Tràng exists");
    assert_eq!((bat_trang.name.as_str(), bat_trang.kind.as_str()), ("Xã Bát Tràng", "xã"));

    let districts = units::old_districts(t.db.conn(), "01").await.expect("districts");
    assert_eq!(districts.len(), 30);
    let dong_anh = districts.iter().find(|d| d.code == "017").expect("Đông Anh");
    assert_eq!(dong_anh.name, "Huyện Đông Anh");
}

#[tokio::test]
async fn old_communes_lead_to_their_current_units() {
    let t = TestDb::new().await;
    // Phúc Xá (Ba Đình) went whole into Phường Hồng Hà.
    let phuc_xa = units::lookup_old_commune(t.db.conn(), "00001").await.expect("query").expect("known");
    assert_eq!(phuc_xa.old[0].commune_name, "Phường Phúc Xá");
    assert_eq!(phuc_xa.old[0].district_name, "Quận Ba Đình");
    assert_eq!(phuc_xa.current.len(), 1);
    assert_eq!((phuc_xa.current[0].code.as_str(), phuc_xa.current[0].name.as_str()), ("00097", "Phường Hồng Hà"));
    assert!(!phuc_xa.current[0].partly);
    // Cống Vị was split between two new wards, Ngọc Hà among them.
    let cong_vi = units::lookup_old_commune(t.db.conn(), "00007").await.expect("query").expect("known");
    assert_eq!(cong_vi.current.len(), 2);
    assert!(cong_vi.current.iter().any(|u| u.name == "Phường Ngọc Hà" && u.partly));
    // A 2020–2024 code merged away in January 2025 is known but has no official mapping.
    let absent: Vec<String> = {
        #[derive(sea_orm::FromQueryResult)]
        struct C {
            commune_code: String,
        }
        use sea_orm::FromQueryResult;
        C::find_by_statement(sea_orm::Statement::from_string(
            t.db.conn().get_database_backend(),
            "SELECT commune_code FROM old_unit WHERE edition = '2020_2024' AND status = 'absent' AND province_code = '01' ORDER BY commune_code LIMIT 1",
        ))
        .all(t.db.conn())
        .await
        .expect("query")
        .into_iter()
        .map(|c| c.commune_code)
        .collect()
    };
    let lookup = units::lookup_old_commune(t.db.conn(), &absent[0]).await.expect("query").expect("known");
    assert!(lookup.current.is_empty());
    assert!(units::lookup_old_commune(t.db.conn(), "99999").await.expect("query").is_none());
}

#[tokio::test]
async fn users_are_created_validated_and_found() {
    let t = TestDb::new().await;
    let lan = add_user(
        &t.db,
        "Lan.Nguyen@HaNoi.gov.vn",
        "Nguyễn Thị Lan",
        Role::ProvinceOffice,
        Scope::Province { province: province("01") },
    )
    .await;
    assert_eq!(lan.email, "lan.nguyen@hanoi.gov.vn");
    assert_eq!(lan.version, 1);
    let commune = Scope::Commune { province: province("01"), commune: CommuneCode::parse("00577").expect("code") };
    add_user(&t.db, "tuan@battrang.vn", "Trần Văn Tuấn", Role::CommuneOfficer, commune).await;
    add_user(&t.db, "hoa@hcm.gov.vn", "Lê Hòa", Role::ProvinceOffice, Scope::Province { province: province("79") })
        .await;

    // The same e-mail in other letters' case is the same account.
    let tx = t.db.write().await.expect("begin");
    let dup = users::create(
        &tx,
        &Who::system(),
        &draft("LAN.NGUYEN@hanoi.gov.vn", "Lan", Role::Admin, Scope::National),
        "$x",
        false,
    )
    .await;
    match dup {
        Err(StoreError::Invalid(e)) => assert_eq!(e.get("email").map(|i| i.key), Some("invalid-email-taken")),
        other => panic!("expected a duplicate e-mail error, got {other:?}"),
    }
    drop(tx);

    // A commune that does not exist, or is not in the province, is refused by field.
    let tx = t.db.write().await.expect("begin");
    let wrong = Scope::Commune { province: province("79"), commune: CommuneCode::parse("00577").expect("code") };
    match users::create(&tx, &Who::system(), &draft("x@y.vn", "X", Role::CommuneOfficer, wrong), "$x", false).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.get("commune").map(|i| i.key), Some("invalid-commune-elsewhere")),
        other => panic!("expected a commune error, got {other:?}"),
    }
    drop(tx);

    let (found, hash) =
        users::find_for_login(t.db.conn(), " lan.nguyen@hanoi.gov.vn").await.expect("q").expect("found");
    assert_eq!((found.id, hash.as_str()), (lan.id, "$argon2id$fake"));

    // Search ignores case and diacritics; a province office lists only its province.
    let filter = UserFilter { q: Some("tran van".into()), ..Default::default() };
    let all = users::search(t.db.conn(), &Listing::All, &filter, Page::default()).await.expect("search");
    assert_eq!(all.items.iter().map(|u| u.display_name.as_str()).collect::<Vec<_>>(), ["Trần Văn Tuấn"]);
    let hanoi = users::search(t.db.conn(), &Listing::Province(province("01")), &UserFilter::default(), Page::default())
        .await
        .expect("search");
    assert_eq!(hanoi.total, 2);
    assert!(hanoi.items.iter().all(|u| u.scope.province() == Some(&province("01"))));
}

#[tokio::test]
async fn a_stale_update_is_refused_and_changes_nothing() {
    let t = TestDb::new().await;
    let u = add_user(&t.db, "minh@hanoi.gov.vn", "Minh", Role::Inspector, Scope::Province { province: province("01") })
        .await;
    let tx = t.db.write().await.expect("begin");
    let renamed = draft("minh@hanoi.gov.vn", "Phạm Minh", Role::Inspector, u.scope.clone());
    let after = users::update(&tx, &Who::system(), u.id, u.version, &renamed, false).await.expect("update");
    tx.commit().await.expect("commit");
    assert_eq!((after.display_name.as_str(), after.version), ("Phạm Minh", 2));

    let tx = t.db.write().await.expect("begin");
    let stale = draft("minh@hanoi.gov.vn", "Someone Else", Role::Inspector, u.scope.clone());
    assert!(matches!(users::update(&tx, &Who::system(), u.id, u.version, &stale, false).await, Err(StoreError::Stale)));
    drop(tx);
    let now = users::get(t.db.conn(), u.id).await.expect("get").expect("exists");
    assert_eq!(now.display_name, "Phạm Minh");
}

#[tokio::test]
async fn sessions_are_shared_expire_and_end_with_the_account() {
    let t = TestDb::new().await;
    let u =
        add_user(&t.db, "an@hanoi.gov.vn", "An", Role::ProvinceOffice, Scope::Province { province: province("01") })
            .await;
    let token = sessions::create(t.db.conn(), u.id, 3600, &sessions::Origin::default()).await.expect("create");
    // A second instance (its own pool) sees the session the first one created.
    let other = t.another_instance().await;
    let live = sessions::lookup(other.conn(), &token).await.expect("lookup").expect("live");
    assert_eq!(live.user.id, u.id);
    assert!(sessions::lookup(t.db.conn(), "not-a-token").await.expect("lookup").is_none());

    let expired = sessions::create(t.db.conn(), u.id, -1, &sessions::Origin::default()).await.expect("create");
    assert!(sessions::lookup(t.db.conn(), &expired).await.expect("lookup").is_none());
    assert_eq!(sessions::purge_expired(t.db.conn()).await.expect("purge"), 1);

    let tx = t.db.write().await.expect("begin");
    let same = draft("an@hanoi.gov.vn", "An", Role::ProvinceOffice, u.scope.clone());
    users::update(&tx, &Who::system(), u.id, u.version, &same, true).await.expect("disable");
    tx.commit().await.expect("commit");
    assert!(sessions::lookup(t.db.conn(), &token).await.expect("lookup").is_none(), "disabled account signs out");
}

#[tokio::test]
async fn sign_in_failures_are_counted_per_key() {
    let t = TestDb::new().await;
    let acct = throttle::account_key("Lan@HaNoi.gov.vn");
    let ip = throttle::ip_key("203.0.113.7");
    for _ in 0..3 {
        throttle::record_failure(t.db.conn(), &[&acct, &ip]).await.expect("record");
    }
    throttle::record_failure(t.db.conn(), &[&ip]).await.expect("record");
    let other = t.another_instance().await;
    assert_eq!(throttle::recent_failures(other.conn(), &acct, 900).await.expect("count"), 3);
    assert_eq!(throttle::recent_failures(other.conn(), &ip, 900).await.expect("count"), 4);
    assert!(throttle::retry_after(t.db.conn(), &acct, 900).await.expect("retry") > 0);
    throttle::clear(t.db.conn(), &acct).await.expect("clear");
    assert_eq!(throttle::recent_failures(t.db.conn(), &acct, 900).await.expect("count"), 0);
    assert_eq!(throttle::recent_failures(t.db.conn(), &ip, 900).await.expect("count"), 4);
}

async fn append(db: &Db, action: &'static str, id: i64, province: &str) {
    let tx = db.write().await.expect("begin");
    audit::append(
        &tx,
        &Who::user(1, "lan@hanoi.gov.vn"),
        Change::new(action, "user", id).province(Some(province)).after(&serde_json::json!({ "name": "Mật ong" })),
    )
    .await
    .expect("append");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn audit_log_is_append_only_and_tampering_is_found() {
    let t = TestDb::new().await;
    for i in 1..=5 {
        append(&t.db, "user.update", i, if i % 2 == 0 { "79" } else { "01" }).await;
    }
    let v = audit::verify(t.db.conn()).await.expect("verify");
    assert_eq!((v.entries, v.broken.clone()), (5, None));

    // The application's own connection cannot rewrite history.
    let err = t.db.conn().execute_unprepared("UPDATE audit_log SET actor = 'x' WHERE seq = 2").await;
    assert!(err.is_err(), "update must be refused");
    assert!(t.db.conn().execute_unprepared("DELETE FROM audit_log WHERE seq = 2").await.is_err());

    // Someone with the database's owner rights removes the guard and edits a row.
    let unguard = match t.db.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    t.db.conn().execute_unprepared(unguard).await.expect("drop guard");
    t.db.conn()
        .execute_unprepared("UPDATE audit_log SET after_json = '{\"name\":\"x\"}' WHERE seq = 3")
        .await
        .expect("tamper");
    let v = audit::verify(t.db.conn()).await.expect("verify");
    assert_eq!(v.broken, Some(domain::audit::Break::HashMismatch { seq: 3 }));
    assert_eq!(v.entries, 2);
}

#[tokio::test]
async fn concurrent_audit_appends_keep_one_chain() {
    let t = TestDb::new().await;
    let other = t.another_instance().await;
    let a = async {
        for i in 0..10 {
            append(&t.db, "user.update", i, "01").await;
        }
    };
    let b = async {
        for i in 0..10 {
            append(&other, "user.update", 100 + i, "01").await;
        }
    };
    tokio::join!(a, b);
    let v = audit::verify(t.db.conn()).await.expect("verify");
    assert_eq!((v.entries, v.broken), (20, None));
}

#[tokio::test]
async fn audit_log_filters() {
    let t = TestDb::new().await;
    append(&t.db, "user.create", 1, "01").await;
    append(&t.db, "user.update", 1, "01").await;
    append(&t.db, "user.update", 2, "79").await;
    let hanoi = AuditFilter { province: Some("01".into()), ..Default::default() };
    let page = audit::search(t.db.conn(), &hanoi, Page::default()).await.expect("search");
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].seq, 2, "newest first");
    let updates = AuditFilter { action: Some("user.up".into()), ..Default::default() };
    assert_eq!(audit::search(t.db.conn(), &updates, Page::default()).await.expect("search").total, 2);
    let by_actor = AuditFilter { actor: Some("LAN@".into()), entity_id: Some("2".into()), ..Default::default() };
    assert_eq!(audit::search(t.db.conn(), &by_actor, Page::default()).await.expect("search").total, 1);
    let wildcard = AuditFilter { actor: Some("%".into()), ..Default::default() };
    assert_eq!(audit::search(t.db.conn(), &wildcard, Page::default()).await.expect("search").total, 0);
    assert_eq!(audit::entities(t.db.conn()).await.expect("entities"), ["user"]);
}

//! Public pages read a streaming replica (`OCOP_READ_DATABASE_URL`), a label's verdict never
//! does: on PostgreSQL with the replica `OCOP_TEST_REPLICA_URL` names (`scripts/replica`; CI
//! starts one), its replay paused to hold it behind the primary; a replica that stops answering
//! leaves the pages on the primary. On either backend a replica that is not PostgreSQL is refused.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, TestApp, gtin, labels, product};
use domain::evaluation::RevocationGround;
use domain::gtin::Gtin;
use sea_orm::{ConnectionTrait, Statement};
use std::time::Duration;
use store::audit::Who;
use store::evaluation::decisions::{self, DecisionDraft, Issuer};
use store::testing::TestDb;
use store::trace::stamps;
use store::{Db, DbOptions};

async fn value(db: &sea_orm::DatabaseConnection, sql: &str) -> String {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect(sql);
    row.expect("a row").try_get_by_index::<String>(0).expect("text")
}

/// Waits until the replica has replayed everything the primary wrote so far.
async fn caught_up(primary: &Db, replica: &Db) {
    let lsn = value(primary.conn(), "SELECT pg_current_wal_lsn()::text").await;
    for _ in 0..300 {
        let done = value(replica.read(), &format!("SELECT (pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn)::text")).await;
        if done == "true" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica did not replay up to {lsn} within 30 s");
}

/// Resumes the replica's replay when the test ends, passed or not.
struct Resume(String);

impl Drop for Resume {
    fn drop(&mut self) {
        let url = self.0.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let db = Db::connect(&url, &DbOptions::default()).await.ok()?;
                db.conn().execute_unprepared("SELECT pg_wal_replay_resume()").await.ok()?;
                Some(())
            })
        })
        .join();
    }
}

#[tokio::test]
async fn public_pages_read_the_replica_and_a_label_s_verdict_the_primary() {
    let t = TestDb::new().await;
    let refused = t.db.clone().with_replica("sqlite:///tmp/ocop-replica.db", &DbOptions::default()).await;
    let message = refused.expect_err("a SQLite replica").to_string();
    assert!(message.contains("bản sao chỉ đọc «sqlite:///tmp/ocop-replica.db» phải là PostgreSQL"), "{message}");
    assert!(!std::path::Path::new("/tmp/ocop-replica.db").exists(), "nothing is created");
    if t.db.backend() != store::Backend::Postgres {
        return;
    }
    let Some(url) = t.replica_url() else {
        eprintln!("no replica to read: set {} (scripts/replica starts one)", store::testing::REPLICA_ENV);
        return;
    };
    // The replica's connections are made when first used, so adding it cannot fail on a replica
    // that is down; the test database reaches it as the primary's log replays, and until it
    // answers, reads go to the primary.
    let options = DbOptions { pool_size: 2, ..Default::default() };
    let db = t.db.clone().with_replica(&url, &options).await.expect("a replica");
    let mut attempts = 0;
    loop {
        db.check_replica(Duration::from_secs(2)).await;
        if db.reads_replica() {
            break;
        }
        assert!(attempts < 100, "the replica did not answer within 10 s");
        attempts += 1;
        assert_eq!(value(db.read(), "SELECT pg_is_in_recovery()::text").await, "false", "meanwhile: the primary");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(db.has_replica());
    // No cache: every page reads the databases.
    let settings = web::Settings { public_cache_ttl: Duration::ZERO, ..common::settings() };
    let app = TestApp::on(t, db.clone(), settings);
    let w = common::evaluation_world(&app).await;
    let honey = product(&app, w.producer_id, "Mật ong rừng Ba Vì", Some(gtin(1)), Cert::Valid).await;
    let g14 = Gtin::parse(honey.gtin.as_deref().expect("gtin")).expect("valid").gtin14();
    let (order, serials) = labels(&app, honey.id, None, 2).await;
    caught_up(&app.db.db, &db).await;

    let mut c = app.client();
    let label = |n: usize| format!("/01/{g14}/21/{}", serials[n]);
    let r = c.get(&label(0)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Còn hiệu lực"));
    assert!(c.get("/catalogue").await.text.contains("Mật ong rừng Ba Vì"));

    // The replica stops replaying: what the primary writes now, it does not have.
    db.read().execute_unprepared("SELECT pg_wal_replay_pause()").await.expect("pause");
    let _resume = Resume(url.clone());
    let tea = product(&app, w.producer_id, "Chè shan tuyết Tà Xùa", None, Cert::Valid).await;
    let tx = app.db.db.write().await.expect("begin");
    stamps::void(&tx, &Who::system(), order, Some(&serials[0]), "Tem bị làm giả").await.expect("void");
    tx.commit().await.expect("commit");
    let behind = value(db.read(), &format!("SELECT COUNT(*)::text FROM product WHERE id = {}", tea.id)).await;
    assert_eq!(behind, "0", "the replica is behind");

    // The catalogue is read from the replica; the voided label's verdict from the primary.
    assert!(!c.get("/catalogue").await.text.contains("Chè shan tuyết Tà Xùa"));
    let r = c.get(&label(0)).await;
    assert_eq!(r.status, StatusCode::GONE, "a void the replica has not seen is never shown genuine");
    assert!(r.text.contains("Tem bị làm giả") && !r.text.contains("Còn hiệu lực"));

    // A revocation the replica has not seen either.
    let draft = DecisionDraft {
        number: "78/QĐ-UBND".into(),
        signed_on: store::evaluation::today(),
        signer: "Chủ tịch UBND".into(),
    };
    let certificate = honey.certificate_id.expect("certified");
    let tx = app.db.db.write().await.expect("begin");
    let today = store::evaluation::today();
    let issuer = Issuer::Province("01".into());
    decisions::revoke(&tx, &Who::system(), &issuer, certificate, RevocationGround::MarkMisuse, &draft, today)
        .await
        .expect("revoked");
    tx.commit().await.expect("commit");
    let r = c.get(&label(1)).await;
    assert!(r.text.contains("Đã thu hồi") && !r.text.contains("Còn hiệu lực"), "{}", r.text);

    // Replay resumes: the replica catches up and the catalogue shows what was written.
    db.read().execute_unprepared("SELECT pg_wal_replay_resume()").await.expect("resume");
    caught_up(&app.db.db, &db).await;
    assert!(c.get("/catalogue").await.text.contains("Chè shan tuyết Tà Xùa"));

    // The replica stops answering (its connections closed): once a check has seen it, the public
    // pages read the primary instead of failing.
    // (The app's own watcher checks too, every 2 s: which check sees a change first is not fixed.)
    assert_ne!(db.check_replica(Duration::from_secs(2)).await, Some(false), "it answers");
    assert_eq!(value(db.read(), "SELECT pg_is_in_recovery()::text").await, "true", "reads go to the replica");
    db.read().close_by_ref().await.expect("close the replica's pool");
    assert_ne!(db.check_replica(Duration::from_secs(2)).await, Some(true));
    assert!(!db.reads_replica(), "seen down");
    assert_eq!(value(db.read(), "SELECT pg_is_in_recovery()::text").await, "false", "reads go to the primary");
    let r = c.get("/catalogue").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Chè shan tuyết Tà Xùa"));
    assert_eq!(c.get(&label(1)).await.status, StatusCode::OK);
}

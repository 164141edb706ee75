//! The demo data set on the backend under test.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use store::testing::TestDb;

#[derive(sea_orm::FromQueryResult)]
struct N {
    n: i64,
}

async fn count(t: &TestDb, sql: &str) -> i64 {
    use sea_orm::{FromQueryResult, Statement};
    let backend = t.db.conn().get_database_backend();
    N::find_by_statement(Statement::from_string(backend, sql)).one(t.db.conn()).await.expect("query").expect("row").n
}

async fn codes(t: &TestDb) -> Vec<String> {
    use sea_orm::{FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct C {
        code: String,
    }
    let backend = t.db.conn().get_database_backend();
    let sql = "SELECT code FROM product ORDER BY code";
    C::find_by_statement(Statement::from_string(backend, sql))
        .all(t.db.conn())
        .await
        .expect("codes")
        .into_iter()
        .map(|c| c.code)
        .collect()
}

#[tokio::test]
async fn the_demo_has_the_published_shape_and_reloads_identically() {
    let t = TestDb::new().await;
    let first = store::demo::load(&t.db, 2021).await.expect("load");
    // Computed from the certificates written, as the dashboard and the report compute it.
    let hanoi = store::stats::Scope::province(Some("01"));
    let end_2021 = store::stats::stars(t.db.conn(), &hanoi, time::macros::date!(2021 - 12 - 31)).await.expect("stars");
    assert_eq!((end_2021.five, end_2021.potential_five, end_2021.four, end_2021.three), (4, 13, 1098, 534));
    assert_eq!(end_2021.total(), 1649);
    let plan = store::stats::registrations(
        t.db.conn(),
        &hanoi,
        time::macros::date!(2026 - 01 - 01),
        time::macros::date!(2026 - 12 - 31),
    )
    .await
    .expect("rounds");
    assert!(plan.iter().any(|r| r.plan == 400 && r.received == 488), "{plan:?}");
    assert_eq!(first.certified_by_mid_2025, 3460);
    // The closed round of 2026: 488 dossiers received against a plan of 400, plus drafts.
    let received = count(&t, "SELECT COUNT(*) AS n FROM registration r JOIN round o ON o.id = r.round_id WHERE o.demo = TRUE AND r.state <> 'draft'").await;
    assert_eq!(received, 488);
    let round = store::evaluation::rounds::list(t.db.conn(), Some("01")).await.expect("rounds");
    assert!(round.iter().any(|r| r.plan_count == 400 && r.received == 488), "the round page shows 488 of 400");
    assert_eq!(first.registrations, 488 + 24);
    // Every filed demo dossier names the calendar its deadline was counted on, as a filing does.
    let version = store::evaluation::calendar().expect("calendar").version.clone();
    let uncounted = format!(
        "SELECT COUNT(*) AS n FROM registration WHERE screening_due IS NOT NULL AND screening_calendar <> '{version}'"
    );
    assert_eq!(count(&t, &uncounted).await, 0);
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM product WHERE demo = TRUE").await,
        i64::try_from(first.products).expect("count")
    );
    // Counted in the database: products whose first certificate came by 30 June 2025.
    let by_mid_2025 = count(
        &t,
        "SELECT COUNT(DISTINCT product_id) AS n FROM certificate WHERE source = 'demo' AND issued_on <= '2025-06-30'",
    )
    .await;
    assert_eq!(by_mid_2025, 3460);
    // Every product points at its newest certificate, and only that one is not superseded.
    let current =
        count(&t, "SELECT COUNT(*) AS n FROM certificate WHERE source = 'demo' AND superseded_by IS NULL").await;
    assert_eq!(current, 3460);
    let mismatched = count(
        &t,
        "SELECT COUNT(*) AS n FROM product p JOIN certificate c ON c.id = p.certificate_id WHERE p.stars <> c.stars",
    )
    .await;
    assert_eq!(mismatched, 0);
    let first_codes = codes(&t).await;
    // Supervision, shaped like Hà Nội's year: 41 of 50 planned producers inspected, 334 products.
    let plans = store::supervision::plans::search(
        t.db.conn(),
        &domain::access::Listing::All,
        Some(2026),
        store::Page::new(1, 10),
    )
    .await
    .expect("plans");
    let plan = &plans.items[0];
    assert_eq!((plan.producers, plan.producers_done, plan.products_done), (50, 41, 334));
    assert_eq!((first.planned_inspections, first.inspected, first.products_inspected), (50, 41, 334));
    let proposals = count(&t, "SELECT COUNT(*) AS n FROM finding WHERE outcome = 'revocation_proposal' AND certificate_id IS NOT NULL AND severity = 'critical'").await;
    assert_eq!(proposals, 1, "one revocation proposal, from a critical finding");
    assert!(first.findings >= 20, "{}", first.findings);
    let classes =
        count(&t, "SELECT COUNT(*) AS n FROM training_class WHERE demo = TRUE AND starts_on >= '2026-01-01'").await;
    assert_eq!(classes, 120);
    assert!(first.trainees > 120 * 10);
    let quotas = count(&t, "SELECT COUNT(*) AS n FROM support_record WHERE purpose = 'labels' AND funded_labels BETWEEN 1 AND 2000 AND product_id IS NOT NULL").await;
    assert!(
        quotas > 0 && first.support_records > usize::try_from(quotas).expect("count"),
        "label quotas among the support: {quotas}"
    );

    let second = store::demo::load(&t.db, 2021).await.expect("reload");
    assert_eq!(first, second, "the same seed gives the same data");
    assert_eq!(
        count(&t, "SELECT COUNT(*) AS n FROM product").await,
        i64::try_from(first.products).expect("count"),
        "reloading replaces"
    );
    assert_eq!(codes(&t).await, first_codes, "the same codes too");
    let audit = store::audit::verify(t.db.conn()).await.expect("verify");
    assert!(audit.broken.is_none() && audit.entries == 2, "one audit entry per load: {audit:?}");
}

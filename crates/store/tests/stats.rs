//! Figures as of a date on hand-built certificate histories, and target rules on small known data,
//! on the backend under test.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::certificate::Stars;
use domain::place::{CommuneCode, ProvinceCode};
use domain::producer::{LegalType, SalesChannel};
use domain::registry::{ProducerDraft, ProductDraft};
use domain::stats::{Measure, Rule};
use store::audit::Who;
use store::certificates::{self, CertificateFact, Level};
use store::stats::{self, Classes, Scope};
use store::testing::TestDb;
use store::trace::scans::{self, ScanRecord};
use store::{Db, producers, products};
use time::Date;
use time::macros::date;

fn producer(
    name: &str,
    legal_type: LegalType,
    province: &str,
    commune: &str,
    channels: Vec<SalesChannel>,
) -> ProducerDraft {
    ProducerDraft {
        legal_type,
        name: name.into(),
        tax_code: None,
        representative: "Nguyễn Văn An".into(),
        phone: None,
        email: None,
        province: ProvinceCode::parse(province).expect("p"),
        commune: CommuneCode::parse(commune).expect("c"),
        street: String::new(),
        old_district: None,
        old_commune: None,
        established_on: None,
        members_count: None,
        sales_channels: channels,
    }
}

async fn product(db: &Db, producer_id: i64, name: &str, certificates: &[(u8, Level, Date, Date, Option<Date>)]) -> i64 {
    let tx = db.write().await.expect("begin");
    let draft = ProductDraft {
        producer_id,
        name: name.into(),
        sheet_code: "04".into(),
        gtin: None,
        description: String::new(),
        ingredients: String::new(),
        packaging: String::new(),
        price: None,
        capacity: String::new(),
    };
    let p = products::create(
        &tx,
        &Who::system(),
        &draft,
        products::CodeChoice::Next { year: 2021 },
        "26/2026/QĐ-TTg",
        false,
    )
    .await
    .expect("product");
    for (i, (stars, level, issued_on, expires_on, revoked_on)) in certificates.iter().enumerate() {
        let fact = CertificateFact {
            number: format!("{}-{i}", p.code),
            stars: Stars::new(*stars).expect("stars"),
            level: *level,
            decision_number: String::new(),
            decision_date: None,
            signer: String::new(),
            issued_on: *issued_on,
            expires_on: *expires_on,
            revoked_on: *revoked_on,
            revocation_ground: revoked_on.map(|_| "b".to_owned()),
            revocation_decision: None,
            criteria_version: "148/QĐ-TTg".into(),
            source: "import",
            issuer_kind: None,
            issuer_name: String::new(),
            evidence: domain::certificate::Evidence::Decision,
        };
        certificates::record(&tx, &Who::system(), p.id, &fact).await.expect("certificate");
    }
    tx.commit().await.expect("commit");
    p.id
}

struct World {
    /// Re-rated 3★ → 4★; revoked 4★; upgraded 4★ → potential 5★; central 5★ that lapsed.
    rerated: i64,
    upgraded: i64,
}

async fn world(db: &Db) -> World {
    let tx = db.write().await.expect("begin");
    let coop = producers::create(
        &tx,
        &Who::system(),
        &producer("HTX Mật ong Ba Vì", LegalType::Cooperative, "01", "00004", vec![SalesChannel::Supermarket]),
        false,
    )
    .await
    .expect("producer");
    let household = producers::create(
        &tx,
        &Who::system(),
        &producer("Hộ kinh doanh Nguyễn Thị Bình", LegalType::Household, "01", "00008", vec![SalesChannel::OcopPoint]),
        false,
    )
    .await
    .expect("producer");
    let south = producers::create(
        &tx,
        &Who::system(),
        &producer("HTX Sài Gòn Xanh", LegalType::Cooperative, "79", "25747", Vec::new()),
        false,
    )
    .await
    .expect("producer");
    tx.commit().await.expect("commit");
    let province = Level::Province;
    let rerated = product(
        db,
        coop.id,
        "Mật ong hoa nhãn",
        &[
            (3, province, date!(2021 - 03 - 01), date!(2024 - 03 - 01), None),
            (4, province, date!(2024 - 01 - 15), date!(2027 - 01 - 15), None),
        ],
    )
    .await;
    product(
        db,
        household.id,
        "Miến dong",
        &[(4, province, date!(2022 - 05 - 01), date!(2025 - 05 - 01), Some(date!(2023 - 06 - 01)))],
    )
    .await;
    let upgraded = product(
        db,
        household.id,
        "Chè shan tuyết",
        &[
            (4, province, date!(2021 - 06 - 01), date!(2024 - 06 - 01), None),
            (5, province, date!(2022 - 09 - 01), date!(2025 - 09 - 01), None),
        ],
    )
    .await;
    product(db, coop.id, "Mật ong rừng", &[(5, Level::Central, date!(2020 - 01 - 10), date!(2023 - 01 - 10), None)])
        .await;
    product(db, south.id, "Bánh tráng", &[(3, province, date!(2021 - 01 - 01), date!(2024 - 01 - 01), None)]).await;
    World { rerated, upgraded }
}

fn classes(five: i64, potential_five: i64, four: i64, three: i64) -> Classes {
    Classes { five, potential_five, four, three }
}

#[tokio::test]
async fn products_in_force_are_counted_as_of_any_day_through_reratings_upgrades_revocations_and_expiry() {
    let t = TestDb::new().await;
    let w = world(&t.db).await;
    let c = t.db.conn();
    let hanoi = Scope::province(Some("01"));
    let all = Scope::default();
    assert_eq!(stats::stars(c, &hanoi, date!(2019 - 12 - 31)).await.expect("stars"), classes(0, 0, 0, 0));
    assert_eq!(stats::stars(c, &hanoi, date!(2021 - 12 - 31)).await.expect("stars"), classes(1, 0, 1, 1));
    assert_eq!(
        stats::stars(c, &all, date!(2021 - 12 - 31)).await.expect("stars"),
        classes(1, 0, 1, 2),
        "the whole country"
    );
    // The upgrade replaces the 4★ from its day; the revoked one counts until its revocation.
    assert_eq!(stats::stars(c, &hanoi, date!(2022 - 12 - 31)).await.expect("stars"), classes(1, 1, 1, 1));
    assert_eq!(stats::stars(c, &hanoi, date!(2023 - 05 - 31)).await.expect("stars"), classes(0, 1, 1, 1), "5★ lapsed");
    assert_eq!(stats::stars(c, &hanoi, date!(2023 - 06 - 01)).await.expect("stars"), classes(0, 1, 0, 1), "revoked");
    // The re-rating replaces the 3★ on its day, before the 3★ expires.
    assert_eq!(stats::stars(c, &hanoi, date!(2024 - 01 - 14)).await.expect("stars"), classes(0, 1, 0, 1));
    assert_eq!(stats::stars(c, &hanoi, date!(2024 - 01 - 15)).await.expect("stars"), classes(0, 1, 1, 0));
    assert_eq!(stats::stars(c, &hanoi, date!(2025 - 09 - 02)).await.expect("stars"), classes(0, 0, 1, 0));

    let (listed, total) = stats::products_in_force(
        c,
        &hanoi,
        date!(2022 - 12 - 31),
        &stats::Narrow { class: Some(domain::stats::StarClass::PotentialFive), ..Default::default() },
        50,
    )
    .await
    .expect("list");
    assert_eq!((total, listed.iter().map(|p| p.id).collect::<Vec<_>>()), (1, vec![w.upgraded]));

    let b = stats::breakdowns(c, &hanoi, date!(2022 - 12 - 31)).await.expect("breakdowns");
    assert_eq!(b.stars, classes(1, 1, 1, 1), "the breakdowns' total is the stars'");
    let communes = b.communes;
    let names: Vec<(&str, i64)> = communes.iter().map(|r| (r.name.as_str(), r.classes.total())).collect();
    assert_eq!(names, vec![("Phường Ba Đình", 2), ("Phường Ngọc Hà", 2)]);
    let national = stats::breakdowns(c, &all, date!(2021 - 12 - 31)).await.expect("breakdowns");
    assert!(
        national.communes.is_empty() && national.districts.is_empty(),
        "the whole country is broken down by province"
    );
    let provinces = national.provinces;
    assert_eq!(
        provinces.iter().map(|r| (r.code.as_str(), r.classes.total())).collect::<Vec<_>>(),
        vec![("01", 3), ("79", 1)]
    );
    let groups = b.groups;
    assert_eq!(
        b.districts.iter().map(|d| (d.code.as_str(), d.classes.total())).collect::<Vec<_>>(),
        vec![("", 4)],
        "no old district recorded"
    );
    assert_eq!(groups.len(), 1, "sheet 04 lies in one group");
    assert_eq!(groups[0].classes.total(), 4);
    let other_group = Scope { province: Some("01".into()), group: Some("VI".into()) };
    assert_eq!(stats::stars(c, &other_group, date!(2022 - 12 - 31)).await.expect("stars").total(), 0);

    let years = stats::issued_per_year(c, &hanoi, date!(2020 - 01 - 01), date!(2024 - 12 - 31)).await.expect("years");
    let years: Vec<(i64, i64, i64)> = years.iter().map(|y| (y.year, y.first, y.later)).collect();
    assert_eq!(years, vec![(2020, 1, 0), (2021, 2, 0), (2022, 1, 1), (2024, 0, 1)]);

    let expiring = stats::expiring(c, &hanoi, date!(2023 - 11 - 20)).await.expect("expiring");
    assert_eq!(expiring.iter().map(|m| (m.month.as_str(), m.expiring)).collect::<Vec<_>>(), vec![("2024-03", 1)]);
}

#[tokio::test]
async fn target_rules_count_known_data() {
    let t = TestDb::new().await;
    world(&t.db).await;
    let c = t.db.conn();
    let hanoi = Scope::province(Some("01"));
    let (from, to) = (date!(2021 - 01 - 01), date!(2022 - 12 - 31));
    let m = |n, d| Some(Measure { numerator: n, denominator: d });
    let measure = async |rule: Rule| stats::measure(c, &rule, &hanoi, from, to).await.expect("measure");
    assert_eq!(measure(Rule::ProductsAdded { min_stars: 3 }).await, m(3, None), "the lapsed 5★ came in 2020");
    assert_eq!(measure(Rule::ProductsAdded { min_stars: 4 }).await, m(2, None));
    assert_eq!(measure(Rule::ProductsInForce { min_stars: 4 }).await, m(3, None));
    assert_eq!(measure(Rule::FiveStarInForce).await, m(1, None));
    assert_eq!(measure(Rule::SharePotentialFiveAdded).await, m(1, Some(3)));
    let legal = Rule::ShareProducersLegalTypes { legal_types: vec!["cooperative".into(), "enterprise".into()] };
    assert_eq!(measure(legal).await, m(1, Some(2)));
    assert_eq!(measure(Rule::ShareProducersModernChannels).await, m(1, Some(2)), "the supermarket is modern");
    assert_eq!(measure(Rule::ShareProducersTrained).await, m(0, Some(2)));
    assert_eq!(measure(Rule::TrainingsHeld).await, m(0, None));
    assert_eq!(measure(Rule::NotComputable { why_vi: "x".into(), why_en: "x".into() }).await, None);
    let national =
        stats::measure(c, &Rule::ProductsAdded { min_stars: 3 }, &Scope::default(), from, to).await.expect("m");
    assert_eq!(national, m(4, None));
    let (kind, members) = stats::members(c, &Rule::SharePotentialFiveAdded, &hanoi, from, to, 10)
        .await
        .expect("members")
        .expect("computable");
    assert_eq!(
        (kind, members.iter().map(|x| x.name.as_str()).collect::<Vec<_>>()),
        ("product", vec!["Chè shan tuyết"])
    );
}

#[tokio::test]
async fn scans_are_counted_per_vietnam_day_as_they_are_written() {
    let t = TestDb::new().await;
    let w = world(&t.db).await;
    // 23:30 and 00:30 in Hà Nội (UTC+7) fall on two days there.
    let evening = date!(2026 - 11 - 01).with_hms(16, 30, 0).expect("t").assume_utc().unix_timestamp();
    let batch: Vec<ScanRecord> = [evening, evening + 3600, evening + 3700]
        .into_iter()
        .map(|at| ScanRecord {
            at,
            product_id: w.rerated,
            lot_id: None,
            serial: None,
            cell: None,
            agent: "mobile",
            client: None,
            attempt: None,
        })
        .collect();
    let tx = t.db.write().await.expect("begin");
    scans::record(&tx, &batch, Default::default()).await.expect("scans");
    scans::record(&tx, &batch[..1], Default::default()).await.expect("scans again");
    tx.commit().await.expect("commit");
    let days =
        stats::scans_per_day(t.db.conn(), &Scope::province(Some("01")), date!(2026 - 11 - 01), date!(2026 - 11 - 30))
            .await
            .expect("days");
    assert_eq!(
        days.iter().map(|d| (d.day, d.scans)).collect::<Vec<_>>(),
        vec![(date!(2026 - 11 - 01), 2), (date!(2026 - 11 - 02), 2)]
    );
    let places =
        stats::scans_per_province(t.db.conn(), &Scope::default(), date!(2026 - 11 - 01), date!(2026 - 11 - 30))
            .await
            .expect("places");
    assert_eq!(places.iter().map(|p| (p.code.as_str(), p.scans)).collect::<Vec<_>>(), vec![("01", 4)]);
    assert!(
        stats::scans_per_day(t.db.conn(), &Scope::province(Some("79")), date!(2026 - 11 - 01), date!(2026 - 11 - 30))
            .await
            .expect("none")
            .is_empty()
    );
}

async fn numbers(db: &Db, sql: &str) -> Vec<i64> {
    use sea_orm::ConnectionTrait;
    let c = db.conn();
    let rows = c.query_all_raw(sea_orm::Statement::from_string(c.get_database_backend(), sql)).await.expect(sql);
    rows.iter().map(|r| r.try_get_by_index::<i64>(0).expect("a number")).collect()
}

async fn names(db: &Db, sql: &str) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let c = db.conn();
    let rows = c.query_all_raw(sea_orm::Statement::from_string(c.get_database_backend(), sql)).await.expect(sql);
    let mut out: Vec<String> = rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("a name")).collect();
    out.sort();
    out
}

#[tokio::test]
async fn raw_scans_live_in_monthly_partitions_and_old_months_go_while_the_counts_stay() {
    use store::trace::upkeep::{self, Month};
    let t = TestDb::new().await;
    let w = world(&t.db).await;
    let now = store::now();
    let this = Month::of(now);
    let scan = |at| ScanRecord {
        at,
        product_id: w.rerated,
        lot_id: None,
        serial: None,
        cell: None,
        agent: "mobile",
        client: None,
        attempt: None,
    };
    let batch: Vec<ScanRecord> =
        [this.back(4).start() + 3600, this.back(1).start() + 3600, now].into_iter().map(scan).collect();
    let tx = t.db.write().await.expect("begin");
    scans::record(&tx, &batch, Default::default()).await.expect("scans");
    tx.commit().await.expect("commit");
    let counted = "SELECT CAST(COALESCE(SUM(scans), 0) AS BIGINT) AS n FROM scan_daily";
    assert_eq!(numbers(&t.db, counted).await, vec![3]);

    let done = upkeep::run(&t.db, now, 2).await.expect("upkeep");
    assert_eq!(done.deleted, 1, "the scan of four months ago is past the retention: {done:?}");
    assert_eq!(numbers(&t.db, "SELECT COUNT(*) AS n FROM scan").await, vec![2]);
    assert_eq!(numbers(&t.db, counted).await, vec![3], "the counts are kept");
    let postgres = t.db.backend() == store::Backend::Postgres;
    if postgres {
        let mut expected: Vec<String> =
            [this.back(1), this, this.next(), this.next().next()].iter().map(|m| m.partition()).collect();
        expected.sort();
        let mut created = done.created.clone();
        created.sort();
        assert_eq!(created, expected);
        let partitions = "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
                          WHERE i.inhparent = 'scan'::regclass";
        expected.push("scan_default".to_owned());
        expected.sort();
        assert_eq!(names(&t.db, partitions).await, expected);
        // Each row in its month's partition, none left in the default one.
        let placed = names(&t.db, "SELECT tableoid::regclass::text FROM scan").await;
        assert_eq!(placed, vec![this.back(1).partition(), this.partition()]);
    }
    assert_eq!(upkeep::run(&t.db, now, 2).await.expect("again"), upkeep::Upkeep::default(), "idempotent");

    // Three months on, keeping one month: the partitions of the earlier months are dropped whole.
    let later = this.next().next().next();
    let done = upkeep::run(&t.db, later.start() + 3600, 1).await.expect("later");
    assert_eq!(numbers(&t.db, "SELECT COUNT(*) AS n FROM scan").await, vec![0]);
    assert_eq!(numbers(&t.db, counted).await, vec![3], "the counts are kept");
    if postgres {
        let mut dropped = done.dropped.clone();
        dropped.sort();
        assert_eq!(dropped, vec![this.back(1).partition(), this.partition(), this.next().partition()]);
        assert_eq!(done.deleted, 0);
        // The writer goes on writing into the partitions made ahead.
        let tx = t.db.write().await.expect("begin");
        scans::record(&tx, &[scan(later.start() + 7200)], Default::default()).await.expect("scan");
        tx.commit().await.expect("commit");
        assert_eq!(names(&t.db, "SELECT tableoid::regclass::text FROM scan").await, vec![later.partition()]);
    } else {
        assert_eq!(done.deleted, 2);
    }
}

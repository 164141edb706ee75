//! Registry storage on the backend under test: producers, products, codes, certificates, search.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::access::Listing;
use domain::certificate::{CertificateStatus, Stars, expiry};
use domain::gtin::Gtin;
use domain::place::{CommuneCode, DistrictCode, ProvinceCode};
use domain::producer::{LegalType, SalesChannel};
use domain::product_code::ProductCode;
use domain::registry::{ProducerDraft, ProductDraft};
use domain::tax_code::TaxCode;
use store::audit::Who;
use store::certificates::{self, CertificateFact, Level};
use store::producers::{self, ProducerFilter};
use store::products::{self, CodeChoice, ProductFilter, StarsFilter};
use store::testing::TestDb;
use store::{Db, Page, StoreError};
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 29);

fn draft(name: &str, commune: &str, tax: Option<&str>) -> ProducerDraft {
    ProducerDraft {
        legal_type: LegalType::Cooperative,
        name: name.into(),
        tax_code: tax.map(|t| TaxCode::parse(t).expect("tax code")),
        representative: "Nguyễn Văn An".into(),
        phone: None,
        email: None,
        province: ProvinceCode::parse("01").expect("p"),
        commune: CommuneCode::parse(commune).expect("c"),
        street: String::new(),
        old_district: None,
        old_commune: None,
        established_on: Some(date!(2015 - 03 - 01)),
        members_count: Some(12),
        sales_channels: vec![SalesChannel::Supermarket],
    }
}

fn product(producer_id: i64, name: &str) -> ProductDraft {
    ProductDraft {
        producer_id,
        name: name.into(),
        sheet_code: "04".into(),
        gtin: None,
        description: String::new(),
        ingredients: String::new(),
        packaging: "Hũ thủy tinh 500 g".into(),
        price: None,
        capacity: String::new(),
    }
}

async fn add_producer(db: &Db, d: &ProducerDraft) -> producers::Producer {
    let tx = db.write().await.expect("begin");
    let p = producers::create(&tx, &Who::system(), d, false).await.expect("create producer");
    tx.commit().await.expect("commit");
    p
}

async fn add_product(db: &Db, d: &ProductDraft, year: u16) -> products::Product {
    let tx = db.write().await.expect("begin");
    let p = products::create(&tx, &Who::system(), d, CodeChoice::Next { year }, "26/2026/QĐ-TTg", false)
        .await
        .expect("create product");
    tx.commit().await.expect("commit");
    p
}

#[tokio::test]
async fn producers_carry_their_places_and_refuse_bad_ones() {
    let t = TestDb::new().await;
    let mut d = draft("HTX Nông nghiệp Bát Tràng", "00577", Some("0100233488"));
    d.old_district = Some(DistrictCode::parse("018").expect("d"));
    d.old_commune = Some(CommuneCode::parse("00577").expect("c"));
    let p = add_producer(&t.db, &d).await;
    assert_eq!((p.commune_name.as_str(), p.province_name.as_str()), ("Xã Bát Tràng", "Thành phố Hà Nội"));
    assert_eq!(p.old_district_name.as_deref(), Some("Huyện Gia Lâm"));
    assert_eq!(p.sales_channels, "supermarket");

    let tx = t.db.write().await.expect("begin");
    let dup = producers::create(&tx, &Who::system(), &draft("Khác", "00577", Some("0100233488")), false).await;
    assert!(
        matches!(&dup, Err(StoreError::Invalid(e)) if e.get("tax_code").map(|i| i.key) == Some("invalid-tax-code-taken")),
        "{dup:?}"
    );
    drop(tx);

    let mut elsewhere = draft("Sai địa chỉ", "25747", None);
    elsewhere.old_district = Some(DistrictCode::parse("017").expect("d"));
    elsewhere.old_commune = Some(CommuneCode::parse("00001").expect("c"));
    let tx = t.db.write().await.expect("begin");
    match producers::create(&tx, &Who::system(), &elsewhere, false).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.get("commune").map(|i| i.key), Some("invalid-commune-elsewhere"));
            assert_eq!(e.get("old_district").map(|i| i.key), Some("invalid-old-district-mismatch"));
        }
        other => panic!("expected place errors, got {other:?}"),
    }
}

#[tokio::test]
async fn product_codes_count_per_commune_and_year_without_duplicates_under_concurrency() {
    let t = TestDb::new().await;
    let a = add_producer(&t.db, &draft("HTX A", "00577", None)).await;
    let b = add_producer(&t.db, &draft("HTX B", "00004", None)).await;
    let p1 = add_product(&t.db, &product(a.id, "Gốm men lam"), 2026).await;
    let p2 = add_product(&t.db, &product(a.id, "Gốm men rạn"), 2026).await;
    let q1 = add_product(&t.db, &product(b.id, "Bánh cốm"), 2026).await;
    assert_eq!(
        (p1.code.as_str(), p2.code.as_str(), q1.code.as_str()),
        ("01-00577-001-2026", "01-00577-002-2026", "01-00004-001-2026")
    );

    // An imported code moves the counter of its commune's year past it, and only that year's.
    let tx = t.db.write().await.expect("begin");
    let given = ProductCode::parse("01-00577-040-2021").expect("code");
    products::create(
        &tx,
        &Who::system(),
        &product(a.id, "Bình hút lộc"),
        CodeChoice::Given(given),
        "148/QĐ-TTg",
        false,
    )
    .await
    .expect("historical");
    tx.commit().await.expect("commit");
    assert_eq!(add_product(&t.db, &product(a.id, "Ấm chén"), 2021).await.code, "01-00577-041-2021");
    assert_eq!(add_product(&t.db, &product(a.id, "Lọ hoa"), 2026).await.code, "01-00577-003-2026");

    // Two instances creating at once never hand out the same number.
    let other = t.another_instance().await;
    let (x, y) = tokio::join!(
        async {
            let mut codes = Vec::new();
            for i in 0..8 {
                codes.push(add_product(&t.db, &product(a.id, &format!("X{i}")), 2026).await.code);
            }
            codes
        },
        async {
            let mut codes = Vec::new();
            for i in 0..8 {
                codes.push(add_product(&other, &product(a.id, &format!("Y{i}")), 2026).await.code);
            }
            codes
        }
    );
    let mut all: Vec<String> = x.into_iter().chain(y).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 16);
    assert_eq!(all.last().map(String::as_str), Some("01-00577-019-2026"));
}

#[tokio::test]
async fn a_stale_product_edit_is_refused_and_gtin_stays_unique() {
    let t = TestDb::new().await;
    let a = add_producer(&t.db, &draft("HTX Mật ong Ba Vì", "09700", None)).await;
    let mut d = product(a.id, "Mật ong rừng");
    d.gtin = Some(Gtin::parse("8934563138165").expect("gtin"));
    let p = add_product(&t.db, &d, 2026).await;
    let tx = t.db.write().await.expect("begin");
    let mut renamed = d.clone();
    renamed.name = "Mật ong rừng Ba Vì".into();
    let after = products::update(&tx, &Who::system(), p.id, p.version, &renamed).await.expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(after.version, 2);
    let tx = t.db.write().await.expect("begin");
    assert!(matches!(products::update(&tx, &Who::system(), p.id, p.version, &d).await, Err(StoreError::Stale)));
    drop(tx);

    let mut twin = product(a.id, "Mật ong hoa nhãn");
    twin.gtin = d.gtin.clone();
    let tx = t.db.write().await.expect("begin");
    let dup =
        products::create(&tx, &Who::system(), &twin, CodeChoice::Next { year: 2026 }, "26/2026/QĐ-TTg", false).await;
    assert!(matches!(&dup, Err(StoreError::Invalid(e)) if e.get("gtin").is_some()), "{dup:?}");
    drop(tx);
    // The same GTIN typed in its 14-digit form is the same GTIN.
    twin.gtin = Some(Gtin::parse("08934563138165").expect("gtin"));
    let tx = t.db.write().await.expect("begin");
    let dup =
        products::create(&tx, &Who::system(), &twin, CodeChoice::Next { year: 2026 }, "26/2026/QĐ-TTg", false).await;
    assert!(matches!(&dup, Err(StoreError::Invalid(e)) if e.get("gtin").is_some()), "{dup:?}");
}

async fn stored_gtin(db: &Db, id: i64) -> String {
    use sea_orm::ConnectionTrait;
    let c = db.conn();
    let sql = format!("SELECT gtin FROM product WHERE id = {id}");
    let row = c.query_one_raw(sea_orm::Statement::from_string(c.get_database_backend(), sql)).await.expect("read");
    row.expect("row").try_get_by_index::<String>(0).expect("gtin")
}

#[tokio::test]
async fn gtins_are_stored_as_gtin_14_and_the_migration_normalises_those_stored_before() {
    use sea_orm::ConnectionTrait;
    let t = TestDb::new().await;
    let a = add_producer(&t.db, &draft("HTX Mật ong Ba Vì", "09700", None)).await;
    let mut ids = Vec::new();
    for (name, gtin) in
        [("Mật ong", "8934563138165"), ("Trà", "036000291452"), ("Miến", "96385074"), ("Gạo", "8930000000019")]
    {
        let mut d = product(a.id, name);
        d.gtin = Some(Gtin::parse(gtin).expect("gtin"));
        let p = add_product(&t.db, &d, 2026).await;
        ids.push(p.id);
    }
    assert_eq!(stored_gtin(&t.db, ids[0]).await, "08934563138165");
    let found = products::find_by_gtin(t.db.conn(), &Gtin::parse("08934563138165").expect("gtin")).await.expect("find");
    assert_eq!(found.map(|p| (p.id, p.gtin)), Some((ids[0], Some("8934563138165".to_owned()))));

    // Rows as an earlier version stored them: the digits as typed, one GTIN in two forms on two
    // products (the earlier uniqueness did not see it).
    let c = t.db.conn();
    for (id, typed) in
        [(ids[0], "8934563138165"), (ids[1], "036000291452"), (ids[2], "96385074"), (ids[3], "08930000000019")]
    {
        c.execute_unprepared(&format!("UPDATE product SET gtin = '{typed}' WHERE id = {id}")).await.expect("typed");
    }
    let mut twin = product(a.id, "Gạo nếp");
    twin.gtin = None;
    let twin = add_product(&t.db, &twin, 2026).await;
    c.execute_unprepared(&format!("UPDATE product SET gtin = '8930000000019' WHERE id = {}", twin.id))
        .await
        .expect("twin");
    let migration = store::migrate::embedded(t.db.backend()).iter().find(|m| m.name == "gtin14").expect("0015");
    c.execute_unprepared(migration.sql).await.expect("the migration runs");
    assert_eq!(stored_gtin(&t.db, ids[0]).await, "08934563138165");
    assert_eq!(stored_gtin(&t.db, ids[1]).await, "00036000291452");
    assert_eq!(stored_gtin(&t.db, ids[2]).await, "00000096385074");
    // The shared one is left for the office: normalising it would break the uniqueness.
    assert_eq!(stored_gtin(&t.db, ids[3]).await, "08930000000019");
    assert_eq!(stored_gtin(&t.db, twin.id).await, "8930000000019");
}

#[tokio::test]
async fn deleting_a_producer_hides_its_products_until_restored() {
    let t = TestDb::new().await;
    let a = add_producer(&t.db, &draft("HTX Xóa thử", "00577", None)).await;
    let p = add_product(&t.db, &product(a.id, "Sản phẩm A"), 2026).await;
    let earlier = add_product(&t.db, &product(a.id, "Sản phẩm B"), 2026).await;
    let tx = t.db.write().await.expect("begin");
    products::soft_delete(&tx, &Who::system(), earlier.id, earlier.version).await.expect("delete B");
    tx.commit().await.expect("commit");
    let tx = t.db.write().await.expect("begin");
    producers::soft_delete(&tx, &Who::system(), a.id, a.version).await.expect("delete");
    tx.commit().await.expect("commit");
    let live = products::search(t.db.conn(), &Listing::All, &ProductFilter::default(), TODAY, false, Page::default())
        .await
        .expect("search");
    assert_eq!(live.total, 0);
    let bin = ProducerFilter { deleted: true, ..Default::default() };
    assert_eq!(producers::search(t.db.conn(), &Listing::All, &bin, Page::default()).await.expect("search").total, 1);

    let tx = t.db.write().await.expect("begin");
    producers::restore(&tx, &Who::system(), a.id).await.expect("restore");
    tx.commit().await.expect("commit");
    let live = products::search(t.db.conn(), &Listing::All, &ProductFilter::default(), TODAY, false, Page::default())
        .await
        .expect("search");
    assert_eq!(live.items.iter().map(|x| x.id).collect::<Vec<_>>(), [p.id], "the product deleted before stays deleted");
}

#[tokio::test]
async fn search_ignores_diacritics_and_d_stroke_and_sorts_the_vietnamese_way() {
    let t = TestDb::new().await;
    let mut dong_anh = draft("HTX Đào Đông Anh", "00430", None);
    dong_anh.old_district = Some(DistrictCode::parse("017").expect("d"));
    let dong_anh = add_producer(&t.db, &dong_anh).await;
    let bat_trang = add_producer(&t.db, &draft("Công ty Gốm sứ Bát Tràng", "00577", None)).await;
    // "anh" inside "Thanh" is not the word "Anh".
    add_producer(&t.db, &draft("HTX Đồng Thanh", "00004", None)).await;
    for name in ["Ân", "An", "Bình", "Dung", "Ưng", "Ơn"] {
        add_producer(&t.db, &draft(&format!("{name} Farm"), "00004", None)).await;
    }
    add_product(&t.db, &product(bat_trang.id, "Bình gốm men lam"), 2026).await;

    let find = |q: &str| ProducerFilter { q: Some(q.into()), ..Default::default() };
    let hits = producers::search(t.db.conn(), &Listing::All, &find("dong anh"), Page::default()).await.expect("search");
    assert_eq!(hits.items.iter().map(|p| p.id).collect::<Vec<_>>(), [dong_anh.id]);
    let hits = producers::search(t.db.conn(), &Listing::All, &find("DAO"), Page::default()).await.expect("search");
    assert_eq!(hits.total, 1, "đ folds to d");
    let hits = producers::search(t.db.conn(), &Listing::All, &find("gom su bat trang"), Page::default())
        .await
        .expect("search");
    assert_eq!(hits.items.iter().map(|p| p.id).collect::<Vec<_>>(), [bat_trang.id]);
    let product_hits = products::search(
        t.db.conn(),
        &Listing::All,
        &ProductFilter { q: Some("gom bat trang".into()), ..Default::default() },
        TODAY,
        false,
        Page::default(),
    )
    .await
    .expect("search");
    assert_eq!(product_hits.total, 1, "products match their producer's name and place too");

    let ordered = producers::search(t.db.conn(), &Listing::All, &find("farm"), Page::default()).await.expect("search");
    let names: Vec<&str> = ordered.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["An Farm", "Ân Farm", "Bình Farm", "Dung Farm", "Ơn Farm", "Ưng Farm"]);

    let commune = Listing::Commune(ProvinceCode::parse("01").expect("p"), CommuneCode::parse("00577").expect("c"));
    let scoped =
        producers::search(t.db.conn(), &commune, &ProducerFilter::default(), Page::default()).await.expect("search");
    assert_eq!(scoped.items.iter().map(|p| p.id).collect::<Vec<_>>(), [bat_trang.id]);
}

#[tokio::test]
async fn search_finds_compounds_written_joined_or_apart_and_ranks_the_exact_phrase_first() {
    let t = TestDb::new().await;
    let farm = add_producer(&t.db, &draft("HTX Nông sản Ba Vì", "00004", None)).await;
    let apart = add_product(&t.db, &product(farm.id, "Hạt mắc ca rang muối"), 2026).await;
    let joined = add_product(&t.db, &product(farm.id, "Macca sấy nứt vỏ"), 2026).await;
    let cordyceps = add_product(&t.db, &product(farm.id, "Đông trùng hạ thảo sấy thăng hoa"), 2026).await;
    add_product(&t.db, &product(farm.id, "Chè Đỗ Ngọc"), 2026).await;
    let find = |q: &'static str| {
        let db = t.db.clone();
        async move {
            let filter = ProductFilter { q: Some(q.into()), ..Default::default() };
            let hits = products::search(db.conn(), &Listing::All, &filter, TODAY, false, Page::default())
                .await
                .expect("search");
            hits.items.iter().map(|p| p.id).collect::<Vec<_>>()
        }
    };
    // Each way finds both, the one written as typed first.
    assert_eq!(find("mac ca").await, [apart.id, joined.id]);
    assert_eq!(find("macca").await, [joined.id, apart.id]);
    assert_eq!(find("hat macca").await, [apart.id]);
    assert_eq!(find("dong trung ha thao").await, [cordyceps.id]);
    assert_eq!(find("dongtrung hathao").await, [cordyceps.id]);
    // A split needs a vowel on each side: "dong" is not "Đỗ Ngọc".
    assert_eq!(find("dong").await, [cordyceps.id]);
}

#[tokio::test]
async fn a_merged_province_lists_the_old_districts_of_the_provinces_merged_into_it() {
    let t = TestDb::new().await;
    // Tuyên Quang (08) took in Hà Giang (02) on 1 July 2025.
    let districts = store::units::old_districts(t.db.conn(), "08").await.expect("districts");
    let own = districts.iter().take_while(|d| d.province_code == "08").count();
    assert!(own > 0, "its own former districts come first");
    assert!(districts[own..].iter().all(|d| d.province_code == "02"), "then Hà Giang's");
    let ha_giang = districts.iter().find(|d| d.code == "024").expect("Thành phố Hà Giang is listed");
    assert_eq!((ha_giang.name.as_str(), ha_giang.province_name.as_str()), ("Thành phố Hà Giang", "Tỉnh Hà Giang"));
    // A producer there keeps its old address.
    let mut d = draft("HTX Chè Shan tuyết", "00691", None);
    d.province = ProvinceCode::parse("08").expect("p");
    d.old_district = Some(DistrictCode::parse("024").expect("d"));
    d.old_commune = Some(CommuneCode::parse("00688").expect("c"));
    let p = add_producer(&t.db, &d).await;
    let stored = producers::get(t.db.conn(), p.id).await.expect("read").expect("producer");
    assert_eq!(stored.input().parse().expect("valid"), d);
    let filter = ProducerFilter { old_district: Some(DistrictCode::parse("024").expect("d")), ..Default::default() };
    let found = producers::search(t.db.conn(), &Listing::All, &filter, Page::default()).await.expect("search");
    assert_eq!(found.items.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id]);
}

#[tokio::test]
async fn certificates_set_the_stars_and_the_live_status() {
    let t = TestDb::new().await;
    let a = add_producer(&t.db, &draft("HTX Chè Ba Vì", "09700", None)).await;
    let tea = add_product(&t.db, &product(a.id, "Chè búp khô"), 2026).await;
    let honey = add_product(&t.db, &product(a.id, "Mật ong"), 2026).await;
    let fact = |number: &str, stars: u8, issued: time::Date| CertificateFact {
        number: number.into(),
        stars: Stars::new(stars).expect("stars"),
        level: Level::Province,
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
        evidence: domain::certificate::Evidence::Decision,
    };
    let record = |id: i64, f: CertificateFact| {
        let db = t.db.clone();
        async move {
            let tx = db.write().await.expect("begin");
            certificates::record(&tx, &Who::system(), id, &f).await.expect("record");
            tx.commit().await.expect("commit");
        }
    };
    record(tea.id, fact("HN-2021-001", 3, date!(2021 - 12 - 20))).await;
    record(tea.id, fact("HN-2024-077", 4, date!(2024 - 11 - 01))).await;
    record(honey.id, fact("HN-2022-010", 4, date!(2022 - 06 - 01))).await;

    let tea_now = products::get(t.db.conn(), tea.id).await.expect("get").expect("exists");
    assert_eq!((tea_now.stars, tea_now.certificate_status(TODAY)), (Some(4), Some(CertificateStatus::Valid)));
    let history = certificates::for_product(t.db.conn(), tea.id).await.expect("history");
    assert_eq!(history[1].status(TODAY), CertificateStatus::Superseded);
    let honey_now = products::get(t.db.conn(), honey.id).await.expect("get").expect("exists");
    assert_eq!(honey_now.certificate_status(TODAY), Some(CertificateStatus::Expired));

    let by = |f: ProductFilter, public: bool| {
        let db = t.db.clone();
        async move {
            products::search(db.conn(), &Listing::All, &f, TODAY, public, Page::default())
                .await
                .expect("search")
                .items
                .iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by(ProductFilter { stars: StarsFilter::parse("4"), ..Default::default() }, false).await.len(), 2);
    assert_eq!(
        by(ProductFilter { status: Some(CertificateStatus::Expired), ..Default::default() }, false).await,
        [honey.id]
    );
    assert_eq!(
        by(ProductFilter { status: Some(CertificateStatus::Valid), ..Default::default() }, false).await,
        [tea.id]
    );
    assert_eq!(by(ProductFilter::default(), true).await, [tea.id], "the public sees certificates in force only");
}

//! An office's own spreadsheets on the backend under test: producers without a tax code and
//! their products and certificates, a tax code added later, unit and sheet names instead of
//! codes, columns the template lacks, re-imports that leave unmapped fields alone, certificate
//! numbers held by another product, previews, and merging a producer recorded twice.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::access::Listing;
use exchange::{Kind, Options, Report};
use store::audit::Who;
use store::testing::TestDb;
use store::{Db, Page, producers, products};

fn options() -> Options {
    Options::new(Who::system(), Listing::All, 2026)
}

async fn run(db: &Db, kind: Kind, csv: &str, options: &Options) -> Report {
    exchange::import::import(db, kind, csv.as_bytes(), options, &|_, _, _| {}).await.expect("import runs")
}

fn codes(report: &Report) -> Vec<(usize, &str, &'static str)> {
    report.errors.iter().map(|e| (e.row, e.column.as_str(), e.code)).collect()
}

async fn all_producers(db: &Db) -> Vec<producers::Producer> {
    let filter = producers::ProducerFilter::default();
    producers::search(db.conn(), &Listing::All, &filter, Page::new(1, 200)).await.expect("list").items
}

#[tokio::test]
async fn a_producer_without_a_tax_code_brings_its_products_and_later_its_tax_code() {
    let t = TestDb::new().await;
    // The office's own headers, unit names instead of codes, and a column of its own.
    let list = "STT,Tên cơ sở,Loại hình,Tỉnh,Xã,Ghi chú\n\
                1,Hộ kinh doanh Nguyễn Thị Lan,Hộ kinh doanh,Hà Nội,Bát Tràng,đã khảo sát\n";
    let mut mapping = exchange::sheet::Mapping::default();
    mapping.headers.insert("ten co so".into(), Some("name"));
    mapping.positions.insert(3, Some("province"));
    mapping.positions.insert(4, Some("commune"));
    let read = exchange::sheet::read_mapped(list.as_bytes(), Kind::Producers.columns(), &mapping);
    let report =
        exchange::import::import_read(&t.db, Kind::Producers, read, &options(), &|_, _, _| {}).await.expect("runs");
    assert!(report.written && report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.ignored_columns, ["STT", "Ghi chú"]);
    let [lan] = all_producers(&t.db).await.try_into().expect("one producer");
    assert_eq!((lan.commune_code.as_str(), lan.tax_code.as_deref()), ("00577", None));

    // Its products name it by name and commune: refused until a person confirms the link.
    let goods = "Tên sản phẩm,Bộ tiêu chí,Tên chủ thể,Xã của chủ thể,Tỉnh của chủ thể,Hạng sao,Số giấy chứng nhận,Ngày cấp\n\
                 Bình gốm men lam,Thủ công mỹ nghệ,Hộ kinh doanh Nguyễn Thị Lan,Xã Bát Tràng,Thành phố Hà Nội,4,1234/QĐ-UBND,2023-06-01\n";
    let unconfirmed = run(&t.db, Kind::Products, goods, &options()).await;
    assert_eq!(codes(&unconfirmed), [(2, "Tên chủ thể", "import-producer-by-name")]);
    assert!(unconfirmed.errors[0].why.args.iter().any(|(k, v)| *k == "code" && *v == lan.code()));
    assert!(!unconfirmed.written);
    let confirmed = run(&t.db, Kind::Products, goods, &Options { confirm_name_links: true, ..options() }).await;
    assert!(confirmed.written, "{:?}", confirmed.errors);
    assert_eq!((confirmed.created, confirmed.certificates), (1, 1));
    let mine = products::of_producers(t.db.conn(), &[lan.id].into()).await.expect("products");
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].stars, mine[0].sheet_code.as_str()), (Some(4), "21"));

    // A later list gives the tax code, naming the producer by its platform code: the same producer.
    let later = format!(
        "Mã chủ thể,Mã số thuế,Tên chủ thể,Loại hình\n{},0100233488,Hộ kinh doanh Nguyễn Thị Lan,Hộ kinh doanh\n",
        lan.code()
    );
    let report = run(&t.db, Kind::Producers, &later, &options()).await;
    assert_eq!((report.created, report.updated), (0, 1), "{:?}", report.errors);
    let all = all_producers(&t.db).await;
    assert_eq!(all.len(), 1, "no second producer");
    assert_eq!(all[0].tax_code.as_deref(), Some("0100233488"));
    assert_eq!(all[0].commune_code, "00577", "columns the file lacks are left alone");
    // And by name in its commune, too, for a list without platform codes.
    let renamed = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\n0100233488,Hộ kinh doanh Nguyễn Thị Lan,Hộ kinh doanh,01,00577\n";
    let again = run(&t.db, Kind::Producers, renamed, &options()).await;
    assert_eq!((again.created, again.unchanged), (0, 1), "{:?}", again.errors);
}

#[tokio::test]
async fn a_reimport_changes_only_its_columns_and_a_preview_writes_nothing() {
    let t = TestDb::new().await;
    let first = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã,Điện thoại\n0100233488,HTX Gốm sứ Bát Tràng,HTX,01,00577,0912345678\n";
    assert!(run(&t.db, Kind::Producers, first, &options()).await.written);
    // The office adds an e-mail on the web.
    let p = all_producers(&t.db).await.remove(0);
    let mut input = p.input();
    input.email = "gom@battrang.vn".into();
    let tx = t.db.write().await.expect("begin");
    producers::update(&tx, &Who::system(), p.id, p.version, &input.parse().expect("valid")).await.expect("update");
    tx.commit().await.expect("commit");

    // A list with a new representative and no phone or e-mail column.
    let second = "Mã số thuế,Người đại diện\n0100233488,Nguyễn Văn Hùng\n";
    let preview = run(&t.db, Kind::Producers, second, &Options { dry_run: true, ..options() }).await;
    assert!(!preview.written && preview.errors.is_empty(), "{:?}", preview.errors);
    assert_eq!(preview.changes.len(), 1, "{preview:?}");
    assert_eq!(preview.changes[0].action, "updated");
    assert_eq!(preview.changes[0].record, p.code());
    let change = ("Người đại diện".to_owned(), String::new(), "Nguyễn Văn Hùng".to_owned());
    assert_eq!(preview.changes[0].fields, [change]);
    assert_eq!(all_producers(&t.db).await[0].representative, p.representative, "the preview wrote nothing");

    let written = run(&t.db, Kind::Producers, second, &options()).await;
    assert_eq!(written.updated, 1);
    let after = all_producers(&t.db).await.remove(0);
    assert_eq!(after.representative, "Nguyễn Văn Hùng");
    assert_eq!(
        (after.phone.as_deref(), after.email.as_deref(), after.name.as_str()),
        (Some("0912345678"), Some("gom@battrang.vn"), "HTX Gốm sứ Bát Tràng"),
        "fields without a column are kept"
    );
    // A column that is there but blank does clear its field.
    let cleared = run(&t.db, Kind::Producers, "Mã số thuế,Điện thoại\n0100233488,\n", &options()).await;
    assert_eq!(cleared.updated, 1, "{cleared:?}");
    assert_eq!(all_producers(&t.db).await[0].phone, None);
}

#[tokio::test]
async fn names_of_units_and_sheets_are_read_and_a_taken_certificate_number_is_an_error() {
    let t = TestDb::new().await;
    // An old commune by its pre-2025 name (Xã Bát Tràng of Huyện Gia Lâm), an ambiguous commune
    // name, and an unknown one with a suggestion.
    let list = "Mã số thuế,Tên chủ thể,Loại hình,Tỉnh,Xã,Huyện cũ\n\
                0100233488,HTX Gốm sứ Bát Tràng,HTX,Thành phố Hà Nội,Xã Bát Tràng,Huyện Gia Lâm\n\
                0100109106,HTX Ba,HTX,Hà Nội,Ba,\n\
                ,HTX Mới,HTX,Hà Nội,Bát Trang Xa,\n";
    let report = run(&t.db, Kind::Producers, list, &options()).await;
    let found = codes(&report);
    assert_eq!(found[0].0, 3, "{:?}", report.errors);
    assert_eq!(found.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 4], "{found:?}");
    assert!(
        report.errors[1].why.args.iter().any(|(k, v)| *k == "units" && v.contains("Xã Bát Tràng")),
        "{:?}",
        report.errors[1]
    );
    let good = run(&t.db, Kind::Producers, &list.lines().take(2).collect::<Vec<_>>().join("\n"), &options()).await;
    assert!(good.written, "{:?}", good.errors);
    let p = all_producers(&t.db).await.remove(0);
    assert_eq!((p.commune_code.as_str(), p.old_district_code.as_deref()), ("00577", Some("018")));

    let goods = "Mã số thuế chủ thể,Tên sản phẩm,Bộ tiêu chí,Hạng sao,Số giấy chứng nhận,Ngày cấp\n\
                 0100233488,Bình gốm men lam,thủ công mỹ nghệ,4,3981/QĐ-UBND-07,2023-06-01\n\
                 0100233488,Đĩa gốm vẽ tay,Thủ công mỹ nghệ,3,3981/QĐ-UBND-08,2023-06-01\n";
    assert!(run(&t.db, Kind::Products, goods, &options()).await.written);
    // The second product's number given to the first: refused on that row.
    let taken = "Mã số thuế chủ thể,Tên sản phẩm,Bộ tiêu chí,Hạng sao,Số giấy chứng nhận,Ngày cấp\n\
                 0100233488,Bình gốm men lam,21,4,3981/QĐ-UBND-08,2024-06-01\n";
    let report = run(&t.db, Kind::Products, taken, &options()).await;
    assert_eq!(codes(&report), [(2, "Số giấy chứng nhận", "import-certificate-other-product")]);
    assert!(!report.written);
    // The same file again is unchanged: each number is already its own product's.
    let again = run(&t.db, Kind::Products, goods, &options()).await;
    assert_eq!((again.unchanged, again.certificates), (2, 0), "{:?}", again.errors);
}

#[tokio::test]
async fn a_producer_recorded_twice_is_merged_with_its_products_and_history() {
    let t = TestDb::new().await;
    let list = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\n\
                0100233488,HTX Mật ong Ba Vì,HTX,01,00577\n\
                ,Hợp tác xã mật ong Ba Vì,HTX,01,00577\n\
                ,HTX Gốm sứ Bát Tràng,HTX,01,00577\n";
    assert!(run(&t.db, Kind::Producers, list, &options()).await.written);
    let all = all_producers(&t.db).await;
    let keep = all.iter().find(|p| p.tax_code.is_some()).expect("taxed").clone();
    let twice = all.iter().find(|p| p.name == "Hợp tác xã mật ong Ba Vì").expect("twice").clone();
    let pairs = producers::possible_duplicates(t.db.conn(), &Listing::All).await.expect("pairs");
    assert_eq!(
        pairs.iter().map(|(a, b)| (a.id, b.id)).collect::<Vec<_>>(),
        [(keep.id.min(twice.id), keep.id.max(twice.id))]
    );

    let goods = format!(
        "Mã chủ thể,Tên sản phẩm,Bộ tiêu chí,Hạng sao,Số giấy chứng nhận,Ngày cấp\n{},Mật ong hoa nhãn,04,4,77/QĐ-UBND,2024-01-10\n",
        twice.code()
    );
    assert!(run(&t.db, Kind::Products, &goods, &options()).await.written);

    let tx = t.db.write().await.expect("begin");
    let merged = producers::merge(&tx, &Who::system(), keep.id, twice.id).await.expect("merge");
    tx.commit().await.expect("commit");
    assert_eq!(merged.product_count, 1);
    let moved = products::of_producers(t.db.conn(), &[keep.id].into()).await.expect("products");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].stars, Some(4), "the certificate goes with its product");
    let gone = producers::get(t.db.conn(), twice.id).await.expect("read").expect("kept as a record");
    assert_eq!((gone.merged_into, gone.deleted_at.is_some()), (Some(keep.id), true));
    // The duplicate's platform code still leads to the producer kept.
    let again = run(&t.db, Kind::Products, &goods, &options()).await;
    assert_eq!((again.created, again.unchanged), (0, 1), "{:?}", again.errors);
    let audit = store::audit::verify(t.db.conn()).await.expect("verify");
    assert!(audit.broken.is_none(), "the audit chain holds");
    let merges = store::audit::search(
        t.db.conn(),
        &store::audit::AuditFilter { action: Some("producer.merge".into()), ..Default::default() },
        Page::default(),
    )
    .await
    .expect("audit");
    assert_eq!(merges.total, 1, "the merge is in the log");
    // Merged again, into a third record: the first duplicate's code follows, in one step.
    let third = "Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\nHTX Ong mật Ba Vì,HTX,01,00577\n";
    assert!(run(&t.db, Kind::Producers, third, &options()).await.written);
    let last = all_producers(&t.db).await.into_iter().find(|p| p.name == "HTX Ong mật Ba Vì").expect("third");
    let tx = t.db.write().await.expect("begin");
    producers::merge(&tx, &Who::system(), last.id, keep.id).await.expect("merge again");
    tx.commit().await.expect("commit");
    let follows = run(&t.db, Kind::Products, &goods, &options()).await;
    assert_eq!((follows.created, follows.unchanged), (0, 1), "{:?}", follows.errors);
    let gone = producers::get(t.db.conn(), twice.id).await.expect("read").expect("kept as a record");
    assert_eq!(gone.merged_into, Some(last.id));
    let keep = producers::get(t.db.conn(), last.id).await.expect("read").expect("kept");
    // Two tax codes are two legal persons.
    let other = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\n0100109106,HTX Mật ong Ba Vì 2,HTX,01,00577\n";
    assert!(run(&t.db, Kind::Producers, other, &options()).await.written);
    let second =
        all_producers(&t.db).await.into_iter().find(|p| p.tax_code.as_deref() == Some("0100109106")).expect("second");
    let tx = t.db.write().await.expect("begin");
    let refused = producers::merge(&tx, &Who::system(), keep.id, second.id).await;
    assert!(matches!(refused, Err(store::StoreError::Invalid(_))), "{refused:?}");
}

#[tokio::test]
async fn a_recognition_known_from_news_is_recorded_with_its_authority_until_its_decision_is_found() {
    let t = TestDb::new().await;
    let list = "Mã số thuế,Tên chủ thể,Loại hình,Mã tỉnh,Mã xã\n0100233488,HTX Gốm sứ Bát Tràng,HTX,01,00577\n";
    assert!(run(&t.db, Kind::Producers, list, &options()).await.written);
    // Known from the province's news: stars, year and the former district's People's Committee.
    let news = "Mã số thuế chủ thể,Tên sản phẩm,Bộ tiêu chí,Hạng sao,Năm đánh giá,Cơ quan cấp,Nguồn ghi nhận\n\
                0100233488,Bình gốm men lam,21,4,2024,UBND huyện Gia Lâm,tin chính thức\n";
    let first = run(&t.db, Kind::Products, news, &options()).await;
    assert!(first.written && first.certificates == 1, "{first:?}");
    let again = run(&t.db, Kind::Products, news, &options()).await;
    assert_eq!((again.unchanged, again.certificates), (1, 0), "the same news twice is one recognition");

    let awaiting = store::certificates::awaiting_decision(t.db.conn(), &Listing::All).await.expect("worklist");
    assert_eq!(awaiting.len(), 1);
    let a = &awaiting[0];
    assert_eq!((a.stars, a.evidence.as_str(), a.issuer_name.as_str()), (4, "news", "UBND huyện Gia Lâm"));
    assert_eq!(a.issued_on, time::macros::date!(2024 - 01 - 01), "a year alone counts from its first day");
    let product = products::get(t.db.conn(), a.product_id).await.expect("read").expect("product");
    assert_eq!(product.stars, Some(4), "recognised");
    let held = store::certificates::for_product(t.db.conn(), product.id).await.expect("certificates");
    assert_eq!((held[0].issuer_kind.as_str(), held[0].decision_on_file()), ("district", false));

    // The decision is found: the same recognition is completed, not doubled.
    let found = "Mã số thuế chủ thể,Tên sản phẩm,Hạng sao,Số giấy chứng nhận,Số quyết định,Ngày cấp\n\
                 0100233488,Bình gốm men lam,4,1234/QĐ-UBND,1234/QĐ-UBND,2024-09-20\n";
    let report = run(&t.db, Kind::Products, found, &options()).await;
    assert_eq!((report.updated, report.certificates), (1, 1), "{report:?}");
    let held = store::certificates::for_product(t.db.conn(), product.id).await.expect("certificates");
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].number.as_str(), held[0].decision_on_file(), held[0].issued_on, held[0].issuer_name.as_str()),
        ("1234/QĐ-UBND", true, time::macros::date!(2024 - 09 - 20), "UBND huyện Gia Lâm")
    );
    assert!(store::certificates::awaiting_decision(t.db.conn(), &Listing::All).await.expect("worklist").is_empty());
}

#[tokio::test]
async fn a_name_two_producers_share_is_refused_and_a_product_code_alone_updates_its_product() {
    let t = TestDb::new().await;
    let tx = t.db.write().await.expect("begin");
    for _ in 0..2 {
        let input = domain::registry::ProducerInput {
            legal_type: "Hộ kinh doanh".into(),
            name: "Hộ kinh doanh Nguyễn Văn An".into(),
            province: "01".into(),
            commune: "00577".into(),
            ..Default::default()
        };
        producers::create(&tx, &Who::system(), &input.parse().expect("valid"), false).await.expect("create");
    }
    tx.commit().await.expect("commit");
    let row = "Tên chủ thể,Loại hình,Mã tỉnh,Mã xã,Điện thoại\nHộ kinh doanh Nguyễn Văn An,Hộ kinh doanh,01,00577,0912345678\n";
    let report = run(&t.db, Kind::Producers, row, &options()).await;
    assert_eq!(codes(&report), [(2, "Tên chủ thể", "import-producer-name-ambiguous")]);

    let first = all_producers(&t.db).await.remove(0);
    let goods = format!("Mã chủ thể,Tên sản phẩm,Bộ tiêu chí\n{},Mật ong hoa nhãn,04\n", first.code());
    assert!(run(&t.db, Kind::Products, &goods, &options()).await.written);
    let product = products::of_producers(t.db.conn(), &[first.id].into()).await.expect("products").remove(0);
    let price = format!("Mã sản phẩm,Giá bán (đồng)\n{},185000\n", product.code);
    let report = run(&t.db, Kind::Products, &price, &options()).await;
    assert_eq!(report.updated, 1, "{:?}", report.errors);
    let after = products::get(t.db.conn(), product.id).await.expect("read").expect("product");
    assert_eq!((after.price_vnd, after.name.as_str()), (Some(185_000), "Mật ong hoa nhãn"));
}

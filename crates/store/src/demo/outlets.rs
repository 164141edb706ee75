//! Demo market outlets for Hà Nội: channels with named chains and platforms, a few dozen
//! showcase and sales points spread over communes carrying certified products, the year's fairs
//! and events (a spring fair and an autumn fair with participants and reported sales, a trade
//! week in Thành phố Hồ Chí Minh, an online fair, an upcoming fair open for sign-up) and buyers'
//! inquiries with their threads.

use super::plan::TODAY_FOR_DEMO;
use super::rng::Rng;
use crate::db::{execute, execute_values, fetch_all, fetch_one};
use crate::{Result, Tx};
use domain::text::{fold, sort_key};
use sea_orm::{FromQueryResult, Value};
use time::{Date, Duration, Month};

const SUPERMARKETS: [&str; 5] = ["WinMart", "Co.opmart", "BRG Mart", "Aeon Mall Long Biên", "Lotte Mart"];
const CONVENIENCE: [&str; 4] = ["WinMart+", "Circle K", "Bách hoá Xanh", "GS25"];
const PLATFORMS: [(&str, &str); 5] = [
    ("Shopee", "https://shopee.vn/"),
    ("Lazada", "https://www.lazada.vn/"),
    ("Tiki", "https://tiki.vn/"),
    ("Sendo", "https://www.sendo.vn/"),
    ("TikTok Shop", "https://shop.tiktok.com/"),
];

pub async fn clear(tx: &Tx) -> Result<()> {
    let demo_inquiries =
        "SELECT id FROM inquiry WHERE demo = TRUE OR product_id IN (SELECT id FROM product WHERE demo = TRUE)";
    execute(tx, &format!("DELETE FROM inquiry_token WHERE inquiry_id IN ({demo_inquiries})"), []).await?;
    execute(tx, &format!("DELETE FROM inquiry_message WHERE inquiry_id IN ({demo_inquiries})"), []).await?;
    execute(
        tx,
        "DELETE FROM inquiry WHERE demo = TRUE OR product_id IN (SELECT id FROM product WHERE demo = TRUE)",
        [],
    )
    .await?;
    let demo_participants = "SELECT id FROM event_participant WHERE event_id IN (SELECT id FROM market_event WHERE demo = TRUE) \
        OR producer_id IN (SELECT id FROM producer WHERE demo = TRUE)";
    execute(tx, &format!("DELETE FROM event_participant_product WHERE participant_id IN ({demo_participants})"), [])
        .await?;
    execute(tx, &format!("DELETE FROM event_participant WHERE id IN ({demo_participants})"), []).await?;
    execute(tx, "DELETE FROM market_event WHERE demo = TRUE", []).await?;
    execute(
        tx,
        "DELETE FROM sales_point_product WHERE sales_point_id IN (SELECT id FROM sales_point WHERE demo = TRUE) \
         OR product_id IN (SELECT id FROM product WHERE demo = TRUE)",
        [],
    )
    .await?;
    execute(tx, "DELETE FROM sales_point WHERE demo = TRUE OR operator_producer_id IN (SELECT id FROM producer WHERE demo = TRUE)", [])
        .await?;
    execute(tx, "DELETE FROM sales_channel WHERE producer_id IN (SELECT id FROM producer WHERE demo = TRUE)", [])
        .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct Listed {
    id: i64,
    sales_channels: String,
    established_on: Option<Date>,
}

#[derive(FromQueryResult)]
struct InForce {
    id: i64,
    code: String,
    producer_id: i64,
    commune_code: String,
}

#[derive(FromQueryResult)]
struct Commune {
    code: String,
    name: String,
}

fn day(rng: &mut Rng, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(0);
    from + Duration::days(rng.range(0, span))
}

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(TODAY_FOR_DEMO)
}

/// Name, kind, first and last day, commune (or none), place in words, budget, participants,
/// capacity.
type DemoEvent<'a> = (&'a str, &'a str, Date, Date, Option<&'a str>, &'a str, i64, usize, Option<i64>);

/// What the demo outlets hold.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub channels: usize,
    pub points: usize,
    pub events: usize,
    pub inquiries: usize,
}

pub async fn load(tx: &Tx, seed: u64, t: i64) -> Result<Loaded> {
    let mut rng = Rng::new(seed ^ 0x6f75_746c_6574);
    let mut loaded = Loaded::default();

    // Channels: one row per kind each demo producer lists, with a partner for the chains and
    // platforms, since a day after the producer was founded.
    let listed: Vec<Listed> = fetch_all(
        tx,
        "SELECT id, sales_channels, established_on FROM producer WHERE demo = TRUE AND sales_channels <> '' ORDER BY id",
        [],
    )
    .await?;
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for p in &listed {
        for kind in p.sales_channels.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            let (partner, url) = match kind {
                "supermarket" => (rng.pick(&SUPERMARKETS).to_owned(), None),
                "convenience" => (rng.pick(&CONVENIENCE).to_owned(), None),
                "ecommerce" => {
                    let (name, site) = rng.pick(&PLATFORMS);
                    (name.to_owned(), Some(format!("{site}ocop-{}", p.id)))
                }
                _ => (String::new(), None),
            };
            let founded = p.established_on.unwrap_or(date(2019, Month::January, 1)).max(date(2018, Month::January, 1));
            let since = day(&mut rng, founded, TODAY_FOR_DEMO - Duration::days(30));
            rows.push(vec![
                p.id.into(),
                kind.into(),
                partner.into(),
                url.into(),
                Value::from(Some(since)),
                t.into(),
                t.into(),
            ]);
        }
    }
    loaded.channels = rows.len();
    execute_values(
        tx,
        "INSERT INTO sales_channel (producer_id, kind, partner, url, since, created_at, updated_at)",
        "",
        7,
        rows,
    )
    .await?;

    // Products in force, by commune.
    let in_force: Vec<InForce> = fetch_all(
        tx,
        "SELECT id, code, producer_id, commune_code FROM product WHERE demo = TRUE AND certificate_id IS NOT NULL \
         AND certificate_revoked = FALSE AND certificate_expires_on >= $1 ORDER BY id",
        [TODAY_FOR_DEMO.into()],
    )
    .await?;
    let mut communes: Vec<String> = in_force.iter().map(|p| p.commune_code.clone()).collect();
    communes.sort();
    communes.dedup();
    let names: Vec<Commune> =
        fetch_all(tx, "SELECT code, name FROM commune WHERE province_code = '01' ORDER BY code", []).await?;
    let name_of =
        |code: &str| names.iter().find(|c| c.code == code).map_or_else(|| code.to_owned(), |c| c.name.clone());

    // Sales points: 34 showcase points and 2 design centres, in communes that make OCOP products.
    let mut point_rows = Vec::new();
    let mut point_communes = Vec::new();
    for i in 0..36 {
        let Some(commune) = communes.get(rng.index(communes.len())).cloned() else { break };
        let design = i >= 34;
        let place = name_of(&commune);
        let name = if design {
            format!("Trung tâm thiết kế sáng tạo sản phẩm OCOP {place}")
        } else {
            format!("Điểm giới thiệu và bán sản phẩm OCOP {place}{}", if i % 7 == 3 { " (chợ phiên)" } else { "" })
        };
        let operator_producer = in_force.iter().filter(|p| p.commune_code == commune).map(|p| p.producer_id).next();
        let by_producer = !design && rng.chance(400) && operator_producer.is_some();
        let operator_name = if by_producer { String::new() } else { format!("HTX Dịch vụ thương mại {place}") };
        let opened = day(&mut rng, date(2020, Month::March, 1), TODAY_FOR_DEMO - Duration::days(10));
        let closed =
            (i % 11 == 5).then(|| day(&mut rng, opened + Duration::days(200), TODAY_FOR_DEMO - Duration::days(1)));
        let lat = 20_950_000 + rng.range(0, 250_000);
        let lon = 105_700_000 + rng.range(0, 300_000);
        let street = format!(
            "Số {} đường {}",
            rng.range(1, 250),
            rng.pick(&["Lê Lợi", "Nguyễn Trãi", "Trần Phú", "Quang Trung", "Hùng Vương"])
        );
        point_rows.push(vec![
            if design { "design_centre" } else { "showcase" }.into(),
            name.clone().into(),
            "01".into(),
            commune.clone().into(),
            street.clone().into(),
            Value::from(if by_producer { operator_producer } else { None }),
            operator_name.clone().into(),
            Value::from(Some(opened)),
            Value::from(closed),
            "8:00–21:00 hằng ngày".into(),
            format!("024{}", rng.range(30_000_000, 39_999_999)).into(),
            lat.into(),
            lon.into(),
            fold(&format!("{name} {street} {place} {operator_name}")).into(),
            sort_key(&name).into(),
            true.into(),
            t.into(),
            t.into(),
        ]);
        point_communes.push((commune, opened));
    }
    loaded.points = point_rows.len();
    execute_values(
        tx,
        "INSERT INTO sales_point (kind, name, province_code, commune_code, street, operator_producer_id, operator_name, \
         opened_on, closed_on, opening_hours, phone, lat_e6, lon_e6, search_fold, sort_key, demo, created_at, updated_at)",
        "",
        18,
        point_rows,
    )
    .await?;
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let point_ids: Vec<Id> = fetch_all(tx, "SELECT id FROM sales_point WHERE demo = TRUE ORDER BY id", []).await?;
    let mut carried = Vec::new();
    for (point, (commune, opened)) in point_ids.iter().zip(&point_communes) {
        let mut picked = std::collections::BTreeSet::new();
        // Mostly the commune's own products, and some from elsewhere in the city.
        for p in in_force.iter().filter(|p| &p.commune_code == commune).take(8) {
            picked.insert(p.id);
        }
        for _ in 0..rng.range(4, 12) {
            if let Some(p) = in_force.get(rng.index(in_force.len())) {
                picked.insert(p.id);
            }
        }
        for product in picked {
            let since = day(&mut rng, *opened, TODAY_FOR_DEMO);
            let until = rng.chance(80).then(|| day(&mut rng, since, TODAY_FOR_DEMO));
            carried.push(vec![point.id.into(), product.into(), Value::from(Some(since)), Value::from(until)]);
        }
    }
    execute_values(tx, "INSERT INTO sales_point_product (sales_point_id, product_id, since, until)", "", 4, carried)
        .await?;

    // Events of the year, and one to come.
    let events: [DemoEvent; 7] = [
        (
            "Hội chợ sản phẩm OCOP và làng nghề Hà Nội mùa xuân 2026",
            "fair",
            date(2026, Month::March, 12),
            date(2026, Month::March, 16),
            Some("00082"),
            "",
            1_800_000_000,
            42,
            Some(60),
        ),
        (
            "Tuần hàng OCOP Hà Nội tại Thành phố Hồ Chí Minh",
            "week",
            date(2026, Month::May, 20),
            date(2026, Month::May, 24),
            None,
            "Nhà văn hoá Thanh niên, Thành phố Hồ Chí Minh",
            900_000_000,
            25,
            Some(30),
        ),
        (
            "Lễ hội văn hoá ẩm thực vùng miền Hà Nội 2026",
            "festival",
            date(2026, Month::August, 7),
            date(2026, Month::August, 9),
            Some("00070"),
            "",
            650_000_000,
            18,
            None,
        ),
        (
            "Phiên chợ sản phẩm OCOP cuối tuần",
            "market",
            date(2026, Month::September, 19),
            date(2026, Month::September, 20),
            Some("00577"),
            "",
            120_000_000,
            12,
            Some(20),
        ),
        (
            "Hội chợ sản phẩm OCOP Hà Nội mùa thu 2026",
            "fair",
            date(2026, Month::October, 15),
            date(2026, Month::October, 19),
            Some("00082"),
            "",
            2_100_000_000,
            48,
            Some(60),
        ),
        (
            "Hội chợ OCOP trực tuyến 2026",
            "online",
            date(2026, Month::November, 10),
            date(2026, Month::November, 24),
            None,
            "Trực tuyến, trên cổng thông tin OCOP Hà Nội",
            300_000_000,
            30,
            None,
        ),
        (
            "Hội chợ sản phẩm OCOP Xuân Đinh Mùi 2027",
            "fair",
            date(2027, Month::January, 21),
            date(2027, Month::January, 26),
            Some("00082"),
            "",
            2_400_000_000,
            14,
            Some(60),
        ),
    ];
    let mut producers_in_force: Vec<(i64, Vec<i64>)> = Vec::new();
    for p in &in_force {
        match producers_in_force.last_mut() {
            Some((id, list)) if *id == p.producer_id => list.push(p.id),
            _ => producers_in_force.push((p.producer_id, vec![p.id])),
        }
    }
    for (name, kind, starts, ends, commune, place, budget, participants, capacity) in events {
        let registration_until = starts - Duration::days(7);
        let row: Id = fetch_one(
            tx,
            "INSERT INTO market_event (province_code, kind, name, starts_on, ends_on, commune_code, place, organiser, budget_vnd, \
             capacity, registration_until, description, search_fold, demo, created_at, updated_at) \
             VALUES ('01', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE, $13, $13) RETURNING id",
            [
                kind.into(),
                name.into(),
                starts.into(),
                ends.into(),
                commune.map(str::to_owned).into(),
                place.into(),
                "Văn phòng Điều phối Chương trình OCOP Hà Nội".into(),
                budget.into(),
                capacity.into(),
                registration_until.into(),
                "Trưng bày, giới thiệu và bán sản phẩm OCOP của các chủ thể Hà Nội; kết nối với doanh nghiệp phân phối.".into(),
                fold(&format!("{name} {place} Văn phòng Điều phối Chương trình OCOP Hà Nội")).into(),
                t.into(),
            ],
        )
        .await?;
        loaded.events += 1;
        let upcoming = starts > TODAY_FOR_DEMO;
        let mut taken = std::collections::BTreeSet::new();
        for n in 0..participants {
            let Some((producer, products)) = producers_in_force.get(rng.index(producers_in_force.len())) else {
                break;
            };
            if !taken.insert(*producer) {
                continue;
            }
            let state = if upcoming && n % 3 == 0 { "registered" } else { "approved" };
            let sales = (!upcoming).then(|| rng.range(8, 400) * 1_000_000);
            let contacts = (!upcoming).then(|| rng.range(0, 25));
            let p: Id = fetch_one(
                tx,
                "INSERT INTO event_participant (event_id, producer_id, state, sales_vnd, contacts, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                [row.id.into(), (*producer).into(), state.into(), sales.into(), contacts.into(), t.into()],
            )
            .await?;
            let shown: Vec<Vec<Value>> = products.iter().take(3).map(|x| vec![p.id.into(), (*x).into()]).collect();
            execute_values(tx, "INSERT INTO event_participant_product (participant_id, product_id)", "", 2, shown)
                .await?;
        }
    }

    // Inquiries: buyers asking about products in force over the last months, most answered.
    let buyers = [
        ("Trần Minh Châu", "Chuỗi cửa hàng Nông sản sạch Hà Thành"),
        ("Nguyễn Thu Hà", "Công ty CP Phân phối Thực phẩm Việt"),
        ("Lê Văn Hùng", ""),
        ("Phạm Thị Mai", "Nhà hàng Quê Nhà"),
        ("Đỗ Quang Vinh", "Công ty TNHH Xuất nhập khẩu Sao Việt"),
    ];
    let vn_start = |d: Date| {
        d.midnight().assume_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC)).unix_timestamp()
    };
    for i in 0..40 {
        let Some(p) = in_force.get(rng.index(in_force.len())) else { break };
        let (name, organisation) = rng.pick(&buyers);
        let asked_on = day(&mut rng, date(2026, Month::March, 1), TODAY_FOR_DEMO);
        let created = vn_start(asked_on) + rng.range(8 * 3600, 20 * 3600);
        let answered = (i % 6 != 0).then(|| created + rng.range(1, 120) * 3600);
        let state = match (answered, i % 5) {
            (None, _) => "open",
            (Some(_), 0) => "won",
            (Some(_), 1) => "lost",
            _ => "answered",
        };
        let q: Id = fetch_one(
            tx,
            "INSERT INTO inquiry (product_id, producer_id, buyer_name, organisation, email, phone, quantity, target_price_vnd, \
             state, demo, created_at, first_answer_at, updated_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, TRUE, $9, $10, $9) \
             RETURNING id",
            [
                p.id.into(),
                p.producer_id.into(),
                name.into(),
                organisation.into(),
                format!("nguoimua{i}@example.vn").into(),
                format!("{} sản phẩm mỗi tháng", rng.range(5, 50) * 10).into(),
                (rng.range(5, 60) * 10_000).into(),
                state.into(),
                created.into(),
                answered.into(),
            ],
        )
        .await?;
        let mut thread = vec![vec![
            q.id.into(),
            "buyer".into(),
            format!("Chào anh chị, chúng tôi muốn hỏi giá sỉ và điều kiện giao hàng sản phẩm mã {}.", p.code).into(),
            created.into(),
        ]];
        if let Some(at) = answered {
            thread.push(vec![
                q.id.into(),
                "producer".into(),
                "Cảm ơn anh chị đã quan tâm. Chúng tôi gửi báo giá theo số lượng và có thể giao tại Hà Nội trong 3 ngày.".into(),
                at.into(),
            ]);
        }
        execute_values(tx, "INSERT INTO inquiry_message (inquiry_id, author, body, created_at)", "", 4, thread).await?;
        loaded.inquiries += 1;
    }
    Ok(loaded)
}

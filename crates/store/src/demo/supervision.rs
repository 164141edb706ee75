//! Demo supervision and capacity building for Hà Nội, shaped like the office's published year:
//! an inspection plan of 50 producers of which 41 are inspected, covering 334 products, with
//! findings (most remedied, some waiting, one critical finding turned into a revocation proposal),
//! about 120 training classes with their participants, and support records, the "labels and
//! stamps" ones funding label quotas of up to 2,000 labels per product.

use super::plan::TODAY_FOR_DEMO;
use super::rng::Rng;
use super::words::{FAMILY, GIVEN, MIDDLE};
use crate::db::{execute, execute_values, fetch_all, fetch_one};
use crate::{Result, Tx};
use domain::supervision::{Answer, ChecklistAnswers, supervision};
use domain::text::fold;
use sea_orm::{FromQueryResult, Value};
use std::collections::BTreeMap;
use time::{Date, Duration, Month};

/// Producers in the plan, those inspected, and the products the inspected ones cover.
pub const PLANNED: usize = 50;
pub const INSPECTED: usize = 41;
pub const PRODUCTS_INSPECTED: usize = 334;
pub const CLASSES: usize = 120;

pub async fn clear(tx: &Tx) -> Result<()> {
    let visits = "SELECT id FROM inspection WHERE demo = TRUE OR producer_id IN (SELECT id FROM producer WHERE demo = TRUE) \
        OR plan_id IN (SELECT id FROM inspection_plan WHERE demo = TRUE)";
    let findings = format!("SELECT id FROM finding WHERE inspection_id IN ({visits})");
    execute(tx, &format!("DELETE FROM finding_evidence WHERE finding_id IN ({findings})"), []).await?;
    execute(
        tx,
        &format!("UPDATE certificate SET revocation_inspection_id = NULL WHERE revocation_inspection_id IN ({visits})"),
        [],
    )
    .await?;
    execute(tx, &format!("DELETE FROM finding WHERE inspection_id IN ({visits})"), []).await?;
    for table in ["inspection_photo", "inspection_inspector", "inspection_product"] {
        execute(tx, &format!("DELETE FROM {table} WHERE inspection_id IN ({visits})"), []).await?;
    }
    execute(tx, &format!("DELETE FROM inspection WHERE id IN ({visits})"), []).await?;
    execute(tx, "DELETE FROM inspection_plan WHERE demo = TRUE", []).await?;
    execute(
        tx,
        "DELETE FROM training_participant WHERE class_id IN (SELECT id FROM training_class WHERE demo = TRUE) \
         OR producer_id IN (SELECT id FROM producer WHERE demo = TRUE)",
        [],
    )
    .await?;
    execute(tx, "DELETE FROM training_class WHERE demo = TRUE", []).await?;
    execute(
        tx,
        "DELETE FROM support_record WHERE demo = TRUE OR producer_id IN (SELECT id FROM producer WHERE demo = TRUE)",
        [],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub planned: usize,
    pub inspected: usize,
    pub products_inspected: usize,
    pub findings: usize,
    pub classes: usize,
    pub trainees: usize,
    pub support: usize,
}

#[derive(FromQueryResult)]
struct InForce {
    id: i64,
    producer_id: i64,
    commune_code: String,
    certificate_id: i64,
}

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(TODAY_FOR_DEMO)
}

fn between(rng: &mut Rng, from: Date, to: Date) -> Date {
    from + Duration::days(rng.range(0, (to - from).whole_days().max(0)))
}

fn person(rng: &mut Rng) -> String {
    format!("{} {} {}", rng.pick(FAMILY), rng.pick(MIDDLE), rng.pick(GIVEN))
}

const FINDINGS: [(&str, &str, &str); 8] = [
    ("2.1", "minor", "Nhãn thiếu ngày sản xuất, hạn sử dụng trên một số sản phẩm trưng bày"),
    ("2.2", "major", "Khối lượng tịnh ghi trên nhãn khác với hồ sơ được công nhận"),
    ("1.2", "major", "Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm đã hết hiệu lực"),
    ("3.1", "major", "Phiếu kiểm nghiệm chất lượng sản phẩm đã quá 12 tháng"),
    ("4.1", "minor", "Bao bì in số sao chưa đúng quyết định công nhận"),
    ("6.1", "minor", "Sổ theo dõi sản xuất, xuất bán chưa ghi đầy đủ"),
    ("5.1", "minor", "Tem truy xuất dán lẫn giữa các lô hàng"),
    ("1.1", "minor", "Khu vực đóng gói chưa tách biệt với kho nguyên liệu"),
];

pub async fn load(tx: &Tx, seed: u64, t: i64) -> Result<Loaded> {
    let mut rng = Rng::new(seed ^ 0x7375_7065_7276);
    let mut loaded = Loaded::default();
    let rules = supervision();

    let in_force: Vec<InForce> = fetch_all(
        tx,
        "SELECT id, producer_id, commune_code, certificate_id FROM product WHERE demo = TRUE AND certificate_id IS NOT NULL \
         AND certificate_revoked = FALSE AND certificate_expires_on >= $1 ORDER BY id",
        [TODAY_FOR_DEMO.into()],
    )
    .await?;
    let mut by_producer: BTreeMap<i64, Vec<&InForce>> = BTreeMap::new();
    for p in &in_force {
        by_producer.entry(p.producer_id).or_default().push(p);
    }

    // The plan: the producers with the most products in force first (the office inspects its
    // largest producers), the inspected ones covering exactly 334 products.
    let mut producers: Vec<(i64, Vec<&InForce>)> = by_producer.into_iter().collect();
    producers.sort_by_key(|(id, products)| (std::cmp::Reverse(products.len()), *id));
    producers.truncate(PLANNED);
    let available: usize = producers.iter().take(INSPECTED).map(|(_, p)| p.len()).sum();
    let mut wanted = PRODUCTS_INSPECTED.min(available);
    let plan_row: PlanId = fetch_one(
        tx,
        "INSERT INTO inspection_plan (province_code, year, name, purpose, starts_on, ends_on, demo, created_at, updated_at) \
         VALUES ('01', 2026, $1, $2, $3, $4, TRUE, $5, $5) RETURNING id",
        [
            "Kế hoạch kiểm tra, giám sát sản phẩm OCOP năm 2026".into(),
            "Kiểm tra việc duy trì tiêu chí như hồ sơ đánh giá, sử dụng biểu trưng OCOP và tem truy xuất của các chủ thể \
             có sản phẩm OCOP còn hiệu lực (Điều 9 QĐ 26/2026/QĐ-TTg)."
                .into(),
            date(2026, Month::March, 1).into(),
            date(2026, Month::November, 30).into(),
            t.into(),
        ],
    )
    .await?;
    let mut visit_rows = Vec::new();
    let mut covered: Vec<(i64, Vec<i64>)> = Vec::new();
    for (n, (producer, products)) in producers.iter().enumerate() {
        let done = n < INSPECTED;
        // Each inspected producer keeps at least one product; the rest of the 334 go in order.
        let take = if done {
            let left_after = INSPECTED - n - 1;
            let k = products.len().min(wanted.saturating_sub(left_after)).max(1);
            wanted -= k.min(wanted);
            k
        } else {
            products.len().min(4)
        };
        let ids: Vec<i64> = products.iter().take(take).map(|p| p.id).collect();
        if done {
            loaded.products_inspected += ids.len();
        }
        let visited = between(&mut rng, date(2026, Month::April, 1), date(2026, Month::November, 20));
        let started = !done && n % 4 == 0;
        let mut answers = ChecklistAnswers::default();
        if done || started {
            for item in rules.checklist.iter().take(if done { rules.checklist.len() } else { 4 }) {
                let a = if rng.chance(80) {
                    Answer::NotMet
                } else if rng.chance(60) {
                    Answer::NotApplicable
                } else {
                    Answer::Met
                };
                let note = if a == Answer::NotMet { "Xem mục tồn tại".to_owned() } else { String::new() };
                answers.0.insert(item.code.clone(), (Some(a), note));
            }
        }
        let present = if done || started {
            format!(
                "Đoàn kiểm tra Văn phòng Điều phối NTM Hà Nội; đại diện chủ thể: {}; đại diện UBND xã",
                person(&mut rng)
            )
        } else {
            String::new()
        };
        visit_rows.push(vec![
            plan_row.id.into(),
            (*producer).into(),
            if n % 5 == 0 {
                "expiring"
            } else if n % 7 == 0 {
                "never_inspected"
            } else {
                "hand"
            }
            .into(),
            if done {
                "done"
            } else if started {
                "started"
            } else {
                "planned"
            }
            .into(),
            Value::from((done || started).then_some(visited)),
            present.into(),
            answers.to_json().into(),
            rules.version.clone().into(),
            i64::from(done || started).into(),
            Value::from(done.then_some(t)),
            true.into(),
            t.into(),
            t.into(),
        ]);
        covered.push((*producer, ids));
        loaded.planned += 1;
        loaded.inspected += usize::from(done);
    }
    execute_values(
        tx,
        "INSERT INTO inspection (plan_id, producer_id, reasons, state, visited_on, present, answers, checklist_version, \
         revision, completed_at, demo, created_at, updated_at)",
        "",
        13,
        visit_rows,
    )
    .await?;
    #[derive(FromQueryResult)]
    struct Visit {
        id: i64,
        producer_id: i64,
        state: String,
        visited_on: Option<Date>,
    }
    let visits: Vec<Visit> = fetch_all(
        tx,
        "SELECT id, producer_id, state, visited_on FROM inspection WHERE plan_id = $1 ORDER BY id",
        [plan_row.id.into()],
    )
    .await?;
    let mut product_rows = Vec::new();
    for v in &visits {
        if let Some((_, ids)) = covered.iter().find(|(p, _)| *p == v.producer_id) {
            for id in ids {
                product_rows.push(vec![v.id.into(), (*id).into()]);
            }
        }
    }
    execute_values(tx, "INSERT INTO inspection_product (inspection_id, product_id)", "", 2, product_rows).await?;

    // Findings on the inspected producers: most remedied, some answered, a few still open, and
    // one critical finding on a product in force turned into a revocation proposal.
    let mut finding_rows = Vec::new();
    let done: Vec<&Visit> = visits.iter().filter(|v| v.state == "done").collect();
    for (n, v) in done.iter().enumerate().filter(|(n, _)| n % 3 != 1) {
        let Some(visited) = v.visited_on else { continue };
        let (item, severity, text) = FINDINGS[n % FINDINGS.len()];
        let product = covered.iter().find(|(p, _)| *p == v.producer_id).and_then(|(_, ids)| ids.first().copied());
        let revocation = n == 0;
        // Most are concluded; every sixth is answered and waiting for the office, and the ones
        // after those still wait for the producer (one of them past its deadline).
        let (state, outcome) = if revocation {
            ("not_remedied", Some("revocation_proposal"))
        } else if n % 6 == 2 {
            ("answered", None)
        } else if n % 6 == 3 {
            ("open", None)
        } else if n % 5 == 4 {
            ("not_remedied", Some("warning"))
        } else {
            ("remedied", Some("reminder"))
        };
        let remedy_by = match state {
            "open" if n % 4 == 3 => TODAY_FOR_DEMO - Duration::days(6),
            "open" | "answered" => TODAY_FOR_DEMO + Duration::days(i64::try_from(n % 20).unwrap_or(0) + 5),
            _ => visited + Duration::days(30),
        };
        let answered = state != "open";
        let followed = matches!(state, "remedied" | "not_remedied");
        let proposed_on = revocation.then(|| TODAY_FOR_DEMO - Duration::days(5));
        let certificate = if revocation {
            product.and_then(|id| in_force.iter().find(|p| p.id == id)).map(|p| p.certificate_id)
        } else {
            None
        };
        finding_rows.push(vec![
            v.id.into(),
            v.producer_id.into(),
            product.into(),
            item.into(),
            if revocation { "critical" } else { severity }.into(),
            if revocation {
                "Sản phẩm không còn đáp ứng tiêu chí: cơ sở ngừng áp dụng quy trình sản xuất như hồ sơ được công nhận, \
                 phiếu kiểm nghiệm mới không đạt chỉ tiêu vi sinh"
            } else {
                text
            }
            .into(),
            remedy_by.into(),
            state.into(),
            if answered {
                "Chủ thể đã khắc phục và gửi ảnh chụp, phiếu kiểm nghiệm mới."
            } else {
                ""
            }
            .into(),
            Value::from(answered.then_some(t)),
            Value::from(followed.then(|| proposed_on.unwrap_or(remedy_by + Duration::days(3)))),
            if followed { "Đoàn kiểm tra lại tại cơ sở." } else { "" }.into(),
            outcome.map(str::to_owned).into(),
            Value::from(proposed_on),
            certificate.into(),
            true.into(),
            t.into(),
            t.into(),
        ]);
    }
    loaded.findings = finding_rows.len();
    execute_values(
        tx,
        "INSERT INTO finding (inspection_id, producer_id, product_id, item_code, severity, description, remedy_by, state, \
         response, responded_at, followed_up_on, follow_up_note, outcome, proposed_on, certificate_id, demo, created_at, \
         updated_at)",
        "",
        18,
        finding_rows,
    )
    .await?;

    // Training classes of the year in the communes that make OCOP products, with people sent by
    // the producers there.
    let mut communes: Vec<&str> = in_force.iter().map(|p| p.commune_code.as_str()).collect();
    communes.sort_unstable();
    communes.dedup();
    #[derive(FromQueryResult)]
    struct Producer {
        id: i64,
        commune_code: String,
    }
    let all: Vec<Producer> =
        fetch_all(tx, "SELECT id, commune_code FROM producer WHERE demo = TRUE ORDER BY id", []).await?;
    let topics = &rules.training_topics;
    let weights = [30, 15, 20, 20, 15, 10, 5];
    let organisers = [
        "Văn phòng Điều phối NTM Hà Nội",
        "Sở Nông nghiệp và Môi trường Hà Nội",
        "Trung tâm Khuyến nông Hà Nội",
        "UBND xã",
    ];
    let mut class_rows = Vec::new();
    for n in 0..CLASSES {
        let topic = &topics[rng.weighted(&weights[..topics.len().min(weights.len())]).min(topics.len() - 1)];
        let online = n % 9 == 4;
        let commune = (!online && !communes.is_empty()).then(|| communes[rng.index(communes.len())]);
        let starts = between(&mut rng, date(2026, Month::January, 10), date(2026, Month::November, 20));
        let days = rng.range(0, 2);
        let name = format!("{} (lớp {})", topic.vi, n + 1);
        let organiser = rng.pick(&organisers);
        let trainers = format!("ThS. {}; KS. {}", person(&mut rng), person(&mut rng));
        class_rows.push(vec![
            "01".into(),
            commune.map(str::to_owned).into(),
            name.clone().into(),
            topic.code.clone().into(),
            rules.version.clone().into(),
            organiser.into(),
            if online { "https://meet.hanoi.gov.vn/ocop" } else { "Hội trường UBND xã" }.into(),
            starts.into(),
            (starts + Duration::days(days)).into(),
            (days + 1).into(),
            trainers.clone().into(),
            (rng.range(15, 60) * 1_000_000).into(),
            fold(&format!("{name} {organiser} {trainers}")).into(),
            true.into(),
            t.into(),
            t.into(),
        ]);
    }
    loaded.classes = class_rows.len();
    execute_values(
        tx,
        "INSERT INTO training_class (province_code, commune_code, name, topic, rules_version, organiser, place, starts_on, \
         ends_on, sessions, trainers, budget_vnd, search_fold, demo, created_at, updated_at)",
        "",
        16,
        class_rows,
    )
    .await?;
    #[derive(FromQueryResult)]
    struct Class {
        id: i64,
        commune_code: Option<String>,
        sessions: i64,
    }
    let classes: Vec<Class> =
        fetch_all(tx, "SELECT id, commune_code, sessions FROM training_class WHERE demo = TRUE ORDER BY id", [])
            .await?;
    let roles = ["Giám đốc", "Chủ nhiệm HTX", "Kế toán", "Thành viên", "Phụ trách bán hàng", "Chủ hộ"];
    let mut people_rows = Vec::new();
    for c in &classes {
        let local: Vec<i64> =
            all.iter().filter(|p| Some(&p.commune_code) == c.commune_code.as_ref()).map(|p| p.id).collect();
        let pool = if local.len() >= 5 { local } else { all.iter().map(|p| p.id).collect() };
        for _ in 0..rng.range(12, 35) {
            let producer = pool[rng.index(pool.len())];
            let full = (1u64 << c.sessions) - 1;
            let attended = if rng.chance(850) { full } else { full & rng.next() };
            people_rows.push(vec![
                c.id.into(),
                producer.into(),
                person(&mut rng).into(),
                rng.pick(&roles).into(),
                attended.cast_signed().into(),
                Value::from(rng.chance(900).then(|| rng.range(3, 5))),
                t.into(),
            ]);
        }
    }
    loaded.trainees = people_rows.len();
    execute_values(
        tx,
        "INSERT INTO training_participant (class_id, producer_id, person, role, attended, satisfaction, created_at)",
        "",
        7,
        people_rows,
    )
    .await?;

    // Support: for the producers with products in force, by purpose, most in 2026; label support
    // funds up to the data's quota per product.
    let max_labels = rules.funded_labels_per_product_per_year;
    let amounts: BTreeMap<&str, (i64, i64)> = [
        ("quality_test", (3, 8)),
        ("labels", (2, 6)),
        ("qr_system", (10, 20)),
        ("brand", (5, 15)),
        ("packaging", (10, 30)),
        ("fairs", (5, 20)),
        ("equipment", (50, 200)),
    ]
    .into_iter()
    .collect();
    let funders = ["province", "province", "province", "commune", "programme", "other"];
    let mut support_rows = Vec::new();
    for (n, p) in in_force.iter().enumerate().filter(|(n, _)| n % 9 == 0) {
        let purpose = &rules.support_purposes[rng.index(rules.support_purposes.len())];
        let (lo, hi) = amounts.get(purpose.code.as_str()).copied().unwrap_or((2, 10));
        let decided = if n % 4 == 0 {
            between(&mut rng, date(2025, Month::March, 1), date(2025, Month::November, 30))
        } else {
            between(&mut rng, date(2026, Month::February, 1), TODAY_FOR_DEMO - Duration::days(10))
        };
        let labels = purpose.code == "labels";
        support_rows.push(vec![
            p.producer_id.into(),
            Value::from((labels || rng.chance(500)).then_some(p.id)),
            purpose.code.clone().into(),
            rng.pick(&funders).into(),
            (rng.range(lo, hi) * 1_000_000 + rng.range(0, 9) * 100_000).into(),
            format!("{}/QĐ-UBND", rng.range(1000, 6999)).into(),
            decided.into(),
            i64::from(decided.year()).into(),
            Value::from(
                labels.then(|| if rng.chance(500) { max_labels } else { rng.range(5, max_labels / 100) * 100 }),
            ),
            rules.version.clone().into(),
            true.into(),
            t.into(),
        ]);
    }
    loaded.support = support_rows.len();
    execute_values(
        tx,
        "INSERT INTO support_record (producer_id, product_id, purpose, funder, amount_vnd, decision, decided_on, year, \
         funded_labels, rules_version, demo, created_at)",
        "",
        12,
        support_rows,
    )
    .await?;

    // A few buyers' messages were complaints: they count in the next proposal.
    execute(
        tx,
        "UPDATE inquiry SET kind = 'complaint' WHERE demo = TRUE AND id IN (SELECT id FROM inquiry WHERE demo = TRUE \
         ORDER BY id LIMIT 4)",
        [],
    )
    .await?;
    Ok(loaded)
}

#[derive(FromQueryResult)]
struct PlanId {
    id: i64,
}

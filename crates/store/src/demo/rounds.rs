//! The demo's evaluation rounds: "Đợt 2 năm 2026" with 488 registrations received against a plan
//! of 400 (the shape of Hà Nội's rounds), dossiers returned, waiting at the commune (overdue by
//! the demo's today) or accepted, and "Đợt 1 năm 2027" open for registration.

use super::plan::{Plan, TODAY_FOR_DEMO};
use super::rng::Rng;
use crate::db::{execute, execute_values, fetch_one};
use crate::{Result, Tx};
use domain::criteria::{CriteriaSet, Kind as CriterionKind};
use domain::evaluation::{self, Kind};
use domain::scoring::{self, Answer, Scorecard};
use domain::workdays::WorkCalendar;
use sea_orm::{FromQueryResult, Value};
use std::collections::{BTreeMap, HashMap};
use time::macros::date;
use time::{Date, Duration};

/// Registrations received in the closed round, and drafts never submitted.
pub const RECEIVED: usize = 488;
pub const DRAFTS: usize = 24;
pub const PLAN: i64 = 400;

/// Removes the demo's rounds and every registration of a demo product or in a demo round.
pub async fn clear(tx: &Tx) -> Result<()> {
    let doomed = "SELECT id FROM registration WHERE round_id IN (SELECT id FROM round WHERE demo = TRUE) \
                  OR product_id IN (SELECT id FROM product WHERE demo = TRUE)";
    execute(tx, "UPDATE council SET round_id = NULL WHERE round_id IN (SELECT id FROM round WHERE demo = TRUE)", [])
        .await?;
    let evaluations = format!("SELECT id FROM evaluation WHERE registration_id IN ({doomed})");
    execute(tx, &format!("DELETE FROM scorecard WHERE evaluation_id IN ({evaluations})"), []).await?;
    execute(tx, &format!("DELETE FROM evaluation WHERE registration_id IN ({doomed})"), []).await?;
    execute(tx, &format!("DELETE FROM registration_evidence WHERE registration_id IN ({doomed})"), []).await?;
    execute(tx, &format!("UPDATE certificate SET registration_id = NULL WHERE registration_id IN ({doomed})"), [])
        .await?;
    execute(tx, &format!("DELETE FROM registration WHERE id IN ({doomed})"), []).await?;
    execute(tx, "DELETE FROM evidence WHERE product_id IN (SELECT id FROM product WHERE demo = TRUE)", []).await?;
    execute(tx, "DELETE FROM round WHERE demo = TRUE", []).await?;
    Ok(())
}

async fn round(tx: &Tx, name: &str, opens: Date, deadline: Date, closes: Date, plan: i64, t: i64) -> Result<i64> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO round (province_code, name, year, opens_on, commune_deadline, closes_on, plan_count, \
         criteria_version, demo, created_at, updated_at) VALUES ('01', $1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8) RETURNING id",
        [
            name.into(),
            i64::from(opens.year()).into(),
            opens.into(),
            deadline.into(),
            closes.into(),
            plan.into(),
            domain::criteria::version_in_force(opens).into(),
            t.into(),
        ],
    )
    .await?;
    Ok(row.id)
}

/// A self-assessment as a hopeful producer fills it in: mostly the better options.
fn self_assessment(rng: &mut Rng, set: &CriteriaSet, sheet: &str) -> (BTreeMap<String, Answer>, Option<i64>) {
    let Some(sheet) = set.sheet(sheet) else { return (BTreeMap::new(), None) };
    let case = sheet.criteria.iter().flat_map(|c| &c.options).find_map(|o| o.case());
    let mut answers = BTreeMap::new();
    for c in sheet.scored() {
        let answer = match c.kind {
            CriterionKind::MetOrNot => Answer::Met(rng.chance(600)),
            _ => {
                let mut allowed: Vec<usize> =
                    (0..c.options.len()).filter(|&i| c.options[i].case().is_none_or(|v| Some(v) == case)).collect();
                allowed.sort_by_key(|&i| c.options[i].points);
                let weights: Vec<u32> = (0..allowed.len()).map(|r| 1 + 3 * u32::try_from(r).unwrap_or(0)).collect();
                Answer::Choice(allowed[rng.weighted(&weights)])
            }
        };
        answers.insert(c.code.clone(), answer);
    }
    let total = scoring::tally(sheet, &Scorecard { answers: answers.clone(), ..Scorecard::default() })
        .ok()
        .map(|t| i64::from(t.total));
    (answers, total)
}

const FORM03: &str = r#"{"materials":"Nguyên liệu chính khai thác, thu mua trên địa bàn xã (dữ liệu mẫu)","labour":"Sử dụng lao động địa phương (dữ liệu mẫu)","idea":"Ý tưởng sản phẩm của chủ thể, gắn với nghề truyền thống địa phương (dữ liệu mẫu)","identity":"Sản phẩm mang bản sắc, tri thức địa phương (dữ liệu mẫu)"}"#;

/// Writes the rounds and registrations; returns how many registrations were written.
pub async fn load(
    tx: &Tx,
    seed: u64,
    plan: &Plan,
    product_ids: &HashMap<String, i64>,
    producer_ids: &HashMap<String, i64>,
    t: i64,
) -> Result<usize> {
    let set = crate::criteria::current().map_err(|detail| crate::StoreError::Corrupt { table: "criteria", detail })?;
    let calendar: &WorkCalendar = crate::evaluation::calendar()?;
    let closed = round(
        tx,
        "Đợt 2 năm 2026 (dữ liệu mẫu)",
        date!(2026 - 07 - 01),
        date!(2026 - 10 - 30),
        date!(2026 - 12 - 30),
        PLAN,
        t,
    )
    .await?;
    round(
        tx,
        "Đợt 1 năm 2027 (dữ liệu mẫu)",
        date!(2026 - 11 - 01),
        date!(2027 - 04 - 30),
        date!(2027 - 06 - 30),
        450,
        t,
    )
    .await?;
    let mut rng = Rng::new(seed ^ 0x5eed_2026);
    // Products never rated register for the first time; 3★ products in force try an upgrade.
    let mut candidates: Vec<(usize, Kind)> = Vec::new();
    for (i, p) in plan.products.iter().enumerate() {
        match p.certificates.last() {
            None => candidates.push((i, Kind::First)),
            Some(c) if c.stars == 3 && c.revoked_on.is_none() && c.expires_on > TODAY_FOR_DEMO => {
                if rng.chance(400) {
                    candidates.push((i, Kind::Upgrade));
                }
            }
            Some(_) => {}
        }
    }
    candidates.truncate(RECEIVED + DRAFTS);
    let mut sequence: BTreeMap<String, i64> = BTreeMap::new();
    let mut rows = Vec::with_capacity(candidates.len());
    for (n, (i, kind)) in candidates.iter().enumerate() {
        let p = &plan.products[*i];
        let owner = &plan.producers[p.producer];
        let (Some(&product_id), Some(&producer_id)) = (product_ids.get(&p.code), producer_ids.get(&owner.tax_code))
        else {
            continue;
        };
        let (answers, total) = self_assessment(&mut rng, set, p.sheet);
        let commune = owner.place.commune.clone();
        let samples: i64 = if p.sheet == "26" { 0 } else { 5 };
        let previous: Option<i64> = None;
        let draft = n >= RECEIVED;
        let state = if draft { "draft" } else { ["returned", "submitted", "accepted"][rng.weighted(&[6, 14, 80])] };
        let (number, submitted_at, due, screened_at, form03, reasons) = if draft {
            (None, None, None, None, "{}", "")
        } else {
            let day = date!(2026 - 07 - 01) + Duration::days(rng.range(0, 120));
            let seq = sequence.entry(commune.clone()).or_insert(0);
            *seq += 1;
            let number = evaluation::registration_number(u32::try_from(*seq).unwrap_or(0), "01", &commune, 2026);
            let submitted = day.midnight().assume_utc().unix_timestamp() + 3 * 3600 + rng.range(0, 8 * 3600);
            let due = calendar.add_working_days(day, domain::rules::current().screening_working_days);
            let screened = (state != "submitted").then(|| submitted + rng.range(1, 12) * 86_400);
            let (form03, reasons) = match state {
                "accepted" => (FORM03, ""),
                "returned" => ("{}", "Hồ sơ thiếu phiếu kết quả kiểm nghiệm còn hiệu lực (dữ liệu mẫu)."),
                _ => ("{}", ""),
            };
            (Some(number), Some(submitted), Some(due), screened, form03, reasons)
        };
        rows.push(vec![
            closed.into(),
            product_id.into(),
            producer_id.into(),
            "01".into(),
            commune.into(),
            kind.as_str().into(),
            number.into(),
            p.sheet.into(),
            "26/2026/QĐ-TTg".into(),
            samples.into(),
            scoring::input::answers_to_json(&answers).into(),
            total.into(),
            previous.into(),
            state.into(),
            submitted_at.into(),
            Value::from(due),
            // The calendar each deadline was counted on, as a filing records it.
            if due.is_some() { calendar.version.clone() } else { String::new() }.into(),
            screened_at.into(),
            form03.into(),
            reasons.into(),
            t.into(),
            t.into(),
        ]);
    }
    let written = rows.len();
    execute_values(
        tx,
        "INSERT INTO registration (round_id, product_id, producer_id, province_code, commune_code, kind, number, \
         sheet_code, criteria_version, samples, self_answers, self_total, previous_certificate_id, state, submitted_at, \
         screening_due, screening_calendar, screened_at, form03, return_reasons, created_at, updated_at)",
        "",
        22,
        rows,
    )
    .await?;
    let counters: Vec<Vec<Value>> =
        sequence.into_iter().map(|(commune, last)| vec![commune.into(), 2026i64.into(), last.into()]).collect();
    execute_values(
        tx,
        "INSERT INTO registration_sequence (commune_code, year, last_value)",
        " ON CONFLICT (commune_code, year) DO UPDATE SET last_value = CASE WHEN registration_sequence.last_value < \
         excluded.last_value THEN excluded.last_value ELSE registration_sequence.last_value END",
        3,
        counters,
    )
    .await?;
    Ok(written)
}

//! Demo traceability: lots with their supply-chain events (one lot recalled), an issued label
//! order per lot with serials drawn from the demo's seeded generator (so a demo label URL is the
//! same on every machine), and a few scans — one label scanned in Hà Nội and, half an hour
//! later, in Thành phố Hồ Chí Minh, which the anomaly rules flag.

use super::plan::TODAY_FOR_DEMO;
use super::rng::Rng;
use crate::audit::Who;
use crate::db::{execute, execute_values, fetch_all, fetch_one};
use crate::trace::epcis::{self, Resolved};
use crate::trace::scans::{self, ScanRecord};
use crate::{Result, Tx};
use domain::epcis::ObjectEvent;
use domain::gtin::Gtin;
use domain::scan_rules::{Cell, Rules};
use domain::serial::Serial;
use sea_orm::FromQueryResult;
use serde_json::json;
use time::{Duration, OffsetDateTime, Time, UtcOffset};

/// Products given lots and labels, labels per lot.
const PRODUCTS: i64 = 24;
const LABELS_PER_LOT: i64 = 100;

const DEMO_PRODUCTS: &str = "SELECT id FROM product WHERE demo = TRUE";

pub async fn clear(tx: &Tx) -> Result<()> {
    // Everything that points at a demo product, shoppers' reports and scans of labels never
    // issued included (a reload would otherwise fail on their foreign keys).
    let tables = [
        "label_report",
        "scan_attempt",
        "scan_alert",
        "scan",
        "scan_daily",
        "stamp",
        "stamp_order",
        "epcis_event",
        "lot",
    ];
    for table in tables {
        execute(tx, &format!("DELETE FROM {table} WHERE product_id IN ({DEMO_PRODUCTS})"), []).await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct Chosen {
    id: i64,
    gtin: String,
    producer_id: i64,
}

fn at(day: time::Date, hour: u8) -> OffsetDateTime {
    let vn = UtcOffset::from_hms(7, 0, 0).unwrap_or(UtcOffset::UTC);
    day.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT)).assume_offset(vn)
}

fn uuid(rng: &mut Rng) -> String {
    let h = format!("{:016x}{:016x}", rng.next(), rng.next());
    format!("urn:uuid:{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// Loads the demo's lots, events, labels and scans; returns how many labels were issued.
pub async fn load(tx: &Tx, seed: u64, t: i64) -> Result<usize> {
    let mut rng = Rng::new(seed ^ 0x7472_6163_6531);
    let chosen: Vec<Chosen> = fetch_all(
        tx,
        "SELECT id, gtin, producer_id FROM product WHERE demo = TRUE AND gtin IS NOT NULL AND certificate_id IS NOT NULL \
         AND certificate_revoked = FALSE AND certificate_expires_on >= $1 ORDER BY id LIMIT $2",
        [TODAY_FOR_DEMO.into(), PRODUCTS.into()],
    )
    .await?;
    let mut labels = 0;
    let mut scans_batch = Vec::new();
    for (i, p) in chosen.iter().enumerate() {
        let Ok(gtin) = Gtin::parse(&p.gtin) else { continue };
        for k in 0..2i64 {
            let produced = TODAY_FOR_DEMO - Duration::days(75 - 40 * k + domain::num::count(i) % 7);
            let code = format!("L{}{:02}-{:02}", produced.year() % 100, u8::from(produced.month()), i + 1);
            #[derive(FromQueryResult)]
            struct Id {
                id: i64,
            }
            let lot: Id = fetch_one(
                tx,
                "INSERT INTO lot (product_id, code, produced_on, expires_on, quantity, unit, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'sản phẩm', $6) RETURNING id",
                [
                    p.id.into(),
                    code.clone().into(),
                    produced.into(),
                    (produced + Duration::days(365)).into(),
                    rng.range(300, 3000).into(),
                    t.into(),
                ],
            )
            .await?;
            let class = format!("https://id.gs1.org/01/{}/10/{code}", gtin.gtin14());
            let sales_point = format!("urn:ocop:sales-point:01-{:03}", rng.range(1, 120));
            let mut steps = vec![
                ("commissioning", "active", produced, 8, format!("urn:ocop:producer:{}", p.producer_id)),
                (
                    "shipping",
                    "in_transit",
                    produced + Duration::days(2),
                    9,
                    format!("urn:ocop:producer:{}", p.producer_id),
                ),
                ("receiving", "sellable_accessible", produced + Duration::days(3), 15, sales_point.clone()),
            ];
            // One lot of the second product is recalled after an inspection.
            if i == 1 && k == 0 {
                steps.push(("inspecting", "recalled", produced + Duration::days(20), 10, sales_point));
            }
            let mut events = Vec::new();
            for (step, disposition, day, hour, place) in steps {
                let time = at(day, hour);
                let body = json!({
                    "type": "ObjectEvent",
                    "eventID": uuid(&mut rng),
                    "eventTime": time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    "eventTimeZoneOffset": "+07:00",
                    "action": if step == "commissioning" { "ADD" } else { "OBSERVE" },
                    "bizStep": step,
                    "disposition": disposition,
                    "quantityList": [{"epcClass": class, "quantity": 100, "uom": "H87"}],
                    "bizLocation": {"id": place},
                });
                let event = ObjectEvent::parse(&body).map_err(|e| crate::StoreError::Corrupt {
                    table: "epcis_event",
                    detail: format!("demo event: {}", e.key),
                })?;
                events.push(Resolved { event, product_id: p.id, lot_id: Some(lot.id) });
            }
            epcis::store(tx, &Who::system(), &events).await?;

            let order: Id = fetch_one(
                tx,
                "INSERT INTO stamp_order (product_id, lot_id, quantity, state, note, decided_at, created_at) \
                 VALUES ($1, $2, $3, 'issued', 'Dữ liệu mẫu', $4, $4) RETURNING id",
                [p.id.into(), lot.id.into(), LABELS_PER_LOT.into(), t.into()],
            )
            .await?;
            let mut serials = Vec::new();
            let rows = (0..LABELS_PER_LOT)
                .map(|position| {
                    let mut bytes = [0u8; 13];
                    for chunk in bytes.chunks_mut(8) {
                        let n = rng.next().to_le_bytes();
                        chunk.copy_from_slice(&n[..chunk.len()]);
                    }
                    let serial = Serial::from_random(bytes).as_str().to_owned();
                    serials.push(serial.clone());
                    vec![serial.into(), order.id.into(), p.id.into(), lot.id.into(), position.into(), t.into()]
                })
                .collect();
            execute_values(
                tx,
                "INSERT INTO stamp (serial, order_id, product_id, lot_id, position, issued_at)",
                "",
                6,
                rows,
            )
            .await?;
            labels += serials.len();

            // A few ordinary scans in Hà Nội on the first lots.
            if k == 0 {
                for (n, serial) in serials.iter().take(5).enumerate() {
                    for m in 0..=(n % 3) {
                        scans_batch.push(ScanRecord {
                            at: t - 86_400 * (10 - domain::num::count(n)) + 3_600 * domain::num::count(m),
                            product_id: p.id,
                            lot_id: Some(lot.id),
                            serial: Some(serial.clone()),
                            cell: Cell::from_degrees(21.03, 105.85),
                            agent: "mobile",
                            client: None,
                            attempt: None,
                        });
                    }
                }
                // The third product's first label turns up in Hồ Chí Minh City half an hour later
                // and in Đà Nẵng the next hour: three phones, enough for shoppers to be warned.
                if i == 2
                    && let Some(serial) = serials.first()
                {
                    for (later, lat, lon) in [(1_800, 10.78, 106.70), (5_400, 16.05, 108.20)] {
                        scans_batch.push(ScanRecord {
                            at: t - 86_400 * 10 + later,
                            product_id: p.id,
                            lot_id: Some(lot.id),
                            serial: Some(serial.clone()),
                            cell: Cell::from_degrees(lat, lon),
                            agent: "mobile",
                            client: None,
                            attempt: None,
                        });
                    }
                }
            }
        }
    }
    scans::record(tx, &scans_batch, Rules::default()).await?;
    Ok(labels)
}

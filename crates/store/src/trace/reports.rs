//! Shoppers' reports of labels the platform says are not genuine (`domain::reports`), and the
//! office's list of them.

use crate::audit::{self, Change, Who};
use crate::db::{count, fetch_all, fetch_one, fetch_optional};
use crate::products::Product;
use crate::{Result, Tx};
use domain::reports::ReportDraft;
use sea_orm::{ConnectionTrait, FromQueryResult};

/// A report as the page took it.
pub struct NewReport<'a> {
    pub product: &'a Product,
    /// What the page said (`trace::Outcome::as_str`).
    pub verdict: &'static str,
    /// The label's path as scanned.
    pub link: String,
    pub draft: ReportDraft,
    /// A JPEG made from the shopper's photo.
    pub photo: Option<Vec<u8>>,
    /// The pseudonymous origin (see `scans::Client`).
    pub origin: u64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Report {
    pub id: i64,
    pub created_at: i64,
    pub product_id: i64,
    pub product_name: String,
    pub product_code: String,
    pub province_code: String,
    pub verdict: String,
    pub link: String,
    pub place: String,
    pub message: String,
    pub contact: String,
    /// 1 when a photo came with it.
    pub photos: i64,
    /// When the office marked it handled, by whom (their name) and saying what.
    pub handled_at: Option<i64>,
    pub handled_by: Option<String>,
    pub handled_note: Option<String>,
}

/// Records a report; the shopper's words stay out of the audit log (the report is their record).
pub async fn create(tx: &Tx, r: NewReport<'_>) -> Result<i64> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let link: String = r.link.chars().take(300).collect();
    let row: Id = fetch_one(
        tx,
        "INSERT INTO label_report (created_at, product_id, province_code, verdict, link, place, message, contact, \
         photo, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        [
            crate::now().into(),
            r.product.id.into(),
            r.product.province_code.clone().into(),
            r.verdict.into(),
            link.into(),
            r.draft.place.into(),
            r.draft.message.into(),
            r.draft.contact.into(),
            r.photo.into(),
            super::scans::hex(r.origin).into(),
        ],
    )
    .await?;
    let change = Change::new("label_report.create", "label_report", row.id)
        .province(Some(&r.product.province_code))
        .after(&serde_json::json!({"product_id": r.product.id, "verdict": r.verdict}));
    audit::append(tx, &Who { user_id: None, label: "shopper".into() }, change).await?;
    Ok(row.id)
}

/// Reports about a product since an instant, from everyone: a flood stops at a product's limit
/// even when it comes from many addresses.
pub async fn recent_for_product(c: &impl ConnectionTrait, product_id: i64, since: i64) -> Result<i64> {
    count(
        c,
        "SELECT COUNT(*) AS n FROM label_report WHERE product_id = $1 AND created_at >= $2",
        [product_id.into(), since.into()],
    )
    .await
}

const SELECT: &str = "SELECT r.id, r.created_at, r.product_id, p.name AS product_name, p.code AS product_code, \
     r.province_code, r.verdict, r.link, r.place, r.message, r.contact, \
     CAST(CASE WHEN r.photo IS NULL THEN 0 ELSE 1 END AS BIGINT) AS photos, \
     r.handled_at, u.display_name AS handled_by, r.handled_note \
     FROM label_report r JOIN product p ON p.id = r.product_id LEFT JOIN app_user u ON u.id = r.handled_by";

/// The reports of a province (every province: `None`) since an instant, newest first.
pub async fn of_province(
    c: &impl ConnectionTrait,
    province: Option<&str>,
    since: i64,
    limit: i64,
) -> Result<Vec<Report>> {
    match province {
        Some(code) => {
            let sql = format!("{SELECT} WHERE r.province_code = $1 AND r.created_at >= $2 ORDER BY r.id DESC LIMIT $3");
            fetch_all(c, &sql, [code.into(), since.into(), limit.into()]).await
        }
        None => {
            let sql = format!("{SELECT} WHERE r.created_at >= $1 ORDER BY r.id DESC LIMIT $2");
            fetch_all(c, &sql, [since.into(), limit.into()]).await
        }
    }
}

#[derive(FromQueryResult)]
struct Province {
    province_code: String,
}

/// The province a report was sent to: whose office reads it and may act on it.
pub async fn province_of(c: &impl ConnectionTrait, id: i64) -> Result<Option<String>> {
    let row: Option<Province> =
        fetch_optional(c, "SELECT province_code FROM label_report WHERE id = $1", [id.into()]).await?;
    Ok(row.map(|r| r.province_code))
}

/// The office marks a report handled, saying what it did (audited). A report handled already
/// keeps its first handling: `false`.
pub async fn handle(tx: &Tx, who: &Who, id: i64, note: &str) -> Result<bool> {
    let at = crate::now();
    let marked: Option<Province> = fetch_optional(
        tx,
        "UPDATE label_report SET handled_at = $1, handled_by = $2, handled_note = $3 \
         WHERE id = $4 AND handled_at IS NULL RETURNING province_code",
        [at.into(), who.user_id.into(), note.into(), id.into()],
    )
    .await?;
    let Some(row) = marked else { return Ok(false) };
    let change = Change::new("label_report.handle", "label_report", id)
        .province(Some(&row.province_code))
        .after(&serde_json::json!({"handled_at": at, "note": note}));
    audit::append(tx, who, change).await?;
    Ok(true)
}

/// A report's province and photo, for the office (the caller authorizes through the province).
pub async fn photo(c: &impl ConnectionTrait, id: i64) -> Result<Option<(String, Vec<u8>)>> {
    #[derive(FromQueryResult)]
    struct Row {
        province_code: String,
        photo: Option<Vec<u8>>,
    }
    let row: Option<Row> =
        fetch_optional(c, "SELECT province_code, photo FROM label_report WHERE id = $1", [id.into()]).await?;
    Ok(row.and_then(|r| r.photo.map(|p| (r.province_code, p))))
}

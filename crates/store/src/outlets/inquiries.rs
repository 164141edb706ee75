//! Buyers' inquiries (kết nối cung cầu): a buyer without an account asks about a product, the
//! producer answers in a thread, the buyer follows it through a private link. The office sees
//! only the figures.

use crate::audit::{self, Change, Who};
use crate::db::{execute, fetch_all, fetch_one, fetch_optional, now};
use crate::{Page, Paged, Result, StoreError, Tx};
use domain::Invalid;
use domain::access::Listing;
use domain::outlets::{InquiryDraft, InquiryFact, InquiryState};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Inquiry {
    pub id: i64,
    pub product_id: i64,
    pub product_code: String,
    pub product_name: String,
    pub producer_id: i64,
    pub producer_name: String,
    pub province_code: String,
    pub commune_code: String,
    pub buyer_name: String,
    pub organisation: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub quantity: String,
    pub target_price_vnd: Option<i64>,
    pub state: String,
    /// `inquiry` or `complaint`.
    pub kind: String,
    pub created_at: i64,
    pub first_answer_at: Option<i64>,
    pub updated_at: i64,
    pub demo: bool,
}

impl Inquiry {
    pub fn state(&self) -> InquiryState {
        InquiryState::parse(&self.state).unwrap_or(InquiryState::Open)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct Message {
    pub id: i64,
    /// `buyer` or `producer`.
    pub author: String,
    pub body: String,
    pub created_at: i64,
}

const FROM: &str = "inquiry q JOIN product x ON x.id = q.product_id JOIN producer p ON p.id = q.producer_id";
const COLUMNS: &str = "q.id, q.product_id, x.code AS product_code, x.name AS product_name, q.producer_id, \
    p.name AS producer_name, x.province_code, x.commune_code, q.buyer_name, q.organisation, q.email, q.phone, \
    q.quantity, q.target_price_vnd, q.state, q.kind, q.created_at, q.first_answer_at, q.updated_at, q.demo";

/// The private link's secret: 128 random bits, hex; only its SHA-256 is stored.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Inquiry>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM {FROM} WHERE q.id = $1"), [id.into()]).await
}

pub async fn by_token(c: &impl ConnectionTrait, token: &str) -> Result<Option<Inquiry>> {
    fetch_optional(
        c,
        &format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE q.id = (SELECT inquiry_id FROM inquiry_token WHERE token_hash = $1)"
        ),
        [token_hash(token).into()],
    )
    .await
}

/// A new private link to an inquiry (for an e-mail to the buyer); every link made stays valid.
pub async fn issue_token(tx: &Tx, inquiry_id: i64) -> Result<String> {
    let token = new_token();
    execute(
        tx,
        "INSERT INTO inquiry_token (token_hash, inquiry_id, created_at) VALUES ($1, $2, $3)",
        [token_hash(&token).into(), inquiry_id.into(), now().into()],
    )
    .await?;
    Ok(token)
}

/// Inquiries about a product since `since` (unix seconds): the per-product limit.
pub async fn recent_for_product(c: &impl ConnectionTrait, product_id: i64, since: i64) -> Result<i64> {
    Ok(fetch_one::<crate::db::Count>(
        c,
        "SELECT COUNT(*) AS n FROM inquiry WHERE product_id = $1 AND created_at >= $2",
        [product_id.into(), since.into()],
    )
    .await?
    .n)
}

/// Records a buyer's inquiry and its first message; returns it and the private link's token.
pub async fn create(
    tx: &Tx,
    product: &crate::products::Product,
    d: &InquiryDraft,
    demo: bool,
) -> Result<(Inquiry, String)> {
    let t = now();
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let row: Id = fetch_one(
        tx,
        "INSERT INTO inquiry (product_id, producer_id, buyer_name, organisation, email, phone, quantity, \
         target_price_vnd, state, demo, created_at, updated_at, kind) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $10, $11) RETURNING id",
        [
            product.id.into(),
            product.producer_id.into(),
            d.name.clone().into(),
            d.organisation.clone().into(),
            d.email.as_ref().map(|e| e.as_str().to_owned()).into(),
            d.phone.as_ref().map(|p| p.as_str().to_owned()).into(),
            d.quantity.clone().into(),
            d.target_price.map(|v| v.dong()).into(),
            demo.into(),
            t.into(),
            if d.complaint { "complaint" } else { "inquiry" }.into(),
        ],
    )
    .await?;
    add_message(tx, row.id, "buyer", None, &d.message, t).await?;
    let token = issue_token(tx, row.id).await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    if !demo {
        // The buyer's contact details stay out of the audit log: who asked is the inquiry's own record.
        let change = Change::new("inquiry.create", "inquiry", row.id)
            .province(Some(&product.province_code))
            .after(&serde_json::json!({"product_id": product.id, "producer_id": product.producer_id}));
        audit::append(tx, &Who { user_id: None, label: "buyer".into() }, change).await?;
    }
    Ok((after, token))
}

async fn add_message(tx: &Tx, id: i64, author: &str, user: Option<i64>, body: &str, at: i64) -> Result<()> {
    execute(
        tx,
        "INSERT INTO inquiry_message (inquiry_id, author, author_user, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        [id.into(), author.into(), user.into(), body.into(), at.into()],
    )
    .await?;
    Ok(())
}

pub async fn messages(c: &impl ConnectionTrait, id: i64) -> Result<Vec<Message>> {
    fetch_all(
        c,
        "SELECT id, author, body, created_at FROM inquiry_message WHERE inquiry_id = $1 ORDER BY id",
        [id.into()],
    )
    .await
}

/// A message of the thread. The producer's first answer is when the inquiry was answered.
pub async fn reply(tx: &Tx, who: &Who, inquiry: &Inquiry, from_producer: bool, body: &str) -> Result<Inquiry> {
    let t = now();
    add_message(tx, inquiry.id, if from_producer { "producer" } else { "buyer" }, who.user_id, body, t).await?;
    if from_producer {
        execute(
            tx,
            "UPDATE inquiry SET first_answer_at = COALESCE(first_answer_at, $1), \
             state = CASE WHEN state = 'open' THEN 'answered' ELSE state END, updated_at = $1 WHERE id = $2",
            [t.into(), inquiry.id.into()],
        )
        .await?;
    } else {
        execute(tx, "UPDATE inquiry SET updated_at = $1 WHERE id = $2", [t.into(), inquiry.id.into()]).await?;
    }
    let change = Change::new("inquiry.reply", "inquiry", inquiry.id)
        .province(Some(&inquiry.province_code))
        .after(&serde_json::json!({"author": if from_producer { "producer" } else { "buyer" }}));
    audit::append(tx, who, change).await?;
    get(tx, inquiry.id).await?.ok_or(StoreError::NotFound)
}

/// The producer marks the outcome: won (a sale) or lost.
pub async fn settle(tx: &Tx, who: &Who, inquiry: &Inquiry, state: InquiryState) -> Result<Inquiry> {
    if !matches!(state, InquiryState::Won | InquiryState::Lost) {
        return Err(StoreError::Refused(Invalid::new("invalid-inquiry-state")));
    }
    execute(
        tx,
        "UPDATE inquiry SET state = $1, updated_at = $2 WHERE id = $3",
        [state.as_str().into(), now().into(), inquiry.id.into()],
    )
    .await?;
    let change = Change::new("inquiry.settle", "inquiry", inquiry.id)
        .province(Some(&inquiry.province_code))
        .before(&serde_json::json!({"state": inquiry.state}))
        .after(&serde_json::json!({"state": state.as_str()}));
    audit::append(tx, who, change).await?;
    get(tx, inquiry.id).await?.ok_or(StoreError::NotFound)
}

/// The inquiries a listing covers (a producer's own), unanswered first, newest first.
pub async fn search(c: &impl ConnectionTrait, listing: &Listing, page: Page) -> Result<Paged<Inquiry>> {
    let mut w = crate::db::Conditions::default();
    crate::producers::scope(&mut w, listing, "q.producer_id");
    let order = "CASE WHEN q.state = 'open' THEN 0 ELSE 1 END, q.created_at DESC, q.id DESC";
    w.page(c, COLUMNS, FROM, (order, Vec::new()), page).await
}

/// How many of the inquiries a listing covers wait for an answer.
pub async fn open_count(c: &impl ConnectionTrait, listing: &Listing) -> Result<i64> {
    let mut w = crate::db::Conditions::default();
    crate::producers::scope(&mut w, listing, "q.producer_id");
    w.raw("q.state = 'open'");
    w.count(c, FROM).await
}

/// What the office's figures read: every inquiry of the listing's province (or all) created
/// in `[from, to)` (unix seconds), with its product group and the producer's commune.
pub async fn facts(c: &impl ConnectionTrait, listing: &Listing, from: i64, to: i64) -> Result<Vec<InquiryFact>> {
    #[derive(FromQueryResult)]
    struct Row {
        created_at: i64,
        first_answer_at: Option<i64>,
        sheet_code: String,
        commune_code: String,
        state: String,
    }
    let mut sql = "SELECT q.created_at, q.first_answer_at, x.sheet_code, x.commune_code, q.state FROM inquiry q \
        JOIN product x ON x.id = q.product_id WHERE q.created_at >= $1 AND q.created_at < $2"
        .to_owned();
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    if let Some(p) = listing.province() {
        sql.push_str(" AND x.province_code = $3");
        values.push(p.as_str().into());
    }
    let set = crate::criteria::current().map_err(|e| StoreError::Corrupt { table: "criteria", detail: e })?;
    let vietnam = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    Ok(fetch_all::<Row>(c, &sql, values)
        .await?
        .into_iter()
        .map(|r| {
            let at = time::OffsetDateTime::from_unix_timestamp(r.created_at)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
                .to_offset(vietnam);
            InquiryFact {
                created_at: r.created_at,
                first_answer_at: r.first_answer_at,
                month: format!("{:04}-{:02}", at.year(), u8::from(at.month())),
                group: set.group_of(&r.sheet_code).map(|g| g.code.clone()).unwrap_or_default(),
                commune: r.commune_code,
                state: InquiryState::parse(&r.state).unwrap_or(InquiryState::Open),
            }
        })
        .collect())
}

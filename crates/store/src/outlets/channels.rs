//! A producer's sales channels (kênh bán hàng). The rows are the record; `producer.sales_channels`
//! keeps the kinds in force, as spreadsheets carry them, refreshed by every write here.

use crate::audit::{self, Change, Who};
use crate::db::{execute, fetch_all, fetch_in, fetch_one, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::outlets::{ChannelDraft, in_force};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Channel {
    pub id: i64,
    pub producer_id: i64,
    /// A kind of `data/outlets/channel-kinds.json`.
    pub kind: String,
    pub partner: String,
    pub url: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub since: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub until: Option<Date>,
}

impl Channel {
    pub fn in_force(&self, day: Date) -> bool {
        in_force(self.since, self.until, day)
    }

    pub fn draft(&self) -> ChannelDraft {
        ChannelDraft {
            kind: self.kind.clone(),
            partner: self.partner.clone(),
            url: self.url.clone(),
            since: self.since,
            until: self.until,
        }
    }
}

const COLUMNS: &str = "id, producer_id, kind, partner, url, since, until";

pub async fn of_producer(c: &impl ConnectionTrait, producer_id: i64) -> Result<Vec<Channel>> {
    fetch_all(
        c,
        &format!(
            "SELECT {COLUMNS} FROM sales_channel WHERE producer_id = $1 ORDER BY until IS NOT NULL, kind, partner, id"
        ),
        [producer_id.into()],
    )
    .await
}

/// The channels of several producers at once (a page of a list).
pub async fn of_producers(c: &impl ConnectionTrait, ids: &BTreeSet<i64>) -> Result<BTreeMap<i64, Vec<Channel>>> {
    let rows: Vec<Channel> =
        fetch_in(c, &format!("SELECT {COLUMNS} FROM sales_channel WHERE producer_id IN"), ids.iter().copied()).await?;
    let mut out: BTreeMap<i64, Vec<Channel>> = BTreeMap::new();
    for r in rows {
        out.entry(r.producer_id).or_default().push(r);
    }
    Ok(out)
}

pub async fn get(c: &impl ConnectionTrait, id: i64) -> Result<Option<Channel>> {
    fetch_optional(c, &format!("SELECT {COLUMNS} FROM sales_channel WHERE id = $1"), [id.into()]).await
}

async fn province_of(tx: &Tx, producer_id: i64) -> Result<String> {
    #[derive(FromQueryResult)]
    struct P {
        province_code: String,
    }
    let p: P = fetch_one(tx, "SELECT province_code FROM producer WHERE id = $1", [producer_id.into()]).await?;
    Ok(p.province_code)
}

pub async fn add(tx: &Tx, who: &Who, producer_id: i64, d: &ChannelDraft, today: Date) -> Result<Channel> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let t = now();
    let row: Id = fetch_one(
        tx,
        "INSERT INTO sales_channel (producer_id, kind, partner, url, since, until, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        [
            producer_id.into(),
            d.kind.clone().into(),
            d.partner.clone().into(),
            d.url.clone().into(),
            d.since.into(),
            d.until.into(),
            t.into(),
        ],
    )
    .await?;
    let after = get(tx, row.id).await?.ok_or(StoreError::NotFound)?;
    let province = province_of(tx, producer_id).await?;
    audit::append(
        tx,
        who,
        Change::new("channel.create", "sales_channel", row.id).province(Some(&province)).after(&after),
    )
    .await?;
    refresh_summary(tx, producer_id, today).await?;
    Ok(after)
}

pub async fn update(tx: &Tx, who: &Who, id: i64, d: &ChannelDraft, today: Date) -> Result<Channel> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    execute(
        tx,
        "UPDATE sales_channel SET kind = $1, partner = $2, url = $3, since = $4, until = $5, updated_at = $6 WHERE id = $7",
        [
            d.kind.clone().into(),
            d.partner.clone().into(),
            d.url.clone().into(),
            d.since.into(),
            d.until.into(),
            now().into(),
            id.into(),
        ],
    )
    .await?;
    let after = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let province = province_of(tx, before.producer_id).await?;
    let change =
        Change::new("channel.update", "sales_channel", id).province(Some(&province)).before(&before).after(&after);
    audit::append(tx, who, change).await?;
    refresh_summary(tx, before.producer_id, today).await?;
    Ok(after)
}

pub async fn delete(tx: &Tx, who: &Who, id: i64, today: Date) -> Result<()> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    execute(tx, "DELETE FROM sales_channel WHERE id = $1", [id.into()]).await?;
    let province = province_of(tx, before.producer_id).await?;
    audit::append(
        tx,
        who,
        Change::new("channel.delete", "sales_channel", id).province(Some(&province)).before(&before),
    )
    .await?;
    refresh_summary(tx, before.producer_id, today).await
}

/// Writes the kinds in force today into `producer.sales_channels` (sorted, comma-separated).
pub async fn refresh_summary(tx: &Tx, producer_id: i64, today: Date) -> Result<()> {
    let kinds: BTreeSet<String> =
        of_producer(tx, producer_id).await?.into_iter().filter(|c| c.in_force(today)).map(|c| c.kind).collect();
    let mut ordered: Vec<domain::producer::SalesChannel> =
        kinds.iter().filter_map(|k| domain::producer::SalesChannel::parse(k).ok()).collect();
    ordered.sort();
    execute(
        tx,
        "UPDATE producer SET sales_channels = $1 WHERE id = $2",
        [domain::producer::SalesChannel::join(&ordered).into(), producer_id.into()],
    )
    .await?;
    Ok(())
}

/// Brings the rows in line with a list of kinds written into `producer.sales_channels` (by an
/// import or the API's producer record): a kind listed without a channel in force gets one; a
/// channel in force whose kind is no longer listed ends today. Channels with partners and
/// addresses are kept as they are when their kind stays listed.
pub async fn sync_kinds(tx: &Tx, producer_ids: &[i64], today: Date) -> Result<()> {
    #[derive(FromQueryResult)]
    struct Listed {
        id: i64,
        sales_channels: String,
    }
    let ids: BTreeSet<i64> = producer_ids.iter().copied().collect();
    let listed: Vec<Listed> =
        fetch_in(tx, "SELECT id, sales_channels FROM producer WHERE id IN", ids.iter().copied()).await?;
    let mut existing = of_producers(tx, &ids).await?;
    let t = now();
    let mut new_rows: Vec<Vec<sea_orm::Value>> = Vec::new();
    for p in listed {
        let want: BTreeSet<&str> = p.sales_channels.split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
        let have = existing.remove(&p.id).unwrap_or_default();
        let in_force: Vec<&Channel> = have.iter().filter(|c| c.in_force(today)).collect();
        for kind in &want {
            if !in_force.iter().any(|c| c.kind == *kind) {
                new_rows.push(vec![p.id.into(), (*kind).into(), "".into(), t.into(), t.into()]);
            }
        }
        // Ended yesterday: no longer in force today.
        let ended = today.previous_day().unwrap_or(today);
        for c in in_force.iter().filter(|c| !want.contains(c.kind.as_str())) {
            execute(
                tx,
                "UPDATE sales_channel SET until = $1, updated_at = $2 WHERE id = $3",
                [ended.into(), t.into(), c.id.into()],
            )
            .await?;
        }
    }
    crate::db::execute_values(
        tx,
        "INSERT INTO sales_channel (producer_id, kind, partner, created_at, updated_at)",
        "",
        5,
        new_rows,
    )
    .await
}

//! Product photos: stored with their thumbnail, ordered, at most [`MAX_PER_PRODUCT`] each.

use crate::audit::{self, Change, Who};
use crate::db::{count, execute, fetch_all, fetch_optional, now};
use crate::{Result, StoreError, Tx};
use domain::{FieldErrors, Invalid};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

pub const MAX_PER_PRODUCT: i64 = 8;

/// A photo checked by `media::prepare`, ready to store.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub thumb: Vec<u8>,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
}

/// What a page needs to show a photo.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult, Serialize)]
pub struct PhotoInfo {
    pub id: i64,
    pub product_id: i64,
    pub position: i64,
    pub content_type: String,
    pub sha256: String,
    pub width: i64,
    pub height: i64,
    pub size: i64,
}

const INFO: &str = "id, product_id, position, content_type, sha256, width, height, size";

/// Adds photos to a product, after its last one. Refuses to go beyond the limit.
pub async fn add(tx: &Tx, who: &Who, product_id: i64, province: &str, photos: Vec<NewPhoto>) -> Result<Vec<i64>> {
    let held = count(tx, "SELECT COUNT(*) AS n FROM product_photo WHERE product_id = $1", [product_id.into()]).await?;
    if held + domain::num::count(photos.len()) > MAX_PER_PRODUCT {
        let why = Invalid::new("invalid-photo-count").with("max", MAX_PER_PRODUCT);
        return Err(StoreError::Invalid(FieldErrors::single("photos", why)));
    }
    let last = count(
        tx,
        "SELECT COALESCE(MAX(position), 0) AS n FROM product_photo WHERE product_id = $1",
        [product_id.into()],
    )
    .await?;
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let mut ids = Vec::with_capacity(photos.len());
    for (i, p) in photos.into_iter().enumerate() {
        let size = domain::num::count(p.bytes.len());
        let id = fetch_optional::<Id>(
            tx,
            "INSERT INTO product_photo (product_id, position, content_type, bytes, thumb, sha256, width, height, size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            [
                product_id.into(),
                (last + 1 + domain::num::count(i)).into(),
                p.content_type.into(),
                p.bytes.into(),
                p.thumb.into(),
                p.sha256.clone().into(),
                i64::from(p.width).into(),
                i64::from(p.height).into(),
                size.into(),
                now().into(),
            ],
        )
        .await?
        .ok_or(StoreError::NotFound)?
        .id;
        let after = serde_json::json!({ "product_id": product_id, "sha256": p.sha256, "content_type": p.content_type, "size": size });
        audit::append(tx, who, Change::new("photo.add", "photo", id).province(Some(province)).after(&after)).await?;
        ids.push(id);
    }
    Ok(ids)
}

pub async fn of_product(c: &impl ConnectionTrait, product_id: i64) -> Result<Vec<PhotoInfo>> {
    fetch_all(
        c,
        &format!("SELECT {INFO} FROM product_photo WHERE product_id = $1 ORDER BY position"),
        [product_id.into()],
    )
    .await
}

/// The first photo of each of these products (for the thumbnails of a list).
pub async fn first_of(
    c: &impl ConnectionTrait,
    products: &std::collections::BTreeSet<i64>,
) -> Result<std::collections::HashMap<i64, i64>> {
    #[derive(FromQueryResult)]
    struct Row {
        product_id: i64,
        id: i64,
        position: i64,
    }
    let rows: Vec<Row> = crate::db::fetch_in(
        c,
        "SELECT product_id, id, position FROM product_photo WHERE product_id IN",
        products.iter().copied(),
    )
    .await?;
    let mut first: std::collections::HashMap<i64, (i64, i64)> = std::collections::HashMap::new();
    for r in rows {
        let e = first.entry(r.product_id).or_insert((r.position, r.id));
        if (r.position, r.id) < *e {
            *e = (r.position, r.id);
        }
    }
    Ok(first.into_iter().map(|(product, (_, id))| (product, id)).collect())
}

pub async fn info(c: &impl ConnectionTrait, id: i64) -> Result<Option<PhotoInfo>> {
    fetch_optional(c, &format!("SELECT {INFO} FROM product_photo WHERE id = $1"), [id.into()]).await
}

/// The photo's bytes, or its thumbnail's.
pub async fn content(c: &impl ConnectionTrait, id: i64, thumb: bool) -> Result<Option<Vec<u8>>> {
    #[derive(FromQueryResult)]
    struct Content {
        data: Vec<u8>,
    }
    let column = if thumb { "thumb" } else { "bytes" };
    Ok(fetch_optional::<Content>(c, &format!("SELECT {column} AS data FROM product_photo WHERE id = $1"), [id.into()])
        .await?
        .map(|c| c.data))
}

pub async fn delete(tx: &Tx, who: &Who, id: i64, province: &str) -> Result<()> {
    let photo = info(tx, id).await?.ok_or(StoreError::NotFound)?;
    execute(tx, "DELETE FROM product_photo WHERE id = $1", [id.into()]).await?;
    audit::append(tx, who, Change::new("photo.delete", "photo", id).province(Some(province)).before(&photo)).await?;
    Ok(())
}

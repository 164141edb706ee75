//! Reference data kept in step with the binary: the administrative units, and the Vietnamese
//! sort keys (rebuilt when the collation library changes, since ICU keys are not stable across
//! versions). `ocop migrate` and `ocop serve` call [`ensure`] after the schema migrations.

use crate::db::{execute, fetch_all, fetch_optional, now};
use crate::{Db, Result, units};
use domain::text::{COLLATION, sort_key};
use sea_orm::FromQueryResult;

/// What [`ensure`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ensured {
    pub units_loaded: bool,
    pub sort_keys_rebuilt: u64,
}

pub async fn ensure(db: &Db) -> Result<Ensured> {
    crate::criteria::current().map_err(|detail| crate::StoreError::Corrupt { table: "criteria", detail })?;
    let units_loaded = units::ensure_loaded(db).await?;
    let sort_keys_rebuilt = ensure_collation(db).await?;
    Ok(Ensured { units_loaded, sort_keys_rebuilt })
}

async fn ensure_collation(db: &Db) -> Result<u64> {
    #[derive(FromQueryResult)]
    struct Marker {
        checksum: String,
    }
    let marker =
        fetch_optional::<Marker>(db.conn(), "SELECT checksum FROM ocop_dataset WHERE name = 'collation'", []).await?;
    if marker.is_some_and(|m| m.checksum == COLLATION) {
        return Ok(0);
    }
    #[derive(FromQueryResult)]
    struct Named {
        id: i64,
        name: String,
    }
    let tx = db.write().await?;
    let mut rebuilt = 0;
    for table in ["producer", "product"] {
        for row in fetch_all::<Named>(&tx, &format!("SELECT id, name FROM {table}"), []).await? {
            let sql = format!("UPDATE {table} SET sort_key = $1 WHERE id = $2");
            rebuilt += execute(&tx, &sql, [sort_key(&row.name).into(), row.id.into()]).await?;
        }
    }
    execute(
        &tx,
        "INSERT INTO ocop_dataset (name, checksum, loaded_at) VALUES ('collation', $1, $2) \
         ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, loaded_at = excluded.loaded_at",
        [COLLATION.into(), now().into()],
    )
    .await?;
    tx.commit().await?;
    Ok(rebuilt)
}

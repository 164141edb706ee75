//! The producers a file names, found once for all its rows: by tax code, by platform code (a
//! producer merged into another stands for that one), or by name in a commune.

use domain::text::fold;
use std::collections::{BTreeSet, HashMap};
use store::Db;
use store::producers::{self, Placed};

pub(super) struct Owners {
    by_tax: HashMap<String, i64>,
    by_id: HashMap<i64, Placed>,
    by_name: HashMap<(String, String), Vec<i64>>,
}

impl Owners {
    pub(super) async fn load(
        db: &Db,
        taxes: &BTreeSet<String>,
        ids: &BTreeSet<i64>,
        communes: &BTreeSet<String>,
    ) -> store::Result<Owners> {
        let found = producers::placed(db.conn(), taxes, ids, communes).await?;
        let mut owners = Owners { by_tax: HashMap::new(), by_id: HashMap::new(), by_name: HashMap::new() };
        for p in found {
            if let Some(t) = &p.tax_code {
                owners.by_tax.insert(t.clone(), p.id);
            }
            if p.merged_into.is_none() {
                owners.by_name.entry((p.commune_code.clone(), fold(&p.name))).or_default().push(p.id);
            }
            owners.by_id.insert(p.id, p);
        }
        Ok(owners)
    }

    /// A producer by id; one merged into another stands for that one.
    pub(super) fn live(&self, id: i64) -> Option<&Placed> {
        let p = self.by_id.get(&id)?;
        self.by_id.get(&p.merged_into.unwrap_or(p.id))
    }

    pub(super) fn by_tax(&self, tax_code: &str) -> Option<&Placed> {
        self.by_tax.get(tax_code).and_then(|id| self.live(*id))
    }

    /// Every producer found, as the one it stands for.
    pub(super) fn ids(&self) -> BTreeSet<i64> {
        self.by_id.values().map(|p| p.merged_into.unwrap_or(p.id)).collect()
    }

    /// The producers (not merged away, deleted ones included) of this name in a commune.
    pub(super) fn named(&self, commune: &str, name: &str) -> Vec<&Placed> {
        self.by_name
            .get(&(commune.trim().to_owned(), fold(name)))
            .map(|ids| ids.iter().filter_map(|id| self.by_id.get(id)).collect())
            .unwrap_or_default()
    }
}

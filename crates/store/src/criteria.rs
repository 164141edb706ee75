//! The criteria set in force, compiled in from `data/criteria/` and checked at first use.

use domain::criteria::CriteriaSet;
use std::sync::LazyLock;

const CURRENT_JSON: &str = include_str!("../../../data/criteria/ocop-criteria-2026.json");

static CURRENT: LazyLock<Result<CriteriaSet, String>> = LazyLock::new(|| CriteriaSet::from_json(CURRENT_JSON));

/// The set new evaluations and new products use (Decision 26/2026/QĐ-TTg). An embedded file that
/// does not load is a build defect; `ocop migrate` checks it before anything serves.
pub fn current() -> Result<&'static CriteriaSet, String> {
    CURRENT.as_ref().map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_set_loads() {
        let set = super::current().expect("embedded criteria");
        assert_eq!(set.sheets().count(), 26);
    }
}

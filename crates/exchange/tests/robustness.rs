//! Import files as a hostile client might send them: random bytes, CSV text of any shape, and a
//! real workbook with bytes changed. Reading refuses or returns rows; it never panics, and never
//! returns more than the limits allow. `scripts/fuzz` runs these for minutes.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use exchange::sheet::{self, MAX_COLUMNS, MAX_ROWS};
use exchange::{Format, Kind, export};
use proptest::prelude::*;
use std::sync::LazyLock;

static TEMPLATE: LazyLock<Vec<u8>> =
    LazyLock::new(|| export::template(Kind::Producers, Format::Xlsx).expect("template"));

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    for kind in [Kind::Producers, Kind::Products] {
        if let Ok(rows) = sheet::read(bytes, kind.columns()).map(|t| t.rows) {
            prop_assert!(rows.len() <= MAX_ROWS);
            for row in &rows {
                prop_assert!(row.values.len() <= MAX_COLUMNS);
                prop_assert!(row.values.values().all(|v| !v.contains('\0')));
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes)?;
    }

    #[test]
    fn csv_text(header in "(Tên chủ thể|Loại hình|Mã tỉnh|Mã xã|Mã số thuế|[^\n]{0,12})([,;](Tên chủ thể|Loại hình|Mã xã|[^\n]{0,12})){0,6}",
                rows in proptest::collection::vec("[^\n]{0,80}", 0..20)) {
        let text = format!("{header}\n{}", rows.join("\n"));
        check(text.as_bytes())?;
    }

    #[test]
    fn damaged_workbooks(changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = TEMPLATE.clone();
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        check(&bytes)?;
    }
}

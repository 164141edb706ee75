//! Support records (hỗ trợ): money the programme pays a producer for a purpose, and the label
//! quota a "labels and stamps" record funds.

use super::{LABELS_PURPOSE, coded, supervision};
use crate::money::Vnd;
use crate::registry::{optional, parse_date, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SupportInput {
    /// The producer's id.
    pub producer: String,
    /// The product's id or code, if the support is for one product.
    pub product: String,
    /// A purpose of the data: `quality_test`, `labels`, `qr_system`, `brand`, `packaging`, `fairs`, …
    pub purpose: String,
    /// `province`, `commune`, `programme`, `other`.
    pub funder: String,
    /// Whole đồng.
    pub amount: String,
    /// The decision that grants it (số quyết định).
    pub decision: String,
    pub decided_on: String,
    /// For `labels`: how many labels it funds for the product in the decision's year.
    pub funded_labels: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportDraft {
    pub producer: i64,
    /// The product as typed (id or code); the store finds it.
    pub product: Option<String>,
    pub purpose: String,
    pub funder: String,
    pub amount: Vnd,
    pub decision: String,
    pub decided_on: Date,
    pub funded_labels: Option<i64>,
}

impl SupportDraft {
    /// The year whose label quota the record adds to.
    pub fn year(&self) -> i32 {
        self.decided_on.year()
    }
}

impl SupportInput {
    pub fn parse(&self, today: Date) -> Result<SupportDraft, FieldErrors> {
        let rules = supervision();
        let mut e = FieldErrors::new();
        let producer = e.check(
            "producer",
            match self.producer.trim() {
                "" => Err(Invalid::new("invalid-required")),
                s => s.parse::<i64>().map_err(|_| Invalid::new("invalid-support-producer")),
            },
        );
        let product = e.check("product", optional(&self.product, |s| required_text(s, 40)));
        let purpose = e.check(
            "purpose",
            coded(&rules.support_purposes, &self.purpose, "invalid-support-purpose").map(|c| c.code.clone()),
        );
        let funder =
            e.check("funder", coded(&rules.funders, &self.funder, "invalid-support-funder").map(|c| c.code.clone()));
        let amount = e.check(
            "amount",
            Vnd::parse(&self.amount).and_then(|v| if v.dong() > 0 { Ok(v) } else { Err(Invalid::new("invalid-vnd")) }),
        );
        let decision = e.check("decision", required_text(&self.decision, 100));
        let decided_on = e.check("decided_on", parse_date(&self.decided_on));
        if let Some(d) = decided_on
            && d > today
        {
            e.add("decided_on", Invalid::new("invalid-date-future"));
        }
        let max = rules.funded_labels_per_product_per_year;
        let funded_labels = e.check(
            "funded_labels",
            optional(&self.funded_labels, |s| match s.trim().replace(['.', ','], "").parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Invalid::new("invalid-funded-labels").with("max", max)),
            }),
        );
        if let (Some(Some(_)), Some(purpose)) = (funded_labels, &purpose) {
            if purpose != LABELS_PURPOSE {
                e.add("funded_labels", Invalid::new("invalid-funded-labels-purpose"));
            } else if matches!(product, Some(None)) {
                e.add("product", Invalid::new("invalid-funded-labels-product"));
            }
        }
        match (producer, product, purpose, funder, amount, decision, decided_on, funded_labels) {
            (
                Some(producer),
                Some(product),
                Some(purpose),
                Some(funder),
                Some(amount),
                Some(decision),
                Some(decided_on),
                Some(funded_labels),
            ) if e.is_empty() => {
                Ok(SupportDraft { producer, product, purpose, funder, amount, decision, decided_on, funded_labels })
            }
            _ => Err(e),
        }
    }
}

/// A label order against a product's funded quota for the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaUse {
    /// Labels funded for the product this year (0: none).
    pub granted: i64,
    /// Labels already ordered against it (orders issued or waiting).
    pub used: i64,
    /// What is left before this order.
    pub remaining: i64,
    /// Labels of this order the quota funds.
    pub funded: i64,
    /// Labels of this order beyond the quota: the office decides, the order is not auto-issued.
    pub beyond: i64,
}

/// How an order of `quantity` labels draws on a quota of `granted` of which `used` are ordered.
/// A product with no quota has nothing funded and nothing "beyond": its orders are its own.
pub fn quota_use(granted: i64, used: i64, quantity: i64) -> QuotaUse {
    let remaining = (granted - used).max(0);
    let funded = quantity.clamp(0, remaining);
    let beyond = if granted > 0 { quantity - funded } else { 0 };
    QuotaUse { granted, used, remaining, funded, beyond }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> SupportInput {
        SupportInput {
            producer: "7".into(),
            product: "12".into(),
            purpose: "labels".into(),
            funder: "province".into(),
            amount: "3.000.000".into(),
            decision: "123/QĐ-UBND".into(),
            decided_on: "15/03/2026".into(),
            funded_labels: "2.000".into(),
        }
    }

    #[test]
    fn support_records_are_checked_against_the_data() {
        let today = date!(2026 - 04 - 01);
        let d = input().parse(today).expect("valid");
        assert_eq!((d.amount.dong(), d.funded_labels, d.year()), (3_000_000, Some(2000), 2026));
        let too_many = SupportInput { funded_labels: "2001".into(), ..input() };
        assert_eq!(
            too_many.parse(today).expect_err("over").get("funded_labels").map(|i| i.key),
            Some("invalid-funded-labels")
        );
        let wrong_purpose = SupportInput { purpose: "brand".into(), ..input() };
        assert_eq!(
            wrong_purpose.parse(today).expect_err("purpose").get("funded_labels").map(|i| i.key),
            Some("invalid-funded-labels-purpose")
        );
        let no_product = SupportInput { product: String::new(), ..input() };
        assert!(no_product.parse(today).is_err());
        let unknown = SupportInput { purpose: "yacht".into(), funder: "bank".into(), amount: "1,5".into(), ..input() };
        let e = unknown.parse(today).expect_err("unknown");
        assert!(e.get("purpose").is_some() && e.get("funder").is_some() && e.get("amount").is_some());
        let zero = SupportInput { amount: "0".into(), ..input() };
        assert!(zero.parse(today).is_err());
        let plain = SupportInput {
            purpose: "quality_test".into(),
            funded_labels: String::new(),
            product: String::new(),
            ..input()
        };
        assert_eq!(plain.parse(today).expect("valid").product, None);
    }

    #[test]
    fn orders_draw_on_the_quota_and_what_is_beyond_is_flagged() {
        assert_eq!(
            quota_use(2000, 0, 500),
            QuotaUse { granted: 2000, used: 0, remaining: 2000, funded: 500, beyond: 0 }
        );
        assert_eq!(
            quota_use(2000, 1800, 500),
            QuotaUse { granted: 2000, used: 1800, remaining: 200, funded: 200, beyond: 300 }
        );
        assert_eq!(quota_use(2000, 2500, 10).beyond, 10);
        assert_eq!(quota_use(0, 0, 10), QuotaUse { granted: 0, used: 0, remaining: 0, funded: 0, beyond: 0 });
    }
}

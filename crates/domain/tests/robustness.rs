//! Every parser of outside input either accepts or refuses with a message: none panics, none
//! accepts what its own output would not parse back. Hostile strings come from proptest:
//! arbitrary Unicode, and mutations of valid inputs. CI runs the default 256 cases each;
//! `scripts/fuzz` runs them for minutes (`PROPTEST_CASES`).

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::criteria::CriteriaSet;
use domain::digital_link::DigitalLink;
use domain::epcis::{ObjectEvent, events_of};
use domain::gtin::Gtin;
use domain::phone::PhoneNumber;
use domain::registry::{ProducerInput, ProductInput};
use domain::tax_code::TaxCode;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::LazyLock;

static SET: LazyLock<CriteriaSet> = LazyLock::new(|| {
    CriteriaSet::from_json(include_str!("../../../data/criteria/ocop-criteria-2026.json")).expect("criteria")
});

/// Text a hostile client might send: any characters, Vietnamese, digits, separators, controls.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 ./-]{0,20}",
        "[0-9A-Za-zĐđăâêôơư/%?=&._~-]{0,60}",
        "(/[0-9]{1,3}/[A-Za-z0-9%._-]{0,25}){0,6}",
        "[\\x00-\\x1f\u{fffd}\u{202e}]{0,8}",
    ]
}

/// An arbitrary JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        hostile().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("eventID".to_owned()),
                    Just("eventTime".to_owned()),
                    Just("bizStep".to_owned()),
                    Just("epcList".to_owned()),
                    Just("quantityList".to_owned()),
                    Just("epcisBody".to_owned()),
                    Just("eventList".to_owned()),
                    Just("answers".to_owned()),
                    Just("members".to_owned()),
                    Just("sheet".to_owned()),
                    hostile(),
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn digital_link_paths(path in hostile()) {
        if let Ok(link) = DigitalLink::parse(&path) {
            // What is accepted prints in the canonical form, which reads back the same.
            let again = DigitalLink::parse(&link.path()).expect("canonical form parses");
            prop_assert_eq!(again.path(), link.path());
        }
    }

    #[test]
    fn tax_codes(raw in hostile()) {
        if let Ok(code) = TaxCode::parse(&raw) {
            prop_assert_eq!(TaxCode::parse(code.as_str()).map(|c| c.as_str().to_owned()), Ok(code.as_str().to_owned()));
        }
    }

    #[test]
    fn gtins(raw in hostile()) {
        if let Ok(g) = Gtin::parse(&raw) {
            prop_assert_eq!(g.gtin14().len(), 14);
            prop_assert!(Gtin::parse(&g.gtin14()).is_ok());
        }
    }

    #[test]
    fn phone_numbers(raw in hostile()) {
        if let Ok(p) = PhoneNumber::parse(&raw) {
            prop_assert!(PhoneNumber::parse(p.as_str()).is_ok());
            prop_assert!(p.international().starts_with("+84"));
        }
    }

    #[test]
    fn registry_rows(fields in proptest::collection::vec(hostile(), 16)) {
        let producer = ProducerInput {
            legal_type: fields[0].clone(), name: fields[1].clone(), tax_code: fields[2].clone(),
            representative: fields[3].clone(), phone: fields[4].clone(), email: fields[5].clone(),
            province: fields[6].clone(), commune: fields[7].clone(), street: fields[8].clone(),
            old_district: fields[9].clone(), old_commune: fields[10].clone(), established_on: fields[11].clone(),
            members_count: fields[12].clone(), sales_channels: fields[13].clone(),
        };
        if let Ok(d) = producer.parse() {
            // Whatever is accepted is stored as NFC text without control characters.
            prop_assert!(!d.name.chars().any(char::is_control));
            let again = ProducerInput::from_draft(&d).parse();
            prop_assert_eq!(again.as_ref(), Ok(&d));
        }
        let product = ProductInput {
            name: fields[1].clone(), sheet: fields[14].clone(), gtin: fields[15].clone(),
            price: fields[4].clone(), ..ProductInput::default()
        };
        let _ = product.parse(1, &SET);
    }

    #[test]
    fn epcis_json(body in json_value()) {
        if let Ok(events) = events_of(&body) {
            for e in events {
                if let Ok(event) = ObjectEvent::parse(e) {
                    // An accepted event's canonical JSON is itself accepted, unchanged.
                    let back = ObjectEvent::parse(&event.to_json()).expect("canonical event parses");
                    prop_assert_eq!(back.to_json(), event.to_json());
                }
            }
        }
    }

    #[test]
    fn criteria_answers(body in json_value(), sheet in 1u8..=26) {
        let _ = domain::scoring::input::parse(&body.to_string());
        let mut card = body;
        if let Value::Object(m) = &mut card {
            m.insert("sheet".into(), json!(format!("{sheet:02}")));
        }
        if let Ok(input) = domain::scoring::input::parse(&card.to_string())
            && let Ok(s) = SET.parse_sheet(input.sheet.as_deref().unwrap_or("01"))
            && let Ok(outcome) = domain::scoring::evaluate(&SET, s, &input.cards, domain::scoring::Rules::default())
        {
            prop_assert!((0.0..=100.0).contains(&outcome.total()));
        }
    }
}

//! Kết nối cung cầu: a buyer's inquiry about a product, its thread, and the office's figures.

use crate::email::Email;
use crate::money::Vnd;
use crate::phone::PhoneNumber;
use crate::registry::{optional, optional_text, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryState {
    /// Waiting for the producer's first answer.
    Open,
    Answered,
    /// The producer marked it a sale.
    Won,
    Lost,
}

impl InquiryState {
    pub const ALL: [InquiryState; 4] =
        [InquiryState::Open, InquiryState::Answered, InquiryState::Won, InquiryState::Lost];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryState::Open => "open",
            InquiryState::Answered => "answered",
            InquiryState::Won => "won",
            InquiryState::Lost => "lost",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        InquiryState::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::new("invalid-inquiry-state"))
    }
}

/// The form on a public product page. `website` is a field people do not see: a robot that fills
/// it in is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InquiryInput {
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub phone: String,
    pub quantity: String,
    pub target_price: String,
    pub message: String,
    /// `inquiry` (the default) or `complaint`: a buyer reporting a problem with the product.
    pub kind: String,
    pub website: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryDraft {
    pub name: String,
    pub organisation: String,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub quantity: String,
    pub target_price: Option<Vnd>,
    pub message: String,
    /// A complaint about the product rather than a question to buy: it counts in the office's
    /// choice of whom to inspect.
    pub complaint: bool,
}

pub const MAX_MESSAGE: usize = 2000;

impl InquiryInput {
    pub fn parse(&self) -> Result<InquiryDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        if !self.website.trim().is_empty() {
            e.add("website", Invalid::new("invalid-inquiry-robot"));
            return Err(e);
        }
        let name = e.check("name", required_text(&self.name, 100));
        let organisation = e.check("organisation", optional_text(&self.organisation, 200));
        let email = e.check("email", optional(&self.email, Email::parse));
        let phone = e.check("phone", optional(&self.phone, PhoneNumber::parse));
        if matches!((&email, &phone), (Some(None), Some(None))) {
            e.add("email", Invalid::new("invalid-inquiry-contact"));
        }
        let quantity = e.check("quantity", optional_text(&self.quantity, 100));
        let target_price = e.check("target_price", optional(&self.target_price, Vnd::parse));
        let message =
            e.check("message", required_text(&self.message, MAX_MESSAGE).and_then(|_| message(&self.message)));
        let complaint = e.check(
            "kind",
            match self.kind.trim() {
                "" | "inquiry" => Ok(false),
                "complaint" => Ok(true),
                _ => Err(Invalid::new("invalid-inquiry-kind")),
            },
        );
        match (name, organisation, email, phone, quantity, target_price, message, complaint) {
            (
                Some(name),
                Some(organisation),
                Some(email),
                Some(phone),
                Some(quantity),
                Some(target_price),
                Some(message),
                Some(complaint),
            ) if e.is_empty() => {
                Ok(InquiryDraft { name, organisation, email, phone, quantity, target_price, message, complaint })
            }
            _ => Err(e),
        }
    }
}

/// A message of the thread, from either side: required, at most 2,000 characters, line breaks kept.
pub fn message(raw: &str) -> Result<String, Invalid> {
    let text = optional_text(raw, MAX_MESSAGE)?;
    if text.is_empty() { Err(Invalid::new("invalid-required")) } else { Ok(text) }
}

/// A reply as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageDraft {
    pub body: String,
}

/// What the office's figures read of one inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryFact {
    /// Unix seconds.
    pub created_at: i64,
    pub first_answer_at: Option<i64>,
    /// `yyyy-mm` in Vietnam's time.
    pub month: String,
    /// Product group (I … VI) of the product asked about.
    pub group: String,
    pub commune: String,
    pub state: InquiryState,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InquiryStats {
    pub total: usize,
    pub by_month: BTreeMap<String, usize>,
    pub by_group: BTreeMap<String, usize>,
    pub by_commune: BTreeMap<String, usize>,
    pub answered: usize,
    pub won: usize,
    /// Median hours from the inquiry to the producer's first answer, of those answered.
    pub median_hours_to_answer: Option<f64>,
    /// Share of all inquiries answered within 3 days (0–1); `None` when there are none.
    pub answered_within_3_days: Option<f64>,
}

pub fn inquiry_stats(facts: &[InquiryFact]) -> InquiryStats {
    let mut s = InquiryStats { total: facts.len(), ..InquiryStats::default() };
    let mut waits: Vec<i64> = Vec::new();
    for f in facts {
        *s.by_month.entry(f.month.clone()).or_default() += 1;
        *s.by_group.entry(f.group.clone()).or_default() += 1;
        *s.by_commune.entry(f.commune.clone()).or_default() += 1;
        if let Some(at) = f.first_answer_at {
            s.answered += 1;
            waits.push((at - f.created_at).max(0));
        }
        if f.state == InquiryState::Won {
            s.won += 1;
        }
    }
    waits.sort_unstable();
    s.median_hours_to_answer = match waits.len() {
        0 => None,
        n if n % 2 == 1 => Some(waits[n / 2] as f64 / 3600.0),
        n => Some((waits[n / 2 - 1] + waits[n / 2]) as f64 / 7200.0),
    };
    let within = waits.iter().filter(|w| **w <= 3 * 24 * 3600).count();
    s.answered_within_3_days = (!facts.is_empty()).then(|| within as f64 / facts.len() as f64);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buyer() -> InquiryInput {
        InquiryInput {
            name: "Trần Minh Châu".into(),
            organisation: "Chuỗi cửa hàng Nông sản sạch".into(),
            email: "chau@nongsan.vn".into(),
            quantity: "200 hũ/tháng".into(),
            target_price: "150.000".into(),
            message: "Xin báo giá mật ong hoa nhãn\nGiao tại Hà Nội.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_inquiry_needs_a_way_back_and_no_robot() {
        let d = buyer().parse().expect("valid");
        assert_eq!(d.message, "Xin báo giá mật ong hoa nhãn\nGiao tại Hà Nội.");
        let none = InquiryInput { email: String::new(), ..buyer() };
        assert_eq!(none.parse().err().and_then(|e| e.get("email").map(|w| w.key)), Some("invalid-inquiry-contact"));
        let phone = InquiryInput { email: String::new(), phone: "0912 345 678".into(), ..buyer() };
        assert!(phone.parse().is_ok());
        let robot = InquiryInput { website: "http://spam".into(), ..buyer() };
        assert_eq!(robot.parse().err().and_then(|e| e.get("website").map(|w| w.key)), Some("invalid-inquiry-robot"));
        let long = InquiryInput { message: "x".repeat(MAX_MESSAGE + 1), ..buyer() };
        assert!(long.parse().is_err());
    }

    #[test]
    fn figures_of_the_connections() {
        let fact = |created: i64, answer: Option<i64>, state| InquiryFact {
            created_at: created,
            first_answer_at: answer.map(|h| created + h * 3600),
            month: "2026-11".into(),
            group: "I".into(),
            commune: "00577".into(),
            state,
        };
        let s = inquiry_stats(&[
            fact(0, Some(2), InquiryState::Won),
            fact(0, Some(10), InquiryState::Answered),
            fact(0, Some(100), InquiryState::Lost),
            fact(0, None, InquiryState::Open),
        ]);
        assert_eq!((s.total, s.answered, s.won), (4, 3, 1));
        assert_eq!(s.median_hours_to_answer, Some(10.0));
        assert_eq!(s.answered_within_3_days, Some(0.5));
        assert_eq!(s.by_month.get("2026-11"), Some(&4));
        assert_eq!(inquiry_stats(&[]).answered_within_3_days, None);
    }
}

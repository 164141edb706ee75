//! A shopper's report of a label the platform says is not genuine, sent from the label's page to
//! the province's OCOP office, and the office's public contact shown beside it.

use crate::email::Email;
use crate::phone::PhoneNumber;
use crate::registry::{optional, optional_text, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};

/// The longest description a report keeps.
pub const MAX_MESSAGE: usize = 2000;

/// The report form as typed. Everything is optional: a report that says only "I have this
/// label" is already worth counting. `website` is a field people do not see; a robot fills it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportInput {
    /// Where the product was bought (a shop, a market, a site).
    pub place: String,
    pub message: String,
    /// How the office may reach the shopper, if they wish.
    pub contact: String,
    pub website: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    pub place: String,
    pub message: String,
    pub contact: String,
}

impl ReportInput {
    pub fn parse(&self) -> Result<ReportDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        if !self.website.trim().is_empty() {
            e.add("website", Invalid::new("invalid-inquiry-robot"));
            return Err(e);
        }
        let place = e.check("place", optional_text(&self.place, 200));
        let message = e.check("message", optional_text(&self.message, MAX_MESSAGE));
        let contact = e.check("contact", optional_text(&self.contact, 200));
        match (place, message, contact) {
            (Some(place), Some(message), Some(contact)) if e.is_empty() => Ok(ReportDraft { place, message, contact }),
            _ => Err(e),
        }
    }
}

/// The longest note an office keeps on a report it handled.
pub const MAX_HANDLED_NOTE: usize = 1000;

/// The office's "handled" form: what it did (optional: checking the report may be all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HandledInput {
    pub note: String,
}

impl HandledInput {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        match e.check("note", optional_text(&self.note, MAX_HANDLED_NOTE)) {
            Some(note) if e.is_empty() => Ok(note),
            _ => Err(e),
        }
    }
}

/// The office's contact form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeInput {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

/// What shoppers are shown to reach a province's OCOP office: a name and a phone or an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeContact {
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub address: String,
}

impl OfficeInput {
    pub fn parse(&self) -> Result<OfficeContact, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(&self.name, 200));
        let phone = e.check("phone", optional(&self.phone, PhoneNumber::parse));
        let email = e.check("email", optional(&self.email, Email::parse));
        let address = e.check("address", optional_text(&self.address, 300));
        if matches!((&phone, &email), (Some(None), Some(None))) {
            e.add("phone", Invalid::new("invalid-office-contact"));
        }
        match (name, phone, email, address) {
            (Some(name), Some(phone), Some(email), Some(address)) if e.is_empty() => {
                Ok(OfficeContact { name, phone, email, address })
            }
            _ => Err(e),
        }
    }

    pub fn from_contact(c: &OfficeContact) -> Self {
        OfficeInput {
            name: c.name.clone(),
            phone: c.phone.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
            email: c.email.as_ref().map(|m| m.as_str().to_owned()).unwrap_or_default(),
            address: c.address.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_may_say_nothing_but_not_too_much() {
        let empty = ReportInput::default().parse().expect("an empty report is a report");
        assert_eq!(empty, ReportDraft { place: String::new(), message: String::new(), contact: String::new() });
        let typed = ReportInput {
            place: "  Chợ Đồng Xuân,\u{00a0}quầy 12 ".into(),
            message: "Tem mờ,\nkhông quét được".into(),
            ..Default::default()
        };
        let d = typed.parse().expect("valid");
        assert_eq!((d.place.as_str(), d.message.as_str()), ("Chợ Đồng Xuân, quầy 12", "Tem mờ,\nkhông quét được"));
        let long = ReportInput { message: "a".repeat(MAX_MESSAGE + 1), ..Default::default() };
        assert_eq!(long.parse().expect_err("too long").get("message").map(|i| i.key), Some("invalid-too-long"));
        let robot = ReportInput { website: "x".into(), ..Default::default() };
        assert!(robot.parse().expect_err("robot").get("website").is_some());
    }

    #[test]
    fn a_handled_note_is_optional_and_bounded() {
        assert_eq!(HandledInput::default().parse(), Ok(String::new()));
        let note = HandledInput { note: " Đã chuyển\u{00a0}QLTT ".into() };
        assert_eq!(note.parse(), Ok("Đã chuyển QLTT".to_owned()));
        let long = HandledInput { note: "a".repeat(MAX_HANDLED_NOTE + 1) };
        assert_eq!(long.parse().expect_err("too long").get("note").map(|i| i.key), Some("invalid-too-long"));
    }

    #[test]
    fn an_office_needs_a_name_and_a_way_to_reach_it() {
        let none = OfficeInput { name: "Văn phòng OCOP".into(), ..Default::default() };
        assert_eq!(none.parse().expect_err("no way").get("phone").map(|i| i.key), Some("invalid-office-contact"));
        let ok = OfficeInput { name: "Văn phòng OCOP".into(), phone: "024 3826 1234".into(), ..Default::default() };
        let c = ok.parse().expect("valid");
        assert_eq!(c.phone.as_ref().map(PhoneNumber::as_str), Some("02438261234"));
        assert_eq!(OfficeInput::from_contact(&c).parse(), Ok(c));
        let bad = OfficeInput { name: "X".into(), email: "không phải thư".into(), ..Default::default() };
        assert!(bad.parse().expect_err("bad e-mail").get("email").is_some());
    }
}

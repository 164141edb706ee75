//! Hội chợ, tuần hàng, phiên chợ, lễ hội văn hoá vùng miền, hội chợ trực tuyến: the office's fairs
//! and events, the producers taking part, and what they report having sold.

use crate::money::Vnd;
use crate::place::CommuneCode;
use crate::registry::{optional, optional_text, parse_date, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Hội chợ.
    Fair,
    /// Tuần hàng.
    Week,
    /// Phiên chợ.
    Market,
    /// Lễ hội văn hoá vùng miền.
    Festival,
    /// Hội chợ trực tuyến.
    Online,
}

impl EventKind {
    pub const ALL: [EventKind; 5] =
        [EventKind::Fair, EventKind::Week, EventKind::Market, EventKind::Festival, EventKind::Online];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Fair => "fair",
            EventKind::Week => "week",
            EventKind::Market => "market",
            EventKind::Festival => "festival",
            EventKind::Online => "online",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let f = crate::text::fold(raw);
        if f.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        EventKind::ALL.into_iter().find(|k| k.as_str() == f).ok_or_else(|| Invalid::new("invalid-event-kind"))
    }
}

/// Where an event is held: a commune of the organising province, or in words (another province,
/// abroad, a web address for an online fair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPlace {
    Commune(CommuneCode),
    Elsewhere(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventInput {
    pub name: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub commune: String,
    pub place: String,
    pub organiser: String,
    pub budget: String,
    /// How many producers may take part; empty for no limit.
    pub capacity: String,
    /// Last day producers may sign up; empty for the day before it starts.
    pub registration_until: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub name: String,
    pub kind: EventKind,
    pub starts_on: Date,
    pub ends_on: Date,
    pub place: EventPlace,
    pub organiser: String,
    pub budget: Option<Vnd>,
    pub capacity: Option<i64>,
    pub registration_until: Date,
    pub description: String,
}

impl EventInput {
    pub fn parse(&self) -> Result<EventDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(&self.name, 200));
        let kind = e.check("kind", EventKind::parse(&self.kind));
        let starts_on = e.check("starts_on", parse_date(&self.starts_on));
        let ends_on = e.check("ends_on", parse_date(&self.ends_on));
        if let (Some(s), Some(end)) = (starts_on, ends_on)
            && end < s
        {
            e.add("ends_on", Invalid::new("invalid-date-order"));
        }
        let commune = e.check("commune", optional(&self.commune, CommuneCode::parse));
        let words = e.check("place", optional_text(&self.place, 300));
        let place = match (commune, words) {
            (Some(Some(c)), Some(_)) => Some(EventPlace::Commune(c)),
            (Some(None), Some(w)) if !w.is_empty() => Some(EventPlace::Elsewhere(w)),
            (Some(None), Some(_)) => {
                e.add("place", Invalid::new("invalid-event-place"));
                None
            }
            _ => None,
        };
        let organiser = e.check("organiser", required_text(&self.organiser, 200));
        let budget = e.check("budget", optional(&self.budget, Vnd::parse));
        let capacity = e.check(
            "capacity",
            optional(&self.capacity, |s| match s.trim().parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok(n),
                _ => Err(Invalid::new("invalid-count")),
            }),
        );
        let until = e.check("registration_until", optional(&self.registration_until, parse_date));
        let description = e.check("description", optional_text(&self.description, 4000));
        if let (Some(Some(u)), Some(end)) = (until, ends_on)
            && u > end
        {
            e.add("registration_until", Invalid::new("invalid-date-order"));
        }
        match (name, kind, starts_on, ends_on, place, organiser, budget, capacity, until, description) {
            (
                Some(name),
                Some(kind),
                Some(starts_on),
                Some(ends_on),
                Some(place),
                Some(organiser),
                Some(budget),
                Some(capacity),
                Some(until),
                Some(description),
            ) if e.is_empty() => Ok(EventDraft {
                name,
                kind,
                starts_on,
                ends_on,
                place,
                organiser,
                budget,
                capacity,
                registration_until: until.unwrap_or(starts_on.previous_day().unwrap_or(starts_on)),
                description,
            }),
            _ => Err(e),
        }
    }
}

/// A producer's sign-up, or the office adding one: the products it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParticipantInput {
    pub producer: String,
    /// Product ids, comma-separated in forms.
    pub products: Vec<String>,
}

/// What a participant reports after the event: sales in đồng and buyer contacts made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParticipantReport {
    pub sales: String,
    pub contacts: String,
}

impl ParticipantReport {
    pub fn parse(&self) -> Result<(Option<Vnd>, Option<i64>), FieldErrors> {
        let mut e = FieldErrors::new();
        let sales = e.check("sales", optional(&self.sales, Vnd::parse));
        let contacts = e.check(
            "contacts",
            optional(&self.contacts, |s| match s.trim().replace('.', "").parse::<i64>() {
                Ok(n) if (0..=1_000_000).contains(&n) => Ok(n),
                _ => Err(Invalid::new("invalid-count")),
            }),
        );
        match (sales, contacts) {
            (Some(s), Some(c)) if e.is_empty() => Ok((s, c)),
            _ => Err(e),
        }
    }
}

/// Whether a producer may still sign up on `today`: before the registration deadline, and while
/// the event has room.
pub fn may_sign_up(registration_until: Date, capacity: Option<i64>, taken: i64, today: Date) -> Result<(), Invalid> {
    if today > registration_until {
        return Err(Invalid::new("event-registration-closed").with("date", crate::fmt_date(registration_until)));
    }
    if capacity.is_some_and(|c| taken >= c) {
        return Err(Invalid::new("event-full").with("capacity", capacity.unwrap_or_default()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fair() -> EventInput {
        EventInput {
            name: "Hội chợ OCOP Hà Nội mùa xuân 2027".into(),
            kind: "fair".into(),
            starts_on: "10/03/2027".into(),
            ends_on: "14/03/2027".into(),
            commune: "00004".into(),
            organiser: "Văn phòng Điều phối Chương trình OCOP Hà Nội".into(),
            budget: "1.500.000.000".into(),
            capacity: "60".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_event_is_checked() {
        let d = fair().parse().expect("valid");
        assert_eq!(d.place, EventPlace::Commune(CommuneCode::parse("00004").expect("code")));
        assert_eq!(d.budget.map(Vnd::dong), Some(1_500_000_000));
        assert_eq!(crate::fmt_date(d.registration_until), "09/03/2027", "sign-up closes the day before");
        let abroad = EventInput { commune: String::new(), place: "Tokyo, Nhật Bản".into(), ..fair() };
        assert_eq!(abroad.parse().map(|d| d.place), Ok(EventPlace::Elsewhere("Tokyo, Nhật Bản".into())));
        let nowhere = EventInput { commune: String::new(), ..fair() };
        assert!(nowhere.parse().is_err());
        let backwards = EventInput { ends_on: "01/03/2027".into(), budget: "1,5 tỷ".into(), ..fair() };
        let fields: Vec<String> =
            backwards.parse().err().map(|e| e.iter().map(|(f, _)| f.clone()).collect()).unwrap_or_default();
        assert_eq!(fields, ["ends_on", "budget"]);
    }

    #[test]
    fn sign_ups_close_on_the_deadline_or_when_full() {
        let d = |s: &str| parse_date(s).expect("date");
        assert!(may_sign_up(d("09/03/2027"), Some(2), 1, d("09/03/2027")).is_ok());
        assert_eq!(
            may_sign_up(d("09/03/2027"), None, 0, d("10/03/2027")).map_err(|e| e.key),
            Err("event-registration-closed")
        );
        assert_eq!(may_sign_up(d("09/03/2027"), Some(2), 2, d("01/03/2027")).map_err(|e| e.key), Err("event-full"));
    }
}

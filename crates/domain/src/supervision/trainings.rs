//! Training classes (tập huấn, đào tạo) under the programme: topic from the data, place, dates,
//! sessions, trainers, budget; participants by producer with their attendance and satisfaction.

use super::{coded, supervision};
use crate::money::Vnd;
use crate::place::CommuneCode;
use crate::registry::{optional, optional_text, parse_date, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// The most sessions one class may have (attendance is kept as one bit per session).
pub const MAX_SESSIONS: i64 = 60;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TrainingInput {
    pub name: String,
    /// A topic of the data: `criteria`, `design`, `food_safety`, `digital_marketing`, …
    pub topic: String,
    pub organiser: String,
    /// The commune it is held in; empty for an online class.
    pub commune: String,
    /// The hall, or the meeting link of an online class.
    pub place: String,
    pub starts_on: String,
    pub ends_on: String,
    pub sessions: String,
    pub trainers: String,
    pub budget: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassPlace {
    Commune(CommuneCode),
    Online,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingDraft {
    pub name: String,
    pub topic: String,
    pub organiser: String,
    pub held_in: ClassPlace,
    pub place: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub sessions: i64,
    pub trainers: String,
    pub budget: Option<Vnd>,
    pub description: String,
}

impl TrainingInput {
    pub fn parse(&self) -> Result<TrainingDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(&self.name, 200));
        let topic = e.check(
            "topic",
            coded(&supervision().training_topics, &self.topic, "invalid-training-topic").map(|c| c.code.clone()),
        );
        let organiser = e.check("organiser", required_text(&self.organiser, 200));
        let held_in = e.check("commune", optional(&self.commune, CommuneCode::parse)).map(|c| match c {
            Some(c) => ClassPlace::Commune(c),
            None => ClassPlace::Online,
        });
        let place = e.check("place", optional_text(&self.place, 300));
        if let (Some(ClassPlace::Online), Some(p)) = (&held_in, &place)
            && p.is_empty()
        {
            e.add("place", Invalid::new("invalid-training-place"));
        }
        let starts_on = e.check("starts_on", parse_date(&self.starts_on));
        let ends_on = e.check("ends_on", parse_date(&self.ends_on));
        if let (Some(s), Some(end)) = (starts_on, ends_on)
            && (end < s || end > s + Duration::days(366))
        {
            e.add("ends_on", Invalid::new("invalid-date-order"));
        }
        let sessions = e.check(
            "sessions",
            match self.sessions.trim() {
                "" => Ok(1),
                s => match s.parse::<i64>() {
                    Ok(n) if (1..=MAX_SESSIONS).contains(&n) => Ok(n),
                    _ => Err(Invalid::new("invalid-training-sessions").with("max", MAX_SESSIONS)),
                },
            },
        );
        let trainers = e.check("trainers", optional_text(&self.trainers, 500));
        let budget = e.check("budget", optional(&self.budget, Vnd::parse));
        let description = e.check("description", optional_text(&self.description, 4000));
        match (name, topic, organiser, held_in, place, starts_on, ends_on, sessions, trainers, budget, description) {
            (
                Some(name),
                Some(topic),
                Some(organiser),
                Some(held_in),
                Some(place),
                Some(starts_on),
                Some(ends_on),
                Some(sessions),
                Some(trainers),
                Some(budget),
                Some(description),
            ) if e.is_empty() => Ok(TrainingDraft {
                name,
                topic,
                organiser,
                held_in,
                place,
                starts_on,
                ends_on,
                sessions,
                trainers,
                budget,
                description,
            }),
            _ => Err(e),
        }
    }
}

/// A person a producer sends to a class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TrainingParticipantInput {
    /// The producer's id.
    pub producer: String,
    pub person: String,
    /// Their role at the producer: director, accountant, member…
    pub role: String,
}

/// A participant's name and role, checked.
pub type TrainingPeople = (i64, String, String);

impl TrainingParticipantInput {
    pub fn parse(&self) -> Result<TrainingPeople, FieldErrors> {
        let mut e = FieldErrors::new();
        let producer = e.check(
            "producer",
            self.producer.trim().parse::<i64>().map_err(|_| Invalid::new("invalid-training-producer")),
        );
        let person = e.check("person", required_text(&self.person, 120));
        let role = e.check("role", optional_text(&self.role, 120));
        match (producer, person, role) {
            (Some(p), Some(person), Some(role)) if e.is_empty() => Ok((p, person, role)),
            _ => Err(e),
        }
    }
}

/// Which sessions a participant attended (bit `n-1` for session `n`) and the satisfaction they
/// gave (1–5), as the office records it after the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Attendance {
    pub sessions: u64,
    pub satisfaction: Option<i64>,
}

impl Attendance {
    /// From the sessions ticked (`1`, `2`, …) and the score typed.
    pub fn parse(ticked: &[String], satisfaction: &str, sessions: i64) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut bits = 0u64;
        for t in ticked {
            match t.trim().parse::<i64>() {
                Ok(n) if (1..=sessions.min(MAX_SESSIONS)).contains(&n) => bits |= 1 << (n - 1),
                _ => e.add("sessions", Invalid::new("invalid-training-session").with("value", t.trim())),
            }
        }
        let satisfaction = e.check(
            "satisfaction",
            optional(satisfaction, |s| match s.trim().parse::<i64>() {
                Ok(n) if (1..=5).contains(&n) => Ok(n),
                _ => Err(Invalid::new("invalid-satisfaction")),
            }),
        );
        match satisfaction {
            Some(satisfaction) if e.is_empty() => Ok(Self { sessions: bits, satisfaction }),
            _ => Err(e),
        }
    }

    pub fn attended(self, session: i64) -> bool {
        (1..=MAX_SESSIONS).contains(&session) && self.sessions & (1 << (session - 1)) != 0
    }

    pub fn count(self) -> u32 {
        self.sessions.count_ones()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> TrainingInput {
        TrainingInput {
            name: "Tập huấn bộ tiêu chí OCOP".into(),
            topic: "criteria".into(),
            organiser: "Văn phòng OCOP Hà Nội".into(),
            commune: "00577".into(),
            place: "Hội trường UBND xã".into(),
            starts_on: "10/04/2026".into(),
            ends_on: "11/04/2026".into(),
            sessions: "4".into(),
            trainers: "TS. Nguyễn Văn A".into(),
            budget: "25.000.000".into(),
            description: String::new(),
        }
    }

    #[test]
    fn classes_take_a_topic_of_the_data_and_a_place() {
        let d = input().parse().expect("valid");
        assert_eq!((d.topic.as_str(), d.sessions, d.budget.map(Vnd::dong)), ("criteria", 4, Some(25_000_000)));
        let online = TrainingInput { commune: String::new(), place: "https://meet.example.vn/ocop".into(), ..input() };
        assert_eq!(online.parse().expect("online").held_in, ClassPlace::Online);
        let nowhere = TrainingInput { commune: String::new(), place: String::new(), ..input() };
        assert!(nowhere.parse().is_err());
        let bad = TrainingInput { topic: "astrology".into(), sessions: "61".into(), ..input() };
        let e = bad.parse().expect_err("bad");
        assert!(e.get("topic").is_some() && e.get("sessions").is_some());
    }

    #[test]
    fn attendance_is_a_set_of_sessions_and_a_score() {
        let a = Attendance::parse(&["1".into(), "3".into()], "4", 4).expect("valid");
        assert!(a.attended(1) && !a.attended(2) && a.attended(3));
        assert_eq!((a.count(), a.satisfaction), (2, Some(4)));
        assert!(Attendance::parse(&["5".into()], "", 4).is_err(), "no fifth session");
        assert!(Attendance::parse(&[], "6", 4).is_err());
        assert_eq!(Attendance::parse(&[], "", 4).expect("empty").count(), 0);
    }
}

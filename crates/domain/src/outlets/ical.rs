//! An iCalendar feed (RFC 5545) of events: whole-day events, text escaped, lines folded at 75
//! octets, CRLF line ends.

use time::{Date, OffsetDateTime};

pub struct CalendarEvent {
    /// Stable across feeds, e.g. `event-12@ocop.hanoi.gov.vn`.
    pub uid: String,
    pub name: String,
    pub starts_on: Date,
    /// The last day (inclusive); written as the exclusive end iCalendar wants.
    pub ends_on: Date,
    pub place: String,
    pub description: String,
    pub url: String,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded so that no line exceeds 75 octets, never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn day(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

pub fn calendar(name: &str, events: &[CalendarEvent], stamp: OffsetDateTime) -> String {
    let mut out = String::new();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//OCOP//Nen tang OCOP//VI", "CALSCALE:GREGORIAN"] {
        fold(line, &mut out);
    }
    fold(&format!("X-WR-CALNAME:{}", escape(name)), &mut out);
    for e in events {
        let end = e.ends_on.next_day().unwrap_or(e.ends_on);
        let lines = [
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape(&e.uid)),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{}", day(e.starts_on)),
            format!("DTEND;VALUE=DATE:{}", day(end)),
            format!("SUMMARY:{}", escape(&e.name)),
            format!("LOCATION:{}", escape(&e.place)),
            format!("DESCRIPTION:{}", escape(&e.description)),
            format!("URL:{}", e.url),
            "END:VEVENT".to_owned(),
        ];
        for line in lines {
            fold(&line, &mut out);
        }
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_feed_is_escaped_folded_and_ends_the_day_after() {
        let e = CalendarEvent {
            uid: "event-1@ocop.test".into(),
            name: "Hội chợ OCOP; mùa xuân, 2027".into(),
            starts_on: date!(2027 - 03 - 10),
            ends_on: date!(2027 - 03 - 14),
            place: "Cung Văn hoá Hữu nghị Việt Xô, 91 Trần Hưng Đạo, Hà Nội".into(),
            description: "Dòng một\nDòng hai — ".repeat(6),
            url: "https://ocop.test/events/1".into(),
        };
        let ics = calendar("Sự kiện OCOP", &[e], datetime!(2026-12-03 08:00 UTC));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.contains("SUMMARY:Hội chợ OCOP\\; mùa xuân\\, 2027\r\n"));
        assert!(ics.contains("DTSTART;VALUE=DATE:20270310\r\nDTEND;VALUE=DATE:20270315\r\n"));
        assert!(ics.contains("DTSTAMP:20261203T080000Z"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        assert!(!ics.replace("\r\n", "").contains('\n'));
        // Unfolded, the description reads back whole.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("DESCRIPTION:{}", "Dòng một\\nDòng hai — ".repeat(6))));
    }
}

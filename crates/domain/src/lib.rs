//! The OCOP domain: the programme's vocabulary as types, its rules as pure functions.
//!
//! Nothing here performs I/O or awaits; the store and web layers depend on this crate, never the
//! other way round.

pub mod access;
pub mod audit;
pub mod certificate;
pub mod criteria;
pub mod digital_link;
pub mod email;
pub mod epcis;
pub mod evaluation;
pub mod gtin;
pub mod invalid;
pub mod money;
pub mod num;
pub mod outlets;
pub mod password;
pub mod phone;
pub mod place;
pub mod producer;
pub mod product_code;
pub mod registry;
pub mod reports;
pub mod role;
pub mod rules;
pub mod scan_rules;
pub mod scoring;
pub mod serial;
pub mod stats;
pub mod supervision;
pub mod tax_code;
pub mod text;
pub mod workdays;

pub use invalid::{FieldErrors, Invalid};

/// Vietnam's time: UTC+7 all year (no summer time).
pub const VIETNAM: time::UtcOffset = match time::UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};

/// The day in Vietnam of an instant given in Unix seconds (`None` outside the representable range).
pub fn vietnam_day(unix_seconds: i64) -> Option<time::Date> {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds).ok().map(|t| t.to_offset(VIETNAM).date())
}

/// Today in Vietnam: the day deadlines, validity and figures are counted in. The one place the
/// platform reads the calendar day.
pub fn vietnam_today() -> time::Date {
    time::OffsetDateTime::now_utc().to_offset(VIETNAM).date()
}

/// A date as Vietnamese documents write it: `dd/mm/yyyy`.
pub fn fmt_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

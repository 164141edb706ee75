//! Market outlets (bảo đảm đầu ra, SPEC §2.4): producers' sales channels, showcase and sales
//! points, fairs and events, buyers' inquiries. What each form may hold, and the rules that read
//! them (which channel is modern, what the office's connection figures are).

mod events;
mod ical;
mod inquiries;
mod points;

pub use events::{EventDraft, EventInput, EventKind, EventPlace, ParticipantInput, ParticipantReport, may_sign_up};
pub use ical::{CalendarEvent, calendar};
pub use inquiries::{
    InquiryDraft, InquiryFact, InquiryInput, InquiryState, InquiryStats, MessageDraft, inquiry_stats, message,
};
pub use points::{Geo, PointKind, SalesPointDraft, SalesPointInput};

use crate::Invalid;
use crate::registry::{optional, optional_text, parse_date};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;
use time::Date;

/// A kind of sales channel and whether it counts as modern, as the programme's data says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChannelKind {
    pub code: String,
    pub vi: String,
    pub en: String,
    pub modern: bool,
}

/// The channel kinds in force (`data/outlets/channel-kinds.json`) and their version, which the
/// figures computed from them record.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelKinds {
    pub version: String,
    pub kinds: Vec<ChannelKind>,
}

impl ChannelKinds {
    pub fn get(&self, code: &str) -> Option<&ChannelKind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    pub fn parse(&self, raw: &str) -> Result<&ChannelKind, Invalid> {
        let code = crate::text::fold(raw).replace(' ', "_");
        if code.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        self.get(&code).ok_or_else(|| Invalid::new("invalid-sales-channel").with("value", raw.trim()))
    }
}

static KINDS: LazyLock<ChannelKinds> = LazyLock::new(|| {
    let kinds: Result<ChannelKinds, _> =
        serde_json::from_str(include_str!("../../../../data/outlets/channel-kinds.json"));
    // The file is compiled in and checked by a test: it cannot be wrong at run time.
    kinds.unwrap_or(ChannelKinds { version: String::new(), kinds: Vec::new() })
});

pub fn channel_kinds() -> &'static ChannelKinds {
    &KINDS
}

/// A producer's channel as typed: kind, the named partner (a chain, a platform), an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ChannelInput {
    /// `supermarket`, `convenience`, `ocop_point`, `ecommerce`, `own_store`, `export`, `wholesale`.
    pub kind: String,
    /// E.g. "WinMart", "Shopee", "Bách hoá Xanh".
    pub partner: String,
    /// `https://…` only.
    pub url: String,
    /// `dd/mm/yyyy` or `yyyy-mm-dd`.
    pub since: String,
    pub until: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDraft {
    pub kind: String,
    pub partner: String,
    pub url: Option<String>,
    pub since: Option<Date>,
    pub until: Option<Date>,
}

impl ChannelInput {
    pub fn parse(&self) -> Result<ChannelDraft, crate::FieldErrors> {
        let mut e = crate::FieldErrors::new();
        let kind = e.check("kind", channel_kinds().parse(&self.kind).map(|k| k.code.clone()));
        let partner = e.check("partner", optional_text(&self.partner, 120));
        let url = e.check("url", optional(&self.url, https_url));
        let since = e.check("since", optional(&self.since, parse_date));
        let until = e.check("until", optional(&self.until, parse_date));
        if let (Some(Some(s)), Some(Some(u))) = (since, until)
            && u < s
        {
            e.add("until", Invalid::new("invalid-date-order"));
        }
        match (kind, partner, url, since, until) {
            (Some(kind), Some(partner), Some(url), Some(since), Some(until)) if e.is_empty() => {
                Ok(ChannelDraft { kind, partner, url, since, until })
            }
            _ => Err(e),
        }
    }
}

/// An address a page may link to: `https://host/…`, no credentials, no spaces, at most 500
/// characters. (Shown with `rel="nofollow noopener"`.)
pub fn https_url(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let bad = || Invalid::new("invalid-https-url");
    if s.chars().count() > 500 {
        return Err(Invalid::new("invalid-too-long").with("max", 500));
    }
    let rest = s.get(..8).filter(|p| p.eq_ignore_ascii_case("https://")).map(|_| &s[8..]).ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !host_ok || s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\')) {
        return Err(bad());
    }
    Ok(format!("https://{rest}"))
}

/// A channel, a sales point's carrying of a product, a participation: in force on `day` when it
/// had started (or has no start) and had not ended.
pub fn in_force(since: Option<Date>, until: Option<Date>, day: Date) -> bool {
    since.is_none_or(|s| s <= day) && until.is_none_or(|u| day <= u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::producer::SalesChannel;

    #[test]
    fn the_channel_data_names_every_kind_the_registry_knows() {
        let kinds = channel_kinds();
        assert!(!kinds.version.is_empty());
        for c in SalesChannel::ALL {
            assert!(kinds.get(c.as_str()).is_some(), "{c:?}");
        }
        assert_eq!(kinds.kinds.len(), SalesChannel::ALL.len());
        assert!(SalesChannel::Supermarket.is_modern() && SalesChannel::Export.is_modern());
        assert!(!SalesChannel::OcopPoint.is_modern() && !SalesChannel::Wholesale.is_modern());
    }

    #[test]
    fn channels_are_checked() {
        let ok = ChannelInput {
            kind: "ecommerce".into(),
            partner: "Shopee".into(),
            url: "https://shopee.vn/htx-mat-ong".into(),
            since: "01/03/2024".into(),
            ..Default::default()
        };
        let d = ok.parse().expect("valid");
        assert_eq!((d.kind.as_str(), d.url.as_deref()), ("ecommerce", Some("https://shopee.vn/htx-mat-ong")));
        for bad in [
            "http://shopee.vn",
            "javascript:alert(1)",
            "https://",
            "https://shopee",
            "https://a.vn/x y",
            "https://u:p@a.vn",
        ] {
            let i = ChannelInput { url: bad.into(), ..ok.clone() };
            assert_eq!(i.parse().err().and_then(|e| e.get("url").map(|w| w.key)), Some("invalid-https-url"), "{bad}");
        }
        let order = ChannelInput { until: "01/01/2024".into(), ..ok.clone() };
        assert!(order.parse().is_err());
        let unknown = ChannelInput { kind: "chợ đêm".into(), ..ok };
        assert_eq!(unknown.parse().err().and_then(|e| e.get("kind").map(|w| w.key)), Some("invalid-sales-channel"));
    }

    #[test]
    fn in_force_on_a_day() {
        let d = |s: &str| parse_date(s).expect("date");
        assert!(in_force(None, None, d("01/01/2026")));
        assert!(in_force(Some(d("01/01/2026")), Some(d("31/12/2026")), d("31/12/2026")));
        assert!(!in_force(Some(d("02/01/2026")), None, d("01/01/2026")));
        assert!(!in_force(None, Some(d("31/12/2025")), d("01/01/2026")));
    }
}

//! Stars and certificates (giấy chứng nhận): ranks, validity, and the status shown everywhere.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

/// A star rank, 1 to 5. Only 3★–5★ are recognised and certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Stars(u8);

impl Stars {
    pub fn new(n: u8) -> Result<Stars, Invalid> {
        if (1..=5).contains(&n) { Ok(Stars(n)) } else { Err(Invalid::new("invalid-stars")) }
    }

    /// Accepts `4`, `4*`, `4 sao`, `★★★★`, `4★`.
    pub fn parse(raw: &str) -> Result<Stars, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        let glyphs = s.chars().filter(|c| *c == '★' || *c == '*').count();
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let n = match (digits.len(), glyphs) {
            (1, _) => digits.parse::<u8>().map_err(|_| Invalid::new("invalid-stars"))?,
            (0, g) if g > 0 && s.chars().all(|c| c == '★' || c == '*' || c.is_whitespace()) => {
                u8::try_from(g).map_err(|_| Invalid::new("invalid-stars"))?
            }
            _ => return Err(Invalid::new("invalid-stars")),
        };
        Stars::new(n)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Stars as a record keeps them (an integer column); `None` for 0, no rank or a value out of range.
    pub fn stored(n: i64) -> Option<Stars> {
        u8::try_from(n).ok().and_then(|n| Stars::new(n).ok())
    }

    pub fn recognised(self) -> bool {
        self.0 >= 3
    }
}

impl TryFrom<u8> for Stars {
    type Error = Invalid;
    fn try_from(n: u8) -> Result<Self, Invalid> {
        Stars::new(n)
    }
}

impl From<Stars> for u8 {
    fn from(s: Stars) -> u8 {
        s.0
    }
}

/// "Tiềm năng 5 sao": a 5★ result of a province's council (or a 5★ recognised at province level
/// before the central level existed) — sent to the central council, never "cấp quốc gia". Only
/// the Ministry's 5★ is national. The one place this rule is written; SQL that classifies stored
/// certificates (`store::stats`, the product's copy) says the same: `stars = 5 AND level <> 'central'`.
pub fn potential_five(stars: u8, by_ministry: bool) -> bool {
    stars == 5 && !by_ministry
}

/// The expiry date of a certificate issued on `issued`: the same day 36 months later (the last
/// day of the month when that day does not exist).
pub fn expiry(issued: Date) -> Date {
    // 36 months from the decision (QĐ 26/2026, Điều 4.3; data).
    let month0 = issued.month() as i32 - 1 + i32::from(crate::rules::current().certificate_valid_months);
    let year = issued.year() + month0 / 12;
    let month =
        u8::try_from(month0 % 12 + 1).ok().and_then(|m| time::Month::try_from(m).ok()).unwrap_or(time::Month::January);
    let last_day = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, issued.day().min(last_day)).unwrap_or(issued)
}

/// Who signs a recognition or a revocation (QĐ 26/2026, Điều 8): a province's People's Committee
/// (3★, 4★) or the Ministry (5★).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority<'a> {
    Province(&'a str),
    Central,
}

impl<'a> Authority<'a> {
    /// The authority that issued a certificate: the province recorded on it, else the Ministry.
    pub fn issuer_of(issuing_province: Option<&'a str>) -> Self {
        issuing_province.map_or(Authority::Central, Authority::Province)
    }
}

/// Only the authority that issued a certificate revokes it: the Ministry its 5★ ones, each
/// province its own — never another province's, wherever the product is registered now.
pub fn may_revoke(issued_by: Authority<'_>, by: Authority<'_>) -> bool {
    issued_by == by
}

/// What a certificate is worth today. Computed, never stored, so that a revocation or the
/// passing of a date shows everywhere at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// Valid, and within the re-rating window before expiry.
    Expiring,
    /// Past its expiry but kept in force by a late re-rating until the decision, at most until
    /// the extension's end (QĐ 26/2026, Điều 12.3).
    Extended,
    Expired,
    Revoked,
    /// Replaced by a newer certificate (re-rating, upgrade).
    Superseded,
}

impl CertificateStatus {
    pub const ALL: [CertificateStatus; 6] = [
        CertificateStatus::Valid,
        CertificateStatus::Expiring,
        CertificateStatus::Extended,
        CertificateStatus::Expired,
        CertificateStatus::Revoked,
        CertificateStatus::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Expiring => "expiring",
            CertificateStatus::Extended => "extended",
            CertificateStatus::Expired => "expired",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        CertificateStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| Invalid::new("invalid-certificate-status"))
    }

    /// The status on `today` of a certificate expiring on `expires` (kept in force up to
    /// `extended_until` by a late re-rating).
    pub fn on(today: Date, expires: Date, extended_until: Option<Date>, revoked: bool, superseded: bool) -> Self {
        if revoked {
            CertificateStatus::Revoked
        } else if superseded {
            CertificateStatus::Superseded
        } else if today > expires && extended_until.is_some_and(|end| today <= end) {
            CertificateStatus::Extended
        } else if today > expires {
            CertificateStatus::Expired
        } else if today >= expires - Duration::days(crate::rules::current().rerating_opens_days) {
            CertificateStatus::Expiring
        } else {
            CertificateStatus::Valid
        }
    }

    /// Whether the product may use the OCOP mark with this certificate.
    pub fn in_force(self) -> bool {
        matches!(self, CertificateStatus::Valid | CertificateStatus::Expiring | CertificateStatus::Extended)
    }
}

/// The Ministry that recognises 5★ products as it was named on a day: of Agriculture and Rural
/// Development until the 2025 reorganisation (1 March 2025), of Agriculture and Environment since.
pub fn ministry_name(on: Date) -> &'static str {
    if on < time::macros::date!(2025 - 03 - 01) {
        "Bộ Nông nghiệp và Phát triển nông thôn"
    } else {
        "Bộ Nông nghiệp và Môi trường"
    }
}

/// A province's People's Committee, by the province's name ("Thành phố Hà Nội").
pub fn province_committee(province_name: &str) -> String {
    format!("Ủy ban nhân dân {province_name}")
}

/// Who issued a certificate: the name recorded with it, else (records from before authorities
/// were kept) the Ministry as named on the day for a central one, or the People's Committee of
/// the province named.
pub fn issuer_name(recorded: &str, central: bool, province_name: &str, issued_on: Date) -> String {
    if !recorded.is_empty() {
        recorded.to_owned()
    } else if central {
        ministry_name(issued_on).to_owned()
    } else {
        province_committee(province_name)
    }
}

/// The number a recognition is kept under while its decision is not on file.
pub fn placeholder_number(product_id: i64, issued_on: Date) -> String {
    format!("NO-DECISION-{product_id}-{issued_on}")
}

/// A recognition known only by its year counts from the year's first day, so its validity is
/// never overstated.
pub fn known_from_year(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, time::Month::January, 1).ok()
}

/// Whether a decision found later is the one of a recognition recorded from news: the same stars
/// in the same year.
pub fn completes(recorded: (u8, Date), decision: (u8, Date)) -> bool {
    recorded.0 == decision.0 && recorded.1.year() == decision.1.year()
}

/// What the platform holds as evidence that a product was recognised: the decision itself, or
/// only the province's official news of it (or another source) while the decision is sought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Decision,
    News,
    Other,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Decision => "decision",
            Evidence::News => "news",
            Evidence::Other => "other",
        }
    }

    /// `decision` / `quyết định`, `news` / `tin chính thức` / `báo`, `other` / `khác`; blank is
    /// the decision.
    pub fn parse(raw: &str) -> Result<Evidence, Invalid> {
        let f = crate::text::fold(raw);
        match f.as_str() {
            "" | "decision" | "quyet dinh" | "qd" | "co quyet dinh" => Ok(Evidence::Decision),
            "news" | "tin" | "tin chinh thuc" | "bao" | "bao chi" | "thong tin chinh thuc" => Ok(Evidence::News),
            "other" | "khac" | "nguon khac" => Ok(Evidence::Other),
            _ => Err(Invalid::new("invalid-evidence")),
        }
    }

    /// Whether the decision is on file.
    pub fn on_file(self) -> bool {
        self == Evidence::Decision
    }
}

/// Who issued a recognition decision, as it was then: today's province, a former province (before
/// the 2025 merger), a former district's People's Committee, or the Ministry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuerKind {
    Province,
    FormerProvince,
    District,
    Ministry,
}

impl IssuerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssuerKind::Province => "province",
            IssuerKind::FormerProvince => "former_province",
            IssuerKind::District => "district",
            IssuerKind::Ministry => "ministry",
        }
    }

    pub fn parse(s: &str) -> Option<IssuerKind> {
        [IssuerKind::Province, IssuerKind::FormerProvince, IssuerKind::District, IssuerKind::Ministry]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The kind an authority's name says ("UBND huyện Đông Anh" is a district's, "Bộ Nông
    /// nghiệp…" the Ministry's, "UBND tỉnh Hà Giang" a former province's when the product's
    /// province today is another).
    pub fn infer(name: &str, province_today: &str) -> IssuerKind {
        let f = format!(" {} ", crate::text::fold(name));
        let today = crate::text::fold(province_today);
        let today = ["thanh pho ", "tinh "].iter().find_map(|p| today.strip_prefix(p)).unwrap_or(&today).to_owned();
        if [" huyen ", " quan ", " thi xa "].iter().any(|k| f.contains(k))
            || (f.contains(" thanh pho ") && f.contains(" tinh "))
        {
            IssuerKind::District
        } else if f.starts_with(" bo ") || f.contains(" bo nong nghiep") {
            IssuerKind::Ministry
        } else if !today.is_empty() && f.trim_end().ends_with(&today) {
            IssuerKind::Province
        } else {
            IssuerKind::FormerProvince
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_issuer_revokes() {
        use super::{Authority, may_revoke};
        assert!(may_revoke(Authority::issuer_of(Some("01")), Authority::Province("01")));
        assert!(!may_revoke(Authority::issuer_of(Some("01")), Authority::Province("79")));
        assert!(!may_revoke(Authority::issuer_of(Some("01")), Authority::Central));
        assert!(may_revoke(Authority::issuer_of(None), Authority::Central));
        assert!(!may_revoke(Authority::issuer_of(None), Authority::Province("01")));
    }

    use super::*;
    use time::macros::date;

    #[test]
    fn stars_parse() {
        for (raw, n) in [("4", 4), ("4*", 4), ("4 sao", 4), ("★★★", 3), ("5★", 5), ("***", 3)] {
            assert_eq!(Stars::parse(raw).map(Stars::get), Ok(n), "{raw}");
        }
        for bad in ["0", "6", "45", "nhiều", "", "4.5"] {
            assert!(Stars::parse(bad).is_err(), "{bad}");
        }
        assert!(Stars::new(3).is_ok_and(Stars::recognised) && !Stars::new(2).is_ok_and(Stars::recognised));
    }

    #[test]
    fn thirty_six_months() {
        assert_eq!(expiry(date!(2021 - 12 - 20)), date!(2024 - 12 - 20));
        assert_eq!(expiry(date!(2023 - 05 - 31)), date!(2026 - 05 - 31));
        assert_eq!(expiry(date!(2021 - 02 - 28)), date!(2024 - 02 - 28));
        assert_eq!(expiry(date!(2023 - 10 - 31)), date!(2026 - 10 - 31));
    }

    #[test]
    fn status_by_date() {
        let expires = date!(2027 - 06 - 30);
        let on = |d| CertificateStatus::on(d, expires, None, false, false);
        assert_eq!(on(date!(2026 - 11 - 29)), CertificateStatus::Valid);
        assert_eq!(on(date!(2027 - 01 - 01)), CertificateStatus::Expiring, "inside 180 days");
        assert_eq!(on(date!(2026 - 12 - 31)), CertificateStatus::Valid, "181 days before");
        assert_eq!(on(date!(2027 - 06 - 30)), CertificateStatus::Expiring, "valid through its last day");
        assert_eq!(on(date!(2027 - 07 - 01)), CertificateStatus::Expired);
        assert_eq!(
            CertificateStatus::on(date!(2026 - 01 - 01), expires, None, true, false),
            CertificateStatus::Revoked
        );
        assert_eq!(
            CertificateStatus::on(date!(2026 - 01 - 01), expires, None, false, true),
            CertificateStatus::Superseded
        );
        assert!(CertificateStatus::Expiring.in_force() && !CertificateStatus::Expired.in_force());
        // A late re-rating keeps it in force after expiry, to the extension's end and no further.
        let end = Some(date!(2027 - 12 - 27));
        let extended = |d| CertificateStatus::on(d, expires, end, false, false);
        assert_eq!(extended(date!(2027 - 06 - 30)), CertificateStatus::Expiring);
        assert_eq!(extended(date!(2027 - 07 - 01)), CertificateStatus::Extended);
        assert_eq!(extended(date!(2027 - 12 - 27)), CertificateStatus::Extended);
        assert_eq!(extended(date!(2027 - 12 - 28)), CertificateStatus::Expired);
        assert!(CertificateStatus::Extended.in_force());
    }

    #[test]
    fn evidence_and_issuers_read_as_offices_write_them() {
        assert_eq!(Evidence::parse(""), Ok(Evidence::Decision));
        assert_eq!(Evidence::parse("Tin chính thức"), Ok(Evidence::News));
        assert_eq!(Evidence::parse("khác"), Ok(Evidence::Other));
        assert!(Evidence::parse("đồn").is_err());
        assert_eq!(IssuerKind::infer("UBND huyện Đông Anh", "Thành phố Hà Nội"), IssuerKind::District);
        assert_eq!(IssuerKind::infer("Ủy ban nhân dân tỉnh Hà Giang", "Tỉnh Tuyên Quang"), IssuerKind::FormerProvince);
        assert_eq!(IssuerKind::infer("UBND thành phố Hà Nội", "Thành phố Hà Nội"), IssuerKind::Province);
        assert_eq!(
            IssuerKind::infer("UBND thành phố Hà Giang, tỉnh Hà Giang", "Tỉnh Tuyên Quang"),
            IssuerKind::District
        );
        assert_eq!(
            IssuerKind::infer("Bộ Nông nghiệp và Phát triển nông thôn", "Tỉnh Tuyên Quang"),
            IssuerKind::Ministry
        );
        assert_eq!(IssuerKind::parse("former_province"), Some(IssuerKind::FormerProvince));
        assert_eq!(IssuerKind::infer("UBND huyện Bố Trạch", "Tỉnh Quảng Trị"), IssuerKind::District, "Bố is not Bộ");
        assert_eq!(ministry_name(time::macros::date!(2024 - 12 - 20)), "Bộ Nông nghiệp và Phát triển nông thôn");
        assert_eq!(issuer_name("", true, "", time::macros::date!(2026 - 01 - 05)), "Bộ Nông nghiệp và Môi trường");
        assert_eq!(
            issuer_name("", false, "Tỉnh Hà Giang", time::macros::date!(2022 - 01 - 05)),
            "Ủy ban nhân dân Tỉnh Hà Giang"
        );
        let (d1, d2) = (time::macros::date!(2024 - 01 - 01), time::macros::date!(2024 - 09 - 20));
        assert!(completes((4, d1), (4, d2)) && !completes((4, d1), (3, d2)));
        assert!(!completes((4, d1), (4, time::macros::date!(2025 - 01 - 10))));
        assert_eq!(known_from_year(2024), Some(d1));
    }
}

//! Chủ thể OCOP: who makes the products, and how they sell.

use crate::Invalid;
use crate::text::fold;
use serde::{Deserialize, Serialize};

/// The legal form of a producer (loại hình chủ thể).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalType {
    /// Hợp tác xã (HTX).
    Cooperative,
    /// Tổ hợp tác (THT).
    CooperativeGroup,
    /// Doanh nghiệp nhỏ và vừa.
    Enterprise,
    /// Hộ sản xuất, kinh doanh có đăng ký.
    Household,
    /// Trang trại.
    Farm,
    /// Hiệp hội, tổ chức (for community tourism products).
    Association,
}

impl LegalType {
    pub const ALL: [LegalType; 6] = [
        LegalType::Cooperative,
        LegalType::CooperativeGroup,
        LegalType::Enterprise,
        LegalType::Household,
        LegalType::Farm,
        LegalType::Association,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LegalType::Cooperative => "cooperative",
            LegalType::CooperativeGroup => "cooperative_group",
            LegalType::Enterprise => "enterprise",
            LegalType::Household => "household",
            LegalType::Farm => "farm",
            LegalType::Association => "association",
        }
    }

    /// Accepts our codes and what spreadsheets say: `HTX`, `Hợp tác xã`, `THT`, `DN`, `Công ty
    /// TNHH…`, `Hộ kinh doanh`, `Trang trại`, `Hiệp hội`…
    pub fn parse(raw: &str) -> Result<LegalType, Invalid> {
        let f = fold(raw);
        if f.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        if let Some(t) = LegalType::ALL.into_iter().find(|t| t.as_str() == f) {
            return Ok(t);
        }
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| f == *p || f.starts_with(&format!("{p} ")));
        let exactly = |words: &[&str]| words.contains(&f.as_str());
        // Strict: a word that merely begins like a legal form ("Hội đồng nhân dân", "Hồ Tây") is not one.
        let t = if starts(&["htx", "hop tac xa"]) {
            LegalType::Cooperative
        } else if starts(&["tht", "to hop tac"]) {
            LegalType::CooperativeGroup
        } else if starts(&["dn", "doanh nghiep", "cong ty", "cty"]) {
            LegalType::Enterprise
        } else if exactly(&["hkd", "ho", "ho kd"]) || starts(&["ho kinh doanh", "ho san xuat", "ho gia dinh"]) {
            LegalType::Household
        } else if exactly(&["tt"]) || starts(&["trang trai"]) {
            LegalType::Farm
        } else if starts(&["hiep hoi", "to chuc", "trung tam dieu hanh"])
            || (starts(&["hoi"]) && !starts(&["hoi dong"]))
        {
            LegalType::Association
        } else {
            return Err(Invalid::new("invalid-legal-type"));
        };
        Ok(t)
    }

    /// Whether this producer may register a product of the group `group_code` (I–VI): an
    /// association, a centre or a like organisation only tourism services (group VI; QĐ 26/2026,
    /// Phụ lục I), everyone else any group.
    pub fn may_register_group(self, group_code: &str) -> Result<(), Invalid> {
        if self == LegalType::Association && group_code != "VI" {
            Err(Invalid::new("invalid-association-group").with("group", group_code))
        } else {
            Ok(())
        }
    }

    /// Cooperatives, cooperative groups and enterprises: the programme's target share (≥70%).
    pub fn is_organised(self) -> bool {
        matches!(self, LegalType::Cooperative | LegalType::CooperativeGroup | LegalType::Enterprise)
    }
}

/// Where a producer sells (kênh bán hàng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesChannel {
    /// Siêu thị, trung tâm thương mại.
    Supermarket,
    /// Cửa hàng tiện lợi.
    Convenience,
    /// Sàn thương mại điện tử, bán hàng trực tuyến.
    Ecommerce,
    /// Điểm giới thiệu và bán sản phẩm OCOP.
    OcopPoint,
    /// Cửa hàng riêng, bán tại cơ sở.
    OwnStore,
    /// Đại lý, bán buôn, chợ.
    Wholesale,
    /// Xuất khẩu.
    Export,
}

impl SalesChannel {
    pub const ALL: [SalesChannel; 7] = [
        SalesChannel::Supermarket,
        SalesChannel::Convenience,
        SalesChannel::Ecommerce,
        SalesChannel::OcopPoint,
        SalesChannel::OwnStore,
        SalesChannel::Wholesale,
        SalesChannel::Export,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SalesChannel::Supermarket => "supermarket",
            SalesChannel::Convenience => "convenience",
            SalesChannel::Ecommerce => "ecommerce",
            SalesChannel::OcopPoint => "ocop_point",
            SalesChannel::OwnStore => "own_store",
            SalesChannel::Wholesale => "wholesale",
            SalesChannel::Export => "export",
        }
    }

    /// A channel by its code or its name in either language (`data/outlets/channel-kinds.json`),
    /// diacritics and case ignored. A wrong one is told the kinds there are.
    pub fn parse(raw: &str) -> Result<SalesChannel, Invalid> {
        let f = fold(raw);
        let kinds = crate::outlets::channel_kinds();
        let named = |c: &SalesChannel| {
            c.as_str() == f.replace(' ', "_")
                || kinds.get(c.as_str()).is_some_and(|k| fold(&k.vi) == f || fold(&k.en) == f)
        };
        SalesChannel::ALL.into_iter().find(named).ok_or_else(|| {
            let names = |vi: bool| {
                SalesChannel::ALL
                    .iter()
                    .filter_map(|c| kinds.get(c.as_str()).map(|k| if vi { k.vi.clone() } else { k.en.clone() }))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            Invalid::new("invalid-sales-channel").with("allowed_vi", names(true)).with("allowed_en", names(false))
        })
    }

    /// Whether this kind counts as a modern channel (target "≥50% of producers in modern
    /// channels"): read from `data/outlets/channel-kinds.json`, never decided here.
    pub fn is_modern(self) -> bool {
        crate::outlets::channel_kinds().get(self.as_str()).is_some_and(|k| k.modern)
    }

    /// A comma-separated list, as stored and as spreadsheets carry it; duplicates are dropped.
    pub fn parse_list(raw: &str) -> Result<Vec<SalesChannel>, Invalid> {
        let mut out: Vec<SalesChannel> = Vec::new();
        // Names may hold commas ("Chuỗi siêu thị, trung tâm thương mại"): the longest run of
        // pieces that names a channel is taken first.
        let parts: Vec<&str> = raw.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
        let mut i = 0;
        while i < parts.len() {
            let found = (i + 1..=parts.len())
                .rev()
                .find_map(|j| SalesChannel::parse(&parts[i..j].join(", ")).ok().map(|c| (c, j)));
            let Some((c, next)) = found else {
                let why = SalesChannel::parse(parts[i]).err().unwrap_or_else(|| Invalid::new("invalid-sales-channel"));
                return Err(why.with("value", parts[i]));
            };
            i = next;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.sort();
        Ok(out)
    }

    pub fn join(list: &[SalesChannel]) -> String {
        list.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// The platform's own code of a producer (`CT000123`): every producer has one, with or without a
/// tax code, and it never changes. Imports and people name a producer by it.
pub fn platform_code(id: i64) -> String {
    format!("CT{id:06}")
}

/// The producer a platform code names (`CT000123`, `ct123`), if it is one.
pub fn parse_platform_code(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let digits = s.strip_prefix("CT").or_else(|| s.strip_prefix("ct"))?;
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_types_from_spreadsheet_words() {
        for (raw, want) in [
            ("HTX", LegalType::Cooperative),
            ("Hợp tác xã Nông nghiệp Bát Tràng", LegalType::Cooperative),
            ("THT", LegalType::CooperativeGroup),
            ("Công ty TNHH Gốm sứ Minh Long", LegalType::Enterprise),
            ("Doanh nghiệp nhỏ và vừa", LegalType::Enterprise),
            ("Hộ kinh doanh", LegalType::Household),
            ("hộ sản xuất", LegalType::Household),
            ("Trang trại", LegalType::Farm),
            ("Hiệp hội du lịch", LegalType::Association),
            ("cooperative_group", LegalType::CooperativeGroup),
        ] {
            assert_eq!(LegalType::parse(raw), Ok(want), "{raw}");
        }
        assert_eq!(LegalType::parse("Hội Nông dân xã").ok(), Some(LegalType::Association), "a 'hội' is");
        assert_eq!(LegalType::parse("Trung tâm điều hành du lịch").ok(), Some(LegalType::Association));
        for not_a_form in ["Hội đồng nhân dân", "Hồ Tây", "Hoàng", "TT Hà Nội", "tư nhân"] {
            assert!(LegalType::parse(not_a_form).is_err(), "{not_a_form}");
        }
        assert!(LegalType::Association.may_register_group("VI").is_ok());
        assert_eq!(LegalType::Association.may_register_group("I").map_err(|e| e.key), Err("invalid-association-group"));
        assert!(LegalType::Cooperative.may_register_group("I").is_ok());
        assert!(LegalType::parse("tư nhân").is_err());
        assert!(LegalType::Cooperative.is_organised() && !LegalType::Household.is_organised());
    }

    #[test]
    fn channel_lists() {
        let list = SalesChannel::parse_list("ecommerce, supermarket;ecommerce").expect("valid");
        assert_eq!(list, vec![SalesChannel::Supermarket, SalesChannel::Ecommerce]);
        assert_eq!(SalesChannel::join(&list), "supermarket,ecommerce");
        assert_eq!(SalesChannel::parse_list("").expect("empty"), vec![]);
        let bad = SalesChannel::parse_list("supermarket, chợ đêm").expect_err("unknown");
        let arg = |name: &str| bad.args.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        assert_eq!(arg("value"), "chợ đêm");
        assert!(arg("allowed_vi").contains("Sàn thương mại điện tử"), "the error names the channels there are");
        // Names as offices write them, commas inside included, in either language.
        let named = SalesChannel::parse_list("Chuỗi siêu thị, trung tâm thương mại; san thuong mai dien tu, Export")
            .expect("names");
        assert_eq!(named, vec![SalesChannel::Supermarket, SalesChannel::Ecommerce, SalesChannel::Export]);
    }

    #[test]
    fn platform_codes_round_trip() {
        assert_eq!(platform_code(123), "CT000123");
        assert_eq!(parse_platform_code(&platform_code(123)), Some(123));
        assert_eq!(parse_platform_code(" ct1234567 "), Some(1_234_567));
        for bad in ["", "CT", "CT-12", "0100233488", "CT000000", "CTabc"] {
            assert_eq!(parse_platform_code(bad), None, "{bad}");
        }
    }
}

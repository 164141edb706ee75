//! The registry's records as typed drafts, and the parsing of what a form, an API call or a
//! spreadsheet row says into them. Each field's failure is reported under the field's name.

use crate::FieldErrors;
use crate::Invalid;
use crate::email::Email;
use crate::gtin::Gtin;
use crate::money::Vnd;
use crate::phone::PhoneNumber;
use crate::place::{CommuneCode, DistrictCode, ProvinceCode};
use crate::producer::{LegalType, SalesChannel};
use crate::tax_code::TaxCode;
use crate::text::{clean, fold};
use serde::{Deserialize, Serialize};
use time::Date;

/// A producer once every field has been parsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerDraft {
    pub legal_type: LegalType,
    pub name: String,
    pub tax_code: Option<TaxCode>,
    pub representative: String,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub province: ProvinceCode,
    pub commune: CommuneCode,
    pub street: String,
    pub old_district: Option<DistrictCode>,
    pub old_commune: Option<CommuneCode>,
    pub established_on: Option<Date>,
    pub members_count: Option<i64>,
    pub sales_channels: Vec<SalesChannel>,
}

/// A product once every field has been parsed (its code is the store's to give).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductDraft {
    pub producer_id: i64,
    pub name: String,
    /// `01` … `26`, checked against the criteria set by the caller.
    pub sheet_code: String,
    pub gtin: Option<Gtin>,
    pub description: String,
    pub ingredients: String,
    pub packaging: String,
    pub price: Option<Vnd>,
    pub capacity: String,
}

/// A producer as typed: every field a string, as forms, JSON and spreadsheets carry them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProducerInput {
    pub legal_type: String,
    pub name: String,
    pub tax_code: String,
    pub representative: String,
    pub phone: String,
    pub email: String,
    pub province: String,
    pub commune: String,
    pub street: String,
    pub old_district: String,
    pub old_commune: String,
    /// `dd/mm/yyyy` or `yyyy-mm-dd`.
    pub established_on: String,
    pub members_count: String,
    /// Comma-separated channel codes.
    pub sales_channels: String,
}

/// A product as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProductInput {
    pub name: String,
    /// `01` … `26`.
    pub sheet: String,
    pub gtin: String,
    pub description: String,
    pub ingredients: String,
    pub packaging: String,
    /// Whole đồng: `1250000` or `1.250.000`.
    pub price: String,
    pub capacity: String,
}

impl ProducerInput {
    /// The field a spreadsheet column or a form names, by its key.
    pub fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "legal_type" => &mut self.legal_type,
            "name" => &mut self.name,
            "tax_code" => &mut self.tax_code,
            "representative" => &mut self.representative,
            "phone" => &mut self.phone,
            "email" => &mut self.email,
            "province" => &mut self.province,
            "commune" => &mut self.commune,
            "street" => &mut self.street,
            "old_district" => &mut self.old_district,
            "old_commune" => &mut self.old_commune,
            "established_on" => &mut self.established_on,
            "members_count" => &mut self.members_count,
            "sales_channels" => &mut self.sales_channels,
            _ => return None,
        })
    }
}

impl ProductInput {
    /// The field a spreadsheet column or a form names, by its key.
    pub fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "name" => &mut self.name,
            "sheet" => &mut self.sheet,
            "gtin" => &mut self.gtin,
            "description" => &mut self.description,
            "ingredients" => &mut self.ingredients,
            "packaging" => &mut self.packaging,
            "price" => &mut self.price,
            "capacity" => &mut self.capacity,
            _ => return None,
        })
    }
}

/// A calendar date typed as `dd/mm/yyyy` or sent by a date input as `yyyy-mm-dd`.
pub fn parse_date(raw: &str) -> Result<Date, Invalid> {
    let s = raw.trim();
    let (y, m, d) = if let Some((d, rest)) = s.split_once('/') {
        match rest.split_once('/') {
            Some((m, y)) => (y, m, d),
            None => return Err(Invalid::new("invalid-date")),
        }
    } else {
        let mut parts = s.splitn(3, '-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => return Err(Invalid::new("invalid-date")),
        }
    };
    let number = |x: &str| x.trim().parse::<u16>().map_err(|_| Invalid::new("invalid-date"));
    let month = time::Month::try_from(u8::try_from(number(m)?).map_err(|_| Invalid::new("invalid-date"))?)
        .map_err(|_| Invalid::new("invalid-date"))?;
    let year = i32::from(number(y)?);
    if !(1900..=2100).contains(&year) {
        return Err(Invalid::new("invalid-date"));
    }
    let day = u8::try_from(number(d)?).map_err(|_| Invalid::new("invalid-date"))?;
    Date::from_calendar_date(year, month, day).map_err(|_| Invalid::new("invalid-date"))
}

/// Text that must be there, cleaned, at most `max` characters.
pub(crate) fn required_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let s = clean(raw);
    if s.is_empty() {
        return Err(Invalid::new("invalid-required"));
    }
    optional_text(&s, max)
}

/// Text that may be empty, cleaned, at most `max` characters. Line breaks are kept.
pub(crate) fn optional_text(raw: &str, max: usize) -> Result<String, Invalid> {
    let s: String = raw.lines().map(clean).collect::<Vec<_>>().join("\n").trim().to_owned();
    if s.chars().count() > max {
        return Err(Invalid::new("invalid-too-long").with("max", max));
    }
    Ok(s)
}

/// `None` for an empty field, the parsed value otherwise.
pub(crate) fn optional<T>(raw: &str, parse: impl FnOnce(&str) -> Result<T, Invalid>) -> Result<Option<T>, Invalid> {
    if raw.trim().is_empty() { Ok(None) } else { parse(raw).map(Some) }
}

impl ProducerInput {
    /// Every field checked; all failures reported together.
    pub fn parse(&self) -> Result<ProducerDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let legal_type = e.check("legal_type", LegalType::parse(&self.legal_type));
        let name = e.check("name", required_text(&self.name, 200));
        let tax_code = e.check("tax_code", optional(&self.tax_code, TaxCode::parse));
        let representative = e.check("representative", optional_text(&self.representative, 120));
        let phone = e.check("phone", optional(&self.phone, PhoneNumber::parse));
        let email = e.check("email", optional(&self.email, Email::parse));
        let province = e.check("province", ProvinceCode::parse(&self.province));
        let commune = e.check("commune", CommuneCode::parse(&self.commune));
        let street = e.check("street", optional_text(&self.street, 200));
        let old_district = e.check("old_district", optional(&self.old_district, DistrictCode::parse));
        let old_commune = e.check("old_commune", optional(&self.old_commune, CommuneCode::parse));
        let established_on = e.check("established_on", optional(&self.established_on, parse_date));
        let members_count = e.check(
            "members_count",
            optional(&self.members_count, |s| {
                s.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..=1_000_000).contains(n))
                    .ok_or_else(|| Invalid::new("invalid-number"))
            }),
        );
        let sales_channels = e.check("sales_channels", SalesChannel::parse_list(&self.sales_channels));
        match (legal_type, name, tax_code, representative, phone, email, province, commune, street) {
            (
                Some(legal_type),
                Some(name),
                Some(tax_code),
                Some(representative),
                Some(phone),
                Some(email),
                Some(province),
                Some(commune),
                Some(street),
            ) if e.is_empty() => Ok(ProducerDraft {
                legal_type,
                name,
                tax_code,
                representative,
                phone,
                email,
                province,
                commune,
                street,
                old_district: old_district.flatten(),
                old_commune: old_commune.flatten(),
                established_on: established_on.flatten(),
                members_count: members_count.flatten(),
                sales_channels: sales_channels.unwrap_or_default(),
            }),
            _ => Err(e),
        }
    }

    pub fn from_draft(d: &ProducerDraft) -> Self {
        Self {
            legal_type: d.legal_type.as_str().to_owned(),
            name: d.name.clone(),
            tax_code: d.tax_code.as_ref().map(ToString::to_string).unwrap_or_default(),
            representative: d.representative.clone(),
            phone: d.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
            email: d.email.as_ref().map(ToString::to_string).unwrap_or_default(),
            province: d.province.to_string(),
            commune: d.commune.to_string(),
            street: d.street.clone(),
            old_district: d.old_district.as_ref().map(ToString::to_string).unwrap_or_default(),
            old_commune: d.old_commune.as_ref().map(ToString::to_string).unwrap_or_default(),
            established_on: d.established_on.map(|x| x.to_string()).unwrap_or_default(),
            members_count: d.members_count.map(|n| n.to_string()).unwrap_or_default(),
            sales_channels: SalesChannel::join(&d.sales_channels),
        }
    }
}

impl ProductInput {
    /// Every field checked; `sheet` must name one of `sheets`.
    pub fn parse(&self, producer_id: i64, sheets: &crate::criteria::CriteriaSet) -> Result<ProductDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(&self.name, 200));
        let sheet = e.check("sheet", sheets.parse_sheet(&self.sheet).map(|s| s.code.clone()));
        let gtin = e.check("gtin", optional(&self.gtin, Gtin::parse));
        let description = e.check("description", optional_text(&self.description, 4000));
        let ingredients = e.check("ingredients", optional_text(&self.ingredients, 2000));
        let packaging = e.check("packaging", optional_text(&self.packaging, 300));
        let price = e.check("price", optional(&self.price, Vnd::parse));
        let capacity = e.check("capacity", optional_text(&self.capacity, 300));
        match (name, sheet, gtin, description, ingredients, packaging, price, capacity) {
            (
                Some(name),
                Some(sheet_code),
                Some(gtin),
                Some(description),
                Some(ingredients),
                Some(packaging),
                Some(price),
                Some(capacity),
            ) if e.is_empty() => Ok(ProductDraft {
                producer_id,
                name,
                sheet_code,
                gtin,
                description,
                ingredients,
                packaging,
                price,
                capacity,
            }),
            _ => Err(e),
        }
    }

    pub fn from_draft(d: &ProductDraft) -> Self {
        Self {
            name: d.name.clone(),
            sheet: d.sheet_code.clone(),
            gtin: d.gtin.as_ref().map(|g| crate::gtin::printed(&g.gtin14()).to_owned()).unwrap_or_default(),
            description: d.description.clone(),
            ingredients: d.ingredients.clone(),
            packaging: d.packaging.clone(),
            price: d.price.map(|p| p.dong().to_string()).unwrap_or_default(),
            capacity: d.capacity.clone(),
        }
    }
}

/// Words that name a legal form rather than the producer ("HTX", "Công ty TNHH", "Hộ kinh
/// doanh"), folded, longest first.
const LEGAL_FORM_WORDS: &[&str] = &[
    "cong ty co phan",
    "cong ty tnhh",
    "doanh nghiep tu nhan",
    "mot thanh vien",
    "ho kinh doanh",
    "ho san xuat",
    "hop tac xa",
    "to hop tac",
    "cong ty",
    "co so",
    "dntn",
    "ctcp",
    "tnhh",
    "htx",
    "hkd",
    "tht",
    "mtv",
];

/// A producer's name without its legal form, folded and without spaces: "HTX Mật ong Ba Vì" and
/// "Hợp tác xã mật ong Ba Vì" have the same core.
pub fn name_core(name: &str) -> String {
    let mut words = format!(" {} ", fold(name).replace(['.', ',', '-', '(', ')', '"'], " "));
    for form in LEGAL_FORM_WORDS {
        words = words.replace(&format!(" {form} "), " ");
    }
    words.split_whitespace().collect()
}

/// Whether two producers of one commune may be the same one recorded twice: the same core name,
/// or one core holding the other (at least five letters).
pub fn may_be_duplicates(a: &str, b: &str) -> bool {
    let (a, b) = (name_core(a), name_core(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    a == b || (short.chars().count() >= 5 && long.contains(short.as_str()))
}

/// A producer as a merge sees it.
#[derive(Debug, Clone, Copy)]
pub struct MergeSide<'a> {
    pub id: i64,
    pub province: &'a str,
    pub tax_code: Option<&'a str>,
    /// Deleted, or merged into another already.
    pub gone: bool,
}

/// Merging a duplicate producer into the one kept: two records, both live, of one province, and
/// not two different tax codes (those are two legal persons). The kept one ends with the tax
/// code either had.
pub fn merge_tax_code(keep: MergeSide<'_>, duplicate: MergeSide<'_>) -> Result<Option<String>, Invalid> {
    if keep.id == duplicate.id {
        return Err(Invalid::new("producer-merge-same"));
    }
    if keep.gone || duplicate.gone {
        return Err(Invalid::new("producer-merge-gone"));
    }
    if keep.province != duplicate.province {
        return Err(Invalid::new("producer-merge-other-province"));
    }
    match (keep.tax_code, duplicate.tax_code) {
        (Some(a), Some(b)) if a != b => Err(Invalid::new("producer-merge-two-tax-codes").with("a", a).with("b", b)),
        (Some(t), _) | (None, Some(t)) => Ok(Some(t.to_owned())),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn producer() -> ProducerInput {
        ProducerInput {
            legal_type: "HTX".into(),
            name: "  Hợp tác xã   Gốm Bát Tràng ".into(),
            tax_code: "0100233488".into(),
            phone: "0912 345 678".into(),
            province: "1".into(),
            commune: "577".into(),
            established_on: "01/03/2015".into(),
            members_count: "12".into(),
            sales_channels: "ecommerce, supermarket".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_producer_parses_to_canonical_values() {
        let d = producer().parse().expect("valid");
        assert_eq!(d.name, "Hợp tác xã Gốm Bát Tràng");
        assert_eq!((d.province.as_str(), d.commune.as_str()), ("01", "00577"));
        assert_eq!(d.phone.map(String::from).as_deref(), Some("0912345678"));
        assert_eq!(d.established_on, Some(date!(2015 - 03 - 01)));
        assert_eq!(d.sales_channels, vec![SalesChannel::Supermarket, SalesChannel::Ecommerce]);
        assert_eq!(ProducerInput::from_draft(&producer().parse().expect("valid")).parse(), producer().parse());
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ProducerInput {
            legal_type: "tư nhân".into(),
            name: " ".into(),
            tax_code: "0100233480".into(),
            phone: "01689123456".into(),
            email: "a@".into(),
            province: "x".into(),
            commune: "".into(),
            established_on: "31/02/2020".into(),
            members_count: "-3".into(),
            sales_channels: "chợ".into(),
            ..Default::default()
        };
        let errors = bad.parse().expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "legal_type",
                "name",
                "tax_code",
                "phone",
                "email",
                "province",
                "commune",
                "established_on",
                "members_count",
                "sales_channels"
            ]
        );
        assert_eq!(errors.get("tax_code").map(|i| i.key), Some("invalid-tax-code-check"));
    }

    #[test]
    fn dates_in_both_spellings() {
        assert_eq!(parse_date("29/11/2026"), Ok(date!(2026 - 11 - 29)));
        assert_eq!(parse_date("2026-11-29"), Ok(date!(2026 - 11 - 29)));
        for bad in ["31/02/2026", "hôm nay", "2026-13-01", "1/1/1800", "29/11"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn duplicates_are_found_by_the_name_without_its_legal_form() {
        assert_eq!(name_core("HTX Mật ong Ba Vì"), "matongbavi");
        assert!(may_be_duplicates("HTX Mật ong Ba Vì", "Hợp tác xã mật ong Ba Vì"));
        assert!(may_be_duplicates("Hộ kinh doanh Nguyễn Văn Tâm", "Cơ sở Nguyễn Văn Tâm"));
        assert!(may_be_duplicates("Công ty TNHH Chè Tân Cương", "Chè Tân Cương"));
        assert!(!may_be_duplicates("HTX Chè", "HTX Chè Tân Cương"), "a short core holds nothing");
        assert!(!may_be_duplicates("HTX Mật ong Ba Vì", "HTX Gốm Bát Tràng"));
        assert!(!may_be_duplicates("HTX", "Hợp tác xã"), "no name left");
    }

    #[test]
    fn a_merge_keeps_one_tax_code_and_refuses_two() {
        let side = |id, province, tax_code| MergeSide { id, province, tax_code, gone: false };
        let merge = |a, b| merge_tax_code(a, b).map_err(|e| e.key);
        assert_eq!(merge(side(1, "01", None), side(2, "01", Some("0100233488"))), Ok(Some("0100233488".into())));
        assert_eq!(merge(side(1, "01", Some("0100233488")), side(2, "01", None)), Ok(Some("0100233488".into())));
        assert_eq!(merge(side(1, "01", None), side(2, "01", None)), Ok(None));
        let two = merge(side(1, "01", Some("0100233488")), side(2, "01", Some("0100109106")));
        assert_eq!(two, Err("producer-merge-two-tax-codes"));
        assert_eq!(merge(side(1, "01", None), side(1, "01", None)), Err("producer-merge-same"));
        assert_eq!(merge(side(1, "01", None), side(2, "08", None)), Err("producer-merge-other-province"));
        let deleted = MergeSide { gone: true, ..side(2, "01", None) };
        assert_eq!(merge(side(1, "01", None), deleted), Err("producer-merge-gone"));
    }
}

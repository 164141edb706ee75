//! Điểm giới thiệu và bán sản phẩm OCOP, trung tâm thiết kế sáng tạo: showcase and sales points
//! and creative design centres, on a current commune, run by a producer or a named organisation.

use crate::phone::PhoneNumber;
use crate::place::{CommuneCode, ProvinceCode};
use crate::registry::{optional, optional_text, parse_date, required_text};
use crate::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// Điểm giới thiệu và bán sản phẩm OCOP.
    Showcase,
    /// Trung tâm thiết kế sáng tạo.
    DesignCentre,
}

impl PointKind {
    pub const ALL: [PointKind; 2] = [PointKind::Showcase, PointKind::DesignCentre];

    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::Showcase => "showcase",
            PointKind::DesignCentre => "design_centre",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let f = crate::text::fold(raw).replace(' ', "_");
        if f.is_empty() {
            return Err(Invalid::new("invalid-required"));
        }
        PointKind::ALL.into_iter().find(|k| k.as_str() == f).ok_or_else(|| Invalid::new("invalid-point-kind"))
    }
}

/// A place on the map, in millionths of a degree (exact on both databases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geo {
    pub lat_e6: i64,
    pub lon_e6: i64,
}

impl Geo {
    /// Latitude and longitude in degrees as typed (`21.0285`, `105,8542`), within Vietnam and its
    /// islands.
    pub fn parse(lat: &str, lon: &str) -> Result<Geo, Invalid> {
        let number = |raw: &str| raw.trim().replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite());
        let (Some(lat), Some(lon)) = (number(lat), number(lon)) else {
            return Err(Invalid::new("invalid-geo"));
        };
        if !(8.0..=24.0).contains(&lat) || !(102.0..=118.0).contains(&lon) {
            return Err(Invalid::new("invalid-geo-outside"));
        }
        match (crate::num::round(lat * 1e6), crate::num::round(lon * 1e6)) {
            (Some(lat_e6), Some(lon_e6)) => Ok(Geo { lat_e6, lon_e6 }),
            _ => Err(Invalid::new("invalid-geo")),
        }
    }

    pub fn lat(self) -> f64 {
        self.lat_e6 as f64 / 1e6
    }

    pub fn lon(self) -> f64 {
        self.lon_e6 as f64 / 1e6
    }

    /// `geo:21.028500,105.854200` (RFC 5870), which phones open in their map application.
    pub fn uri(self) -> String {
        format!("geo:{:.6},{:.6}", self.lat(), self.lon())
    }
}

/// A sales point as typed in the office's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SalesPointInput {
    pub kind: String,
    pub name: String,
    pub province: String,
    pub commune: String,
    pub street: String,
    /// The pre-2025 commune of the address, kept for history.
    pub old_commune: String,
    /// A producer of the registry that runs it, by id…
    pub operator_producer: String,
    /// …or the organisation that does.
    pub operator_name: String,
    pub opened_on: String,
    pub closed_on: String,
    pub opening_hours: String,
    pub phone: String,
    pub lat: String,
    pub lon: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesPointDraft {
    pub kind: PointKind,
    pub name: String,
    pub province: ProvinceCode,
    pub commune: CommuneCode,
    pub street: String,
    pub old_commune: Option<CommuneCode>,
    pub operator_producer: Option<i64>,
    pub operator_name: String,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub opening_hours: String,
    pub phone: Option<PhoneNumber>,
    pub geo: Option<Geo>,
}

impl SalesPointInput {
    pub fn parse(&self) -> Result<SalesPointDraft, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = e.check("kind", PointKind::parse(&self.kind));
        let name = e.check("name", required_text(&self.name, 200));
        let province = e.check("province", ProvinceCode::parse(&self.province));
        let commune = e.check("commune", CommuneCode::parse(&self.commune));
        let street = e.check("street", optional_text(&self.street, 200));
        let old_commune = e.check("old_commune", optional(&self.old_commune, CommuneCode::parse));
        let operator_producer = e.check(
            "operator_producer",
            optional(&self.operator_producer, |s| s.trim().parse::<i64>().map_err(|_| Invalid::new("invalid-number"))),
        );
        let operator_name = e.check("operator_name", optional_text(&self.operator_name, 200));
        if matches!((&operator_producer, &operator_name), (Some(None), Some(n)) if n.is_empty()) {
            e.add("operator_name", Invalid::new("invalid-point-operator"));
        }
        let opened_on = e.check("opened_on", parse_date(&self.opened_on));
        let closed_on = e.check("closed_on", optional(&self.closed_on, parse_date));
        if let (Some(o), Some(Some(c))) = (opened_on, closed_on)
            && c < o
        {
            e.add("closed_on", Invalid::new("invalid-date-order"));
        }
        let opening_hours = e.check("opening_hours", optional_text(&self.opening_hours, 200));
        let phone = e.check("phone", optional(&self.phone, PhoneNumber::parse));
        let geo = if self.lat.trim().is_empty() && self.lon.trim().is_empty() {
            Some(None)
        } else {
            e.check("lat", Geo::parse(&self.lat, &self.lon).map(Some))
        };
        match (kind, name, province, commune, street, old_commune, operator_producer, operator_name) {
            (
                Some(kind),
                Some(name),
                Some(province),
                Some(commune),
                Some(street),
                Some(old_commune),
                Some(operator_producer),
                Some(operator_name),
            ) if e.is_empty() => Ok(SalesPointDraft {
                kind,
                name,
                province,
                commune,
                street,
                old_commune,
                operator_producer,
                operator_name,
                opened_on: opened_on.ok_or_else(FieldErrors::new)?,
                closed_on: closed_on.flatten(),
                opening_hours: opening_hours.unwrap_or_default(),
                phone: phone.flatten(),
                geo: geo.flatten(),
            }),
            _ => Err(e),
        }
    }

    pub fn from_draft(d: &SalesPointDraft) -> Self {
        let date = |d: Option<Date>| d.map(crate::fmt_date).unwrap_or_default();
        SalesPointInput {
            kind: d.kind.as_str().into(),
            name: d.name.clone(),
            province: d.province.to_string(),
            commune: d.commune.to_string(),
            street: d.street.clone(),
            old_commune: d.old_commune.as_ref().map(ToString::to_string).unwrap_or_default(),
            operator_producer: d.operator_producer.map(|p| p.to_string()).unwrap_or_default(),
            operator_name: d.operator_name.clone(),
            opened_on: crate::fmt_date(d.opened_on),
            closed_on: date(d.closed_on),
            opening_hours: d.opening_hours.clone(),
            phone: d.phone.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
            lat: d.geo.map(|g| format!("{:.6}", g.lat())).unwrap_or_default(),
            lon: d.geo.map(|g| format!("{:.6}", g.lon())).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SalesPointInput {
        SalesPointInput {
            kind: "showcase".into(),
            name: "Điểm giới thiệu sản phẩm OCOP Đông Anh".into(),
            province: "01".into(),
            commune: "00577".into(),
            operator_name: "HTX Dịch vụ Nông nghiệp Đông Anh".into(),
            opened_on: "15/03/2023".into(),
            phone: "0912345678".into(),
            lat: "21,1367".into(),
            lon: "105.8480".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_point_is_checked_and_reads_back() {
        let d = input().parse().expect("valid");
        assert_eq!(d.geo, Some(Geo { lat_e6: 21_136_700, lon_e6: 105_848_000 }));
        assert_eq!(d.geo.map(Geo::uri).as_deref(), Some("geo:21.136700,105.848000"));
        assert_eq!(SalesPointInput::from_draft(&d).parse(), Ok(d));
    }

    #[test]
    fn bad_points_say_which_field() {
        let fields = |i: SalesPointInput| -> Vec<String> {
            i.parse().err().map(|e| e.iter().map(|(f, _)| f.clone()).collect()).unwrap_or_default()
        };
        assert_eq!(fields(SalesPointInput { operator_name: String::new(), ..input() }), ["operator_name"]);
        assert_eq!(fields(SalesPointInput { lat: "48.85".into(), ..input() }), ["lat"], "Paris is not in Vietnam");
        assert_eq!(fields(SalesPointInput { closed_on: "01/01/2020".into(), ..input() }), ["closed_on"]);
        assert_eq!(fields(SalesPointInput { kind: "kiosk".into(), name: " ".into(), ..input() }), ["kind", "name"]);
        assert!(
            SalesPointInput { operator_producer: "12".into(), operator_name: String::new(), ..input() }.parse().is_ok()
        );
    }
}

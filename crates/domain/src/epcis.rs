//! EPCIS 2.0 (GS1, JSON-LD binding) — the subset the platform captures: `ObjectEvent`s with the
//! CBV 2.0 business steps of a small producer's chain (commissioning, inspecting, shipping,
//! receiving, retail_selling) and CBV dispositions, identifying objects by GS1 Digital Link URIs.

use crate::Invalid;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld";

pub const BIZ_STEPS: [&str; 5] = ["commissioning", "inspecting", "shipping", "receiving", "retail_selling"];
pub const DISPOSITIONS: [&str; 16] = [
    "active",
    "available",
    "conformant",
    "non_conformant",
    "damaged",
    "destroyed",
    "expired",
    "in_progress",
    "in_transit",
    "inactive",
    "recalled",
    "retail_sold",
    "returned",
    "sellable_accessible",
    "sellable_not_accessible",
    "unknown",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// A Digital Link URI of the product (class) or lot.
    pub epc_class: String,
    /// Optional in EPCIS 2.0 (an unknown quantity of the class).
    pub quantity: Option<f64>,
    pub uom: Option<String>,
}

/// A validated ObjectEvent.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectEvent {
    pub event_id: String,
    pub event_time: OffsetDateTime,
    pub event_time_zone_offset: String,
    pub action: &'static str,
    pub biz_step: &'static str,
    pub disposition: Option<&'static str>,
    pub epc_list: Vec<String>,
    pub quantity_list: Vec<Quantity>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
}

fn refuse(key: &'static str) -> Invalid {
    Invalid::new(key)
}

/// `commissioning`, `cbv:BizStep-commissioning`, `urn:epcglobal:cbv:bizstep:commissioning` and
/// `https://ref.gs1.org/cbv/BizStep-commissioning` all name the same step.
fn vocabulary(raw: &str, kind: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let lower = raw.trim();
    let bare = lower
        .rsplit_once(&format!("{kind}-"))
        .map(|(_, v)| v)
        .or_else(|| lower.rsplit_once(&format!("cbv:{}:", kind.to_lowercase())).map(|(_, v)| v))
        .unwrap_or(lower);
    allowed.iter().copied().find(|a| *a == bare)
}

fn string(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn id_of(o: &Map<String, Value>, key: &str) -> Result<Option<String>, Invalid> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => match string(inner, "id") {
            Some(id) if id.chars().count() <= 300 => Ok(Some(id)),
            _ => Err(Invalid::new("epcis-bad-field").with("field", key)),
        },
        Some(_) => Err(Invalid::new("epcis-bad-field").with("field", key)),
    }
}

impl ObjectEvent {
    pub fn parse(v: &Value) -> Result<ObjectEvent, Invalid> {
        let o = v.as_object().ok_or_else(|| refuse("epcis-not-object"))?;
        match o.get("type").and_then(Value::as_str) {
            Some("ObjectEvent") => {}
            Some(other) => return Err(Invalid::new("epcis-unsupported-type").with("type", other)),
            None => return Err(Invalid::new("epcis-missing").with("field", "type")),
        }
        let event_id = string(o, "eventID").ok_or_else(|| Invalid::new("epcis-missing").with("field", "eventID"))?;
        if event_id.chars().count() > 300 {
            return Err(Invalid::new("epcis-bad-field").with("field", "eventID"));
        }
        let time = string(o, "eventTime").ok_or_else(|| Invalid::new("epcis-missing").with("field", "eventTime"))?;
        let event_time = OffsetDateTime::parse(&time, &Rfc3339)
            .map_err(|_| Invalid::new("epcis-bad-field").with("field", "eventTime"))?;
        let offset = string(o, "eventTimeZoneOffset")
            .ok_or_else(|| Invalid::new("epcis-missing").with("field", "eventTimeZoneOffset"))?;
        let valid_offset = offset.len() == 6
            && (offset.starts_with('+') || offset.starts_with('-'))
            && offset.as_bytes()[3] == b':'
            && offset[1..3].parse::<u8>().is_ok_and(|h| h <= 14)
            && offset[4..6].parse::<u8>().is_ok_and(|m| m < 60);
        if !valid_offset {
            return Err(Invalid::new("epcis-bad-field").with("field", "eventTimeZoneOffset"));
        }
        let action = match o.get("action").and_then(Value::as_str) {
            Some("ADD") => "ADD",
            Some("OBSERVE") => "OBSERVE",
            Some("DELETE") => "DELETE",
            _ => return Err(Invalid::new("epcis-bad-field").with("field", "action")),
        };
        let biz_step = string(o, "bizStep")
            .and_then(|s| vocabulary(&s, "BizStep", &BIZ_STEPS))
            .ok_or_else(|| Invalid::new("epcis-bad-biz-step").with("allowed", BIZ_STEPS.join(", ")))?;
        let disposition = match string(o, "disposition") {
            None => None,
            Some(d) => Some(
                vocabulary(&d, "Disp", &DISPOSITIONS)
                    .ok_or_else(|| Invalid::new("epcis-bad-disposition").with("value", d.clone()))?,
            ),
        };
        let epc_list = match o.get("epcList") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| Invalid::new("epcis-bad-field").with("field", "epcList"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(Invalid::new("epcis-bad-field").with("field", "epcList")),
        };
        let quantity_list = match o.get("quantityList") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    let q =
                        i.as_object().ok_or_else(|| Invalid::new("epcis-bad-field").with("field", "quantityList"))?;
                    let epc_class = string(q, "epcClass")
                        .ok_or_else(|| Invalid::new("epcis-missing").with("field", "quantityList.epcClass"))?;
                    let quantity =
                        match q.get("quantity") {
                            None | Some(Value::Null) => None,
                            Some(n) => Some(n.as_f64().filter(|n| *n > 0.0 && n.is_finite()).ok_or_else(|| {
                                Invalid::new("epcis-bad-field").with("field", "quantityList.quantity")
                            })?),
                        };
                    Ok(Quantity { epc_class, quantity, uom: string(q, "uom") })
                })
                .collect::<Result<_, Invalid>>()?,
            Some(_) => return Err(Invalid::new("epcis-bad-field").with("field", "quantityList")),
        };
        if epc_list.is_empty() && quantity_list.is_empty() {
            return Err(Invalid::new("epcis-no-objects"));
        }
        Ok(ObjectEvent {
            event_id,
            event_time,
            event_time_zone_offset: offset,
            action,
            biz_step,
            disposition,
            epc_list,
            quantity_list,
            read_point: id_of(o, "readPoint")?,
            biz_location: id_of(o, "bizLocation")?,
        })
    }

    /// Every object URI the event names (serials, then classes).
    pub fn objects(&self) -> impl Iterator<Item = &str> {
        self.epc_list.iter().map(String::as_str).chain(self.quantity_list.iter().map(|q| q.epc_class.as_str()))
    }

    /// The event in the EPCIS 2.0 JSON-LD binding (CBV terms as compact `bizStep` values).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("type".into(), json!("ObjectEvent"));
        o.insert("eventID".into(), json!(self.event_id));
        o.insert("eventTime".into(), json!(self.event_time.format(&Rfc3339).unwrap_or_default()));
        o.insert("eventTimeZoneOffset".into(), json!(self.event_time_zone_offset));
        if !self.epc_list.is_empty() {
            o.insert("epcList".into(), json!(self.epc_list));
        }
        if !self.quantity_list.is_empty() {
            let list: Vec<Value> = self
                .quantity_list
                .iter()
                .map(|q| {
                    let mut m = json!({"epcClass": q.epc_class});
                    if let Some(n) = q.quantity {
                        m["quantity"] = json!(n);
                    }
                    if let Some(u) = &q.uom {
                        m["uom"] = json!(u);
                    }
                    m
                })
                .collect();
            o.insert("quantityList".into(), Value::Array(list));
        }
        o.insert("action".into(), json!(self.action));
        o.insert("bizStep".into(), json!(self.biz_step));
        if let Some(d) = self.disposition {
            o.insert("disposition".into(), json!(d));
        }
        if let Some(r) = &self.read_point {
            o.insert("readPoint".into(), json!({"id": r}));
        }
        if let Some(b) = &self.biz_location {
            o.insert("bizLocation".into(), json!({"id": b}));
        }
        Value::Object(o)
    }
}

/// The events of a capture body: one event, or an `EPCISDocument` with `epcisBody.eventList`.
pub fn events_of(body: &Value) -> Result<Vec<&Value>, Invalid> {
    match body.get("type").and_then(Value::as_str) {
        Some("EPCISDocument") => body
            .pointer("/epcisBody/eventList")
            .and_then(Value::as_array)
            .map(|l| l.iter().collect())
            .ok_or_else(|| Invalid::new("epcis-missing").with("field", "epcisBody.eventList")),
        _ => Ok(vec![body]),
    }
}

/// An `EPCISDocument` holding these events.
pub fn document(events: Vec<Value>, created: OffsetDateTime) -> Value {
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.format(&Rfc3339).unwrap_or_default(),
        "epcisBody": {"eventList": events},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Value {
        json!({
            "type": "ObjectEvent",
            "eventID": "urn:uuid:5f8c4f3e-1d0b-4e3f-9a53-3a8c0b2f6a10",
            "eventTime": "2026-11-20T08:30:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "epcList": ["https://ocop.example/01/08934563138165/10/L1/21/ABC"],
            "action": "OBSERVE",
            "bizStep": "cbv:BizStep-shipping",
            "disposition": "https://ref.gs1.org/cbv/Disp-in_transit",
            "readPoint": {"id": "urn:ocop:producer:12"},
        })
    }

    #[test]
    fn a_shipping_event_reads_and_writes_back() {
        let e = ObjectEvent::parse(&event()).expect("valid");
        assert_eq!((e.biz_step, e.disposition, e.action), ("shipping", Some("in_transit"), "OBSERVE"));
        assert_eq!(ObjectEvent::parse(&e.to_json()), Ok(e.clone()));
        assert_eq!(e.to_json()["bizStep"], "shipping");
        let doc = document(vec![e.to_json()], e.event_time);
        assert_eq!(events_of(&doc).expect("list").len(), 1);
        assert_eq!(doc["type"], "EPCISDocument");
    }

    #[test]
    fn bad_events_name_the_field() {
        let key = |f: &dyn Fn(&mut Value)| {
            let mut v = event();
            f(&mut v);
            let e = ObjectEvent::parse(&v).expect_err("refused");
            (e.key, e.args.first().map(|a| a.1.clone()).unwrap_or_default())
        };
        assert_eq!(key(&|v| v["type"] = json!("AggregationEvent")).0, "epcis-unsupported-type");
        assert_eq!(
            key(&|v| {
                v.as_object_mut().map(|o| o.remove("eventID"));
            }),
            ("epcis-missing", "eventID".into())
        );
        assert_eq!(key(&|v| v["eventTime"] = json!("20/11/2026")), ("epcis-bad-field", "eventTime".into()));
        assert_eq!(key(&|v| v["eventTimeZoneOffset"] = json!("+7")), ("epcis-bad-field", "eventTimeZoneOffset".into()));
        assert_eq!(key(&|v| v["action"] = json!("MOVE")), ("epcis-bad-field", "action".into()));
        assert_eq!(key(&|v| v["bizStep"] = json!("dancing")).0, "epcis-bad-biz-step");
        assert_eq!(key(&|v| v["disposition"] = json!("lost")).0, "epcis-bad-disposition");
        assert_eq!(
            key(&|v| {
                v.as_object_mut().map(|o| o.remove("epcList"));
            })
            .0,
            "epcis-no-objects"
        );
        assert_eq!(key(&|v| v["readPoint"] = json!("somewhere")), ("epcis-bad-field", "readPoint".into()));
    }
}

//! GS1 Digital Link URIs (GS1 Digital Link standard, URI syntax 1.2+): `/01/{gtin}` with the
//! key qualifiers of a GTIN in their normative order — `/22/{cpv}`, `/10/{lot}`, `/21/{serial}` —
//! each at most once. Values are percent-decoded and must use the GS1 AI character set 82, at
//! most 20 characters (20 for lots and serials, 20 for CPV).

use crate::Invalid;
use crate::gtin::Gtin;

/// A parsed Digital Link path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    pub gtin: Gtin,
    /// AI 22, consumer product variant.
    pub cpv: Option<String>,
    /// AI 10, batch or lot.
    pub lot: Option<String>,
    /// AI 21, serial number.
    pub serial: Option<String>,
}

/// The key qualifiers of a GTIN, in the only order the standard allows.
const QUALIFIERS: [&str; 3] = ["22", "10", "21"];
const MAX_VALUE: usize = 20;

/// GS1 AI encodable character set 82.
fn cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

fn decode(raw: &str, ai: &str) -> Result<String, Invalid> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => out.push(b),
                None => return Err(Invalid::new("dl-bad-value").with("ai", ai)),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let value = String::from_utf8(out).map_err(|_| Invalid::new("dl-bad-value").with("ai", ai))?;
    if value.is_empty() || value.chars().count() > MAX_VALUE || !value.chars().all(cset82) {
        return Err(Invalid::new("dl-bad-value").with("ai", ai));
    }
    Ok(value)
}

/// Percent-encodes a value for a Digital Link path (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    crate::text::url_segment(value)
}

impl DigitalLink {
    /// Parses the path of a Digital Link URI (`/01/…`, any prefix before `/01/` is the
    /// resolver's own and is ignored).
    pub fn parse(path: &str) -> Result<DigitalLink, Invalid> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let start = path.find("/01/").ok_or_else(|| Invalid::new("dl-not-digital-link"))?;
        let parts: Vec<&str> = path[start + 1..].trim_end_matches('/').split('/').collect();
        if !parts.len().is_multiple_of(2) {
            return Err(Invalid::new("dl-odd-path"));
        }
        let gtin = Gtin::parse(parts[1]).map_err(|why| match why.key {
            "invalid-gtin-check" => Invalid { key: "dl-bad-check-digit", args: why.args },
            _ => Invalid::new("dl-bad-gtin"),
        })?;
        let mut link = DigitalLink { gtin, cpv: None, lot: None, serial: None };
        let mut last: Option<usize> = None;
        for pair in parts[2..].chunks(2) {
            let (ai, value) = (pair[0], pair[1]);
            let Some(rank) = QUALIFIERS.iter().position(|q| *q == ai) else {
                return Err(Invalid::new("dl-unknown-qualifier").with("ai", ai));
            };
            if let Some(prev) = last
                && rank <= prev
            {
                let why = if rank == prev { "dl-repeated-qualifier" } else { "dl-out-of-order" };
                return Err(Invalid::new(why).with("ai", ai).with("after", QUALIFIERS[prev]));
            }
            last = Some(rank);
            let value = decode(value, ai)?;
            match ai {
                "22" => link.cpv = Some(value),
                "10" => link.lot = Some(value),
                _ => link.serial = Some(value),
            }
        }
        Ok(link)
    }

    /// The canonical path: 14-digit GTIN, qualifiers in order, values percent-encoded.
    pub fn path(&self) -> String {
        let mut p = format!("/01/{}", self.gtin.gtin14());
        for (ai, v) in [("22", &self.cpv), ("10", &self.lot), ("21", &self.serial)] {
            if let Some(v) = v {
                p.push_str(&format!("/{ai}/{}", encode(v)));
            }
        }
        p
    }
}

/// The path a label carries in its QR code: the Digital Link of the GTIN (with the lot and serial)
/// when the product has a valid GTIN, the product's public page `/p/{code}?lot=&serial=` otherwise.
pub fn label_path(gtin: Option<&str>, code: &str, lot: Option<&str>, serial: Option<&str>) -> String {
    match gtin.and_then(|g| Gtin::parse(g).ok()) {
        Some(gtin) => {
            DigitalLink { gtin, cpv: None, lot: lot.map(str::to_owned), serial: serial.map(str::to_owned) }.path()
        }
        None => {
            let mut p = format!("/p/{code}");
            let mut sep = '?';
            for (k, v) in [("lot", lot), ("serial", serial)] {
                if let Some(v) = v {
                    p.push_str(&format!("{sep}{k}={}", encode(v)));
                    sep = '&';
                }
            }
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn label_paths() {
        assert_eq!(
            label_path(Some("8934563138165"), "01-00577-001-2026", Some("L/1"), Some("AB")),
            "/01/08934563138165/10/L%2F1/21/AB"
        );
        assert_eq!(label_path(None, "01-00577-001-2026", None, Some("AB")), "/p/01-00577-001-2026?serial=AB");
        assert_eq!(
            label_path(Some("123"), "X", Some("L"), None),
            "/p/X?lot=L",
            "an invalid GTIN falls back to the page"
        );
    }

    #[test]
    fn the_four_forms_parse() {
        let l = DigitalLink::parse("/01/08934563138165").expect("gtin");
        assert_eq!((l.gtin.gtin14().as_str(), l.lot.as_deref(), l.serial.as_deref()), ("08934563138165", None, None));
        let l = DigitalLink::parse("/01/8934563138165/10/L2026-07").expect("lot");
        assert_eq!(l.lot.as_deref(), Some("L2026-07"));
        let l = DigitalLink::parse("/01/8934563138165/21/ABCD1234").expect("serial");
        assert_eq!(l.serial.as_deref(), Some("ABCD1234"));
        let l =
            DigitalLink::parse("https://ocop.example/01/08934563138165/10/LOT%2F7/21/X1?linkType=all").expect("both");
        assert_eq!((l.lot.as_deref(), l.serial.as_deref()), (Some("LOT/7"), Some("X1")));
        assert_eq!(l.path(), "/01/08934563138165/10/LOT%2F7/21/X1");
    }

    #[test]
    fn bad_links_say_why() {
        let key = |p: &str| DigitalLink::parse(p).expect_err(p).key;
        assert_eq!(key("/01/8934563138166"), "dl-bad-check-digit");
        assert_eq!(key("/01/12345"), "dl-bad-gtin");
        assert_eq!(key("/01/8934563138165/21/X1/10/L1"), "dl-out-of-order");
        assert_eq!(key("/01/8934563138165/10/L1/10/L2"), "dl-repeated-qualifier");
        assert_eq!(key("/01/8934563138165/17/261231"), "dl-unknown-qualifier");
        assert_eq!(key("/01/8934563138165/10"), "dl-odd-path");
        assert_eq!(key("/01/8934563138165/10/%ZZ"), "dl-bad-value");
        assert_eq!(key("/01/8934563138165/21/ABCDEFGHIJKLMNOPQRSTU"), "dl-bad-value");
        assert_eq!(key("/p/01-00577-001-2026"), "dl-not-digital-link");
        let order = DigitalLink::parse("/01/8934563138165/21/X/10/L").expect_err("order");
        assert_eq!(order.args, [("ai", "10".to_owned()), ("after", "21".to_owned())]);
    }

    proptest! {
        #[test]
        fn paths_round_trip(lot in "[A-Za-z0-9/%!()*+,.:;<=>?_-]{1,20}", serial in "[A-Z0-9]{1,20}") {
            let gtin = Gtin::parse(&Gtin::from_twelve(&[8, 9, 3, 4, 5, 6, 3, 1, 3, 8, 1, 6]).gtin14()).expect("gtin-14");
            let link = DigitalLink { gtin, cpv: None, lot: Some(lot), serial: Some(serial) };
            prop_assert_eq!(DigitalLink::parse(&link.path()), Ok(link));
        }
    }
}

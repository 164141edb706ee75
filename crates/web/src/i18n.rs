//! Vietnamese first, English second: every word on a page comes from `locales/{vi,en}/main.ftl`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::Invalid;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "vi",
        // Fluent wraps arguments in invisible isolation marks by default; they would leak into
        // HTML, PDF text and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const COOKIE: &str = "ocop_lang";

/// The language of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Locale::Vi),
            "en" | "en-us" | "en-gb" => Some(Locale::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }

    pub fn other(self) -> Locale {
        match self {
            Locale::Vi => Locale::En,
            Locale::En => Locale::Vi,
        }
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Locale::Vi => langid!("vi"),
            Locale::En => langid!("en"),
        }
    }

    /// A `?lang=` query parameter wins (so a shared link keeps its language), then the cookie;
    /// otherwise Vietnamese.
    pub fn from_parts(parts: &Parts) -> Locale {
        let from_query = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Locale::parse));
        from_query
            .or_else(|| crate::cookies::get(&parts.headers, COOKIE).and_then(|v| Locale::parse(&v)))
            .unwrap_or_default()
    }

    pub fn tr(self) -> Tr {
        Tr { locale: self }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Locale::from_parts(parts))
    }
}

/// Looks up messages in one language. Templates call `t.get("key")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub locale: Locale,
}

/// What a missing message looks like, so that a test rendering every page can find it.
pub fn missing(key: &str) -> String {
    format!("⟦{key}⟧")
}

/// Messages without arguments, looked up in the catalogue once per language and key: a Fluent
/// lookup negotiates languages and allocates, and a page asks for dozens of messages.
type Memo = std::sync::LazyLock<std::sync::RwLock<HashMap<Box<str>, Arc<str>>>>;
static PLAIN: [Memo; 2] = [const { std::sync::LazyLock::new(Default::default) }; 2];

impl Tr {
    pub fn get(&self, key: &str) -> String {
        let memo = &PLAIN[self.locale as usize];
        if let Ok(map) = memo.read()
            && let Some(found) = map.get(key)
        {
            return found.to_string();
        }
        let found = LOCALES.try_lookup(&self.locale.id(), key).unwrap_or_else(|| missing(key));
        if let Ok(mut map) = memo.write() {
            map.insert(key.into(), found.as_str().into());
        }
        found
    }

    /// A message that may not exist (names looked up by a code, e.g. an audit action), or `None`.
    pub fn try_get(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.locale.id(), key)
    }

    /// A message with named arguments: `t.args("users-count", &[("total", "12")])`.
    pub fn args(&self, key: &str, args: &[(&str, &str)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| (Cow::Owned((*name).to_owned()), FluentValue::from((*value).to_owned())))
            .collect();
        LOCALES.try_lookup_with_args(&self.locale.id(), key, &map).unwrap_or_else(|| missing(key))
    }

    /// One argument, the common case in templates: `t.arg("home-welcome", "name", user.name)`.
    pub fn arg(&self, key: &str, name: &str, value: &str) -> String {
        self.args(key, &[(name, value)])
    }

    /// The sentence for a validation failure.
    pub fn invalid(&self, why: &Invalid) -> String {
        let args: Vec<(&str, &str)> = why.args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.args(why.key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let vi = keys(include_str!("../locales/vi/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty() && only_en.is_empty(), "only in vi: {only_vi:?}; only in en: {only_en:?}");
        assert!(vi.len() > 100);
    }

    #[test]
    fn every_domain_validation_key_has_a_message() {
        let vi = keys(include_str!("../locales/vi/main.ftl"));
        // Every `Invalid::new("…")` key used by the domain and store crates.
        let sources = [
            include_str!("../../domain/src/email.rs"),
            include_str!("../../domain/src/place.rs"),
            include_str!("../../domain/src/role.rs"),
            include_str!("../../domain/src/password.rs"),
            include_str!("../../domain/src/tax_code.rs"),
            include_str!("../../domain/src/phone.rs"),
            include_str!("../../domain/src/gtin.rs"),
            include_str!("../../domain/src/product_code.rs"),
            include_str!("../../domain/src/money.rs"),
            include_str!("../../domain/src/producer.rs"),
            include_str!("../../domain/src/certificate.rs"),
            include_str!("../../domain/src/criteria.rs"),
            include_str!("../../domain/src/scoring.rs"),
            include_str!("../../domain/src/scoring/input.rs"),
            include_str!("../../ocop/src/criteria_cli.rs"),
            include_str!("../../domain/src/evaluation.rs"),
            include_str!("../../media/src/evidence.rs"),
            include_str!("../../store/src/evaluation/rounds.rs"),
            include_str!("../../store/src/evaluation/dossiers.rs"),
            include_str!("../../store/src/evaluation/councils.rs"),
            include_str!("../../store/src/evaluation/decisions.rs"),
            include_str!("../../store/src/evaluation/reminders.rs"),
            include_str!("../../store/src/users.rs"),
            include_str!("../../store/src/producers.rs"),
            include_str!("../../store/src/products.rs"),
            include_str!("pages/registry/merge.rs"),
            include_str!("../../store/src/certificates.rs"),
            include_str!("../../domain/src/registry.rs"),
            include_str!("../../store/src/directory.rs"),
            include_str!("../../exchange/src/sheet.rs"),
            include_str!("../../exchange/src/import/mod.rs"),
            include_str!("../../exchange/src/import/producers.rs"),
            include_str!("../../exchange/src/import/products.rs"),
            include_str!("../../exchange/src/import/places.rs"),
            include_str!("../../domain/src/certificate.rs"),
            include_str!("pages/registry/exchange.rs"),
            include_str!("../../media/src/lib.rs"),
            include_str!("../../store/src/photos.rs"),
            include_str!("../../domain/src/digital_link.rs"),
            include_str!("../../domain/src/serial.rs"),
            include_str!("../../domain/src/epcis.rs"),
            include_str!("../../store/src/trace/lots.rs"),
            include_str!("../../store/src/trace/stamps.rs"),
            include_str!("../../store/src/trace/epcis.rs"),
            include_str!("api/epcis.rs"),
            include_str!("pages/trace/labels.rs"),
            include_str!("pages/trace/public.rs"),
        ];
        for source in sources {
            for prefix in ["invalid-", "import-", "score-", "notify-", "dl-", "epcis-", "producer-merge-"] {
                for piece in source.split(&format!("\"{prefix}")).skip(1) {
                    let key = format!("{prefix}{}", piece.split('"').next().unwrap_or_default());
                    assert!(vi.contains(&key), "no message for {key}");
                }
            }
        }
    }

    #[test]
    fn arguments_are_filled_without_isolation_marks() {
        let s = Locale::Vi.tr().arg("home-welcome", "name", "Lan");
        assert_eq!(s, "Xin chào, Lan!");
        assert_eq!(Locale::En.tr().get("nav-home"), "Home");
        assert_eq!(Locale::Vi.tr().get("no-such-key"), "⟦no-such-key⟧");
        let why = Invalid::new("invalid-too-long").with("max", 120);
        assert_eq!(Locale::Vi.tr().invalid(&why), "Tối đa 120 ký tự.");
    }
}

//! The audit log browser (nhật ký thay đổi): filter, page through, and check the hash chain.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::fmt;
use crate::i18n::Tr;
use crate::page::{PageCtx, Pager, field_error, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::FieldErrors;
use domain::access::Action;
use serde::Deserialize;
use store::Page;
use store::audit::{self, AuditFilter, Listed};

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    verify: Option<String>,
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    /// The action in the reader's language ("Sửa chủ thể"), and its code.
    action: String,
    code: String,
    entity: String,
    entity_id: String,
    province: String,
    /// What changed, field by field: (field, before, after).
    changes: Vec<(String, String, String)>,
    /// An autosave's sitting: "12 lần lưu, 14:02 – 14:31".
    sitting: Option<String>,
}

/// An action's name in the reader's language; its code when the catalogue has none.
fn action_label(t: Tr, action: &str) -> String {
    t.try_get(&format!("audit-action-{}", action.replace(['.', '_'], "-"))).unwrap_or_else(|| action.to_owned())
}

fn entity_label(t: Tr, entity: &str) -> String {
    t.try_get(&format!("audit-entity-{}", entity.replace('_', "-"))).unwrap_or_else(|| entity.to_owned())
}

fn field_label(t: Tr, field: &str) -> String {
    t.try_get(&format!("audit-field-{}", field.replace(['.', '_'], "-"))).unwrap_or_else(|| field.to_owned())
}

/// A stored JSON value's fields, nested objects flattened to `draft.name`.
fn fields(json: Option<&str>) -> std::collections::BTreeMap<String, serde_json::Value> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut std::collections::BTreeMap<String, serde_json::Value>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    if let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) {
        walk("", &v, &mut out);
    }
    out
}

fn shown(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The fields an entry changed: every field that differs between before and after (all of
/// after for a creation, all of before for a deletion).
fn changes(t: Tr, before: Option<&str>, after: Option<&str>) -> Vec<(String, String, String)> {
    let (before, after) = (fields(before), fields(after));
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| (field_label(t, k), shown(before.get(k)), shown(after.get(k))))
        .collect()
}

/// Codes with their names, by name.
fn labelled(codes: Vec<String>, name: impl Fn(&str) -> String) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = codes
        .into_iter()
        .map(|c| {
            let n = name(&c);
            (c, n)
        })
        .collect();
    out.sort_by_key(|(_, name)| domain::text::sort_key(name));
    out
}

fn row(t: Tr, r: Listed) -> Row {
    let sitting = (r.saves > 1).then(|| {
        t.args(
            "audit-sitting",
            &[("n", &r.saves.to_string()), ("from", &fmt::time(r.first_at)), ("until", &fmt::time(r.at))],
        )
    });
    Row {
        seq: r.seq,
        at: fmt::datetime(r.at),
        actor: r.actor,
        action: action_label(t, &r.action),
        changes: changes(t, r.before_json.as_deref(), r.after_json.as_deref()),
        code: r.action,
        entity: entity_label(t, &r.entity),
        entity_id: r.entity_id,
        province: r.province_code.unwrap_or_default(),
        sitting,
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    q: AuditQuery,
    /// (code, name) of the record kinds and actions in the log, for the filters.
    entities: Vec<(String, String)>,
    actions: Vec<(String, String)>,
    rows: Vec<Row>,
    count: String,
    pager: Pager,
    errors: FieldErrors,
    /// `(intact, message)` after a chain check.
    verification: Option<(bool, String)>,
}

impl AuditPage {
    fn error(&self, field: &str) -> Option<String> {
        field_error(self.ctx.t, &self.errors, field)
    }
}

pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let listing = caller.listing(Action::ViewAudit)?;
    let mut errors = FieldErrors::new();
    let mut date = |field: &str, raw: &str, shift_days: i64| {
        if raw.trim().is_empty() {
            return None;
        }
        match domain::registry::parse_date(raw) {
            Ok(d) => Some(fmt::day_start(d) + shift_days * 86_400),
            Err(why) => {
                errors.add(field, why);
                None
            }
        }
    };
    let from = date("from", &q.from, 0);
    // "Until 29/11" includes the whole of that day.
    let until = date("until", &q.until, 1);
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let filter = AuditFilter {
        province: listing.province().map(ToString::to_string),
        actor: nonempty(&q.actor),
        entity: nonempty(&q.entity),
        entity_id: nonempty(&q.entity_id),
        action: nonempty(&q.action),
        from,
        until,
    };
    let conn = state.db().conn();
    let found = audit::search(conn, &filter, Page::new(q.page.unwrap_or(1), 50)).await?;
    let verification = match q.verify {
        Some(_) => {
            let v = audit::verify(conn).await?;
            Some(match v.broken {
                None => (true, ctx.t.arg("audit-verify-ok", "n", &fmt::thousands(v.entries))),
                Some(b) => {
                    let seq = match b {
                        domain::audit::Break::HashMismatch { seq } | domain::audit::Break::WrongPrevious { seq } => seq,
                        domain::audit::Break::Gap { expected, .. } => expected,
                    };
                    (false, ctx.t.arg("audit-verify-broken", "seq", &seq.to_string()))
                }
            })
        }
        None => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let pager = Pager::new(&ctx, found.page, found.total);
    let page = AuditPage {
        count: ctx.t.arg("audit-count", "total", &fmt::thousands(found.total)),
        entities: labelled(audit::entities(conn).await?, |e| entity_label(ctx.t, e)),
        actions: labelled(audit::actions(conn).await?, |a| action_label(ctx.t, a)),
        rows: found.items.into_iter().map(|r| row(ctx.t, r)).collect(),
        pager,
        errors,
        verification,
        q,
        ctx,
    };
    Ok(render_status(status, &page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Every quoted `"kind.verb"` in the store's sources whose kind is one the audit log uses.
    fn audited_actions() -> BTreeSet<String> {
        fn sources(dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let mut texts = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src"), &mut texts);
        let quoted: Vec<String> = texts
            .iter()
            // Every stretch between two quotes: escaped quotes elsewhere cannot shift the pairs.
            .flat_map(|t| t.split('"').skip(1).map(str::to_owned).collect::<Vec<_>>())
            .filter(|s| {
                s.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && !b.contains('.')
                        && s.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                })
            })
            .collect();
        let kinds: BTreeSet<&str> = texts
            .iter()
            .flat_map(|t| t.split("Change::new(\"").skip(1))
            .filter_map(|rest| rest.split_once('.').map(|(kind, _)| kind))
            .collect();
        quoted.into_iter().filter(|s| s.split_once('.').is_some_and(|(k, _)| kinds.contains(k))).collect()
    }

    #[test]
    fn every_audited_action_has_a_name_in_both_languages() {
        let actions = audited_actions();
        assert!(actions.contains("producer.update") && actions.contains("registration.accept"), "{actions:?}");
        for locale in [Locale::Vi, Locale::En] {
            let t = locale.tr();
            for a in &actions {
                assert_ne!(action_label(t, a), *a, "{a} has no name in {}", locale.code());
            }
        }
        assert_eq!(action_label(Locale::Vi.tr(), "producer.update"), "Sửa chủ thể");
        assert_eq!(action_label(Locale::Vi.tr(), "user.login"), "Đăng nhập");
    }

    #[test]
    fn a_change_lists_only_the_fields_that_changed() {
        let t = Locale::Vi.tr();
        let before = r#"{"name": "HTX A", "phone": "0912", "tax_code": null}"#;
        let after = r#"{"name": "HTX Bình An", "phone": "0912", "tax_code": "0100233488"}"#;
        assert_eq!(
            changes(t, Some(before), Some(after)),
            [
                ("Tên".to_owned(), "HTX A".to_owned(), "HTX Bình An".to_owned()),
                ("Mã số thuế".to_owned(), "—".to_owned(), "0100233488".to_owned()),
            ]
        );
        let created = changes(t, None, Some(r#"{"code": "01-00577-001-2026", "draft": {"name": "Mật ong"}}"#));
        assert_eq!(created[1], ("draft.name".to_owned(), "—".to_owned(), "Mật ong".to_owned()));
    }
}

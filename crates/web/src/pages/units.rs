//! Administrative units: the current units of a province and where an old commune went.

use crate::AppState;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::page::{Choice, PageCtx, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::place::{CommuneCode, ProvinceCode};
use serde::Deserialize;
use store::units::{self, Commune, OldCommuneLookup, OldDistrict, Province};

#[derive(Deserialize, Default)]
pub struct UnitsQuery {
    #[serde(default)]
    province: String,
    #[serde(default)]
    old: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    ctx: PageCtx,
    provinces: Vec<Province>,
    selected: String,
    communes: Vec<Commune>,
    old_districts: Vec<OldDistrict>,
    count: String,
    old: String,
    lookup: Option<OldCommuneLookup>,
    lookup_error: Option<String>,
}

impl UnitsPage {
    fn kind_label(&self, kind: &str) -> String {
        let key = match kind {
            "xã" => "unit-kind-commune",
            "phường" => "unit-kind-ward",
            "đặc khu" => "unit-kind-special-zone",
            "thị trấn" => "unit-kind-town",
            "quận" => "unit-kind-urban-district",
            "huyện" => "unit-kind-rural-district",
            "thị xã" => "unit-kind-district-town",
            "thành phố" => "unit-kind-city",
            other => return other.to_owned(),
        };
        self.ctx.t.get(key)
    }

    fn edition_label(&self, edition: &str) -> String {
        self.ctx.t.get(&format!("units-edition-{edition}"))
    }
}

pub async fn page(State(state): State<AppState>, ctx: PageCtx, Query(q): Query<UnitsQuery>) -> AppResult<Response> {
    let conn = state.db().conn();
    let provinces = units::provinces(conn).await?;
    let selected = ProvinceCode::parse(if q.province.is_empty() { "01" } else { &q.province })
        .map(String::from)
        .unwrap_or_else(|_| "01".to_owned());
    let communes = units::communes(conn, &selected).await?;
    let old_districts = units::old_districts(conn, &selected).await?;
    let mut status = StatusCode::OK;
    let (lookup, lookup_error) = if q.old.trim().is_empty() {
        (None, None)
    } else {
        match CommuneCode::parse(&q.old) {
            Err(why) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                (None, Some(ctx.t.invalid(&why)))
            }
            Ok(code) => match units::lookup_old_commune(conn, code.as_str()).await? {
                Some(found) => (Some(found), None),
                None => {
                    status = StatusCode::NOT_FOUND;
                    (None, Some(ctx.t.arg("units-lookup-unknown", "code", code.as_str())))
                }
            },
        }
    };
    let count = ctx.t.arg("units-count", "n", &crate::fmt::thousands(domain::num::count(communes.len())));
    let page = UnitsPage { provinces, selected, communes, old_districts, count, old: q.old, lookup, lookup_error, ctx };
    Ok(render_status(status, &page))
}

/// The old districts of a current province as choices: a district of a former province merged
/// into it is named with that province; a selected code the list lacks is kept as it is, so
/// saving a form never drops a stored address.
pub fn old_district_choices(t: Tr, province: &str, districts: &[OldDistrict], selected: &str) -> Vec<Choice> {
    let mut choices = Choice::list(
        districts.iter().map(|d| {
            let label = if d.province_code == province {
                d.name.clone()
            } else {
                t.args("units-old-district-of", &[("district", &d.name), ("province", &d.province_name)])
            };
            (d.code.as_str(), label)
        }),
        selected,
    );
    if !selected.is_empty() && !choices.iter().any(|c| c.selected) {
        choices.push(Choice { value: selected.to_owned(), label: selected.to_owned(), selected: true });
    }
    choices
}

//! The office's market figures (`/market`): buyer connections (inquiries per month, per product
//! group, per commune; median time to a first answer; the share answered within 3 days), events
//! of the year, sales points opened per commune, and the same as workbooks.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::page::{PageCtx, render};
use crate::pages::registry::products::today;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::access::{Action, Listing};
use domain::outlets::{InquiryStats, inquiry_stats};
use exchange::report::{Sheet, Value, workbook};
use serde::Deserialize;
use store::Page;
use store::outlets::{events, inquiries, points};

#[derive(Deserialize, Default)]
pub struct FiguresQuery {
    #[serde(default)]
    year: Option<i32>,
}

/// Unix seconds of 1 January of `year`, Vietnam's time.
fn year_start(year: i32) -> i64 {
    time::Date::from_calendar_date(year, time::Month::January, 1).map_or(0, crate::fmt::day_start)
}

struct Figures {
    year: i32,
    inquiries: InquiryStats,
    events: events::YearFigures,
    points: Vec<(String, String, i64)>,
}

async fn figures(state: &AppState, listing: &Listing, year: i32) -> AppResult<Figures> {
    let conn = state.db().conn();
    let facts = inquiries::facts(conn, listing, year_start(year), year_start(year + 1)).await?;
    let events = events::figures(conn, listing.province(), year).await?;
    let mut points = Vec::new();
    for (code, n) in points::opened_per_commune(conn, listing, year).await? {
        let name = store::units::commune(conn, &code).await?.map(|c| c.name).unwrap_or_else(|| code.clone());
        points.push((code, name, n));
    }
    Ok(Figures { year, inquiries: inquiry_stats(&facts), events, points })
}

#[derive(Template)]
#[template(path = "outlets/figures.html")]
struct FiguresPage {
    ctx: PageCtx,
    f: Figures,
    median: String,
    within: String,
    sales: String,
    group_names: Vec<(String, String, usize)>,
    commune_names: Vec<(String, usize)>,
}

pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let listing = caller.require_territory(Action::ManageOutlets)?;
    let year = q.year.filter(|y| (2019..=2100).contains(y)).unwrap_or_else(|| today().year());
    let f = figures(&state, &listing, year).await?;
    let set = store::criteria::current().map_err(AppError::internal)?;
    let group_names = f
        .inquiries
        .by_group
        .iter()
        .map(|(code, n)| {
            let name = set.groups.iter().find(|g| &g.code == code).map(|g| g.name_vi.clone()).unwrap_or_default();
            (code.clone(), name, *n)
        })
        .collect();
    let mut commune_names = Vec::new();
    for (code, n) in &f.inquiries.by_commune {
        let name =
            store::units::commune(state.db().conn(), code).await?.map(|c| c.name).unwrap_or_else(|| code.clone());
        commune_names.push((name, *n));
    }
    let page = FiguresPage {
        median: f.inquiries.median_hours_to_answer.map(|h| format!("{h:.1}")).unwrap_or_else(|| "—".into()),
        within: f.inquiries.answered_within_3_days.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "—".into()),
        sales: super::vnd(Some(f.events.sales_vnd)),
        group_names,
        commune_names,
        f,
        ctx,
    };
    Ok(render(&page))
}

/// `/market/export/{sales-points|events|inquiries}.xlsx`.
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(name): Path<String>,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let listing = caller.require_territory(Action::ManageOutlets)?;
    let t = ctx.t;
    let conn = state.db().conn();
    let day = today();
    let year = q.year.filter(|y| (2019..=2100).contains(y)).unwrap_or_else(|| day.year());
    let sheets = match name.as_str() {
        "sales-points.xlsx" => {
            let filter = points::PointFilter { province: listing.province().cloned(), ..Default::default() };
            let mut rows = Vec::new();
            let mut page = Page::new(1, Page::MAX_SIZE);
            loop {
                let found = points::search(conn, &filter, day, page).await?;
                let ids = found.items.iter().map(|s| s.id).collect();
                let counts = points::carried_counts(conn, &ids, day).await?;
                for s in &found.items {
                    rows.push(vec![
                        Value::Int(s.id),
                        s.name.clone().into(),
                        t.get(&format!("point-kind-{}", s.kind)).into(),
                        s.commune_name.clone().into(),
                        s.street.clone().into(),
                        s.operator.clone().into(),
                        crate::fmt::date(s.opened_on).into(),
                        s.closed_on.map(crate::fmt::date).unwrap_or_default().into(),
                        s.phone.clone().unwrap_or_default().into(),
                        Value::Int(counts.get(&s.id).copied().unwrap_or(0)),
                    ]);
                }
                if i64::from(page.number) * i64::from(page.size) >= found.total {
                    break;
                }
                page = Page::new(page.number + 1, page.size);
            }
            let header = [
                "#",
                "point-name",
                "point-kind",
                "producers-field-commune",
                "producers-field-street",
                "point-operator",
                "point-opened",
                "point-closed",
                "producers-field-phone",
                "point-products-now",
            ];
            vec![Sheet {
                name: t.get("points-title"),
                header: header.iter().map(|k| if *k == "#" { "#".into() } else { t.get(k) }).collect(),
                rows,
            }]
        }
        "events.xlsx" => {
            let filter = events::EventFilter {
                province: listing.province().cloned(),
                year: Some(year),
                when: events::When::All,
                q: None,
            };
            let found = events::search(conn, &filter, day, Page::new(1, Page::MAX_SIZE)).await?;
            let mut list = Vec::new();
            let mut people = Vec::new();
            for e in &found.items {
                list.push(vec![
                    Value::Int(e.id),
                    e.name.clone().into(),
                    t.get(&format!("event-kind-{}", e.kind)).into(),
                    crate::fmt::date(e.starts_on).into(),
                    crate::fmt::date(e.ends_on).into(),
                    e.where_().into(),
                    e.organiser.clone().into(),
                    e.budget_vnd.into(),
                    Value::Int(e.participants),
                    Value::Int(e.reported_sales_vnd),
                    Value::Int(e.contacts),
                ]);
                for p in events::participants(conn, e.id).await? {
                    people.push(vec![
                        Value::Int(e.id),
                        e.name.clone().into(),
                        p.producer_name.clone().into(),
                        p.commune_name.clone().into(),
                        t.get(&format!("participant-state-{}", p.state)).into(),
                        p.products.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join("; ").into(),
                        p.sales_vnd.into(),
                        p.contacts.into(),
                    ]);
                }
            }
            let h = |keys: &[&str]| keys.iter().map(|k| if *k == "#" { "#".to_owned() } else { t.get(k) }).collect();
            vec![
                Sheet {
                    name: t.get("events-title"),
                    header: h(&[
                        "#",
                        "event-name",
                        "event-kind",
                        "event-starts",
                        "event-ends",
                        "event-place",
                        "event-organiser",
                        "event-budget",
                        "event-participants",
                        "event-sales",
                        "event-contacts",
                    ]),
                    rows: list,
                },
                Sheet {
                    name: t.get("event-participants"),
                    header: h(&[
                        "#",
                        "event-name",
                        "products-col-producer",
                        "producers-field-commune",
                        "participant-state",
                        "event-products-shown",
                        "event-sales",
                        "event-contacts",
                    ]),
                    rows: people,
                },
            ]
        }
        "inquiries.xlsx" => {
            let f = figures(&state, &listing, year).await?;
            let s = &f.inquiries;
            let h = |keys: &[&str]| keys.iter().map(|k| t.get(k)).collect::<Vec<_>>();
            vec![
                Sheet {
                    name: t.get("market-inquiries"),
                    header: h(&["market-figure", "market-value"]),
                    rows: vec![
                        vec![t.get("market-inquiries-total").into(), Value::Int(domain::num::count(s.total))],
                        vec![t.get("market-inquiries-answered").into(), Value::Int(domain::num::count(s.answered))],
                        vec![t.get("market-inquiries-won").into(), Value::Int(domain::num::count(s.won))],
                        vec![
                            t.get("market-median-hours").into(),
                            s.median_hours_to_answer.map_or(Value::Empty, Value::Real),
                        ],
                        vec![
                            t.get("market-within-3-days").into(),
                            s.answered_within_3_days.map_or(Value::Empty, Value::Real),
                        ],
                    ],
                },
                Sheet {
                    name: t.get("market-by-month"),
                    header: h(&["market-month", "market-inquiries-total"]),
                    rows: s
                        .by_month
                        .iter()
                        .map(|(m, n)| vec![m.clone().into(), Value::Int(domain::num::count(*n))])
                        .collect(),
                },
                Sheet {
                    name: t.get("market-by-group"),
                    header: h(&["products-field-group", "market-inquiries-total"]),
                    rows: s
                        .by_group
                        .iter()
                        .map(|(g, n)| vec![g.clone().into(), Value::Int(domain::num::count(*n))])
                        .collect(),
                },
                Sheet {
                    name: t.get("market-by-commune"),
                    header: h(&["producers-field-commune", "market-inquiries-total"]),
                    rows: s
                        .by_commune
                        .iter()
                        .map(|(c, n)| vec![c.clone().into(), Value::Int(domain::num::count(*n))])
                        .collect(),
                },
            ]
        }
        _ => return Err(AppError::NotFound),
    };
    let bytes = workbook(&sheets).map_err(AppError::internal)?;
    Ok(crate::page::download(
        &format!("{year}-{name}"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

//! The public catalogue (`/catalogue`): certified products in force, with diacritic-free search,
//! filters and sorts, as cards a phone shows well; the public page of a producer; the sitemap.

use super::{channel_choices, channel_label, vnd};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::limits::{Limited, Searches};
use crate::page::script_json;
use crate::page::{Choice, PageCtx, Pager, base_url, render};
use crate::pages::registry::products::{ListQuery, today};
use crate::pages::registry::{legal_type_choices, legal_type_label, rank_label};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::access::Listing;
use serde_json::json;
use std::collections::BTreeSet;
use store::outlets::{channels, events, points};
use store::producers::Producer;
use store::products::{self, Product, ProductFilter};
use store::{Page, units};

/// A product as a card of the catalogue.
pub struct Card {
    pub code: String,
    pub name: String,
    pub rank: String,
    pub producer_id: i64,
    pub producer: String,
    pub place: String,
    pub price: String,
    pub photo: Option<i64>,
    pub sheet: String,
}

pub(crate) async fn cards(state: &AppState, t: crate::i18n::Tr, items: &[Product]) -> AppResult<Vec<Card>> {
    let ids: BTreeSet<i64> = items.iter().map(|p| p.id).collect();
    let photos = store::photos::first_of(state.db().read(), &ids).await?;
    let set = store::criteria::current().map_err(AppError::internal)?;
    Ok(items
        .iter()
        .map(|p| Card {
            code: p.code.clone(),
            name: p.name.clone(),
            rank: rank_label(t, p.stars, p.potential_five),
            producer_id: p.producer_id,
            producer: p.producer_name.clone(),
            place: match &p.old_district_name {
                Some(old) => format!("{} ({old})", p.commune_name),
                None => format!("{}, {}", p.commune_name, p.province_name),
            },
            price: vnd(p.price_vnd),
            photo: photos.get(&p.id).copied(),
            sheet: set.sheet(&p.sheet_code).map(|s| s.name_vi.clone()).unwrap_or_default(),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "outlets/catalogue.html")]
struct CataloguePage {
    ctx: PageCtx,
    q: ListQuery,
    channel: String,
    stars: Vec<Choice>,
    groups: Vec<Choice>,
    provinces: Vec<Choice>,
    communes: Vec<Choice>,
    old_districts: Vec<Choice>,
    legal_types: Vec<Choice>,
    channels: Vec<Choice>,
    sorts: Vec<Choice>,
    cards: Vec<Card>,
    count: String,
    pager: Pager,
    canonical: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ChannelQuery {
    #[serde(default)]
    channel: String,
}

/// The filter of the public catalogue: products whose certificate is in force today.
pub fn public_filter(q: &ListQuery, channel: &str) -> AppResult<ProductFilter> {
    let set = store::criteria::current().map_err(AppError::internal)?;
    let mut filter = q.filter(set, false);
    filter.status = None;
    filter.channel = domain::outlets::channel_kinds().get(channel.trim()).map(|k| k.code.clone());
    Ok(filter)
}

pub async fn page(
    State(state): State<AppState>,
    _: Limited<Searches>,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
    Query(c): Query<ChannelQuery>,
) -> AppResult<Response> {
    let filter = public_filter(&q, &c.channel)?;
    let conn = state.db().read();
    let found =
        products::search(conn, &Listing::All, &filter, today(), true, Page::new(q.page.unwrap_or(1), 24)).await?;
    let t = ctx.t;
    let set = store::criteria::current().map_err(AppError::internal)?;
    let provinces = units::provinces(conn).await?;
    let (communes, districts) = match &filter.province {
        Some(p) => (units::communes(conn, p.as_str()).await?, units::old_districts(conn, p.as_str()).await?),
        None => (Vec::new(), Vec::new()),
    };
    let page = CataloguePage {
        stars: Choice::list(
            [
                ("3", "3★".to_owned()),
                ("4", "4★".to_owned()),
                ("5p", t.get("rank-potential-five")),
                ("5", "5★".to_owned()),
            ],
            &q.stars,
        ),
        groups: Choice::list(
            set.groups.iter().map(|g| (g.code.as_str(), format!("{} · {}", g.code, g.name_vi))),
            &q.group,
        ),
        provinces: Choice::list(provinces.iter().map(|p| (p.code.as_str(), p.name.clone())), &q.province),
        communes: Choice::list(communes.iter().map(|c| (c.code.as_str(), c.name.clone())), &q.commune),
        old_districts: crate::pages::units::old_district_choices(
            t,
            filter.province.as_ref().map_or("", |p| p.as_str()),
            &districts,
            &q.old_district,
        ),
        legal_types: legal_type_choices(t, &q.legal_type),
        channels: channel_choices(t, &c.channel),
        sorts: Choice::list(
            [("name", t.get("sort-name")), ("stars", t.get("sort-stars")), ("certified", t.get("sort-certified"))],
            &q.sort,
        ),
        cards: cards(&state, t, &found.items).await?,
        count: t.arg("catalogue-count", "total", &crate::fmt::thousands(found.total)),
        pager: Pager::new(&ctx, found.page, found.total),
        canonical: format!("{}/catalogue", base_url(&state)),
        channel: c.channel,
        q,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------ public producer page

struct EventRow {
    id: i64,
    name: String,
    dates: String,
}

struct PointRow {
    id: i64,
    name: String,
    place: String,
}

struct ChannelRow {
    kind: String,
    partner: String,
    url: Option<String>,
}

#[derive(Template)]
#[template(path = "outlets/producer.html")]
struct ProducerPage {
    ctx: PageCtx,
    p: Producer,
    legal_type: String,
    cards: Vec<Card>,
    points: Vec<PointRow>,
    channels: Vec<ChannelRow>,
    events: Vec<EventRow>,
    url: String,
    jsonld: String,
}

/// The products of a producer the public may see: certificate in force, not deleted.
pub(crate) async fn public_products(state: &AppState, producer_id: i64) -> AppResult<Vec<Product>> {
    let filter = ProductFilter { producer_id: Some(producer_id), ..ProductFilter::default() };
    // Decides who may see a producer: from the primary, never a lagging replica.
    Ok(products::search(state.db().conn(), &Listing::All, &filter, today(), true, Page::new(1, Page::MAX_SIZE))
        .await?
        .items)
}

/// What anyone sees of a producer with products in force (`None`: it has none, so nothing).
pub(crate) async fn producer_page(state: &AppState, ctx: PageCtx, p: Producer) -> AppResult<Option<Response>> {
    let items = public_products(state, p.id).await?;
    if items.is_empty() || p.deleted_at.is_some() {
        return Ok(None);
    }
    let t = ctx.t;
    let conn = state.db().read();
    let day = today();
    let points = points::carrying_producer(conn, p.id, day)
        .await?
        .into_iter()
        .map(|s| PointRow { id: s.id, name: s.name, place: format!("{}, {}", s.commune_name, s.province_name) })
        .collect();
    let channels: Vec<ChannelRow> = channels::of_producer(conn, p.id)
        .await?
        .into_iter()
        .filter(|c| c.in_force(day))
        .map(|c| ChannelRow { kind: channel_label(t, &c.kind), partner: c.partner, url: c.url })
        .collect();
    let events = events::of_producer(conn, p.id)
        .await?
        .into_iter()
        .filter(|(_, state)| state == "approved")
        .map(|(e, _)| EventRow { id: e.id, name: e.name, dates: dates(e.starts_on, e.ends_on) })
        .collect();
    let base = base_url(state);
    let url = format!("{base}/producers/{}", p.id);
    let jsonld = script_json(&json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": url,
        "name": p.name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": p.street,
            "addressLocality": p.commune_name,
            "addressRegion": p.province_name,
            "addressCountry": "VN",
        },
        "makesOffer": items.iter().map(|x| json!({
            "@type": "Offer",
            "itemOffered": {"@type": "Product", "name": x.name, "url": format!("{base}/p/{}", crate::page::seg(&x.code))},
        })).collect::<Vec<_>>(),
    }));
    let page = ProducerPage {
        legal_type: legal_type_label(t, &p.legal_type),
        cards: cards(state, t, &items).await?,
        points,
        channels,
        events,
        url,
        jsonld,
        p,
        ctx,
    };
    Ok(Some(render(&page)))
}

/// `10/03/2027 – 14/03/2027`, or one date.
pub(crate) fn dates(from: time::Date, to: time::Date) -> String {
    if from == to { crate::fmt::date(from) } else { format!("{} – {}", crate::fmt::date(from), crate::fmt::date(to)) }
}

// ------------------------------------------------------------------ sitemap

/// `/sitemap.xml`: the public pages search engines may index: the catalogue, every product and
/// producer in force, the sales points and the events.
pub async fn sitemap(State(state): State<AppState>) -> AppResult<Response> {
    let base = base_url(&state).to_owned();
    let conn = state.db().read();
    let mut urls = vec![format!("{base}/catalogue"), format!("{base}/sales-points"), format!("{base}/events")];
    let mut producers = BTreeSet::new();
    let mut page = Page::new(1, Page::MAX_SIZE);
    loop {
        let found = products::search(conn, &Listing::All, &ProductFilter::default(), today(), true, page).await?;
        for p in &found.items {
            urls.push(format!("{base}/p/{}", crate::page::seg(&p.code)));
            producers.insert(p.producer_id);
        }
        // A sitemap holds at most 50,000 addresses.
        if i64::from(page.number) * i64::from(page.size) >= found.total || urls.len() > 45_000 {
            break;
        }
        page = Page::new(page.number + 1, page.size);
    }
    urls.extend(producers.iter().map(|id| format!("{base}/producers/{id}")));
    let points = points::search(conn, &points::PointFilter::default(), today(), Page::new(1, Page::MAX_SIZE)).await?;
    urls.extend(points.items.iter().map(|s| format!("{base}/sales-points/{}", s.id)));
    let events = events::search(
        conn,
        &events::EventFilter { when: events::When::All, ..Default::default() },
        today(),
        Page::new(1, Page::MAX_SIZE),
    )
    .await?;
    urls.extend(events.items.iter().map(|e| format!("{base}/events/{}", e.id)));
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for u in urls {
        xml.push_str("<url><loc>");
        xml.push_str(&u.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"));
        xml.push_str("</loc></url>\n");
    }
    xml.push_str("</urlset>\n");
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"))], xml).into_response())
}

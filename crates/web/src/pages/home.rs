//! The landing page: what the platform is, or, once signed in, the person's work — each task a
//! count and a link to the list where it is done, and the records they follow.

use super::{PlaceNames, view};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::fmt;
use crate::i18n::Tr;
use crate::page::{PageCtx, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::access::{Action, Listing};
use domain::certificate::CertificateStatus;
use domain::evaluation::State as RegState;
use domain::role::Role;
use store::Page;
use store::evaluation::dossiers::{self, RegistrationFilter};
use store::products::{self, Product, ProductFilter};
use time::Date;

/// One kind of work: how many, and where it is done.
struct Task {
    label: String,
    /// The count as shown ("1.234"), or a mark where the item is a state.
    n: String,
    /// Nothing waits: shown quieter.
    zero: bool,
    href: String,
    /// Past a deadline or waiting on the person: shown first and marked.
    urgent: bool,
}

/// A record the person follows, with what it waits for.
struct Item {
    title: String,
    href: String,
    detail: String,
    note: String,
    warn: bool,
}

struct Section {
    id: &'static str,
    title: String,
    items: Vec<Item>,
    /// The whole list, when the section shows only its first rows.
    more: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    welcome: Option<Welcome>,
    tasks: Vec<Task>,
    sections: Vec<Section>,
    /// For those who read the figures: the products in force today in their place, by class
    /// (label, number, link), leading to the dashboard.
    figures: Vec<(String, String, String)>,
}

struct Welcome {
    greeting: String,
    role: String,
    scope: String,
}

/// How many rows a section of the home shows before "see all".
const SHOWN: u32 = 8;

pub async fn page(State(state): State<AppState>, caller: Caller, ctx: PageCtx) -> AppResult<Response> {
    let Some(user) = ctx.user().cloned() else {
        return Ok(render(&HomePage {
            ctx,
            welcome: None,
            tasks: Vec::new(),
            sections: Vec::new(),
            figures: Vec::new(),
        }));
    };
    let names = PlaceNames::for_scopes(state.db(), &[&user.scope]).await?;
    let welcome = Some(Welcome {
        greeting: ctx.t.arg("home-welcome", "name", &user.display_name),
        role: view::role(ctx.t, &user),
        scope: view::scope(ctx.t, &user.scope, &names),
    });
    let t = ctx.t;
    let day = crate::pages::registry::products::today();
    let work = Work { state: &state, caller: &caller, t, day };
    let (mut tasks, sections) = match user.role {
        Role::ProvinceOffice => (work.office().await?, Vec::new()),
        Role::CentralOffice => (work.central().await?, Vec::new()),
        Role::CommuneOfficer => work.commune().await?,
        Role::Producer => work.producer().await?,
        Role::CouncilMember => work.council_member(user.id).await?,
        Role::Inspector => work.inspector().await?,
        Role::Admin => (work.admin().await?, Vec::new()),
    };
    // Work waiting on the person first; the rest in the order given.
    tasks.sort_by_key(|task| !task.urgent);
    let figures = figures(&state, &caller, t, day).await?;
    Ok(render(&HomePage { ctx, welcome, tasks, sections, figures }))
}

/// The products in force today in the caller's place, by class, for those who read figures.
async fn figures(state: &AppState, caller: &Caller, t: Tr, day: Date) -> AppResult<Vec<(String, String, String)>> {
    let Ok(listing) = caller.listing(Action::ViewFigures) else {
        return Ok(Vec::new());
    };
    let province = listing.province().map(|p| p.to_string());
    let scope = store::stats::Scope::province(province.as_deref());
    let stars = store::stats::stars(state.db().conn(), &scope, day).await?;
    let mut out = vec![(
        t.arg("dashboard-in-force", "day", &domain::fmt_date(day)),
        crate::charts::number(stars.total()),
        "/dashboard".to_owned(),
    )];
    for class in domain::stats::StarClass::ALL {
        out.push((
            t.get(&format!("class-{}", class.as_str())),
            crate::charts::number(stars.get(class)),
            format!("/dashboard/products?class={}", class.as_str()),
        ));
    }
    Ok(out)
}

struct Work<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    t: Tr,
    day: Date,
}

impl Work<'_> {
    fn conn(&self) -> &sea_orm::DatabaseConnection {
        self.state.db().conn()
    }

    fn task(&self, key: &str, n: i64, href: impl Into<String>, urgent: bool) -> Task {
        Task { label: self.t.get(key), n: fmt::thousands(n), zero: n == 0, href: href.into(), urgent: urgent && n > 0 }
    }

    /// How many registrations of the listing match.
    async fn dossiers(&self, listing: &Listing, filter: RegistrationFilter) -> AppResult<i64> {
        Ok(dossiers::search(self.conn(), listing, &filter, Page::new(1, 1)).await?.total)
    }

    async fn in_state(&self, listing: &Listing, state: RegState) -> AppResult<i64> {
        self.dossiers(listing, RegistrationFilter { states: vec![state], ..RegistrationFilter::default() }).await
    }

    /// The province office: every queue of the evaluation, the certificates to renew, the labels
    /// and alerts to decide, findings past their deadline and unanswered buyers.
    async fn office(&self) -> AppResult<Vec<Task>> {
        let listing = self.caller.listing(Action::ReadRecords)?;
        let province = listing.province().map(|p| p.to_string()).unwrap_or_default();
        let conn = self.conn();
        let overdue =
            self.dossiers(&listing, RegistrationFilter { overdue_on: Some(self.day), ..Default::default() }).await?;
        let expiring = ProductFilter { status: Some(CertificateStatus::Expiring), ..ProductFilter::default() };
        let expiring = products::search(conn, &listing, &expiring, self.day, false, Page::new(1, 1)).await?.total;
        let orders = store::trace::stamps::pending_count(conn, &province, None).await?;
        let alerts = store::trace::scans::alerts(conn, Some(&province)).await?.len();
        let findings = self.overdue_findings(&listing).await?;
        let inquiries = store::outlets::inquiries::open_count(conn, &listing).await?;
        Ok(vec![
            self.task("home-task-overdue", overdue, "/evaluation", true),
            self.task(
                "home-task-submitted",
                self.in_state(&listing, RegState::Submitted).await?,
                "/evaluation?state=submitted#rows",
                false,
            ),
            self.task(
                "home-task-accepted",
                self.in_state(&listing, RegState::Accepted).await?,
                "/evaluation?state=accepted#rows",
                true,
            ),
            self.task(
                "home-task-to-close",
                store::evaluation::councils::waiting_to_close(conn, Some(&province)).await?,
                "/evaluation/councils",
                true,
            ),
            self.task(
                "home-task-approved",
                self.in_state(&listing, RegState::Approved).await?,
                "/evaluation/decisions",
                true,
            ),
            self.task(
                "home-task-central-returned",
                self.in_state(&listing, RegState::CentralReturned).await?,
                "/evaluation?state=central_returned#rows",
                true,
            ),
            self.task("home-task-expiring", expiring, "/products?status=expiring", false),
            self.task("home-task-label-orders", orders, "/traceability/alerts#orders", true),
            self.task("home-task-alerts", domain::num::count(alerts), "/traceability/alerts", true),
            self.task("home-task-findings-overdue", findings, "/findings?state=overdue", true),
            self.task("home-task-inquiries", inquiries, "/inquiries", false),
        ])
    }

    async fn overdue_findings(&self, listing: &Listing) -> AppResult<i64> {
        let filter = store::supervision::findings::FindingFilter { overdue_on: Some(self.day), ..Default::default() };
        Ok(store::supervision::findings::search(self.conn(), listing, &filter, Page::new(1, 1)).await?.total)
    }

    /// The Ministry's office: the 5★ pipeline and the central council's scoring.
    async fn central(&self) -> AppResult<Vec<Task>> {
        let listing = self.caller.listing(Action::ReadRecords)?;
        Ok(vec![
            self.task(
                "home-task-forwarded",
                self.in_state(&listing, RegState::Forwarded).await?,
                "/evaluation?state=forwarded#rows",
                true,
            ),
            self.task(
                "home-task-to-close",
                store::evaluation::councils::waiting_to_close(self.conn(), None).await?,
                "/evaluation/councils",
                true,
            ),
            self.task(
                "home-task-central-approved",
                self.in_state(&listing, RegState::CentralApproved).await?,
                "/evaluation?state=central_approved#rows",
                true,
            ),
        ])
    }

    /// A commune officer: the dossiers to screen, each with its deadline in working days.
    async fn commune(&self) -> AppResult<(Vec<Task>, Vec<Section>)> {
        let listing = self.caller.listing(Action::ReadRecords)?;
        let filter = RegistrationFilter { states: vec![RegState::Submitted], ..RegistrationFilter::default() };
        let found = dossiers::search(self.conn(), &listing, &filter, Page::new(1, SHOWN)).await?;
        let calendar = store::evaluation::calendar()?;
        let t = self.t;
        let items = found
            .items
            .iter()
            .map(|g| {
                let (note, warn) = match g.screening_due {
                    Some(due) if self.day > due => (
                        t.args(
                            "home-screen-overdue",
                            &[
                                ("due", &fmt::date(due)),
                                ("days", &calendar.working_days_between(due, self.day).to_string()),
                            ],
                        ),
                        true,
                    ),
                    Some(due) => (
                        t.args(
                            "home-screen-due",
                            &[
                                ("due", &fmt::date(due)),
                                ("days", &calendar.working_days_between(self.day, due).to_string()),
                            ],
                        ),
                        false,
                    ),
                    None => (String::new(), false),
                };
                Item {
                    title: g.product_name.clone(),
                    href: format!("/evaluation/registrations/{}", g.id),
                    detail: format!("{} · {}", g.number.clone().unwrap_or_default(), g.producer_name),
                    note,
                    warn,
                }
            })
            .collect();
        let overdue =
            self.dossiers(&listing, RegistrationFilter { overdue_on: Some(self.day), ..Default::default() }).await?;
        let tasks = vec![
            self.task("home-task-overdue", overdue, "/evaluation", true),
            self.task("home-task-to-screen", found.total, "#home-to-screen", true),
        ];
        let more = (found.total > i64::from(SHOWN)).then(|| (t.get("home-see-all"), "/evaluation".to_owned()));
        Ok((tasks, vec![Section { id: "home-to-screen", title: t.get("home-task-to-screen"), items, more }]))
    }

    /// A producer: its products with their certificates' validity, its dossiers and what each
    /// waits for, label orders, buyers' questions and inspection findings.
    async fn producer(&self) -> AppResult<(Vec<Task>, Vec<Section>)> {
        let listing = self.caller.listing(Action::ReadRecords)?;
        let conn = self.conn();
        let t = self.t;
        let own =
            products::search(conn, &listing, &ProductFilter::default(), self.day, false, Page::new(1, Page::MAX_SIZE))
                .await?;
        let mut product_items: Vec<Item> = own
            .items
            .iter()
            .map(|p| {
                let (note, warn) = validity(t, p, self.day);
                Item {
                    title: p.name.clone(),
                    href: format!("/products/{}", p.id),
                    detail: format!(
                        "{} · {}",
                        p.code,
                        crate::pages::registry::rank_label(t, p.stars, p.potential_five)
                    ),
                    note,
                    warn,
                }
            })
            .collect();
        // Those to file for first, each list otherwise by name.
        product_items.sort_by_key(|i| !i.warn);
        let to_renew = product_items.iter().filter(|i| i.warn).count();
        let open = RegistrationFilter {
            states: RegState::ALL.into_iter().filter(|s| !s.is_final()).collect(),
            ..RegistrationFilter::default()
        };
        let found = dossiers::search(conn, &listing, &open, Page::new(1, Page::MAX_SIZE)).await?;
        let dossier_items: Vec<Item> = found
            .items
            .iter()
            .map(|g| {
                let waits = g.state().editable();
                Item {
                    title: g.product_name.clone(),
                    href: format!("/evaluation/registrations/{}", g.id),
                    detail: crate::pages::evaluation::kind_label(t, &g.kind),
                    note: if waits {
                        t.args("home-dossier-yours", &[("state", &crate::pages::evaluation::state_label(t, &g.state))])
                    } else {
                        crate::pages::evaluation::state_label(t, &g.state)
                    },
                    warn: waits,
                }
            })
            .collect();
        let yours = dossier_items.iter().filter(|i| i.warn).count();
        let scope = self.caller.user().map(|u| &u.scope);
        let province = scope.and_then(|s| s.province()).map(|p| p.to_string()).unwrap_or_default();
        let orders = store::trace::stamps::pending_count(conn, &province, scope.and_then(|s| s.producer())).await?;
        let pending =
            store::supervision::findings::FindingFilter { state: Some("pending".into()), ..Default::default() };
        let findings = store::supervision::findings::search(conn, &listing, &pending, Page::new(1, 1)).await?.total;
        let tasks = vec![
            self.task("home-task-renew", domain::num::count(to_renew), "#home-products", true),
            self.task("home-task-dossiers-yours", domain::num::count(yours), "#home-dossiers", true),
            self.task("home-task-findings", findings, "/findings?state=pending", true),
            self.task(
                "home-task-inquiries",
                store::outlets::inquiries::open_count(conn, &listing).await?,
                "/inquiries",
                true,
            ),
            self.task("home-task-label-orders-waiting", orders, "/products", false),
        ];
        let sections = vec![
            Section { id: "home-products", title: t.get("home-your-products"), items: product_items, more: None },
            Section { id: "home-dossiers", title: t.get("home-your-dossiers"), items: dossier_items, more: None },
        ];
        Ok((tasks, sections))
    }

    /// A council member: the cards to score, and those sent back to score again.
    async fn council_member(&self, user_id: i64) -> AppResult<(Vec<Task>, Vec<Section>)> {
        let conn = self.conn();
        let t = self.t;
        let mut items = Vec::new();
        for e in store::evaluation::councils::evaluations_of_member(conn, user_id).await? {
            if e.state != "scoring" {
                continue;
            }
            let card = store::evaluation::councils::card(conn, e.id, user_id).await?;
            if card.is_none_or(|c| c.submitted_at.is_none()) {
                items.push(Item {
                    title: e.product_name,
                    href: format!("/evaluation/scorecards/{}", e.id),
                    detail: e.council_name,
                    note: if e.rescored > 0 { t.get("home-card-rescore") } else { String::new() },
                    warn: e.rescored > 0,
                });
            }
        }
        let again = items.iter().filter(|i| i.warn).count();
        let tasks = vec![
            self.task("home-task-cards", domain::num::count(items.len()), "#home-cards", true),
            self.task("home-task-cards-again", domain::num::count(again), "#home-cards", true),
        ];
        let title = t.arg("home-cards-title", "n", &items.len().to_string());
        Ok((tasks, vec![Section { id: "home-cards", title, items, more: None }]))
    }

    /// An inspector: the visits to make and the records still open.
    async fn inspector(&self) -> AppResult<(Vec<Task>, Vec<Section>)> {
        use store::supervision::inspections::{self, InspectionFilter};
        let listing = self.caller.listing(Action::ReadRecords)?;
        let conn = self.conn();
        let t = self.t;
        let of = |state: &str| InspectionFilter { state: Some(state.into()), ..Default::default() };
        let planned = inspections::search(conn, &listing, &of("planned"), Page::new(1, SHOWN)).await?;
        let started = inspections::search(conn, &listing, &of("started"), Page::new(1, SHOWN)).await?;
        let item = |i: &store::supervision::inspections::Inspection| Item {
            title: i.producer_name.clone(),
            href: format!("/inspections/{}", i.id),
            detail: format!("{} · {}", i.commune_name, i.plan_name),
            note: t.get(&format!("inspection-state-{}", i.state)),
            warn: i.state == "started",
        };
        let items: Vec<Item> = started.items.iter().chain(&planned.items).map(item).collect();
        let tasks = vec![
            self.task("home-task-reports-due", started.total, "/inspections?state=started", true),
            self.task("home-task-visits", planned.total, "/inspections?state=planned", true),
        ];
        let more = (started.total + planned.total > i64::from(SHOWN))
            .then(|| (t.get("home-see-all"), "/inspections?state=todo".to_owned()));
        Ok((tasks, vec![Section { id: "home-visits", title: t.get("home-your-visits"), items, more }]))
    }

    /// The administrator: the accounts, and whether the platform is healthy.
    async fn admin(&self) -> AppResult<Vec<Task>> {
        let accounts = store::users::count_all(self.conn()).await?;
        let trouble = crate::health::readiness(self.state).await.err();
        let mut tasks = vec![self.task("home-task-accounts", accounts, "/admin/users", false)];
        tasks.push(Task {
            label: match &trouble {
                None => self.t.get("home-health-ok"),
                Some(reason) => self.t.arg("home-health-trouble", "reason", reason),
            },
            n: if trouble.is_some() { "!" } else { "✓" }.into(),
            zero: false,
            href: "/readyz".into(),
            urgent: trouble.is_some(),
        });
        Ok(tasks)
    }
}

/// A product's certificate in the owner's words: how long it is still valid and when to file
/// its re-rating ("còn 43 ngày — nộp hồ sơ phân hạng lại từ 01/06/2027"); `true` when the
/// owner has something to do now.
fn validity(t: Tr, p: &Product, today: Date) -> (String, bool) {
    let Some(status) = p.certificate_status(today) else {
        return (t.get("home-product-uncertified"), false);
    };
    let Some(expires) = p.certificate_expires_on else {
        return (crate::pages::registry::products::status_label(t, Some(status)), false);
    };
    let days = (expires - today).whole_days().to_string();
    let (opens, closes) = domain::evaluation::rerating_window(expires);
    match status {
        CertificateStatus::Valid => {
            (t.args("home-valid-rerate-from", &[("days", &days), ("opens", &fmt::date(opens))]), false)
        }
        CertificateStatus::Expiring if today <= closes => {
            (t.args("home-valid-rerate-until", &[("days", &days), ("closes", &fmt::date(closes))]), true)
        }
        CertificateStatus::Expiring => {
            (t.args("home-valid-rerate-late", &[("days", &days), ("closes", &fmt::date(closes))]), true)
        }
        CertificateStatus::Extended => {
            (crate::pages::evaluation::extension_text(t, status, p.certificate_extended_until), false)
        }
        // A lapsed certificate is not renewed: the product is registered anew.
        CertificateStatus::Expired => (t.arg("home-expired-on", "date", &fmt::date(expires)), false),
        CertificateStatus::Revoked | CertificateStatus::Superseded => {
            (crate::pages::registry::products::status_label(t, Some(status)), false)
        }
    }
}

//! Every route the application serves, for every role and for the public, on records of the
//! caller's own place and of another province: what `web::declared_routes()` says each route
//! decides is what it answers. The expected status comes from the declared gate and
//! `domain::access`; the handler must agree. On the backend `OCOP_TEST_DATABASE_URL` names.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

mod common;

use axum::http::StatusCode;
use common::{Cert, Client, PASSWORD, TestApp, commune, province};
use domain::access::{self, Action, Actor, Denied, Place, Target};
use domain::role::{Role, Scope};
use std::collections::BTreeSet;
use store::audit::Who;
use web::routes::{Gate, Route};

/// The records of one place: a producer with a certified product (GTIN, lot, labels, photo) and
/// a candidate in a round, screened and before a council.
struct Side {
    province: &'static str,
    commune: &'static str,
    producer: i64,
    product: store::products::Product,
    certificate: String,
    photo: i64,
    lot: i64,
    order: i64,
    /// A copied-label alert on one of the order's labels.
    alert: i64,
    /// A shopper's report of one of its labels, with a photo.
    report: i64,
    round: i64,
    registration: i64,
    evidence: i64,
    council: i64,
    evaluation: i64,
    /// An account of this province (an inspector), for the account pages.
    user: i64,
    /// The council member seated on this side's council (not its chair).
    member: (Client, i64),
    point: i64,
    event: i64,
    participant: i64,
    channel: i64,
    /// Another channel, for the page's delete button (the API deletes the first).
    channel_too: i64,
    inquiry: i64,
    token: String,
    plan: i64,
    /// A visit under the plan, its record started (so that no one can take it out of the plan).
    inspection: i64,
    inspection_photo: i64,
    finding: i64,
    finding_evidence: i64,
    class: i64,
    trainee: i64,
    /// The inspector assigned to the visit (the test's inspector, on the home side).
    assignee: Option<i64>,
}

impl Side {
    fn place(&self) -> Place {
        Place {
            province: Some(province(self.province)),
            commune: Some(commune(self.commune)),
            producer: Some(self.producer),
        }
    }
}

async fn login(app: &TestApp, email: &str, role: Role, scope: Scope) -> (Client, i64) {
    let u = app.user(email, role, scope).await;
    let mut c = app.client();
    let r = c.login(email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{email}: {}", r.text);
    (c, u.id)
}

fn png() -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(8, 8, |x, y| {
        image::Rgb([u8::try_from(x).expect("x") * 30, u8::try_from(y).expect("y") * 30, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("png");
    out
}

async fn side(app: &TestApp, p: &'static str, c: &'static str, n: u8) -> Side {
    let tag = format!("p{p}");
    let input = domain::registry::ProducerInput {
        legal_type: "HTX".into(),
        name: format!("Hợp tác xã {tag}"),
        province: p.into(),
        commune: c.into(),
        ..Default::default()
    };
    let today = store::evaluation::today();
    let tx = app.db.db.write().await.expect("begin");
    let producer = store::producers::create(&tx, &Who::system(), &input.parse().expect("producer"), false)
        .await
        .expect("producer");
    let round = store::evaluation::rounds::create(
        &tx,
        &Who::system(),
        &province(p),
        &store::evaluation::rounds::RoundDraft {
            name: format!("Đợt {tag}"),
            opens_on: today - time::Duration::days(30),
            commune_deadline: today + time::Duration::days(30),
            closes_on: today + time::Duration::days(60),
            plan_count: 10,
        },
    )
    .await
    .expect("round");
    tx.commit().await.expect("commit");
    let product = common::product(app, producer.id, "Mật ong", Some(common::gtin(n)), Cert::Valid).await;
    let candidate = common::product(app, producer.id, "Trà xanh", None, Cert::None).await;
    let lot = common::lot(app, product.id, "L1").await;
    let (order, serials) = common::labels(app, product.id, Some(lot), 2).await;
    let scans: Vec<_> = (0..2)
        .map(|i| store::trace::scans::ScanRecord {
            at: 1_790_000_000 + i,
            product_id: product.id,
            lot_id: Some(lot),
            serial: Some(serials[0].clone()),
            cell: None,
            agent: "mobile",
            client: None,
            attempt: None,
        })
        .collect();
    let rules = domain::scan_rules::Rules { max_scans: 1, ..Default::default() };
    store::trace::scans::flush(&app.db.db, &scans, rules).await.expect("scans");
    let alert = store::trace::scans::alerts(app.db.db.conn(), Some(p)).await.expect("alerts")[0].id;
    let tx = app.db.db.write().await.expect("begin");
    let shopper = store::trace::reports::NewReport {
        product: &product,
        verdict: "unknown_serial",
        link: format!("/p/{}?serial=X", product.code),
        draft: domain::reports::ReportInput::default().parse().expect("a report"),
        photo: Some(png()),
        origin: 1,
    };
    let report = store::trace::reports::create(&tx, shopper).await.expect("report");
    tx.commit().await.expect("commit");

    let office_scope = || Scope::Province { province: province(p) };
    let (mut office, _) = login(app, &format!("office@{tag}.vn"), Role::ProvinceOffice, office_scope()).await;
    let own = Scope::Producer { producer: producer.id, province: province(p), commune: commune(c) };
    let (mut owner, _) = login(app, &format!("owner@{tag}.vn"), Role::Producer, own).await;
    let officer_scope = Scope::Commune { province: province(p), commune: commune(c) };
    let (mut officer, _) = login(app, &format!("officer@{tag}.vn"), Role::CommuneOfficer, officer_scope).await;
    let (_, user) = login(app, &format!("inspector@{tag}.vn"), Role::Inspector, office_scope()).await;
    let chair = login(app, &format!("chair@{tag}.vn"), Role::CouncilMember, office_scope()).await;
    let member = login(app, &format!("member@{tag}.vn"), Role::CouncilMember, office_scope()).await;
    let (_, third) = login(app, &format!("third@{tag}.vn"), Role::CouncilMember, office_scope()).await;

    let r = office.upload(&format!("/products/{}/photos", product.id), &[], "photos", "a.png", &png()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let photo = store::photos::of_product(app.db.db.conn(), product.id).await.expect("photos")[0].id;

    let r = owner
        .post_form(
            "/evaluation/registrations",
            &[("product", &candidate.id.to_string()), ("round", &round.id.to_string()), ("kind", "first")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let registration: i64 = r.location().split('/').nth(3).and_then(|s| s.parse().ok()).expect("registration");
    let r = owner
        .upload(
            &format!("/evaluation/registrations/{registration}/evidence"),
            &[("label", "ATTP")],
            "file",
            "a.pdf",
            common::PDF,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let evidence =
        store::evaluation::dossiers::evidence_of_product(app.db.db.conn(), candidate.id).await.expect("evidence")[0].id;
    let answers = common::best_answers(&[]);
    let answers: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = owner.post_form(&format!("/evaluation/registrations/{registration}/self-assessment"), &answers).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = owner.post_form(&format!("/evaluation/registrations/{registration}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let form03 = [("materials", "Tại xã"), ("labour", "Tại xã"), ("idea", "HTX"), ("identity", "Truyền thống")];
    let r = officer.post_form(&format!("/evaluation/registrations/{registration}/accept"), &form03).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let (chair_id, member_id, third_id) = (chair.1.to_string(), member.1.to_string(), third.to_string());
    let council = [
        ("name", "Hội đồng"),
        ("chair", chair_id.as_str()),
        ("quorum_percent", "50"),
        ("spread_limit", "10"),
        ("members", chair_id.as_str()),
        ("members", member_id.as_str()),
        ("members", third_id.as_str()),
    ];
    let r = office.post_form("/evaluation/councils", &council).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let council_url = r.location().to_owned();
    let council: i64 = council_url.rsplit('/').next().and_then(|s| s.parse().ok()).expect("council");
    let r = office.post_form(&format!("{council_url}/assign"), &[("registrations", &registration.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let evaluation = store::evaluation::councils::evaluations_of_registration(app.db.db.conn(), registration)
        .await
        .expect("evaluations")[0]
        .id;

    // The market outlets of the place.
    let tx = app.db.db.write().await.expect("begin");
    let who = Who::system();
    let point = domain::outlets::SalesPointInput {
        kind: "showcase".into(),
        name: format!("Điểm OCOP {tag}"),
        province: p.into(),
        commune: c.into(),
        operator_name: "HTX Dịch vụ".into(),
        opened_on: "01/01/2025".into(),
        ..Default::default()
    };
    let point = store::outlets::points::create(&tx, &who, &point.parse().expect("point"), false).await.expect("point");
    store::outlets::points::carry(&tx, &who, &point, product.id, today - time::Duration::days(10))
        .await
        .expect("carry");
    let starts = today + time::Duration::days(40);
    let event = domain::outlets::EventInput {
        name: format!("Hội chợ {tag}"),
        kind: "fair".into(),
        starts_on: domain::fmt_date(starts),
        ends_on: domain::fmt_date(starts + time::Duration::days(3)),
        place: "Trung tâm Hội chợ".into(),
        organiser: "Văn phòng OCOP".into(),
        ..Default::default()
    };
    let event = store::outlets::events::create(&tx, &who, &province(p), &event.parse().expect("event"), false)
        .await
        .expect("event");
    let participant = store::outlets::events::join(&tx, &who, &event, producer.id, &[product.id], true, today)
        .await
        .expect("participant")
        .id;
    let channel =
        domain::outlets::ChannelInput { kind: "ecommerce".into(), partner: "Shopee".into(), ..Default::default() };
    let channel = store::outlets::channels::add(&tx, &who, producer.id, &channel.parse().expect("channel"), today)
        .await
        .expect("channel")
        .id;
    let also =
        domain::outlets::ChannelInput { kind: "supermarket".into(), partner: "WinMart".into(), ..Default::default() };
    let channel_too = store::outlets::channels::add(&tx, &who, producer.id, &also.parse().expect("channel"), today)
        .await
        .expect("channel")
        .id;
    let asked = domain::outlets::InquiryInput {
        name: "Người mua".into(),
        email: "mua@example.vn".into(),
        message: "Xin báo giá".into(),
        ..Default::default()
    };
    let (inquiry, token) = store::outlets::inquiries::create(&tx, &product, &asked.parse().expect("inquiry"), false)
        .await
        .expect("inquiry");
    // Supervision: a plan with the certified product's producer, a started record with a photo, a
    // finding with evidence; a training class in the commune with one of the producer's people.
    use domain::supervision::{FindingInput, PlanInput, RecordInput, TrainingInput};
    use store::supervision::{findings, inspections, plans, trainings};
    let plan = PlanInput {
        name: format!("Kế hoạch {tag}"),
        purpose: String::new(),
        starts_on: domain::fmt_date(today - time::Duration::days(10)),
        ends_on: domain::fmt_date(today + time::Duration::days(100)),
    };
    let plan = plans::create(&tx, &who, p, &plan.parse().expect("plan"), false).await.expect("plan");
    let visit = inspections::add(&tx, &who, &plan, producer.id, &[product.id], "hand", false).await.expect("visit");
    let record = RecordInput {
        visited_on: domain::fmt_date(today),
        present: "Đoàn kiểm tra".into(),
        answers: [("1.1".to_owned(), domain::supervision::AnswerInput { answer: "met".into(), note: String::new() })]
            .into_iter()
            .collect(),
    };
    let visit = inspections::save(&tx, &who, visit.id, &record.parse(today).expect("record"), 1).await.expect("save");
    let prepared = media::prepare(&png()).expect("png");
    let photo_of_visit = store::photos::NewPhoto {
        content_type: prepared.kind.content_type(),
        bytes: png(),
        thumb: prepared.thumb,
        sha256: prepared.sha256,
        width: prepared.width,
        height: prepared.height,
    };
    let inspection_photo =
        inspections::add_photos(&tx, &who, &visit, Some("1.1"), vec![photo_of_visit]).await.expect("photo")[0];
    let finding = FindingInput {
        item: "2.1".into(),
        product: product.id.to_string(),
        severity: "minor".into(),
        description: "Nhãn thiếu hạn sử dụng".into(),
        remedy_by: domain::fmt_date(today + time::Duration::days(30)),
    };
    let finding =
        findings::create(&tx, &who, &visit, &finding.parse(today).expect("finding"), false).await.expect("finding");
    let file = findings::NewFile {
        file_name: "nhan-moi.pdf",
        content_type: "application/pdf",
        sha256: "00",
        bytes: common::PDF.to_vec(),
    };
    let finding_evidence = findings::add_evidence(&tx, &who, &finding, file).await.expect("evidence");
    let class = TrainingInput {
        name: format!("Tập huấn {tag}"),
        topic: "criteria".into(),
        organiser: "Văn phòng OCOP".into(),
        commune: c.into(),
        place: "Hội trường".into(),
        starts_on: domain::fmt_date(today),
        ends_on: domain::fmt_date(today),
        sessions: "2".into(),
        ..Default::default()
    };
    let class = trainings::create(&tx, &who, &province(p), &class.parse().expect("class"), false).await.expect("class");
    let trainee = trainings::add_participant(&tx, &who, &class, producer.id, "Nguyễn Văn An", "Giám đốc", false)
        .await
        .expect("trainee")
        .id;
    tx.commit().await.expect("commit");
    Side {
        plan: plan.id,
        inspection: visit.id,
        inspection_photo,
        finding: finding.id,
        finding_evidence,
        class: class.id,
        trainee,
        assignee: None,
        point: point.id,
        event: event.id,
        participant,
        channel,
        channel_too,
        inquiry: inquiry.id,
        token,
        province: p,
        commune: c,
        producer: producer.id,
        certificate: format!("HN-T-{}", product.id),
        product,
        photo,
        lot,
        order,
        alert,
        report,
        round: round.id,
        registration,
        evidence,
        council,
        evaluation,
        user,
        member,
    }
}

/// The concrete path of a route on a side's records, and the query naming a record when the
/// route is a collection that acts on one.
fn concrete(route: &Route, s: &Side) -> String {
    let id = |prefix: &str| route.path.starts_with(prefix);
    let value = if id("/admin/users/") {
        s.user.to_string()
    } else if id("/inspections/plans/") {
        s.plan.to_string()
    } else if id("/inspections/") || id("/api/v1/inspections/") {
        s.inspection.to_string()
    } else if id("/inspection-photos/") {
        s.inspection_photo.to_string()
    } else if id("/findings/") {
        s.finding.to_string()
    } else if id("/finding-evidence/") {
        s.finding_evidence.to_string()
    } else if id("/trainings/") {
        s.class.to_string()
    } else if id("/sales-points/") {
        s.point.to_string()
    } else if id("/events/") {
        s.event.to_string()
    } else if id("/channels/") {
        s.channel_too.to_string()
    } else if id("/inquiries/t/") {
        s.token.clone()
    } else if id("/inquiries/") {
        s.inquiry.to_string()
    } else if id("/market/export/") {
        "events.xlsx".into()
    } else if id("/api/v1/stats/") {
        "stars".into()
    } else if id("/producers/") || id("/api/v1/producers/") {
        s.producer.to_string()
    } else if route.path.contains("{code}/epcis") || route.path.contains("{code}/traceability") || id("/p/") {
        s.product.code.clone()
    } else if id("/products/") || id("/api/v1/products/") {
        s.product.id.to_string()
    } else if id("/photos/") {
        s.photo.to_string()
    } else if id("/evaluation/rounds/") {
        s.round.to_string()
    } else if id("/evaluation/registrations/") || id("/api/v1/registrations/") {
        s.registration.to_string()
    } else if id("/evidence/") {
        s.evidence.to_string()
    } else if id("/evaluation/councils/") {
        s.council.to_string()
    } else if id("/evaluation/evaluations/") || id("/evaluation/scorecards/") {
        s.evaluation.to_string()
    } else if id("/certificates/") || id("/verify/certificate/") || id("/api/v1/certificates/") {
        s.certificate.clone()
    } else if id("/traceability/alerts/") {
        s.alert.to_string()
    } else if id("/traceability/reports/") {
        s.report.to_string()
    } else if id("/stamp-orders/") {
        s.order.to_string()
    } else if id("/lots/") {
        s.lot.to_string()
    } else if id("/lang/") {
        "en".into()
    } else if id("/static/images/") {
        "marker-icon.png".into()
    } else if id("/static/") {
        "app.css".into()
    } else if id("/registry/template/") {
        "producers.xlsx".into()
    } else if id("/registry/export/") {
        "producers.csv".into()
    } else if id("/registry/import/") {
        // An upload no one made: the mapping page sends the caller back to upload.
        "0123456789abcdef0123456789abcdef".into()
    } else if id("/api/v1/provinces/") {
        s.province.into()
    } else if id("/api/v1/old-districts/") {
        "018".into()
    } else if id("/api/v1/old-communes/") {
        "00577".into()
    } else {
        String::new()
    };
    let gtin14 = domain::gtin::Gtin::parse(s.product.gtin.as_deref().unwrap_or_default()).map(|g| g.gtin14());
    let mut path = route
        .path
        .replace("{id}", &value)
        .replace("{code}", &value)
        .replace("{name}", &value)
        .replace("{number}", &value)
        .replace("{evidence}", &s.evidence.to_string())
        .replace("{participant}", &if id("/trainings/") { s.trainee } else { s.participant }.to_string())
        .replace("{product}", &s.product.id.to_string())
        .replace("{channel}", &s.channel.to_string())
        .replace("{token}", &value)
        .replace("/01/{*rest}", &format!("/01/{}", gtin14.unwrap_or_default()))
        .replace("{*rest}", "index.html")
        // Hà Nội's shipped plan, whichever side: a target set belongs to its province.
        .replace("{version}", "HN-OCOP-2021-2025.1")
        .replace("/{chart}", "/stars");
    if id("/targets/") {
        path = path.replace("/targets/HN-OCOP-2021-2025.1/", "/targets/HN-OCOP-2021-2025.1/added_3_star");
    }
    // Collections whose action is on a record named in the query.
    match (route.method, route.path) {
        ("GET", "/products/new") | ("POST", "/products") => path.push_str(&format!("?producer={}", s.producer)),
        ("GET", "/evaluation/register") => path.push_str(&format!("?product={}", s.product.id)),
        ("GET", "/api/v1/epcis/events") => path.push_str(&format!("?product={}", s.product.code)),
        _ => {}
    }
    path
}

/// Whether the route acts on one record (of a side) rather than on a collection.
fn on_record(route: &Route) -> bool {
    let collection_params = [
        "/lang/",
        "/static/",
        "/api/docs",
        "/registry/",
        "/api/v1/provinces/",
        "/api/v1/old-",
        "/market/export/",
        "/api/v1/stats/",
    ];
    // Signing up for an event is decided on the caller's own producer, whatever the event.
    if collection_params.iter().any(|p| route.path.starts_with(p)) || route.path == "/events/{id}/join" {
        return false;
    }
    route.path.contains('{')
        || matches!(
            (route.method, route.path),
            ("GET", "/products/new")
                | ("POST", "/products")
                | ("GET", "/evaluation/register")
                | ("POST", "/evaluation/registrations")
                | ("GET", "/api/v1/epcis/events")
        )
}

/// What a caller should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Served: anything but 401/403/404 and the sign-in page.
    Served,
    /// Sent to sign in: a redirect to `/login` for pages, 401 for the API.
    SignIn,
    Forbidden,
    NotFound,
    /// 403 or 404: refused, whether or not the record may be known.
    Refused,
    /// Not checked for this role (its outcome depends on the record's state).
    Any,
}

impl From<Denied> for Expect {
    fn from(d: Denied) -> Self {
        match d {
            Denied::SignInRequired => Expect::SignIn,
            Denied::Forbidden => Expect::Forbidden,
            Denied::NotFound => Expect::NotFound,
        }
    }
}

fn decided(result: Result<(), Denied>) -> Expect {
    result.map_or_else(Expect::from, |()| Expect::Served)
}

/// The expected answer of `route` for `actor` on `side` (`home`: the actor's own place).
fn expect(route: &Route, actor: Option<&Actor>, side: &Side, home: bool) -> Expect {
    let record = on_record(route);
    let seated = home && actor.is_some_and(|a| a.user_id == side.member.1);
    // Council members read the dossiers (and their evidence) before their council, nothing else.
    let dossier = ["/evaluation/registrations/", "/evidence/", "/api/v1/registrations/"]
        .iter()
        .any(|p| route.path.starts_with(p));
    // An account, an event and a shopper's report belong to their province; a sales point to its
    // commune.
    let province_wide = ["/admin/users/", "/events/", "/traceability/reports/"];
    let place = if province_wide.iter().any(|p| route.path.starts_with(p)) {
        Place::province(province(side.province))
    } else if route.path.starts_with("/sales-points/") {
        Place { producer: None, ..side.place() }
    } else {
        side.place()
    };
    // An inspector reads and records the visits it is assigned to (and their findings, photos).
    let visit = ["/inspections/", "/inspection-photos/", "/findings/", "/finding-evidence/", "/api/v1/inspections/"]
        .iter()
        .any(|p| route.path.starts_with(p))
        && !route.path.starts_with("/inspections/plans");
    let inspects = home && visit && actor.is_some_and(|a| Some(a.user_id) == side.assignee);
    let place = if route.path.starts_with("/inspections/plans/") {
        Place::province(province(side.province))
    } else if route.path.starts_with("/targets/") {
        // The shipped Hà Nội plan, on either side.
        Place::province(province("01"))
    } else {
        place
    };
    let target = Target { place, assigned: (seated && dossier) || inspects };
    let Some(a) = actor else {
        return match route.gate {
            Gate::Public if route.method != "GET" => Expect::Any,
            Gate::Public | Gate::CertifiedOr(_) => Expect::Served,
            Gate::Operator => Expect::NotFound,
            _ => Expect::SignIn,
        };
    };
    match route.gate {
        // A public form may refuse what was sent (a wrong password is 401): never a sign-in wall.
        Gate::Public if route.method != "GET" => Expect::Any,
        Gate::Public | Gate::CertifiedOr(_) => Expect::Served,
        Gate::Operator => Expect::NotFound,
        Gate::SignedIn if route.path == "/evaluation/rounds/{id}" => {
            if a.hears_province(&province(side.province)) {
                Expect::Served
            } else {
                Expect::NotFound
            }
        }
        Gate::SignedIn => Expect::Served,
        Gate::Act(action) if !record => match access::listing(Some(a), action) {
            Ok(listing) if creates(route) && !listing.is_territory() => Expect::Forbidden,
            Ok(_) => Expect::Served,
            Err(d) => d.into(),
        },
        // A form that names its record in the body or query is refused as a whole first.
        Gate::Act(action) if !route.path.contains('{') && access::listing(Some(a), action).is_err() => {
            access::listing(Some(a), action).map_or_else(Expect::from, |_| Expect::Served)
        }
        Gate::Act(action) => decided(access::authorize(Some(a), action, &target)),
        Gate::Office => match (access::office(Some(a)), record) {
            (Err(d), _) => d.into(),
            (Ok(_), false) => Expect::Served,
            (Ok(access::Office::Province(p)), true) if p.as_str() == side.province => Expect::Served,
            (Ok(_), true) => Expect::NotFound,
        },
        Gate::Seat if seated => Expect::Any,
        Gate::Seat => match access::office(Some(a)) {
            Ok(access::Office::Province(p)) if p.as_str() == side.province => Expect::Any,
            _ => Expect::Refused,
        },
    }
}

/// Collection routes that create a record of their own (a new producer): a territory only.
fn creates(route: &Route) -> bool {
    matches!(
        (route.method, route.path),
        ("POST", "/producers")
            | ("GET", "/producers/new")
            | ("POST", "/api/v1/producers")
            | ("GET", "/traceability/alerts")
    )
}

fn check(got: &common::Reply, expected: Expect, api: bool) -> bool {
    let s = got.status;
    let to_login = s == StatusCode::SEE_OTHER && got.location().starts_with("/login");
    match expected {
        Expect::Served => !matches!(s.as_u16(), 401 | 403 | 404) && !to_login,
        Expect::SignIn => {
            if api {
                s == StatusCode::UNAUTHORIZED
            } else {
                to_login
            }
        }
        Expect::Forbidden => s == StatusCode::FORBIDDEN,
        Expect::NotFound => s == StatusCode::NOT_FOUND,
        Expect::Refused => matches!(s.as_u16(), 403 | 404),
        Expect::Any => !to_login && s.as_u16() < 500,
    }
}

/// The request a browser or client would send, with an empty form of the route's kind (an
/// upload's multipart form, a scorecard's JSON save) so that access, not the body's syntax, is
/// what answers; a registration names the side's product.
async fn send(c: &mut Client, route: &Route, path: &str, s: &Side) -> common::Reply {
    let api = route.path.starts_with("/api/v1/");
    let upload = [
        "/registry/import",
        "/products/{id}/photos",
        "/evaluation/registrations/{id}/evidence",
        "/evaluation/registrations/{id}/forward",
        "/inspections/{id}/photos",
        "/findings/{id}/evidence",
    ];
    match (route.method, api) {
        ("GET", false) => c.get(path).await,
        ("GET", true) => c.get_json(path).await,
        ("POST", false) if upload.contains(&route.path) => c.upload(path, &[], "file", "empty.bin", b"").await,
        ("POST", false) if route.path.ends_with("/save") => c.post_body(path, "application/json", b"{}".to_vec()).await,
        // Assigning keeps the side's inspector, so the visit stays theirs for the routes after.
        ("POST", false) if route.path == "/inspections/{id}/inspectors" => {
            let keep: Vec<String> = s.assignee.iter().map(i64::to_string).collect();
            let fields: Vec<(&str, &str)> = keep.iter().map(|k| ("inspectors", k.as_str())).collect();
            c.post_form(path, &fields).await
        }
        ("POST", false) if route.path == "/evaluation/registrations" => {
            c.post_form(path, &[("product", &s.product.id.to_string())]).await
        }
        ("POST", false) => c.post_form(path, &[]).await,
        (method, true) => c.send_json(method, path, "{}").await,
        (method, false) => panic!("{method} {path}: no page route takes this method"),
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_gate_says() {
    let app = TestApp::new().await;
    let mut home = side(&app, "01", "00577", 1).await;
    let mut other = side(&app, "79", "25747", 2).await;

    let mut callers: Vec<(Option<Actor>, Client)> = vec![(None, app.client())];
    let place = |p: &str| Scope::Province { province: province(p) };
    let accounts = [
        (
            Role::Producer,
            Scope::Producer { producer: home.producer, province: province("01"), commune: commune("00577") },
        ),
        (Role::CommuneOfficer, Scope::Commune { province: province("01"), commune: commune("00577") }),
        (Role::ProvinceOffice, place("01")),
        (Role::Inspector, place("01")),
        (Role::CentralOffice, Scope::National),
        (Role::Admin, Scope::National),
    ];
    for (role, scope) in accounts {
        let email = format!("{}@access.vn", role.as_str());
        let (client, id) = login(&app, &email, role, scope.clone()).await;
        callers.push((Some(Actor { user_id: id, role, scope }), client));
    }
    let member = Actor { user_id: home.member.1, role: Role::CouncilMember, scope: place("01") };
    callers.push((Some(member), home.member.0.clone()));
    // The test's inspector is assigned to the home side's visit.
    let inspector =
        callers.iter().filter_map(|(a, _)| a.as_ref()).find(|a| a.role == Role::Inspector).expect("inspector").user_id;
    let tx = app.db.db.write().await.expect("begin");
    let visit = store::supervision::inspections::get(&tx, home.inspection).await.expect("read").expect("visit");
    store::supervision::inspections::assign(&tx, &Who::system(), &visit, &[inspector]).await.expect("assign");
    tx.commit().await.expect("commit");
    home.assignee = Some(inspector);

    let routes = web::declared_routes();
    // Reads first, then writes; writes on the other province's records (refused) before one's own.
    let mut order: Vec<&Route> = routes.iter().filter(|r| r.method == "GET").collect();
    order.extend(routes.iter().filter(|r| r.method != "GET" && r.path != "/logout"));
    let mut failures = Vec::new();
    for route in order {
        for at_home in [false, true] {
            let s = if at_home { &mut home } else { &mut other };
            let path = concrete(route, s);
            // Those refused first: a write someone may make (a delete) must not change what the
            // others are tested against.
            let mut turns: Vec<(usize, Expect)> = callers
                .iter()
                .enumerate()
                .map(|(i, (actor, _))| (i, expect(route, actor.as_ref(), s, at_home)))
                .collect();
            turns.sort_by_key(|(_, e)| matches!(e, Expect::Served | Expect::Any));
            let mut changed = false;
            for (i, expected) in turns {
                let (actor, client) = &mut callers[i];
                let got = send(client, route, &path, s).await;
                // Once someone allowed has deleted or decided the record, the next one allowed
                // finds it gone or already decided.
                let expected = match expected {
                    Expect::Served if changed && matches!(got.status.as_u16(), 404 | 409) => Expect::Any,
                    e => e,
                };
                changed |= route.method != "GET" && (got.status.is_success() || got.status.is_redirection());
                if !check(&got, expected, route.path.starts_with("/api/")) {
                    let who = actor.as_ref().map_or("public", |a| a.role.as_str());
                    failures
                        .push(format!("{} {path} as {who}: expected {expected:?}, got {}", route.method, got.status));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_api_operation_and_every_route_is_declared_once() {
    let declared: Vec<(String, String)> =
        web::declared_routes().iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    let unique: BTreeSet<_> = declared.iter().cloned().collect();
    assert_eq!(unique.len(), declared.len(), "a route declared twice");
    let doc = serde_json::to_value(web::openapi()).expect("openapi");
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            let key = (method.to_uppercase(), path.clone());
            assert!(unique.contains(&key), "{key:?} is served without a declared gate");
        }
    }
    // Everything a gate names an action of the matrix actually decides with.
    for r in web::declared_routes() {
        if let Gate::Act(action) | Gate::CertifiedOr(action) = r.gate {
            assert!(Action::ALL.contains(&action));
        }
    }
}

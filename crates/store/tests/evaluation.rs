//! The evaluation cycle in storage, on the backend under test: every step, and every refusal.

#![allow(clippy::expect_used)] // an expectation that fails is the test failing, with its message

use domain::access::Listing;
use domain::criteria::{CriteriaSet, Kind as CriterionKind};
use domain::evaluation::{Kind, RevocationGround, State};
use domain::place::{CommuneCode, ProvinceCode};
use domain::producer::LegalType;
use domain::registry::{ProducerDraft, ProductDraft};
use domain::role::{Role, Scope};
use domain::scoring::{Answer, Level};
use domain::tax_code::TaxCode;
use std::collections::{BTreeMap, BTreeSet};
use store::audit::Who;
use store::evaluation::councils::{self, CardSave, CouncilDraft};
use store::evaluation::decisions::{self, DecisionDraft, Issuer};
use store::evaluation::dossiers::{self, Form03, NewEvidence, Screening};
use store::evaluation::reminders;
use store::evaluation::rounds::{self, RoundDraft};
use store::products::{self, CodeChoice};
use store::testing::TestDb;
use store::users::{self, User, UserDraft};
use store::{Db, Page, StoreError, producers};
use time::macros::date;
use time::{Date, Duration};

const TODAY: Date = date!(2026 - 11 - 02);
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn set() -> &'static CriteriaSet {
    store::criteria::current().expect("criteria")
}

/// The best option of every criterion of a sheet, but the worst for the codes in `lower` and
/// the second best for codes written `~code`.
fn answers(sheet: &str, lower: &[&str]) -> BTreeMap<String, Answer> {
    let sheet = set().sheet(sheet).expect("sheet");
    sheet
        .scored()
        .map(|c| {
            let low = lower.contains(&c.code.as_str());
            let second = lower.contains(&format!("~{}", c.code).as_str());
            let answer = match c.kind {
                CriterionKind::MetOrNot => Answer::Met(!low && !second),
                _ => {
                    let mut by_points: Vec<usize> = (0..c.options.len()).collect();
                    by_points.sort_by_key(|&i| c.options[i].points);
                    let n = by_points.len();
                    Answer::Choice(if low {
                        by_points[0]
                    } else if second {
                        by_points[n - 2]
                    } else {
                        by_points[n - 1]
                    })
                }
            };
            (c.code.clone(), answer)
        })
        .collect()
}

struct World {
    db: Db,
    office: User,
    officer: User,
    producer: User,
    members: Vec<User>,
    product_id: i64,
    round_id: i64,
}

async fn user(db: &Db, email: &str, role: Role, scope: Scope) -> User {
    let tx = db.write().await.expect("begin");
    let draft = UserDraft {
        email: domain::email::Email::parse(email).expect("email"),
        display_name: email.split('@').next().unwrap_or(email).to_owned(),
        role,
        scope,
    };
    let u = users::create(&tx, &Who::system(), &draft, "x", false).await.expect("user");
    tx.commit().await.expect("commit");
    u
}

async fn world(t: &TestDb) -> World {
    let db = t.db.clone();
    let hanoi = ProvinceCode::parse("01").expect("p");
    let commune = CommuneCode::parse("00577").expect("c");
    let tx = db.write().await.expect("begin");
    let producer = producers::create(
        &tx,
        &Who::system(),
        &ProducerDraft {
            legal_type: LegalType::Cooperative,
            name: "HTX Mật ong Bát Tràng".into(),
            tax_code: Some(TaxCode::parse("0100233488").expect("tax")),
            representative: "Nguyễn Văn An".into(),
            phone: None,
            email: None,
            province: hanoi.clone(),
            commune: commune.clone(),
            street: String::new(),
            old_district: None,
            old_commune: None,
            established_on: None,
            members_count: Some(9),
            sales_channels: vec![],
        },
        false,
    )
    .await
    .expect("producer");
    let product = products::create(
        &tx,
        &Who::system(),
        &ProductDraft {
            producer_id: producer.id,
            name: "Mật ong hoa nhãn".into(),
            sheet_code: "04".into(),
            gtin: None,
            description: String::new(),
            ingredients: String::new(),
            packaging: String::new(),
            price: None,
            capacity: String::new(),
        },
        CodeChoice::Next { year: 2026 },
        "26/2026/QĐ-TTg",
        false,
    )
    .await
    .expect("product");
    let round = rounds::create(
        &tx,
        &Who::system(),
        &hanoi,
        &RoundDraft {
            name: "Đợt 2 năm 2026".into(),
            opens_on: date!(2026 - 07 - 01),
            commune_deadline: date!(2026 - 11 - 30),
            closes_on: date!(2026 - 12 - 30),
            plan_count: 400,
        },
    )
    .await
    .expect("round");
    tx.commit().await.expect("commit");
    let office =
        user(&db, "office@hanoi.gov.vn", Role::ProvinceOffice, Scope::Province { province: hanoi.clone() }).await;
    let officer = user(
        &db,
        "xa@battrang.gov.vn",
        Role::CommuneOfficer,
        Scope::Commune { province: hanoi.clone(), commune: commune.clone() },
    )
    .await;
    let producer_user = user(
        &db,
        "htx@battrang.vn",
        Role::Producer,
        Scope::Producer { producer: producer.id, province: hanoi.clone(), commune },
    )
    .await;
    let mut members = Vec::new();
    for name in ["chu-tich", "thanh-vien-a", "thanh-vien-b"] {
        members.push(
            user(
                &db,
                &format!("{name}@hanoi.gov.vn"),
                Role::CouncilMember,
                Scope::Province { province: hanoi.clone() },
            )
            .await,
        );
    }
    World { db, office, officer, producer: producer_user, members, product_id: product.id, round_id: round.id }
}

async fn write<T>(db: &Db, f: impl AsyncFnOnce(&store::Tx) -> store::Result<T>) -> store::Result<T> {
    let tx = db.write().await.expect("begin");
    let out = f(&tx).await;
    if out.is_ok() {
        tx.commit().await.expect("commit");
    }
    out
}

fn key(e: StoreError) -> &'static str {
    match e {
        StoreError::Refused(why) | StoreError::NotAllowed(why) => why.key,
        StoreError::Invalid(fields) => fields.iter().next().map(|(_, why)| why.key).unwrap_or("?"),
        other => panic!("unexpected {other:?}"),
    }
}

/// Registers, self-assesses, uploads and submits; returns the registration id.
async fn filed(w: &World) -> i64 {
    let who = w.producer.who();
    let g = write(&w.db, async |tx| dossiers::create(tx, &who, w.product_id, w.round_id, Kind::First, TODAY).await)
        .await
        .expect("registered");
    write(&w.db, async |tx| dossiers::save_self_assessment(tx, &who, set(), g.id, answers("04", &[])).await)
        .await
        .expect("self-assessed");
    let file = || NewEvidence {
        label: "Giấy chứng nhận ATTP",
        file_name: "attp.pdf",
        content_type: "application/pdf",
        sha256: "ab",
        bytes: PDF.to_vec(),
    };
    write(&w.db, async |tx| dossiers::add_evidence(tx, &who, g.id, file()).await).await.expect("evidence");
    let g = write(&w.db, async |tx| dossiers::submit(tx, &who, set(), g.id, TODAY).await).await.expect("submitted");
    g.id
}

fn form03() -> Form03 {
    Form03 {
        materials: "100% hoa nhãn trên địa bàn xã".into(),
        labour: "9 lao động địa phương".into(),
        idea: "Ý tưởng của HTX".into(),
        identity: "Nghề nuôi ong truyền thống".into(),
    }
}

async fn council(w: &World) -> i64 {
    let who = w.office.who();
    let draft = CouncilDraft {
        name: "Hội đồng OCOP thành phố Hà Nội 2026".into(),
        level: Level::Province,
        province: Some(ProvinceCode::parse("01").expect("p")),
        round_id: Some(w.round_id),
        members: w.members.iter().map(|m| m.id).collect(),
        chair: w.members[0].id,
        quorum_percent: 75,
        spread_limit: 10,
    };
    write(&w.db, async |tx| councils::create(tx, &who, &draft).await).await.expect("council").id
}

async fn score(
    w: &World,
    evaluation: i64,
    member: &User,
    lower: &[&str],
    revision: i64,
) -> store::Result<councils::Card> {
    let save = CardSave { answers: answers("04", lower), knock_outs: BTreeSet::new(), disqualified: false, revision };
    let who = member.who();
    write(&w.db, async |tx| councils::save_card(tx, &who, set(), evaluation, member.id, &save).await).await?;
    write(&w.db, async |tx| councils::submit_card(tx, &who, set(), evaluation, member.id).await).await
}

#[tokio::test]
async fn a_dossier_is_filed_screened_and_locked() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let who = w.producer.who();
    // A closed round refuses; so does an upgrade of a product without a certificate.
    let late = date!(2026 - 12 - 01);
    let e =
        write(&w.db, async |tx| dossiers::create(tx, &who, w.product_id, w.round_id, Kind::First, late).await).await;
    assert_eq!(key(e.expect_err("closed")), "invalid-round-closed");
    let e =
        write(&w.db, async |tx| dossiers::create(tx, &who, w.product_id, w.round_id, Kind::Upgrade, TODAY).await).await;
    assert_eq!(key(e.expect_err("upgrade")), "invalid-needs-certificate");

    let g = write(&w.db, async |tx| dossiers::create(tx, &who, w.product_id, w.round_id, Kind::First, TODAY).await)
        .await
        .expect("registered");
    assert_eq!((g.state(), g.samples, g.criteria_version.as_str()), (State::Draft, 5, "26/2026/QĐ-TTg"));
    let again =
        write(&w.db, async |tx| dossiers::create(tx, &who, w.product_id, w.round_id, Kind::First, TODAY).await).await;
    assert_eq!(key(again.expect_err("twice")), "invalid-already-registered");

    // Incomplete: no answers, no evidence.
    let e = write(&w.db, async |tx| dossiers::submit(tx, &who, set(), g.id, TODAY).await).await;
    assert_eq!(key(e.expect_err("incomplete")), "score-missing");
    let mut bad = answers("04", &[]);
    bad.insert("1.1".into(), Answer::Choice(9));
    let e = write(&w.db, async |tx| dossiers::save_self_assessment(tx, &who, set(), g.id, bad).await).await;
    assert_eq!(key(e.expect_err("out of range")), "score-out-of-range");
    let saved =
        write(&w.db, async |tx| dossiers::save_self_assessment(tx, &who, set(), g.id, answers("04", &[])).await)
            .await
            .expect("saved");
    assert_eq!(saved.self_total, Some(100));
    let e = write(&w.db, async |tx| dossiers::submit(tx, &who, set(), g.id, TODAY).await).await;
    assert_eq!(key(e.expect_err("no evidence")), "invalid-evidence-missing");
    let file = NewEvidence {
        label: "ATTP",
        file_name: "a/../b.pdf",
        content_type: "application/pdf",
        sha256: "ab",
        bytes: PDF.to_vec(),
    };
    let ev = write(&w.db, async |tx| dossiers::add_evidence(tx, &who, g.id, file).await).await.expect("evidence");
    assert!(!ev.file_name.contains('/'));

    let g = write(&w.db, async |tx| dossiers::submit(tx, &who, set(), g.id, TODAY).await).await.expect("submitted");
    assert_eq!(g.state(), State::Submitted);
    assert_eq!(g.number.as_deref(), Some("001/PĐK-01-00577-2026"));
    // Monday 2/11/2026 + 15 working days.
    assert_eq!(g.screening_due, Some(date!(2026 - 11 - 23)));
    let calendar = store::evaluation::calendar().expect("calendar");
    assert_eq!((g.screening_calendar.as_str(), g.screening_due_estimated), (calendar.version.as_str(), false));
    assert!(!g.late);
    assert!(g.screening_overdue(date!(2026 - 11 - 24)) && !g.screening_overdue(date!(2026 - 11 - 23)));
    // Locked: no more answers, files or withdrawals.
    let e =
        write(&w.db, async |tx| dossiers::save_self_assessment(tx, &who, set(), g.id, answers("04", &["1.1"])).await)
            .await;
    assert_eq!(key(e.expect_err("locked")), "invalid-dossier-locked");
    let e = write(&w.db, async |tx| dossiers::withdraw_evidence(tx, &who, g.id, ev.id).await).await;
    assert_eq!(key(e.expect_err("locked")), "invalid-dossier-locked");

    // The commune returns it with reasons; the producer corrects and submits again.
    let clerk = w.officer.who();
    let e =
        write(&w.db, async |tx| dossiers::screen(tx, &clerk, g.id, Screening::Return { reasons: "  ".into() }).await)
            .await;
    assert_eq!(key(e.expect_err("reasons")), "invalid-required");
    let back = write(&w.db, async |tx| {
        dossiers::screen(tx, &clerk, g.id, Screening::Return { reasons: "Thiếu phiếu kiểm nghiệm".into() }).await
    })
    .await
    .expect("returned");
    assert_eq!((back.state(), back.return_reasons.as_str()), (State::Returned, "Thiếu phiếu kiểm nghiệm"));
    let e = write(&w.db, async |tx| dossiers::screen(tx, &clerk, g.id, Screening::Accept(form03())).await).await;
    assert_eq!(key(e.expect_err("not submitted")), "invalid-transition");
    // Filed again after the round's deadline for the commune: refused, as a new filing would be.
    let e = write(&w.db, async |tx| dossiers::submit(tx, &who, set(), g.id, date!(2026 - 12 - 01)).await).await;
    assert_eq!(key(e.expect_err("round closed at filing")), "invalid-round-closed");
    let g = write(&w.db, async |tx| dossiers::submit(tx, &who, set(), g.id, TODAY).await).await.expect("again");
    assert_eq!(g.number.as_deref(), Some("001/PĐK-01-00577-2026"), "the number stays");
    let e =
        write(&w.db, async |tx| dossiers::screen(tx, &clerk, g.id, Screening::Accept(Form03::default())).await).await;
    assert_eq!(key(e.expect_err("form 03")), "invalid-required");
    let g = write(&w.db, async |tx| dossiers::screen(tx, &clerk, g.id, Screening::Accept(form03())).await)
        .await
        .expect("accepted");
    assert_eq!((g.state(), g.form03().expect("form 03").idea), (State::Accepted, "Ý tưởng của HTX".to_owned()));
    let round = rounds::get(w.db.conn(), w.round_id).await.expect("round").expect("round");
    assert_eq!((round.plan_count, round.received, round.accepted), (400, 1, 1));
}

#[tokio::test]
async fn a_council_scores_discusses_approves_and_the_office_recognises() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let g = filed(&w).await;
    let clerk = w.officer.who();
    write(&w.db, async |tx| dossiers::screen(tx, &clerk, g, Screening::Accept(form03())).await)
        .await
        .expect("accepted");

    // Two members are not a council.
    let short = CouncilDraft {
        name: "Hội đồng".into(),
        level: Level::Province,
        province: Some(ProvinceCode::parse("01").expect("p")),
        round_id: None,
        members: vec![w.members[0].id, w.members[1].id],
        chair: w.members[0].id,
        quorum_percent: 75,
        spread_limit: 10,
    };
    let office = w.office.who();
    let e = write(&w.db, async |tx| councils::create(tx, &office, &short).await).await;
    assert_eq!(key(e.expect_err("too small")), "invalid-council-size");
    let k = council(&w).await;
    write(&w.db, async |tx| councils::assign(tx, &office, k, &[g]).await).await.expect("assigned");
    let e = write(&w.db, async |tx| councils::assign(tx, &office, k, &[g]).await).await;
    assert_eq!(key(e.expect_err("twice")), "invalid-transition");
    let ev = councils::evaluations_of_council(w.db.conn(), k).await.expect("list").remove(0);
    assert_eq!((ev.state.as_str(), ev.cards), ("scoring", 3));

    let (chair, a, b) = (&w.members[0], &w.members[1], &w.members[2]);
    // A late save with an older revision changes nothing.
    let save = |rev, lower: &[&str]| CardSave {
        answers: answers("04", lower),
        knock_outs: BTreeSet::new(),
        disqualified: false,
        revision: rev,
    };
    let who = a.who();
    write(&w.db, async |tx| councils::save_card(tx, &who, set(), ev.id, a.id, &save(5, &[])).await).await.expect("v5");
    let stale = write(&w.db, async |tx| councils::save_card(tx, &who, set(), ev.id, a.id, &save(4, &["1.1"])).await)
        .await
        .expect("ignored");
    assert_eq!(stale.revision, 5);
    assert_eq!(stale.scorecard().expect("reads").answers, answers("04", &[]));
    // An incomplete card cannot be submitted.
    let partial = CardSave { answers: BTreeMap::from([("1.1".to_owned(), Answer::Choice(0))]), ..save(6, &[]) };
    let whob = b.who();
    write(&w.db, async |tx| councils::save_card(tx, &whob, set(), ev.id, b.id, &partial).await).await.expect("partial");
    let e = write(&w.db, async |tx| councils::submit_card(tx, &whob, set(), ev.id, b.id).await).await;
    assert_eq!(key(e.expect_err("incomplete")), "score-missing");

    // Member A gives full marks, B far less: quorum first, then the spread blocks approval.
    score(&w, ev.id, a, &[], 7).await.expect("a");
    let low = ["1.1", "1.2", "1.3", "1.4", "1.5", "2.2"];
    score(&w, ev.id, b, &low, 7).await.expect("b");
    let chair_who = chair.who();
    let e = write(&w.db, async |tx| councils::close(tx, &whob, set(), ev.id, b.id).await).await;
    assert_eq!(key(e.expect_err("not the chair")), "invalid-not-chair");
    let e = write(&w.db, async |tx| councils::close(tx, &chair_who, set(), ev.id, chair.id).await).await;
    assert_eq!(key(e.expect_err("quorum")), "invalid-quorum");
    score(&w, ev.id, chair, &[], 1).await.expect("chair");
    let closed =
        write(&w.db, async |tx| councils::close(tx, &chair_who, set(), ev.id, chair.id).await).await.expect("closed");
    assert_eq!(closed.outcome().expect("reads").map(|o| o.spread_exceeded), Some(true));
    let e = write(&w.db, async |tx| councils::approve(tx, &chair_who, set(), ev.id, chair.id).await).await;
    assert_eq!(key(e.expect_err("spread")), "invalid-spread");
    // Discussion, re-scoring, approval: 4★ because 1.5 (the lower median) misses its 5★ tag.
    let e = write(&w.db, async |tx| councils::reopen(tx, &chair_who, ev.id, chair.id, " ").await).await;
    assert_eq!(key(e.expect_err("note")), "invalid-required");
    write(&w.db, async |tx| councils::reopen(tx, &chair_who, ev.id, chair.id, "Thảo luận lại tiêu chí 1.x").await)
        .await
        .expect("reopened");
    // The members are told to submit again; the chair, who re-opened, is not.
    let link = format!("/evaluation/scorecards/{}", ev.id);
    for (user, expected) in [(a.id, true), (b.id, true), (chair.id, false)] {
        let notes = store::notifications::of_user(w.db.conn(), user, 10).await.expect("notes");
        let told = notes.iter().any(|n| n.message_key == "notify-rescore" && n.link == link);
        assert_eq!(told, expected, "user {user}");
    }
    score(&w, ev.id, a, &["~1.5"], 8).await.expect("a again");
    score(&w, ev.id, b, &["~1.5"], 8).await.expect("b again");
    score(&w, ev.id, chair, &[], 2).await.expect("chair again");
    write(&w.db, async |tx| councils::close(tx, &chair_who, set(), ev.id, chair.id).await).await.expect("closed");
    let approved = write(&w.db, async |tx| councils::approve(tx, &chair_who, set(), ev.id, chair.id).await)
        .await
        .expect("approved");
    assert_eq!((approved.state.as_str(), approved.stars, approved.rescored), ("approved", Some(4), 1));
    let reg = dossiers::get(w.db.conn(), g).await.expect("get").expect("g");
    assert_eq!((reg.state(), reg.stars), (State::Approved, Some(4)));

    // The decision issues the certificate; the product shows it at once.
    let d = DecisionDraft {
        number: "5123/QĐ-UBND".into(),
        signed_on: date!(2026 - 11 - 20),
        signer: "Chủ tịch UBND".into(),
    };
    let hanoi = Issuer::Province("01".into());
    let e = write(&w.db, async |tx| decisions::recognise(tx, &office, &Issuer::Central, &d, &[g]).await).await;
    assert_eq!(key(e.expect_err("central cannot")), "invalid-not-recognisable");
    let (decision, certs) =
        write(&w.db, async |tx| decisions::recognise(tx, &office, &hanoi, &d, &[g]).await).await.expect("recognised");
    assert_eq!(decision.number, "5123/QĐ-UBND");
    let cert = &certs[0];
    assert_eq!((cert.number.as_str(), cert.stars, cert.expires_on), ("HN-2026-00001", 4, date!(2029 - 11 - 20)));
    let product = products::get(w.db.conn(), w.product_id).await.expect("p").expect("p");
    assert_eq!((product.stars, product.certificate_id), (Some(4), Some(cert.id)));
    let e = write(&w.db, async |tx| decisions::recognise(tx, &office, &hanoi, &d, &[g]).await).await;
    assert_eq!(key(e.expect_err("decision number again")), "invalid-decision-taken");

    // An upgrade in a later round reuses the evidence on file: it submits without a new upload.
    let next_round = write(&w.db, async |tx| {
        rounds::create(
            tx,
            &office,
            &ProvinceCode::parse("01").expect("p"),
            &RoundDraft {
                name: "Đợt 1 năm 2027".into(),
                opens_on: date!(2026 - 11 - 01),
                commune_deadline: date!(2027 - 04 - 30),
                closes_on: date!(2027 - 06 - 30),
                plan_count: 300,
            },
        )
        .await
    })
    .await
    .expect("round");
    let producer = w.producer.who();
    let e =
        write(&w.db, async |tx| dossiers::create(tx, &producer, w.product_id, next_round.id, Kind::First, TODAY).await)
            .await;
    assert_eq!(key(e.expect_err("certified")), "invalid-first-but-certified");
    let up = write(&w.db, async |tx| {
        dossiers::create(tx, &producer, w.product_id, next_round.id, Kind::Upgrade, TODAY).await
    })
    .await
    .expect("upgrade");
    assert_eq!(up.previous_certificate_id, Some(cert.id));
    assert_eq!(dossiers::evidence_of(w.db.conn(), &up).await.expect("files").len(), 1, "the evidence on file");
    write(&w.db, async |tx| dossiers::save_self_assessment(tx, &producer, set(), up.id, answers("04", &[])).await)
        .await
        .expect("self-assessed");
    let up =
        write(&w.db, async |tx| dossiers::submit(tx, &producer, set(), up.id, TODAY).await).await.expect("submitted");
    assert_eq!(dossiers::evidence_of(w.db.conn(), &up).await.expect("files").len(), 1);
    assert_eq!(up.number.as_deref(), Some("002/PĐK-01-00577-2026"));

    // Revocation: the Ministry is not competent for a provincial certificate; the province is.
    let r =
        DecisionDraft {
            number: "77/QĐ-UBND".into(), signed_on: date!(2026 - 11 - 25), signer: "Chủ tịch UBND".into()
        };
    let e = write(&w.db, async |tx| {
        decisions::revoke(tx, &office, &Issuer::Central, cert.id, RevocationGround::MarkMisuse, &r, TODAY).await
    })
    .await;
    assert_eq!(key(e.expect_err("competence")), "invalid-revocation-competence");
    write(&w.db, async |tx| {
        decisions::revoke(tx, &office, &hanoi, cert.id, RevocationGround::MarkMisuse, &r, TODAY).await
    })
    .await
    .expect("revoked");
    let product = products::get(w.db.conn(), w.product_id).await.expect("p").expect("p");
    assert!(product.certificate_revoked);
    assert_eq!(product.certificate_status(TODAY), Some(domain::certificate::CertificateStatus::Revoked));
}

#[tokio::test]
async fn a_potential_five_star_goes_to_the_central_council() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let g = filed(&w).await;
    let clerk = w.officer.who();
    write(&w.db, async |tx| dossiers::screen(tx, &clerk, g, Screening::Accept(form03())).await)
        .await
        .expect("accepted");
    let office = w.office.who();
    let k = council(&w).await;
    write(&w.db, async |tx| councils::assign(tx, &office, k, &[g]).await).await.expect("assigned");
    let ev = councils::evaluations_of_council(w.db.conn(), k).await.expect("list").remove(0);
    for (i, m) in w.members.iter().enumerate() {
        score(&w, ev.id, m, &[], i64::try_from(i).unwrap_or(0) + 1).await.expect("scored");
    }
    let chair = &w.members[0];
    let cw = chair.who();
    write(&w.db, async |tx| councils::close(tx, &cw, set(), ev.id, chair.id).await).await.expect("closed");
    write(&w.db, async |tx| councils::approve(tx, &cw, set(), ev.id, chair.id).await).await.expect("approved");
    let hanoi = Issuer::Province("01".into());
    let d =
        DecisionDraft { number: "1/QĐ-UBND".into(), signed_on: date!(2026 - 11 - 01), signer: "Chủ tịch".into() };
    let e = write(&w.db, async |tx| decisions::recognise(tx, &office, &hanoi, &d, &[g]).await).await;
    assert_eq!(key(e.expect_err("must forward")), "invalid-must-forward");
    // Forwarding records the chairman's approval decision, the letter and the agency's report.
    let input = |number: &str| decisions::ForwardingInput {
        decision: decisions::DecisionInput {
            number: number.into(),
            signed_on: "20/11/2026".into(),
            signer: "Nguyễn Văn A".into(),
        },
        letter_number: "55/UBND-NNMT".into(),
        letter_date: "21/11/2026".into(),
        report_number: "12/BC-CCPTNT".into(),
    };
    let blank = decisions::ForwardingInput { decision: Default::default(), ..input("") };
    let draft = blank.parse(TODAY + Duration::days(30)).expect("a re-rating's forwarding has no decision");
    let e = write(&w.db, async |tx| decisions::forward(tx, &office, "01", &[g], &draft, &[]).await).await;
    assert_eq!(key(e.expect_err("a provincial result needs its approval")), "invalid-required");
    let e = decisions::ForwardingInput { letter_number: " ".into(), ..input("300/QĐ-UBND") }
        .parse(TODAY + Duration::days(30))
        .expect_err("letter");
    assert_eq!(e.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["letter_number"]);
    let draft = input("300/QĐ-UBND").parse(TODAY + Duration::days(30)).expect("draft");
    let report = NewEvidence {
        label: "Báo cáo của cơ quan tham mưu",
        file_name: "bc.pdf",
        content_type: "application/pdf",
        sha256: "ef",
        bytes: PDF.to_vec(),
    };
    write(&w.db, async |tx| decisions::forward(tx, &office, "01", &[g], &draft, std::slice::from_ref(&report)).await)
        .await
        .expect("forwarded");
    let sent = decisions::forwarding_of(w.db.conn(), g).await.expect("f").expect("recorded");
    assert_eq!((sent.letter_number.as_str(), sent.report_number.as_str()), ("55/UBND-NNMT", "12/BC-CCPTNT"));
    let approval = decisions::get(w.db.conn(), sent.decision_id.expect("decision")).await.expect("d").expect("d");
    assert_eq!((approval.kind.as_str(), approval.number.as_str()), ("approval", "300/QĐ-UBND"));
    let files = dossiers::evidence_of_forwarding(w.db.conn(), sent.id).await.expect("files");
    assert_eq!(files.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(), ["Báo cáo của cơ quan tham mưu"]);
    assert!(
        dossiers::evidence_of_product(w.db.conn(), w.product_id).await.expect("e").iter().all(|f| f.id != files[0].id),
        "the province's papers are not the producer's dossier"
    );

    // The central council: members of no province.
    let mut central = Vec::new();
    for name in ["tw-1", "tw-2", "tw-3"] {
        central.push(user(&w.db, &format!("{name}@mae.gov.vn"), Role::CouncilMember, Scope::National).await);
    }
    let ministry = user(&w.db, "ocop@mae.gov.vn", Role::CentralOffice, Scope::National).await.who();
    let draft = CouncilDraft {
        name: "Hội đồng cấp trung ương".into(),
        level: Level::Central,
        province: None,
        round_id: None,
        members: central.iter().map(|m| m.id).collect(),
        chair: central[0].id,
        quorum_percent: 75,
        spread_limit: 10,
    };
    let kc = write(&w.db, async |tx| councils::create(tx, &ministry, &draft).await).await.expect("central").id;
    write(&w.db, async |tx| councils::assign(tx, &ministry, kc, &[g]).await).await.expect("assigned centrally");
    let evc = councils::evaluations_of_council(w.db.conn(), kc).await.expect("list").remove(0);
    assert_eq!(evc.level, "central");
    for (i, m) in central.iter().enumerate() {
        score(&w, evc.id, m, &[], i64::try_from(i).unwrap_or(0) + 1).await.expect("scored");
    }
    let cw = central[0].who();
    write(&w.db, async |tx| councils::close(tx, &cw, set(), evc.id, central[0].id).await).await.expect("closed");
    let approved =
        write(&w.db, async |tx| councils::approve(tx, &cw, set(), evc.id, central[0].id).await).await.expect("ok");
    assert_eq!(approved.outcome().expect("reads").map(|o| o.potential_5_star), Some(false));
    assert_eq!(dossiers::get(w.db.conn(), g).await.expect("g").expect("g").state(), State::CentralApproved);
    let d =
        DecisionDraft {
            number: "900/QĐ-BNNMT".into(), signed_on: date!(2026 - 11 - 01), signer: "Bộ trưởng".into()
        };
    let e = write(&w.db, async |tx| decisions::recognise(tx, &office, &hanoi, &d, &[g]).await).await;
    assert_eq!(key(e.expect_err("province cannot")), "invalid-not-recognisable");
    let (_, certs) = write(&w.db, async |tx| decisions::recognise(tx, &ministry, &Issuer::Central, &d, &[g]).await)
        .await
        .expect("5★");
    assert_eq!(
        (certs[0].stars, certs[0].level.as_str(), certs[0].number.as_str()),
        (5, "central", "OCOP-TW-2026-00001")
    );
}

#[tokio::test]
async fn reminders_run_once_per_day_and_notify_once_per_subject() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    // A dossier nobody screened in time.
    filed(&w).await;
    // A certificate expiring in 150 days is inside the re-rating window.
    let day = TODAY;
    let fact = store::certificates::CertificateFact {
        number: "OCOP-01-2023-00999".into(),
        stars: domain::certificate::Stars::new(3).expect("3"),
        level: store::certificates::Level::Province,
        decision_number: "1/QĐ".into(),
        decision_date: None,
        signer: String::new(),
        issued_on: day + Duration::days(150) - Duration::days(365 * 3),
        expires_on: day + Duration::days(150),
        revoked_on: None,
        revocation_ground: None,
        revocation_decision: None,
        criteria_version: "148/QĐ-TTg".into(),
        source: "import",
        issuer_kind: None,
        issuer_name: String::new(),
        evidence: domain::certificate::Evidence::Decision,
    };
    write(&w.db, async |tx| store::certificates::record(tx, &Who::system(), w.product_id, &fact).await)
        .await
        .expect("cert");
    let later = day + Duration::days(30);
    let first = reminders::run(&w.db, later).await.expect("run");
    assert!(first.ran);
    assert_eq!((first.rerating, first.overdue), (1, 1));
    let second = reminders::run(&t.another_instance().await, later).await.expect("again");
    assert!(!second.ran, "the day was claimed");
    let next_day = reminders::run(&w.db, later + Duration::days(1)).await.expect("next day");
    assert!(next_day.ran);
    let producer_notes = store::notifications::of_user(w.db.conn(), w.producer.id, 10).await.expect("notes");
    assert_eq!(producer_notes.len(), 1, "one per subject, however often the job runs");
    assert_eq!(producer_notes[0].message_key, "notify-rerating");
    let officer_notes = store::notifications::of_user(w.db.conn(), w.officer.id, 10).await.expect("notes");
    assert_eq!(officer_notes.iter().map(|n| n.message_key.as_str()).collect::<Vec<_>>(), ["notify-screening-overdue"]);
    let office_notes = store::notifications::of_user(w.db.conn(), w.office.id, 10).await.expect("notes");
    assert_eq!(office_notes.len(), 2, "a digest per day");
}

/// Records a certificate the product already holds (as an import would).
async fn holds(w: &World, stars: u8, issued: Date) -> store::certificates::Certificate {
    use domain::certificate::{Evidence, Stars, expiry};
    use store::certificates::{CertificateFact, Level};
    let fact = CertificateFact {
        number: format!("HN-{}-{stars}", issued.year()),
        stars: Stars::new(stars).expect("stars"),
        level: Level::Province,
        decision_number: format!("{}/QĐ-UBND", issued.ordinal()),
        decision_date: Some(issued),
        signer: "Chủ tịch UBND".into(),
        issued_on: issued,
        expires_on: expiry(issued),
        revoked_on: None,
        revocation_ground: None,
        revocation_decision: None,
        criteria_version: "148/QĐ-TTg".into(),
        source: "import",
        issuer_kind: None,
        issuer_name: String::new(),
        evidence: Evidence::Decision,
    };
    write(&w.db, async |tx| store::certificates::record(tx, &Who::system(), w.product_id, &fact).await)
        .await
        .expect("certificate")
}

/// Self-assesses, uploads and files a registration already made, on `day`.
async fn file_on(w: &World, id: i64, day: Date) -> store::Result<dossiers::Registration> {
    let who = w.producer.who();
    write(&w.db, async |tx| dossiers::save_self_assessment(tx, &who, set(), id, answers("04", &[])).await)
        .await
        .expect("self-assessed");
    let file = NewEvidence {
        label: "Phiếu kiểm nghiệm",
        file_name: "kn.pdf",
        content_type: "application/pdf",
        sha256: "cd",
        bytes: PDF.to_vec(),
    };
    write(&w.db, async |tx| dossiers::add_evidence(tx, &who, id, file).await).await.expect("evidence");
    write(&w.db, async |tx| dossiers::submit(tx, &who, set(), id, day).await).await
}

/// Accepts, assigns to a new provincial council, scores with `lower` for every member, closes
/// and approves; returns the approved evaluation.
async fn through_council(w: &World, g: i64, lower: &[&str]) -> councils::Evaluation {
    let clerk = w.officer.who();
    write(&w.db, async |tx| dossiers::screen(tx, &clerk, g, Screening::Accept(form03())).await)
        .await
        .expect("accepted");
    let office = w.office.who();
    let k = council(w).await;
    write(&w.db, async |tx| councils::assign(tx, &office, k, &[g]).await).await.expect("assigned");
    let ev = councils::evaluations_of_council(w.db.conn(), k).await.expect("list").remove(0);
    for (i, m) in w.members.iter().enumerate() {
        score(w, ev.id, m, lower, i64::try_from(i).unwrap_or(0) + 1).await.expect("scored");
    }
    let chair = &w.members[0];
    let cw = chair.who();
    write(&w.db, async |tx| councils::close(tx, &cw, set(), ev.id, chair.id).await).await.expect("closed");
    write(&w.db, async |tx| councils::approve(tx, &cw, set(), ev.id, chair.id).await).await.expect("approved")
}

#[tokio::test]
async fn a_rerating_filed_after_its_window_keeps_the_certificate_in_force_until_the_decision() {
    use domain::certificate::CertificateStatus;
    let t = TestDb::new().await;
    let w = world(&t).await;
    // A 4★ certificate expiring on 31/12/2026: its window ran from 4/7 to 2/9/2026.
    let old = holds(&w, 4, date!(2023 - 12 - 31)).await;
    assert_eq!(old.expires_on, date!(2026 - 12 - 31));
    // Its number happens to be the first of 2027 under Hà Nội's scheme: the decision must skip it.
    let taken = "HN-2027-00001";
    let sql = format!("UPDATE certificate SET number = '{taken}' WHERE id = {}", old.id);
    sea_orm::ConnectionTrait::execute_unprepared(w.db.conn(), &sql).await.expect("renumber");
    let who = w.producer.who();
    // Too early is refused, naming the window.
    let e = write(&w.db, async |tx| {
        dossiers::create(tx, &who, w.product_id, w.round_id, Kind::Rerating, date!(2026 - 07 - 01)).await
    })
    .await;
    assert_eq!(key(e.expect_err("early")), "invalid-rerating-window");
    // The draft is made inside the window, and filed two months after it closed.
    let g = write(&w.db, async |tx| {
        dossiers::create(tx, &who, w.product_id, w.round_id, Kind::Rerating, date!(2026 - 08 - 20)).await
    })
    .await
    .expect("draft in the window");
    let g = file_on(&w, g.id, TODAY).await.expect("late path");
    assert!(g.late, "filed after the window: Điều 12.3");
    assert_eq!(g.rerating_due(), None, "the 45 days run from a complete dossier");
    let until = date!(2027 - 06 - 29);
    let previous = dossiers::previous_certificate(w.db.conn(), &g).await.expect("read");
    assert_eq!(g.extension(previous.as_ref()), Some(until));
    let product = products::get(w.db.conn(), w.product_id).await.expect("p").expect("p");
    assert_eq!(product.certificate_extended_until, Some(until));
    for (day, status) in [
        (date!(2026 - 12 - 31), CertificateStatus::Expiring),
        (date!(2027 - 01 - 15), CertificateStatus::Extended),
        (until, CertificateStatus::Extended),
        (date!(2027 - 06 - 30), CertificateStatus::Expired),
    ] {
        assert_eq!(product.certificate_status(day), Some(status), "{day}");
    }
    // The product counts as certified in the public catalogue and the figures while extended.
    let c = w.db.conn();
    let (listing, filter, scope) =
        (domain::access::Listing::All, products::ProductFilter::default(), store::stats::Scope::default());
    for (day, in_force) in [(date!(2027 - 01 - 15), 1), (date!(2027 - 06 - 30), 0)] {
        let listed = products::search(c, &listing, &filter, day, true, store::Page::new(1, 10)).await.expect("search");
        assert_eq!(listed.total, in_force, "catalogue on {day}");
        assert_eq!(store::stats::stars(c, &scope, day).await.expect("stars").four, in_force, "figures on {day}");
    }

    // Accepted: the 45 days start; the council re-rates it at 3★ (a re-rating may lower the stars).
    let approved = through_council(&w, g.id, &["1.5"]).await;
    let reg = dossiers::get(w.db.conn(), g.id).await.expect("g").expect("g");
    assert_eq!(reg.rerating_due(), Some(domain::vietnam_today() + Duration::days(45)));
    // A week before the 45 days run out the office is reminded; not before.
    let early = reminders::run(&w.db, domain::vietnam_today() + Duration::days(30)).await.expect("run");
    assert_eq!(early.rerating_limits, 0);
    let near = reminders::run(&w.db, domain::vietnam_today() + Duration::days(40)).await.expect("run");
    assert_eq!(near.rerating_limits, 1);
    let notes = store::notifications::of_user(w.db.conn(), w.office.id, 20).await.expect("notes");
    assert!(notes.iter().any(|n| n.message_key == "notify-rerating-limit"), "{notes:?}");
    assert_eq!((approved.stars, reg.state()), (Some(3), State::Approved), "{:?}", approved.outcome());
    // Decided in the extension, after the old certificate's expiry.
    let d =
        DecisionDraft { number: "20/QĐ-UBND".into(), signed_on: date!(2027 - 02 - 10), signer: "Chủ tịch".into() };
    let office = w.office.who();
    let (_, certs) =
        write(&w.db, async |tx| decisions::recognise(tx, &office, &Issuer::Province("01".into()), &d, &[g.id]).await)
            .await
            .expect("recognised");
    assert_eq!(certs[0].number, "HN-2027-00002", "the number taken is skipped");
    let product = products::get(w.db.conn(), w.product_id).await.expect("p").expect("p");
    assert_eq!((product.stars, product.certificate_id), (Some(3), Some(certs[0].id)));
    assert_eq!(product.certificate_extended_until, None);
    let old = store::certificates::find_by_number(w.db.conn(), taken).await.expect("c").expect("c");
    assert_eq!(old.status(date!(2027 - 01 - 15)), CertificateStatus::Superseded);
    assert_eq!(old.extended_until, Some(date!(2027 - 02 - 10)), "the extension ends with the decision");
    for (day, four, three) in [(date!(2027 - 02 - 09), 1, 0), (date!(2027 - 02 - 10), 0, 1)] {
        let classes = store::stats::stars(c, &scope, day).await.expect("stars");
        assert_eq!((classes.four, classes.three), (four, three), "{day}");
    }
}

#[tokio::test]
async fn an_upgrade_that_does_not_raise_the_stars_issues_nothing() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let held = holds(&w, 4, date!(2025 - 06 - 01)).await;
    let who = w.producer.who();
    let g = write(&w.db, async |tx| dossiers::create(tx, &who, w.product_id, w.round_id, Kind::Upgrade, TODAY).await)
        .await
        .expect("upgrade");
    let g = file_on(&w, g.id, TODAY).await.expect("filed");
    assert!(!g.late);
    // 4★ again (1.5 misses its 5★ requirement).
    let approved = through_council(&w, g.id, &["~1.5"]).await;
    assert_eq!(approved.stars, Some(4));
    let reg = dossiers::get(w.db.conn(), g.id).await.expect("g").expect("g");
    assert_eq!((reg.state(), reg.unrecognised.as_str()), (State::NotRecognised, "not_higher"));
    let product = products::get(w.db.conn(), w.product_id).await.expect("p").expect("p");
    assert_eq!((product.stars, product.certificate_id), (Some(4), Some(held.id)), "the certificate stays as it is");
    let office = w.office.who();
    let d =
        DecisionDraft { number: "21/QĐ-UBND".into(), signed_on: date!(2026 - 11 - 20), signer: "Chủ tịch".into() };
    let e =
        write(&w.db, async |tx| decisions::recognise(tx, &office, &Issuer::Province("01".into()), &d, &[g.id]).await)
            .await;
    assert_eq!(key(e.expect_err("nothing to recognise")), "invalid-not-recognisable");
}

#[tokio::test]
async fn every_exit_of_the_central_path_and_a_completion_request() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let g = filed(&w).await;
    let office = w.office.who();
    // After acceptance the agency asks for a missing paper; the producer adds it and sends it back.
    let clerk = w.officer.who();
    write(&w.db, async |tx| dossiers::screen(tx, &clerk, g, Screening::Accept(form03())).await)
        .await
        .expect("accepted");
    let asked = write(&w.db, async |tx| dossiers::request_completion(tx, &office, g, "Phiếu kiểm nghiệm 2026").await)
        .await
        .expect("asked");
    assert_eq!((asked.state(), asked.completion_request.as_str()), (State::Completing, "Phiếu kiểm nghiệm 2026"));
    let keys = |user: i64| {
        let db = w.db.clone();
        async move {
            let notes = store::notifications::of_user(db.conn(), user, 50).await.expect("notes");
            notes.into_iter().map(|n| n.message_key).collect::<Vec<_>>()
        }
    };
    let producer_keys = keys(w.producer.id).await;
    assert!(producer_keys.contains(&"notify-accepted".to_owned()), "{producer_keys:?}");
    assert!(producer_keys.contains(&"notify-completion".to_owned()), "{producer_keys:?}");
    let producer = w.producer.who();
    let file = NewEvidence {
        label: "Phiếu kiểm nghiệm 2026",
        file_name: "kn2026.pdf",
        content_type: "application/pdf",
        sha256: "f0",
        bytes: PDF.to_vec(),
    };
    write(&w.db, async |tx| dossiers::add_evidence(tx, &producer, g, file).await).await.expect("added");
    let back = write(&w.db, async |tx| dossiers::submit(tx, &producer, set(), g, TODAY).await).await.expect("sent");
    assert_eq!(back.state(), State::Accepted, "no new screening");
    assert_eq!(dossiers::evidence_of(w.db.conn(), &back).await.expect("files").len(), 2);

    // Approved at 5★ by the province (the accepted dossier goes to its council), forwarded.
    let k = council(&w).await;
    write(&w.db, async |tx| councils::assign(tx, &office, k, &[g]).await).await.expect("assigned");
    let ev = councils::evaluations_of_council(w.db.conn(), k).await.expect("list").remove(0);
    for (i, m) in w.members.iter().enumerate() {
        score(&w, ev.id, m, &[], i64::try_from(i).unwrap_or(0) + 1).await.expect("scored");
    }
    let cw = w.members[0].who();
    write(&w.db, async |tx| councils::close(tx, &cw, set(), ev.id, w.members[0].id).await).await.expect("closed");
    write(&w.db, async |tx| councils::approve(tx, &cw, set(), ev.id, w.members[0].id).await).await.expect("approved");
    let input = decisions::ForwardingInput {
        decision: decisions::DecisionInput {
            number: "301/QĐ-UBND".into(),
            signed_on: "20/11/2026".into(),
            signer: "Chủ tịch".into(),
        },
        letter_number: "56/UBND-NNMT".into(),
        letter_date: "21/11/2026".into(),
        report_number: "13/BC-CCPTNT".into(),
    };
    let draft = input.parse(TODAY + Duration::days(30)).expect("draft");
    write(&w.db, async |tx| decisions::forward(tx, &office, "01", &[g], &draft, &[]).await).await.expect("forwarded");

    // The central office sends it back for a local re-evaluation, with a reason.
    let ministry = user(&w.db, "ocop@mae.gov.vn", Role::CentralOffice, Scope::National).await.who();
    let e = write(&w.db, async |tx| decisions::re_evaluate(tx, &ministry, g, "  ").await).await;
    assert_eq!(key(e.expect_err("reason")), "invalid-required");
    let again = write(&w.db, async |tx| decisions::re_evaluate(tx, &ministry, g, "Hồ sơ chưa thống nhất điểm").await)
        .await
        .expect("returned");
    assert_eq!(again.state(), State::Accepted);

    // Re-scored by the province, forwarded again; the central council finds 4★: the province may
    // recognise it or re-evaluate it locally.
    let k2 = council(&w).await;
    write(&w.db, async |tx| councils::assign(tx, &office, k2, &[g]).await).await.expect("assigned again");
    let ev = councils::evaluations_of_council(w.db.conn(), k2).await.expect("list").remove(0);
    for (i, m) in w.members.iter().enumerate() {
        score(&w, ev.id, m, &[], i64::try_from(i).unwrap_or(0) + 1).await.expect("scored");
    }
    write(&w.db, async |tx| councils::close(tx, &cw, set(), ev.id, w.members[0].id).await).await.expect("closed");
    write(&w.db, async |tx| councils::approve(tx, &cw, set(), ev.id, w.members[0].id).await).await.expect("approved");
    // The same evaluation scored again: its second result is told too (not taken for the first).
    let results = keys(w.producer.id).await.iter().filter(|k| *k == "notify-result").count();
    assert_eq!(results, 2, "one notice per approval");
    let draft = decisions::ForwardingInput {
        decision: decisions::DecisionInput { number: "302/QĐ-UBND".into(), ..input.decision.clone() },
        ..input.clone()
    }
    .parse(TODAY + Duration::days(30))
    .expect("draft");
    write(&w.db, async |tx| decisions::forward(tx, &office, "01", &[g], &draft, &[]).await).await.expect("forwarded");
    let ministry_user = users::find_for_login(w.db.conn(), "ocop@mae.gov.vn").await.expect("find").expect("ministry").0;
    assert!(keys(ministry_user.id).await.contains(&"notify-forwarded".to_owned()), "the central office is told");
    let mut central = Vec::new();
    for name in ["tw-1", "tw-2", "tw-3"] {
        central.push(user(&w.db, &format!("{name}@mae.gov.vn"), Role::CouncilMember, Scope::National).await);
    }
    let kc = write(&w.db, async |tx| {
        councils::create(
            tx,
            &ministry,
            &CouncilDraft {
                name: "Hội đồng cấp trung ương".into(),
                level: Level::Central,
                province: None,
                round_id: None,
                members: central.iter().map(|m| m.id).collect(),
                chair: central[0].id,
                quorum_percent: 75,
                spread_limit: 10,
            },
        )
        .await
    })
    .await
    .expect("central")
    .id;
    write(&w.db, async |tx| councils::assign(tx, &ministry, kc, &[g]).await).await.expect("assigned centrally");
    let evc = councils::evaluations_of_council(w.db.conn(), kc).await.expect("list").remove(0);
    for (i, m) in central.iter().enumerate() {
        score(&w, evc.id, m, &["~1.5"], i64::try_from(i).unwrap_or(0) + 1).await.expect("scored");
    }
    let tw = central[0].who();
    write(&w.db, async |tx| councils::close(tx, &tw, set(), evc.id, central[0].id).await).await.expect("closed");
    write(&w.db, async |tx| councils::approve(tx, &tw, set(), evc.id, central[0].id).await).await.expect("approved");
    let reg = dossiers::get(w.db.conn(), g).await.expect("g").expect("g");
    assert_eq!((reg.state(), reg.stars), (State::CentralReturned, Some(4)));
    let local = write(&w.db, async |tx| decisions::re_evaluate(tx, &office, g, "Đánh giá lại tại tỉnh").await)
        .await
        .expect("local re-evaluation");
    assert_eq!(local.state(), State::Accepted);
}

#[tokio::test]
async fn a_spread_that_discussion_cannot_close_is_decided_by_the_councils_vote() {
    use domain::evaluation::Vote;
    let t = TestDb::new().await;
    let w = world(&t).await;
    let g = filed(&w).await;
    let clerk = w.officer.who();
    write(&w.db, async |tx| dossiers::screen(tx, &clerk, g, Screening::Accept(form03())).await)
        .await
        .expect("accepted");
    let office = w.office.who();
    let k = council(&w).await;
    write(&w.db, async |tx| councils::assign(tx, &office, k, &[g]).await).await.expect("assigned");
    let ev = councils::evaluations_of_council(w.db.conn(), k).await.expect("list").remove(0);
    let (chair, a, b) = (&w.members[0], &w.members[1], &w.members[2]);
    let cw = chair.who();
    let low = ["1.1", "1.2", "1.3", "1.4", "1.5", "2.2"];
    let vote = Vote { approve: 2, against: 1, abstain: 0 };
    for round in 0..3 {
        let revision = 10 * (round + 1);
        score(&w, ev.id, chair, &[], revision).await.expect("chair");
        score(&w, ev.id, a, &[], revision).await.expect("a");
        score(&w, ev.id, b, &low, revision).await.expect("b");
        write(&w.db, async |tx| councils::close(tx, &cw, set(), ev.id, chair.id).await).await.expect("closed");
        let e = write(&w.db, async |tx| councils::approve(tx, &cw, set(), ev.id, chair.id).await).await;
        let expected = if round < 2 { "invalid-spread" } else { "invalid-spread-vote" };
        assert_eq!(key(e.expect_err("spread")), expected, "after {round} re-openings");
        if round < 2 {
            let e =
                write(&w.db, async |tx| councils::approve_by_vote(tx, &cw, set(), ev.id, chair.id, vote).await).await;
            assert_eq!(key(e.expect_err("too early")), "invalid-vote-too-early");
            write(&w.db, async |tx| councils::reopen(tx, &cw, ev.id, chair.id, "Thảo luận lại").await)
                .await
                .expect("reopened");
        }
    }
    let lost = Vote { approve: 1, against: 2, abstain: 0 };
    let e = write(&w.db, async |tx| councils::approve_by_vote(tx, &cw, set(), ev.id, chair.id, lost).await).await;
    assert_eq!(key(e.expect_err("not carried")), "invalid-vote-not-carried");
    let approved = write(&w.db, async |tx| councils::approve_by_vote(tx, &cw, set(), ev.id, chair.id, vote).await)
        .await
        .expect("approved by vote");
    assert_eq!(approved.state, "approved");
    assert_eq!(serde_json::from_str::<Vote>(&approved.vote).expect("vote kept"), vote);
    assert_ne!(dossiers::get(w.db.conn(), g).await.expect("g").expect("g").state(), State::Council);

    // A stored result or card that does not read back is an error, never an empty default.
    for sql in [
        format!("UPDATE evaluation SET outcome = '{{\"total\": \"many\"}}' WHERE id = {}", ev.id),
        format!("UPDATE scorecard SET answers = '{{\"1.1\": \"best\"}}' WHERE evaluation_id = {}", ev.id),
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(w.db.conn(), &sql).await.expect("corrupt it");
    }
    let stored = councils::evaluation(w.db.conn(), ev.id).await.expect("read").expect("evaluation");
    assert!(matches!(stored.outcome(), Err(StoreError::Corrupt { table: "evaluation", .. })));
    let card = councils::card(w.db.conn(), ev.id, a.id).await.expect("read").expect("card");
    assert!(matches!(card.scorecard(), Err(StoreError::Corrupt { table: "scorecard", .. })));
}

#[tokio::test]
async fn a_product_takes_the_code_of_the_year_it_is_evaluated_in() {
    let t = TestDb::new().await;
    let w = world(&t).await;
    let first = products::get(w.db.conn(), w.product_id).await.expect("read").expect("product");
    assert_eq!(first.code, "01-00577-001-2026");
    let made = async |name: &str, year: u16| {
        let draft = ProductDraft {
            producer_id: first.producer_id,
            name: name.into(),
            sheet_code: "04".into(),
            gtin: None,
            description: String::new(),
            ingredients: String::new(),
            packaging: String::new(),
            price: None,
            capacity: String::new(),
        };
        let code = CodeChoice::Next { year };
        write(&w.db, async |tx| products::create(tx, &Who::system(), &draft, code, "26/2026/QĐ-TTg", false).await)
            .await
            .expect("product")
    };
    // The sequence counts a commune's products of one year.
    let older = made("Mật ong hoa vải", 2025).await;
    assert_eq!(older.code, "01-00577-001-2025");
    assert_eq!(made("Mật ong bạc hà", 2026).await.code, "01-00577-002-2026");

    // Made ready in 2025, filed in a 2026 round: filing changes nothing, the commune's listing
    // gives it 2026's next number.
    let w = World { product_id: older.id, ..w };
    let g = filed(&w).await;
    let before = products::get(w.db.conn(), older.id).await.expect("read").expect("product");
    assert_eq!(before.code, older.code);
    let clerk = w.officer.who();
    write(&w.db, async |tx| dossiers::screen(tx, &clerk, g, Screening::Accept(form03())).await)
        .await
        .expect("accepted");
    let recoded = products::get(w.db.conn(), older.id).await.expect("read").expect("product");
    assert_eq!(recoded.code, "01-00577-003-2026");
    assert_eq!(recoded.version, before.version + 1);
    let dossier = dossiers::get(w.db.conn(), g).await.expect("read").expect("registration");
    assert_eq!(dossier.product_code, recoded.code);

    // The code it had still finds it: by lookup, in a file's codes and by search.
    let found = products::find_by_code(w.db.conn(), &older.code).await.expect("find").expect("by its earlier code");
    assert_eq!(found.id, older.id);
    let ids = products::ids_by_code(w.db.conn(), &[older.code.clone(), recoded.code.clone()]).await.expect("ids");
    assert_eq!((ids.get(&older.code), ids.get(&recoded.code)), (Some(&older.id), Some(&older.id)));
    let codes = BTreeSet::from([older.code.clone()]);
    let by_codes = products::by_codes(w.db.conn(), &codes).await.expect("by codes");
    assert_eq!(by_codes.get(&older.code).map(|p| p.code.as_str()), Some(recoded.code.as_str()));
    assert_eq!(
        products::earlier_codes(w.db.conn(), older.id).await.expect("earlier"),
        std::slice::from_ref(&older.code)
    );
    let search = |q: &str| products::ProductFilter { q: Some(q.into()), ..Default::default() };
    for q in [older.code.as_str(), recoded.code.as_str()] {
        let hits = products::search(w.db.conn(), &Listing::All, &search(q), TODAY, false, Page::default())
            .await
            .expect("search");
        assert_eq!(hits.items.iter().map(|p| p.id).collect::<Vec<_>>(), [older.id], "{q}");
    }

    // A certified product keeps the code its certificate and labels carry, whatever the year.
    holds(&w, 3, date!(2026 - 11 - 20)).await;
    let kept = write(&t.db, async |tx| products::recode_for_evaluation(tx, &Who::system(), older.id, 2027).await)
        .await
        .expect("checked");
    assert_eq!(kept, None);
    let v = store::audit::verify(t.db.conn()).await.expect("verify");
    assert!(v.broken.is_none(), "{v:?}");
}

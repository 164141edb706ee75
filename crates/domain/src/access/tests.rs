//! The whole matrix, written out independently of the `match` in `reach`: role × action × where
//! the record is → what happens.

use super::*;

fn prov(s: &str) -> ProvinceCode {
    ProvinceCode::parse(s).expect("test province code")
}

fn comm(s: &str) -> CommuneCode {
    CommuneCode::parse(s).expect("test commune code")
}

fn actor(role: Role) -> Actor {
    let scope = match role {
        Role::Producer => Scope::Producer { producer: 7, province: prov("01"), commune: comm("00577") },
        Role::CommuneOfficer => Scope::Commune { province: prov("01"), commune: comm("00577") },
        Role::ProvinceOffice | Role::CouncilMember | Role::Inspector => Scope::Province { province: prov("01") },
        Role::CentralOffice | Role::Admin => Scope::National,
    };
    Actor { user_id: 100, role, scope }
}

/// H: the actor's own producer/commune; P: same province, other commune and producer;
/// O: another province; A: another province, but the actor is assigned to the record.
fn targets() -> [Target; 4] {
    let at = |p: &str, c: &str, producer: i64, assigned: bool| Target {
        place: Place { province: Some(prov(p)), commune: Some(comm(c)), producer: Some(producer) },
        assigned,
    };
    [at("01", "00577", 7, false), at("01", "00004", 8, false), at("79", "26734", 9, false), at("79", "26734", 9, true)]
}

/// Y allowed, F 403, N 404, S sign in — for targets H P O A.
const MATRIX: &[(Option<Role>, Action, &str)] = {
    use Action::*;
    use Role::*;
    &[
        (None, ReadPublic, "YYYY"),
        (None, ReadRecords, "SSSS"),
        (None, EditRegistry, "SSSS"),
        (None, ManageUsers, "SSSS"),
        (None, ViewAudit, "SSSS"),
        (None, ManageSystem, "SSSS"),
        (None, ManageOutlets, "SSSS"),
        (None, AnswerInquiries, "SSSS"),
        (None, JoinEvents, "SSSS"),
        (None, ManageSupervision, "SSSS"),
        (None, AnswerFindings, "SSSS"),
        (None, ViewFigures, "SSSS"),
        (Some(Producer), ReadPublic, "YYYY"),
        (Some(Producer), ReadRecords, "YNNN"),
        (Some(Producer), EditRegistry, "YNNN"),
        (Some(Producer), ManageRegistry, "FNNN"),
        (Some(Producer), ScreenDossier, "FNNN"),
        (Some(Producer), ManageEvaluation, "FNNN"),
        (Some(Producer), ScoreProduct, "FNNN"),
        (Some(Producer), EvaluateCentral, "FNNN"),
        (Some(Producer), RecordInspection, "FNNN"),
        (Some(Producer), ManageUsers, "FNNN"),
        (Some(Producer), ViewAudit, "FNNN"),
        (Some(Producer), ManageSystem, "FNNN"),
        (Some(Producer), ManageOutlets, "FNNN"),
        (Some(Producer), AnswerInquiries, "YNNN"),
        (Some(Producer), JoinEvents, "YNNN"),
        (Some(Producer), ManageSupervision, "FNNN"),
        (Some(Producer), AnswerFindings, "YNNN"),
        (Some(Producer), ViewFigures, "FNNN"),
        (Some(CommuneOfficer), ReadPublic, "YYYY"),
        (Some(CommuneOfficer), ReadRecords, "YNNN"),
        (Some(CommuneOfficer), EditRegistry, "FNNN"),
        (Some(CommuneOfficer), ManageRegistry, "FNNN"),
        (Some(CommuneOfficer), ScreenDossier, "YNNN"),
        (Some(CommuneOfficer), ManageEvaluation, "FNNN"),
        (Some(CommuneOfficer), ScoreProduct, "FNNN"),
        (Some(CommuneOfficer), EvaluateCentral, "FNNN"),
        (Some(CommuneOfficer), RecordInspection, "FNNN"),
        (Some(CommuneOfficer), ManageUsers, "FNNN"),
        (Some(CommuneOfficer), ViewAudit, "FNNN"),
        (Some(CommuneOfficer), ManageSystem, "FNNN"),
        (Some(CommuneOfficer), ManageOutlets, "FNNN"),
        (Some(CommuneOfficer), AnswerInquiries, "FNNN"),
        (Some(CommuneOfficer), JoinEvents, "FNNN"),
        (Some(CommuneOfficer), ManageSupervision, "FNNN"),
        (Some(CommuneOfficer), AnswerFindings, "FNNN"),
        (Some(CommuneOfficer), ViewFigures, "FNNN"),
        (Some(ProvinceOffice), ReadPublic, "YYYY"),
        (Some(ProvinceOffice), ReadRecords, "YYNN"),
        (Some(ProvinceOffice), EditRegistry, "YYNN"),
        (Some(ProvinceOffice), ManageRegistry, "YYNN"),
        (Some(ProvinceOffice), ScreenDossier, "FFNN"),
        (Some(ProvinceOffice), ManageEvaluation, "YYNN"),
        (Some(ProvinceOffice), ScoreProduct, "FFNN"),
        (Some(ProvinceOffice), EvaluateCentral, "FFNN"),
        (Some(ProvinceOffice), RecordInspection, "YYNN"),
        (Some(ProvinceOffice), ManageUsers, "YYNN"),
        (Some(ProvinceOffice), ViewAudit, "YYNN"),
        (Some(ProvinceOffice), ManageSystem, "FFNN"),
        (Some(ProvinceOffice), ManageOutlets, "YYNN"),
        (Some(ProvinceOffice), AnswerInquiries, "FFNN"),
        (Some(ProvinceOffice), JoinEvents, "FFNN"),
        (Some(ProvinceOffice), ManageSupervision, "YYNN"),
        (Some(ProvinceOffice), AnswerFindings, "FFNN"),
        (Some(ProvinceOffice), ViewFigures, "YYNN"),
        (Some(CouncilMember), ReadPublic, "YYYY"),
        (Some(CouncilMember), ReadRecords, "NNNY"),
        (Some(CouncilMember), EditRegistry, "NNNF"),
        (Some(CouncilMember), ManageRegistry, "NNNF"),
        (Some(CouncilMember), ScreenDossier, "NNNF"),
        (Some(CouncilMember), ManageEvaluation, "NNNF"),
        (Some(CouncilMember), ScoreProduct, "NNNY"),
        (Some(CouncilMember), EvaluateCentral, "NNNF"),
        (Some(CouncilMember), RecordInspection, "NNNF"),
        (Some(CouncilMember), ManageUsers, "NNNF"),
        (Some(CouncilMember), ViewAudit, "NNNF"),
        (Some(CouncilMember), ManageSystem, "NNNF"),
        (Some(CouncilMember), ManageOutlets, "NNNF"),
        (Some(CouncilMember), AnswerInquiries, "NNNF"),
        (Some(CouncilMember), JoinEvents, "NNNF"),
        (Some(CouncilMember), ManageSupervision, "NNNF"),
        (Some(CouncilMember), AnswerFindings, "NNNF"),
        (Some(CouncilMember), ViewFigures, "NNNF"),
        (Some(Inspector), ReadPublic, "YYYY"),
        (Some(Inspector), ReadRecords, "NNNY"),
        (Some(Inspector), EditRegistry, "NNNF"),
        (Some(Inspector), ManageRegistry, "NNNF"),
        (Some(Inspector), ScreenDossier, "NNNF"),
        (Some(Inspector), ManageEvaluation, "NNNF"),
        (Some(Inspector), ScoreProduct, "NNNF"),
        (Some(Inspector), EvaluateCentral, "NNNF"),
        (Some(Inspector), RecordInspection, "NNNY"),
        (Some(Inspector), ManageUsers, "NNNF"),
        (Some(Inspector), ViewAudit, "NNNF"),
        (Some(Inspector), ManageSystem, "NNNF"),
        (Some(Inspector), ManageOutlets, "NNNF"),
        (Some(Inspector), AnswerInquiries, "NNNF"),
        (Some(Inspector), JoinEvents, "NNNF"),
        (Some(Inspector), ManageSupervision, "NNNF"),
        (Some(Inspector), AnswerFindings, "NNNF"),
        (Some(Inspector), ViewFigures, "NNNF"),
        (Some(CentralOffice), ReadPublic, "YYYY"),
        (Some(CentralOffice), ReadRecords, "YYYY"),
        (Some(CentralOffice), EditRegistry, "FFFF"),
        (Some(CentralOffice), ManageRegistry, "FFFF"),
        (Some(CentralOffice), ScreenDossier, "FFFF"),
        (Some(CentralOffice), ManageEvaluation, "FFFF"),
        (Some(CentralOffice), ScoreProduct, "FFFF"),
        (Some(CentralOffice), EvaluateCentral, "YYYY"),
        (Some(CentralOffice), RecordInspection, "FFFF"),
        (Some(CentralOffice), ManageUsers, "FFFF"),
        (Some(CentralOffice), ViewAudit, "FFFF"),
        (Some(CentralOffice), ManageSystem, "FFFF"),
        (Some(CentralOffice), ManageOutlets, "FFFF"),
        (Some(CentralOffice), AnswerInquiries, "FFFF"),
        (Some(CentralOffice), JoinEvents, "FFFF"),
        (Some(CentralOffice), ManageSupervision, "FFFF"),
        (Some(CentralOffice), AnswerFindings, "FFFF"),
        (Some(CentralOffice), ViewFigures, "YYYY"),
        (Some(Admin), ReadPublic, "YYYY"),
        (Some(Admin), ReadRecords, "YYYY"),
        (Some(Admin), EditRegistry, "FFFF"),
        (Some(Admin), ManageRegistry, "FFFF"),
        (Some(Admin), ScreenDossier, "FFFF"),
        (Some(Admin), ManageEvaluation, "FFFF"),
        (Some(Admin), ScoreProduct, "FFFF"),
        (Some(Admin), EvaluateCentral, "FFFF"),
        (Some(Admin), RecordInspection, "FFFF"),
        (Some(Admin), ManageUsers, "YYYY"),
        (Some(Admin), ViewAudit, "YYYY"),
        (Some(Admin), ManageSystem, "YYYY"),
        (Some(Admin), ManageOutlets, "FFFF"),
        (Some(Admin), AnswerInquiries, "FFFF"),
        (Some(Admin), JoinEvents, "FFFF"),
        (Some(Admin), ManageSupervision, "FFFF"),
        (Some(Admin), AnswerFindings, "FFFF"),
        (Some(Admin), ViewFigures, "YYYY"),
    ]
};

fn letter(outcome: Result<(), Denied>) -> char {
    match outcome {
        Ok(()) => 'Y',
        Err(Denied::Forbidden) => 'F',
        Err(Denied::NotFound) => 'N',
        Err(Denied::SignInRequired) => 'S',
    }
}

#[test]
fn matrix_covers_every_role_and_action() {
    for role in Role::ALL.map(Some).into_iter().chain([None]) {
        for action in Action::ALL {
            let rows = MATRIX.iter().filter(|(r, a, _)| *r == role && *a == action).count();
            let anonymous_public_only = role.is_none() && !matches!(action, Action::ReadPublic);
            // Anonymous rows list a sample of non-public actions; every signed-in pair is listed.
            assert!(rows == 1 || (rows == 0 && anonymous_public_only), "{role:?} {action:?}: {rows} rows");
        }
    }
}

#[test]
fn every_role_action_and_place_decides_as_the_matrix_says() {
    let targets = targets();
    let mut wrong = Vec::new();
    for (role, action, expected) in MATRIX {
        let actor = role.map(actor);
        let got: String = targets.iter().map(|t| letter(authorize(actor.as_ref(), *action, t))).collect();
        if got != *expected {
            wrong.push(format!("{role:?} {action:?}: expected {expected}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn anonymous_is_asked_to_sign_in_for_everything_but_public() {
    for action in Action::ALL {
        let want = if action == Action::ReadPublic { Ok(()) } else { Err(Denied::SignInRequired) };
        assert_eq!(authorize(None, action, &targets()[0]), want, "{action:?}");
    }
}

#[test]
fn listings_follow_the_scope() {
    let producer = actor(Role::Producer);
    assert_eq!(listing(Some(&producer), Action::ReadRecords), Ok(Listing::Producer(7)));
    let officer = actor(Role::CommuneOfficer);
    assert_eq!(listing(Some(&officer), Action::ReadRecords), Ok(Listing::Commune(prov("01"), comm("00577"))));
    let office = actor(Role::ProvinceOffice);
    assert_eq!(listing(Some(&office), Action::ViewAudit), Ok(Listing::Province(prov("01"))));
    assert_eq!(listing(Some(&office), Action::ManageSystem), Err(Denied::Forbidden));
    let member = actor(Role::CouncilMember);
    assert_eq!(listing(Some(&member), Action::ScoreProduct), Ok(Listing::AssignedTo(100)));
    assert_eq!(listing(Some(&actor(Role::Admin)), Action::ViewAudit), Ok(Listing::All));
    assert_eq!(listing(None, Action::ReadRecords), Err(Denied::SignInRequired));
    assert_eq!(listing(None, Action::ReadPublic), Ok(Listing::All));
}

#[test]
fn province_office_grants_only_provincial_roles_at_home() {
    let office = actor(Role::ProvinceOffice);
    let home = Scope::Province { province: prov("01") };
    let away = Scope::Province { province: prov("79") };
    assert!(may_grant(&office, Role::Inspector, &home));
    assert!(may_grant(&office, Role::CommuneOfficer, &Scope::Commune { province: prov("01"), commune: comm("00577") }));
    assert!(!may_grant(&office, Role::Inspector, &away));
    assert!(!may_grant(&office, Role::Admin, &Scope::National));
    assert!(!may_grant(&office, Role::CentralOffice, &Scope::National));
    assert!(!may_grant(&office, Role::CouncilMember, &Scope::National), "central council is not the province's");
    assert!(may_grant(&actor(Role::Admin), Role::Admin, &Scope::National));
    assert!(!may_grant(&actor(Role::CommuneOfficer), Role::Producer, &home));
}

#[test]
fn moving_a_record_needs_a_territory_covering_both_sides() {
    let here = Target::at(Place { province: Some(prov("01")), commune: Some(comm("00577")), producer: Some(7) });
    let same_province =
        Target::at(Place { province: Some(prov("01")), commune: Some(comm("00004")), producer: Some(7) });
    let other_province =
        Target::at(Place { province: Some(prov("79")), commune: Some(comm("26734")), producer: Some(7) });
    let office = actor(Role::ProvinceOffice);
    let producer = actor(Role::Producer);
    // Staying put is the plain edit.
    assert_eq!(authorize_move(Some(&producer), Action::EditRegistry, &here, &here), Ok(()));
    // A producer may not move its own record at all, not even within its province.
    assert_eq!(authorize_move(Some(&producer), Action::EditRegistry, &here, &same_province), Err(Denied::Forbidden));
    assert_eq!(authorize_move(Some(&producer), Action::EditRegistry, &here, &other_province), Err(Denied::Forbidden));
    // The province office moves within its province, never out of it.
    assert_eq!(authorize_move(Some(&office), Action::EditRegistry, &here, &same_province), Ok(()));
    assert_eq!(authorize_move(Some(&office), Action::EditRegistry, &here, &other_province), Err(Denied::Forbidden));
    // Nor into it from elsewhere: the record's own place is checked first.
    assert_eq!(authorize_move(Some(&office), Action::EditRegistry, &other_province, &here), Err(Denied::NotFound));
    assert_eq!(authorize_move(None, Action::EditRegistry, &here, &here), Err(Denied::SignInRequired));
}

#[test]
fn listings_cover_what_authorize_allows() {
    for role in Role::ALL {
        let a = actor(role);
        for action in Action::ALL {
            let Ok(listing) = listing(Some(&a), action) else { continue };
            for t in targets() {
                assert_eq!(
                    listing.covers(&t.place, t.assigned),
                    authorize(Some(&a), action, &t).is_ok(),
                    "{role:?} {action:?} {t:?}"
                );
            }
        }
    }
}

#[test]
fn offices_come_from_the_matrix() {
    assert_eq!(office(Some(&actor(Role::ProvinceOffice))), Ok(Office::Province(prov("01"))));
    assert_eq!(office(Some(&actor(Role::CentralOffice))), Ok(Office::Central));
    for role in [Role::Producer, Role::CommuneOfficer, Role::CouncilMember, Role::Inspector, Role::Admin] {
        assert_eq!(office(Some(&actor(role))), Err(Denied::Forbidden), "{role:?}");
    }
    assert_eq!(office(None), Err(Denied::SignInRequired));
}

#[test]
fn a_province_record_answers_to_its_province_and_a_bad_code_to_none() {
    let office = actor(Role::ProvinceOffice);
    assert!(authorize(Some(&office), Action::ManageEvaluation, &Target::in_province("01")).is_ok());
    assert!(authorize(Some(&office), Action::ManageEvaluation, &Target::in_province("79")).is_err());
    assert_eq!(Target::in_province("xx").place.province, None);
}

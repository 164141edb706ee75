//! The evaluation cycle's rules (QĐ 26/2026/QĐ-TTg, Điều 4–8): registration kinds and windows,
//! the states a registration moves through and the only transitions allowed between them.

//! Its time limits (15 working days, 180/120, 45, the 12.3 extension) and council defaults are
//! data: [`crate::rules`].

use crate::Invalid;
use crate::certificate::Stars;
use crate::rules::current as rules;
use time::{Date, Duration};

/// Samples sent with a dossier (Điều 6.2): none for tourism services (sheet 26).
pub fn samples(sheet_code: &str) -> u32 {
    if sheet_code == "26" { 0 } else { rules().samples }
}

/// Lần đăng ký: Lần đầu / Nâng hạng / Đánh giá lại (Mẫu 01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    First,
    Upgrade,
    Rerating,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::First, Kind::Upgrade, Kind::Rerating];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::First => "first",
            Kind::Upgrade => "upgrade",
            Kind::Rerating => "rerating",
        }
    }

    pub fn parse(s: &str) -> Result<Kind, Invalid> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or_else(|| Invalid::new("invalid-registration-kind"))
    }
}

/// The certificate a product holds when it registers, as far as the filing rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub stars: Stars,
    pub expires_on: Date,
    /// Revoked, superseded or expired certificates do not count.
    pub in_force: bool,
}

/// The re-rating window of a certificate expiring on `expires`: from 180 to 120 days before.
pub fn rerating_window(expires: Date) -> (Date, Date) {
    (expires - Duration::days(rules().rerating_opens_days), expires - Duration::days(rules().rerating_closes_days))
}

/// How a registration may be filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing {
    OnTime,
    /// A re-rating after its window (Điều 12.3): accepted, and the certificate stays in force
    /// until the decision, at most until `extended_until`; the owner remains responsible for the
    /// product meeting the criteria meanwhile.
    Late {
        extended_until: Date,
    },
}

/// Whether a product may register as `kind` on `today`, given what it holds. Asked when the draft
/// is made and again when it is filed (or filed again after a return): a draft made in time may
/// be filed too late.
pub fn may_file(kind: Kind, held: Option<Held>, today: Date) -> Result<Filing, Invalid> {
    let held = held.filter(|h| h.in_force);
    match (kind, held) {
        (Kind::First, None) => Ok(Filing::OnTime),
        (Kind::First, Some(_)) => Err(Invalid::new("invalid-first-but-certified")),
        (Kind::Upgrade | Kind::Rerating, None) => Err(Invalid::new("invalid-needs-certificate")),
        (Kind::Upgrade, Some(h)) if h.stars.get() >= 5 => Err(Invalid::new("invalid-upgrade-five")),
        (Kind::Upgrade, Some(_)) => Ok(Filing::OnTime),
        (Kind::Rerating, Some(h)) => {
            let (opens, closes) = rerating_window(h.expires_on);
            if today < opens {
                Err(Invalid::new("invalid-rerating-window")
                    .with("opens", crate::fmt_date(opens))
                    .with("closes", crate::fmt_date(closes)))
            } else if today > closes {
                Ok(Filing::Late { extended_until: late_extension_end(h.expires_on) })
            } else {
                Ok(Filing::OnTime)
            }
        }
    }
}

/// The day a re-rating must be finished: 45 days after the complete dossier, i.e. the commune's
/// acceptance at `accepted_at` (Unix seconds; its day in Vietnam counts).
pub fn rerating_limit(accepted_at: i64) -> Option<Date> {
    Some(crate::vietnam_day(accepted_at)? + Duration::days(rules().rerating_limit_days))
}

/// The last day a late re-rating can keep a certificate expiring on `expires` in force.
pub fn late_extension_end(expires: Date) -> Date {
    expires + Duration::days(rules().late_extension_days)
}

/// The kind a product can file today, to offer first: a re-rating in (or after) its window, an
/// upgrade while a certificate below 5★ is in force, else the first registration.
pub fn likely_kind(held: Option<Held>, today: Date) -> Kind {
    [Kind::Rerating, Kind::Upgrade, Kind::First]
        .into_iter()
        .find(|k| may_file(*k, held, today).is_ok())
        .unwrap_or(Kind::First)
}

/// Why an approved result ends without a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrecognised {
    /// 1★/2★, knocked out or disqualified.
    BelowThree,
    /// An upgrade whose result is not above the certificate in force (Điều 7.5): nothing is
    /// issued and the certificate stays as it is.
    NotHigher { held: Stars },
}

impl Unrecognised {
    pub fn as_str(self) -> &'static str {
        match self {
            Unrecognised::BelowThree => "below_three",
            Unrecognised::NotHigher { .. } => "not_higher",
        }
    }
}

/// What the province's approved result leads to: the stars to recognise (or forward, at 5★), or
/// why nothing is issued. A re-rating may lower the stars (that is its purpose); an upgrade must
/// raise them.
pub fn provincial_result(kind: Kind, held: Option<Stars>, result: Option<Stars>) -> Result<Stars, Unrecognised> {
    let stars = result.filter(|s| s.recognised()).ok_or(Unrecognised::BelowThree)?;
    match (kind, held) {
        (Kind::Upgrade, Some(held)) if stars <= held => Err(Unrecognised::NotHigher { held }),
        _ => Ok(stars),
    }
}

/// Where a registration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// The producer is preparing it; editable.
    Draft,
    /// Filed at the commune; locked.
    Submitted,
    /// The commune sent it back with reasons; the producer may correct and submit again.
    Returned,
    /// The commune accepted it (Mẫu 03) and forwarded it to the province.
    Accepted,
    /// The province's OCOP agency asked the producer for missing papers (Điều 7.3.a); the
    /// producer adds them and sends the dossier back, without a new screening.
    Completing,
    /// Before the provincial council.
    Council,
    /// The provincial result is approved: 3★/4★ await the recognition decision, a potential
    /// 5★ awaits forwarding.
    Approved,
    /// Sent to the central council for 5★.
    Forwarded,
    /// The central council's result is approved and is 5★: awaits the Ministry's decision.
    CentralApproved,
    /// The central council found less than 5★: back to the province, which may recognise 3★/4★.
    CentralReturned,
    /// Recognised by a decision; the certificate is issued.
    Recognised,
    /// Not recognised (1★/2★, knocked out or disqualified).
    NotRecognised,
}

impl State {
    pub const ALL: [State; 12] = [
        State::Draft,
        State::Submitted,
        State::Returned,
        State::Accepted,
        State::Completing,
        State::Council,
        State::Approved,
        State::Forwarded,
        State::CentralApproved,
        State::CentralReturned,
        State::Recognised,
        State::NotRecognised,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Accepted => "accepted",
            State::Completing => "completing",
            State::Council => "council",
            State::Approved => "approved",
            State::Forwarded => "forwarded",
            State::CentralApproved => "central_approved",
            State::CentralReturned => "central_returned",
            State::Recognised => "recognised",
            State::NotRecognised => "not_recognised",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The producer may still change the dossier.
    pub fn editable(self) -> bool {
        matches!(self, State::Draft | State::Returned | State::Completing)
    }

    /// Finished: nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, State::Recognised | State::NotRecognised)
    }
}

/// What someone does to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Accept,
    Return,
    AssignCouncil,
    /// The provincial council's result is approved; `recognisable` = 3★–5★ and not stopped.
    Approve {
        recognisable: bool,
    },
    Forward,
    /// A 5★ re-rating goes to the central level on its own dossier, without provincial scoring
    /// (the province's letter and its agency's report; Điều 6.3).
    ForwardFiveRerating,
    /// The central council's result is approved: `five` = 5★, else `recognisable` = 3★/4★ (the
    /// province may recognise it), else nothing is recognised.
    CentralApprove {
        five: bool,
        recognisable: bool,
    },
    /// Back to the province for a local re-evaluation by its council (Điều 7.4: the central
    /// office returns a forwarded dossier, or the province chooses it after a result below 5★).
    ReEvaluate,
    /// The province's agency asks for missing papers after acceptance.
    RequestCompletion,
    /// The producer sends the completed dossier back.
    Complete,
    Recognise,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Accept => "accept",
            Step::Return => "return",
            Step::AssignCouncil => "assign_council",
            Step::Approve { .. } => "approve",
            Step::Forward => "forward",
            Step::ForwardFiveRerating => "forward_five_rerating",
            Step::CentralApprove { .. } => "central_approve",
            Step::ReEvaluate => "re_evaluate",
            Step::RequestCompletion => "request_completion",
            Step::Complete => "complete",
            Step::Recognise => "recognise",
        }
    }
}

/// The transition table. Anything not listed is refused, naming the step and the state.
pub fn next(state: State, step: Step) -> Result<State, Invalid> {
    use State::*;
    let to = match (state, step) {
        (Draft | Returned, Step::Submit) => Submitted,
        (Submitted, Step::Accept) => Accepted,
        (Submitted, Step::Return) => Returned,
        (Accepted, Step::AssignCouncil) => Council,
        (Council, Step::Approve { recognisable: true }) => Approved,
        (Council, Step::Approve { recognisable: false }) => NotRecognised,
        (Accepted, Step::RequestCompletion) => Completing,
        (Completing, Step::Complete) => Accepted,
        (Approved, Step::Forward) => Forwarded,
        (Accepted, Step::ForwardFiveRerating) => Forwarded,
        (Forwarded, Step::CentralApprove { five: true, .. }) => CentralApproved,
        (Forwarded, Step::CentralApprove { five: false, recognisable: true }) => CentralReturned,
        (Forwarded, Step::CentralApprove { five: false, recognisable: false }) => NotRecognised,
        (Forwarded | CentralReturned, Step::ReEvaluate) => Accepted,
        (Approved | CentralApproved | CentralReturned, Step::Recognise) => Recognised,
        _ => {
            return Err(Invalid::new("invalid-transition").with("step", step.name()).with("state", state.as_str()));
        }
    };
    Ok(to)
}

/// Whether the chair may close scoring: the quorum (chair included) has submitted its cards, the
/// chair's among them. The refusal names what is missing, so a page can say it beside a disabled
/// button instead of failing after the click.
pub fn may_close(submitted: i64, quorum: i64, chair_submitted: bool) -> Result<(), Invalid> {
    if submitted < quorum {
        Err(Invalid::new("invalid-quorum").with("needed", quorum).with("submitted", submitted))
    } else if !chair_submitted {
        Err(Invalid::new("invalid-chair-card"))
    } else {
        Ok(())
    }
}

/// What an authority may recognise (Điều 7.3–7.4): a province's People's Committee the 3★/4★
/// results of its own registrations (approved by its council, or returned by the central council);
/// the Ministry the central council's 5★. A province's 5★ is forwarded, never recognised by it.
/// `own` says the registration is of the recognising province.
pub fn may_recognise(by_ministry: bool, own: bool, state: State, stars: Option<Stars>) -> Result<Stars, Invalid> {
    let n = stars.map(Stars::get);
    match (by_ministry, state, n) {
        (false, State::Approved | State::CentralReturned, Some(3 | 4)) if own => {
            stars.ok_or(Invalid::new("invalid-stars"))
        }
        (false, State::Approved, Some(5)) => Err(Invalid::new("invalid-must-forward")),
        (true, State::CentralApproved, Some(5)) => stars.ok_or(Invalid::new("invalid-stars")),
        _ => Err(Invalid::new("invalid-not-recognisable")),
    }
}

/// Whether the council may vote on a deadlocked spread now (after enough re-openings).
pub fn vote_due(reopenings: i64) -> bool {
    reopenings >= rules().council.vote_after_reopenings
}

/// The members who make the quorum of a council of `members` at `percent` (rounded up).
pub fn quorum(members: i64, percent: i64) -> i64 {
    (members * percent + 99) / 100
}

/// A council as set up: enough members, the chair among them, a quorum and a spread limit in
/// range (the floor is data; a council's own rules may ask more). Each refusal names its field.
pub fn check_council(
    members: usize,
    chair_is_member: bool,
    quorum_percent: i64,
    spread_limit: i64,
) -> crate::FieldErrors {
    let c = rules().council;
    let mut e = crate::FieldErrors::new();
    if members < c.min_members {
        e.add("members", Invalid::new("invalid-council-size").with("min", c.min_members));
    }
    if !chair_is_member {
        e.add("chair", Invalid::new("invalid-chair-not-member"));
    }
    if !(c.min_quorum_percent..=100).contains(&quorum_percent) {
        e.add("quorum_percent", Invalid::new("invalid-percent").with("min", c.min_quorum_percent));
    }
    if !(1..=100).contains(&spread_limit) {
        e.add("spread_limit", Invalid::new("invalid-count"));
    }
    e
}

/// A council's vote on its result when discussion cannot bring the spread under the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vote {
    pub approve: u32,
    pub against: u32,
    pub abstain: u32,
}

/// Whether the chair may approve the closed result: the spread is within the limit; or, after
/// `council.vote_after_reopenings` re-openings (data), a vote of the council carried by more than half of
/// its members (the council's rules may say more; this is the floor).
pub fn may_approve(spread_exceeded: bool, reopenings: i64, vote: Option<Vote>, members: i64) -> Result<(), Invalid> {
    let after = rules().council.vote_after_reopenings;
    match (spread_exceeded, vote) {
        (false, None) => Ok(()),
        (false, Some(_)) => Err(Invalid::new("invalid-vote-not-needed")),
        // Discuss and re-score first; once that has failed often enough, the vote is the way.
        (true, None) if reopenings < after => Err(Invalid::new("invalid-spread")),
        (true, None) => Err(Invalid::new("invalid-spread-vote").with("after", after)),
        (true, Some(_)) if reopenings < after => {
            Err(Invalid::new("invalid-vote-too-early").with("after", after).with("done", reopenings))
        }
        (true, Some(v)) => {
            let cast = i64::from(v.approve) + i64::from(v.against) + i64::from(v.abstain);
            if cast > members {
                Err(Invalid::new("invalid-vote-count").with("members", members).with("cast", cast))
            } else if i64::from(v.approve) * 2 <= members {
                Err(Invalid::new("invalid-vote-not-carried").with("members", members).with("approve", v.approve))
            } else {
                Ok(())
            }
        }
    }
}

/// The step a central council's approved result takes: 5★ to the Ministry's decision, 3★/4★ back
/// to the province (which may recognise it or re-evaluate it), below 3★ not recognised.
pub fn central_result(stars: Option<u8>) -> Step {
    Step::CentralApprove { five: stars == Some(5), recognisable: stars.is_some_and(|s| (3..=4).contains(&s)) }
}

/// Grounds for revoking a certificate (Điều 8.1, a–e).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationGround {
    /// a) false information or a forged dossier.
    Forged,
    /// b) no longer meets the criteria, per an inspection conclusion.
    NoLongerMeets,
    /// c) violations of law on quality, food safety, environment, IP, labelling…
    Violation,
    /// d) misuse of the OCOP mark.
    MarkMisuse,
    /// đ) the owner no longer produces the product.
    Discontinued,
    /// e) other cases concluded by a competent authority.
    Other,
}

impl RevocationGround {
    pub const ALL: [RevocationGround; 6] = [
        RevocationGround::Forged,
        RevocationGround::NoLongerMeets,
        RevocationGround::Violation,
        RevocationGround::MarkMisuse,
        RevocationGround::Discontinued,
        RevocationGround::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevocationGround::Forged => "forged",
            RevocationGround::NoLongerMeets => "no_longer_meets",
            RevocationGround::Violation => "violation",
            RevocationGround::MarkMisuse => "mark_misuse",
            RevocationGround::Discontinued => "discontinued",
            RevocationGround::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<RevocationGround, Invalid> {
        RevocationGround::ALL
            .into_iter()
            .find(|g| g.as_str() == s.trim())
            .ok_or_else(|| Invalid::new("invalid-revocation-ground"))
    }
}

/// Phiếu số …/PĐK-(Mã tỉnh)-(Mã xã)-(Năm) (Mẫu 01).
pub fn registration_number(sequence: u32, province: &str, commune: &str, year: i32) -> String {
    format!("{sequence:03}/PĐK-{province}-{commune}-{year}")
}

/// A certificate number by its issuer's scheme (data: `certificate_numbers`), e.g. Hà Nội's
/// `HN-2026-00012`, the Ministry's `OCOP-TW-2027-00003`, others `OCOP-46-2026-00007`.
pub fn certificate_number(issuer: &str, year: i32, sequence: u32) -> String {
    rules().certificate_numbers.number(issuer, year, sequence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn held(stars: u8, expires: Date) -> Option<Held> {
        Some(Held { stars: Stars::new(stars).expect("stars"), expires_on: expires, in_force: true })
    }

    #[test]
    fn rerating_is_filed_180_to_120_days_before_expiry() {
        let expires = date!(2027 - 06 - 30);
        let (opens, closes) = rerating_window(expires);
        assert_eq!((opens, closes), (date!(2027 - 01 - 01), date!(2027 - 03 - 02)));
        assert_eq!(may_file(Kind::Rerating, held(4, expires), opens), Ok(Filing::OnTime));
        assert_eq!(may_file(Kind::Rerating, held(4, expires), closes), Ok(Filing::OnTime));
        let early = may_file(Kind::Rerating, held(4, expires), opens - Duration::days(1)).expect_err("early");
        assert_eq!(early.key, "invalid-rerating-window");
        assert_eq!(early.args, [("opens", "01/01/2027".to_owned()), ("closes", "02/03/2027".to_owned())]);
        // After the window: the late path of Điều 12.3, up to the last day of the certificate.
        let late = Filing::Late { extended_until: date!(2027 - 12 - 27) };
        assert_eq!(may_file(Kind::Rerating, held(4, expires), closes + Duration::days(1)), Ok(late));
        assert_eq!(may_file(Kind::Rerating, held(4, expires), expires), Ok(late));
        let lapsed = Some(Held { in_force: false, ..held(4, expires).expect("held") });
        assert!(may_file(Kind::Rerating, lapsed, expires + Duration::days(1)).is_err(), "an expired one starts again");
    }

    #[test]
    fn the_kind_offered_first_is_one_that_can_be_filed() {
        let expires = date!(2027 - 06 - 30);
        assert_eq!(likely_kind(None, date!(2026 - 12 - 03)), Kind::First);
        assert_eq!(likely_kind(held(3, expires), date!(2026 - 12 - 03)), Kind::Upgrade);
        assert_eq!(likely_kind(held(5, expires), date!(2026 - 12 - 03)), Kind::First, "nothing fits: the default");
        assert_eq!(likely_kind(held(4, expires), date!(2027 - 02 - 01)), Kind::Rerating);
        assert_eq!(likely_kind(held(4, expires), date!(2027 - 05 - 01)), Kind::Rerating, "late");
    }

    #[test]
    fn an_upgrade_must_raise_the_stars_and_a_rerating_may_lower_them() {
        let s = |n| Stars::new(n).ok();
        assert_eq!(provincial_result(Kind::Upgrade, s(3), s(4)), Ok(Stars::new(4).expect("4")));
        assert_eq!(
            provincial_result(Kind::Upgrade, s(4), s(4)),
            Err(Unrecognised::NotHigher { held: Stars::new(4).expect("4") })
        );
        assert!(matches!(provincial_result(Kind::Upgrade, s(4), s(3)), Err(Unrecognised::NotHigher { .. })));
        assert_eq!(provincial_result(Kind::Rerating, s(4), s(3)), Ok(Stars::new(3).expect("3")));
        assert_eq!(provincial_result(Kind::Rerating, s(4), s(2)), Err(Unrecognised::BelowThree));
        assert_eq!(provincial_result(Kind::First, None, None), Err(Unrecognised::BelowThree));
        assert_eq!(provincial_result(Kind::First, None, s(5)), Ok(Stars::new(5).expect("5")));
    }

    #[test]
    fn each_kind_needs_the_right_certificate() {
        let today = date!(2026 - 11 - 29);
        let expires = date!(2028 - 01 - 01);
        assert_eq!(may_file(Kind::First, None, today), Ok(Filing::OnTime));
        assert_eq!(
            may_file(Kind::First, held(3, expires), today).map_err(|e| e.key),
            Err("invalid-first-but-certified")
        );
        assert_eq!(may_file(Kind::Upgrade, None, today).map_err(|e| e.key), Err("invalid-needs-certificate"));
        assert!(may_file(Kind::Upgrade, held(3, expires), today).is_ok());
        assert_eq!(may_file(Kind::Upgrade, held(5, expires), today).map_err(|e| e.key), Err("invalid-upgrade-five"));
        let lapsed = Some(Held { in_force: false, ..held(4, expires).expect("held") });
        assert!(may_file(Kind::First, lapsed, today).is_ok(), "a revoked or expired product starts again");
    }

    #[test]
    fn the_happy_paths_go_through() {
        use State::*;
        let province = [Step::Submit, Step::Accept, Step::AssignCouncil, Step::Approve { recognisable: true }];
        let mut s = Draft;
        for step in province {
            s = next(s, step).expect("allowed");
        }
        assert_eq!(s, Approved);
        assert_eq!(next(s, Step::Recognise), Ok(Recognised));
        let s = next(s, Step::Forward).expect("forward");
        assert_eq!(next(s, Step::CentralApprove { five: true, recognisable: true }), Ok(CentralApproved));
        let back = next(s, Step::CentralApprove { five: false, recognisable: true }).expect("back");
        assert_eq!(next(back, Step::Recognise), Ok(Recognised));
        assert_eq!(next(back, Step::ReEvaluate), Ok(Accepted), "the province re-evaluates locally");
        assert_eq!(next(s, Step::CentralApprove { five: false, recognisable: false }), Ok(NotRecognised));
        assert_eq!(next(s, Step::ReEvaluate), Ok(Accepted), "the central office returns the dossier");
        assert_eq!(next(Accepted, Step::ForwardFiveRerating), Ok(Forwarded));
        assert_eq!(next(s, central_result(Some(5))), Ok(CentralApproved));
        assert_eq!(next(s, central_result(Some(4))), Ok(CentralReturned));
        assert_eq!(next(s, central_result(Some(2))), Ok(NotRecognised));
        assert_eq!(next(s, central_result(None)), Ok(NotRecognised), "stopped");
        let completing = next(Accepted, Step::RequestCompletion).expect("completion");
        assert!(completing.editable());
        assert_eq!(next(completing, Step::Complete), Ok(Accepted));
        assert_eq!(next(Council, Step::Approve { recognisable: false }), Ok(NotRecognised));
        assert_eq!(next(Returned, Step::Submit), Ok(Submitted));
    }

    #[test]
    fn every_other_transition_is_refused_with_its_names() {
        let steps = [
            Step::Submit,
            Step::Accept,
            Step::Return,
            Step::AssignCouncil,
            Step::Approve { recognisable: true },
            Step::Approve { recognisable: false },
            Step::Forward,
            Step::ForwardFiveRerating,
            Step::CentralApprove { five: true, recognisable: true },
            Step::CentralApprove { five: false, recognisable: true },
            Step::CentralApprove { five: false, recognisable: false },
            Step::ReEvaluate,
            Step::RequestCompletion,
            Step::Complete,
            Step::Recognise,
        ];
        let allowed = 19;
        let mut ok = 0;
        for state in State::ALL {
            for step in steps {
                match next(state, step) {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        assert_eq!(e.key, "invalid-transition");
                        assert_eq!(e.args, [("step", step.name().to_owned()), ("state", state.as_str().to_owned())]);
                    }
                }
            }
            assert!(!state.is_final() || steps.iter().all(|s| next(state, *s).is_err()), "{state:?} is final");
        }
        assert_eq!(ok, allowed, "the table has exactly the documented transitions");
    }

    #[test]
    fn scoring_closes_with_the_quorum_and_the_chair() {
        assert_eq!(may_close(1, 3, true).map_err(|e| e.key), Err("invalid-quorum"));
        assert_eq!(may_close(3, 3, false).map_err(|e| e.key), Err("invalid-chair-card"));
        assert!(may_close(3, 3, true).is_ok() && may_close(4, 3, true).is_ok());
    }

    #[test]
    fn a_deadlocked_spread_is_decided_by_a_vote_after_two_reopenings() {
        let v = |approve, against, abstain| Some(Vote { approve, against, abstain });
        assert!(may_approve(false, 0, None, 5).is_ok());
        assert_eq!(may_approve(false, 0, v(5, 0, 0), 5).map_err(|e| e.key), Err("invalid-vote-not-needed"));
        assert_eq!(may_approve(true, 1, None, 5).map_err(|e| e.key), Err("invalid-spread"), "discuss first");
        assert_eq!(may_approve(true, 3, None, 5).map_err(|e| e.key), Err("invalid-spread-vote"));
        assert_eq!(may_approve(true, 1, v(5, 0, 0), 5).map_err(|e| e.key), Err("invalid-vote-too-early"));
        assert_eq!(may_approve(true, 2, v(3, 2, 1), 5).map_err(|e| e.key), Err("invalid-vote-count"));
        assert_eq!(may_approve(true, 2, v(2, 1, 2), 5).map_err(|e| e.key), Err("invalid-vote-not-carried"));
        assert_eq!(may_approve(true, 2, v(2, 2, 0), 4).map_err(|e| e.key), Err("invalid-vote-not-carried"));
        assert!(may_approve(true, 2, v(3, 1, 1), 5).is_ok());
    }

    #[test]
    fn each_authority_recognises_its_own_stars() {
        let s = |n| Stars::new(n).ok();
        assert_eq!(may_recognise(false, true, State::Approved, s(4)), Ok(Stars::new(4).expect("4")));
        assert_eq!(may_recognise(false, true, State::CentralReturned, s(3)), Ok(Stars::new(3).expect("3")));
        assert!(may_recognise(false, false, State::Approved, s(4)).is_err(), "another province's");
        assert_eq!(may_recognise(false, true, State::Approved, s(5)).map_err(|e| e.key), Err("invalid-must-forward"));
        assert_eq!(may_recognise(true, false, State::CentralApproved, s(5)), Ok(Stars::new(5).expect("5")));
        assert!(may_recognise(true, false, State::Approved, s(4)).is_err(), "the Ministry recognises 5★ only");
        for state in State::ALL {
            assert!(
                may_recognise(false, true, state, s(2)).is_err() && may_recognise(true, true, state, None).is_err()
            );
        }
    }

    #[test]
    fn councils_are_checked_against_the_data() {
        assert!(check_council(3, true, 75, 10).is_empty());
        let e = check_council(2, false, 40, 0);
        let fields: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["members", "chair", "quorum_percent", "spread_limit"]);
        assert_eq!((quorum(3, 75), quorum(5, 75), quorum(4, 50)), (3, 4, 2));
        assert!(!vote_due(1) && vote_due(2));
    }

    #[test]
    fn numbers_follow_the_forms() {
        assert_eq!(registration_number(7, "01", "00004", 2026), "007/PĐK-01-00004-2026");
        assert_eq!(certificate_number("01", 2026, 12), "HN-2026-00012");
        assert_eq!(certificate_number("46", 2026, 12), "OCOP-46-2026-00012");
        assert_eq!(certificate_number("central", 2027, 3), "OCOP-TW-2027-00003");
    }
}

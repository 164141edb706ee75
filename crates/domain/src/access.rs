//! Who may do what, where: the one place that decides every access (SPEC §1).
//!
//! A request names an [`Action`] and, for a single record, the [`Place`] the record belongs to.
//! The matrix [`reach`] says how far each role reaches for each action; [`authorize`] turns that
//! into allowed / sign in / 403 / 404, and [`listing`] into the filter a list query must apply,
//! so that what a list shows and what a detail page allows can never disagree.

use crate::place::{CommuneCode, ProvinceCode};
use crate::role::{Role, Scope};

/// A signed-in account as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub scope: Scope,
}

impl Actor {
    /// Whether what a province announces to its programme (a round, a fair, a class) reaches this
    /// account: everyone bound to that province, and national accounts.
    pub fn hears_province(&self, province: &ProvinceCode) -> bool {
        self.scope.province().is_none_or(|p| p == province)
    }
}

/// Something a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the public catalogue, verify a label or a certificate.
    ReadPublic,
    /// Read the non-public records (producer details, dossiers, results) of a place.
    ReadRecords,
    /// Create or change producer and product records.
    EditRegistry,
    /// Bulk import, restore soft-deleted records.
    ManageRegistry,
    /// Screen a registration dossier (form 03).
    ScreenDossier,
    /// Run rounds and councils, issue decisions and certificates, revoke.
    ManageEvaluation,
    /// Fill a council scorecard.
    ScoreProduct,
    /// Evaluate products forwarded for 5★.
    EvaluateCentral,
    /// Record an inspection and its findings.
    RecordInspection,
    /// Create and change accounts.
    ManageUsers,
    /// Browse the audit log.
    ViewAudit,
    /// Settings, criteria versions, administrative units, backups.
    ManageSystem,
    /// Showcase and sales points, fairs and events: create, change, record participants and sales.
    ManageOutlets,
    /// Read and answer buyers' inquiries about one's products.
    AnswerInquiries,
    /// Sign up for an upcoming fair or event.
    JoinEvents,
    /// Inspection plans and their visits, findings' follow-up and sanctions, training classes,
    /// support records and the label quotas they fund.
    ManageSupervision,
    /// Answer the findings of an inspection of one's own products.
    AnswerFindings,
    /// The programme's figures, targets and reports of a place (the dashboard).
    ViewFigures,
}

impl Action {
    pub const ALL: [Action; 18] = [
        Action::ReadPublic,
        Action::ReadRecords,
        Action::EditRegistry,
        Action::ManageRegistry,
        Action::ScreenDossier,
        Action::ManageEvaluation,
        Action::ScoreProduct,
        Action::EvaluateCentral,
        Action::RecordInspection,
        Action::ManageUsers,
        Action::ViewAudit,
        Action::ManageSystem,
        Action::ManageOutlets,
        Action::AnswerInquiries,
        Action::JoinEvents,
        Action::ManageSupervision,
        Action::AnswerFindings,
        Action::ViewFigures,
    ];
}

/// How far a role reaches for one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Nowhere,
    /// Records of the account's province.
    Province,
    /// Records of the account's commune.
    Commune,
    /// Records of the account's own producer.
    OwnProducer,
    /// Only records the account has been assigned to (a council's products, an inspection plan).
    Assigned,
    Everywhere,
}

/// The permission matrix. Exhaustive on purpose: a new action or role does not compile until
/// someone decides, here, what every role may do with it.
pub fn reach(role: Role, action: Action) -> Reach {
    use Action::*;
    use Reach::*;
    match (role, action) {
        (_, ReadPublic) => Everywhere,

        (Role::Producer, ReadRecords | EditRegistry | AnswerInquiries | JoinEvents | AnswerFindings) => OwnProducer,
        (Role::Producer, _) => Nowhere,

        (Role::CommuneOfficer, ReadRecords | ScreenDossier) => Commune,
        (Role::CommuneOfficer, _) => Nowhere,

        (
            Role::ProvinceOffice,
            ReadRecords | EditRegistry | ManageRegistry | ManageEvaluation | RecordInspection | ManageUsers | ViewAudit
            | ManageOutlets | ManageSupervision | ViewFigures,
        ) => Province,
        (
            Role::ProvinceOffice,
            ScreenDossier | ScoreProduct | EvaluateCentral | ManageSystem | AnswerInquiries | JoinEvents
            | AnswerFindings,
        ) => Nowhere,

        (Role::CouncilMember, ReadRecords | ScoreProduct) => Assigned,
        (Role::CouncilMember, _) => Nowhere,

        (Role::Inspector, ReadRecords | RecordInspection) => Assigned,
        (Role::Inspector, _) => Nowhere,

        (Role::CentralOffice, ReadRecords | EvaluateCentral | ViewFigures) => Everywhere,
        (Role::CentralOffice, _) => Nowhere,

        (Role::Admin, ReadRecords | ManageUsers | ViewAudit | ManageSystem | ViewFigures) => Everywhere,
        (Role::Admin, _) => Nowhere,
    }
}

/// Where a record belongs. Every record that belongs to a place carries these codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub province: Option<ProvinceCode>,
    pub commune: Option<CommuneCode>,
    pub producer: Option<i64>,
}

impl Place {
    pub fn national() -> Self {
        Self { province: None, commune: None, producer: None }
    }

    pub fn province(province: ProvinceCode) -> Self {
        Self { province: Some(province), commune: None, producer: None }
    }

    pub fn commune(province: ProvinceCode, commune: CommuneCode) -> Self {
        Self { province: Some(province), commune: Some(commune), producer: None }
    }
}

/// One record an action is aimed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub place: Place,
    /// The store found an assignment of this actor to this record (council, inspection plan).
    pub assigned: bool,
}

impl Target {
    pub fn at(place: Place) -> Self {
        Self { place, assigned: false }
    }

    /// A record that belongs to a province as a whole (a round, a council, an inspection plan, a
    /// trade event, a shopper's report), by its stored code; a code that does not parse belongs to
    /// no province, so only the national reach covers it.
    pub fn in_province(code: &str) -> Self {
        Self::at(Place { province: crate::place::ProvinceCode::parse(code).ok(), commune: None, producer: None })
    }
}

/// Why an access was refused, which decides what the caller is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is signed in and the action is not public: ask to sign in (401 / login page).
    SignInRequired,
    /// The caller may know the record exists but not do this to it (403).
    Forbidden,
    /// The record is outside everything the caller may read: do not reveal it exists (404).
    NotFound,
}

fn within(actor: &Actor, reach: Reach, target: &Target) -> bool {
    let place = &target.place;
    match reach {
        Reach::Nowhere => false,
        Reach::Everywhere => true,
        Reach::Province => actor.scope.province().is_some() && place.province.as_ref() == actor.scope.province(),
        Reach::Commune => {
            actor.scope.commune().is_some()
                && place.commune.as_ref() == actor.scope.commune()
                && place.province.as_ref() == actor.scope.province()
        }
        Reach::OwnProducer => actor.scope.producer().is_some() && place.producer == actor.scope.producer(),
        Reach::Assigned => target.assigned,
    }
}

/// Decides one action on one record.
pub fn authorize(actor: Option<&Actor>, action: Action, target: &Target) -> Result<(), Denied> {
    if action == Action::ReadPublic {
        return Ok(());
    }
    let Some(actor) = actor else {
        return Err(Denied::SignInRequired);
    };
    if within(actor, reach(actor.role, action), target) {
        Ok(())
    } else if within(actor, reach(actor.role, Action::ReadRecords), target) {
        Err(Denied::Forbidden)
    } else {
        Err(Denied::NotFound)
    }
}

/// Decides a change that may move a record to another place (its province, commune or
/// producer). The caller must be allowed the action where the record is; a change that moves it
/// is allowed only to a caller whose reach is a territory (not one producer, not assignments)
/// covering both sides, so a producer cannot carry its record, and the certificates it holds,
/// into another province or commune.
pub fn authorize_move(actor: Option<&Actor>, action: Action, from: &Target, to: &Target) -> Result<(), Denied> {
    authorize(actor, action, from)?;
    if from.place == to.place {
        return Ok(());
    }
    let actor = actor.ok_or(Denied::SignInRequired)?;
    let reach = reach(actor.role, action);
    let territorial = matches!(reach, Reach::Everywhere | Reach::Province | Reach::Commune);
    if territorial && within(actor, reach, to) { Ok(()) } else { Err(Denied::Forbidden) }
}

/// The rows a list of records may show to this caller for this action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    All,
    Province(ProvinceCode),
    Commune(ProvinceCode, CommuneCode),
    Producer(i64),
    /// Only rows assigned to this user.
    AssignedTo(i64),
}

impl Listing {
    /// Whether a record at `place` (assigned to the caller or not) is among the rows.
    pub fn covers(&self, place: &Place, assigned: bool) -> bool {
        match self {
            Listing::All => true,
            Listing::Province(p) => place.province.as_ref() == Some(p),
            Listing::Commune(p, c) => place.province.as_ref() == Some(p) && place.commune.as_ref() == Some(c),
            Listing::Producer(id) => place.producer == Some(*id),
            Listing::AssignedTo(_) => assigned,
        }
    }

    /// The one province the rows lie in, if the listing is bound to one (a producer's or an
    /// assignee's rows are found by other columns, so they have none).
    pub fn province(&self) -> Option<&ProvinceCode> {
        match self {
            Listing::Province(p) | Listing::Commune(p, _) => Some(p),
            Listing::All | Listing::Producer(_) | Listing::AssignedTo(_) => None,
        }
    }

    /// Whether the rows span a territory (everywhere, a province, a commune) rather than one
    /// producer's records or one person's assignments: only a territory may hold records that do
    /// not exist yet, such as a new producer.
    pub fn is_territory(&self) -> bool {
        matches!(self, Listing::All | Listing::Province(_) | Listing::Commune(..))
    }
}

/// Decides an action on a collection (a list page, a search, a create form) and says which rows
/// it covers. A role that reaches nowhere is refused with 403: the page exists, it is not theirs.
pub fn listing(actor: Option<&Actor>, action: Action) -> Result<Listing, Denied> {
    if action == Action::ReadPublic {
        return Ok(Listing::All);
    }
    let actor = actor.ok_or(Denied::SignInRequired)?;
    let scope = &actor.scope;
    let listing = match reach(actor.role, action) {
        Reach::Nowhere => return Err(Denied::Forbidden),
        Reach::Everywhere => Listing::All,
        Reach::Province => Listing::Province(scope.province().cloned().ok_or(Denied::Forbidden)?),
        Reach::Commune => Listing::Commune(
            scope.province().cloned().ok_or(Denied::Forbidden)?,
            scope.commune().cloned().ok_or(Denied::Forbidden)?,
        ),
        Reach::OwnProducer => Listing::Producer(scope.producer().ok_or(Denied::Forbidden)?),
        Reach::Assigned => Listing::AssignedTo(actor.user_id),
    };
    Ok(listing)
}

/// The authority an account acts as in the evaluation cycle (QĐ 26/2026, Điều 5–8): the office of
/// a province runs that province's councils and decisions, the central office the 5★ ones. Read
/// from the matrix, never from role names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Office {
    Province(ProvinceCode),
    Central,
}

pub fn office(actor: Option<&Actor>) -> Result<Office, Denied> {
    let actor = actor.ok_or(Denied::SignInRequired)?;
    match (reach(actor.role, Action::ManageEvaluation), reach(actor.role, Action::EvaluateCentral)) {
        (Reach::Province, _) => actor.scope.province().cloned().map(Office::Province).ok_or(Denied::Forbidden),
        (_, Reach::Everywhere) => Ok(Office::Central),
        _ => Err(Denied::Forbidden),
    }
}

/// Whether an account may give another account this role and scope. Admin may grant anything; a
/// province office grants the provincial roles within its own province and never admin or
/// central roles.
pub fn may_grant(actor: &Actor, role: Role, scope: &Scope) -> bool {
    may_grant_role(actor, role)
        && match reach(actor.role, Action::ManageUsers) {
            Reach::Everywhere => true,
            Reach::Province => scope.province().is_some() && scope.province() == actor.scope.province(),
            _ => false,
        }
}

/// Whether an account may give this role to anyone at all (the roles its forms offer).
pub fn may_grant_role(actor: &Actor, role: Role) -> bool {
    match reach(actor.role, Action::ManageUsers) {
        Reach::Everywhere => true,
        Reach::Province => !matches!(role, Role::Admin | Role::CentralOffice),
        _ => false,
    }
}

#[cfg(test)]
mod tests;

//! The evaluation cycle in storage: rounds, registrations and their dossiers, commune
//! screening, councils and scorecards, decisions and certificates, reminders.
//!
//! Every step loads the record, asks [`domain::evaluation::next`] whether the step is allowed
//! from its state, and writes the new state only `WHERE state = <the state it read>`, so two
//! people acting at once cannot both move it; the loser gets [`StoreError::Stale`].

pub mod councils;
pub mod decisions;
pub mod dossiers;
pub mod reminders;
pub mod rounds;

use crate::db::execute;
use crate::{Result, StoreError, Tx};
use domain::Invalid;
use domain::evaluation::{State, Step, next};
use domain::workdays::WorkCalendar;
use std::sync::LazyLock;

const HOLIDAYS: &str = include_str!("../../../../data/calendar/holidays-vn.json");

static CALENDAR: LazyLock<Result<WorkCalendar, String>> = LazyLock::new(|| WorkCalendar::from_json(HOLIDAYS));

/// Vietnam's working days, from `data/calendar/holidays-vn.json`.
pub fn calendar() -> Result<&'static WorkCalendar> {
    CALENDAR.as_ref().map_err(|detail| StoreError::Corrupt { table: "holidays", detail: detail.clone() })
}

pub(crate) fn refused(why: Invalid) -> StoreError {
    StoreError::Refused(why)
}

/// Today in Vietnam (UTC+7), the day deadlines are counted in.
pub fn today() -> time::Date {
    domain::vietnam_today()
}

/// Moves a registration one step, if its state allows it and nobody moved it meanwhile.
pub(crate) async fn step(tx: &Tx, id: i64, from: &str, step: Step) -> Result<State> {
    let state = State::parse(from).ok_or_else(|| StoreError::Corrupt { table: "registration", detail: from.into() })?;
    let to = next(state, step).map_err(refused)?;
    let changed = execute(
        tx,
        "UPDATE registration SET state = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND state = $4",
        [to.as_str().into(), crate::now().into(), id.into(), from.into()],
    )
    .await?;
    if changed == 0 {
        return Err(StoreError::Stale);
    }
    Ok(to)
}

/// Who hears of a registration's step.
pub(crate) enum Audience {
    /// The producer's accounts.
    Producer,
    /// The province office of the registration's province.
    Office,
    /// The central office.
    Central,
}

/// Tells the people concerned of a step taken on a registration (in-app, and by e-mail through
/// the mail job): one notification per registration, step and occasion (`occasion` tells a
/// second return or re-opening from the first).
pub(crate) async fn tell(
    tx: &Tx,
    g: &dossiers::Registration,
    to: Audience,
    key: &'static str,
    occasion: &str,
    extra: Vec<(&'static str, String)>,
) -> Result<u64> {
    use domain::role::Role;
    let users = match to {
        Audience::Producer => {
            crate::notifications::users_of(tx, Role::Producer, None, None, Some(g.producer_id)).await?
        }
        Audience::Office => {
            crate::notifications::users_of(tx, Role::ProvinceOffice, Some(&g.province_code), None, None).await?
        }
        Audience::Central => crate::notifications::users_of(tx, Role::CentralOffice, None, None, None).await?,
    };
    let mut args = vec![
        ("product", g.product_name.clone()),
        ("number", g.number.clone().unwrap_or_default()),
        ("producer", g.producer_name.clone()),
    ];
    args.extend(extra);
    crate::notifications::notify(
        tx,
        &users,
        &crate::notifications::Message {
            subject: format!("{key}:{}:{occasion}", g.id),
            key,
            args,
            link: format!("/evaluation/registrations/{}", g.id),
        },
    )
    .await
}

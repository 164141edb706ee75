//! Supervision and capacity building (SPEC §2.5): inspection plans and visits with their records
//! and findings, training classes, support records and the label quotas they fund.

pub mod findings;
pub mod inspections;
pub mod plans;
pub mod support;
pub mod trainings;

use crate::db::Conditions;
use domain::access::Listing;

/// Adds a listing's scope on rows of inspections (alias `i`, producer `p`): an inspector's
/// listing is the visits it is assigned to.
pub(crate) fn inspection_scope(w: &mut Conditions, listing: &Listing) {
    match listing {
        Listing::AssignedTo(user) => {
            w.and(
                "EXISTS (SELECT 1 FROM inspection_inspector ii WHERE ii.inspection_id = i.id AND ii.user_id = ?)",
                *user,
            );
        }
        other => crate::producers::scope(w, other, "i.producer_id"),
    }
}

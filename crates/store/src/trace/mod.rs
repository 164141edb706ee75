//! Traceability in storage: lots, label orders and serials, the scan log and its alerts, and
//! EPCIS events.

pub mod epcis;
pub mod lots;
pub mod reports;
pub mod scans;
pub mod stamps;
pub mod upkeep;

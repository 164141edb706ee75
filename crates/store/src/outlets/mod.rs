//! Market outlets in storage: producers' sales channels, showcase and sales points and what they
//! carry, fairs and events with their participants, buyers' inquiries and their threads.

pub mod channels;
pub mod events;
pub mod inquiries;
pub mod points;

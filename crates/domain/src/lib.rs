//! The OCOP domain: the programme's vocabulary as types, its rules as pure functions.
//!
//! Nothing here performs I/O or awaits; the store and web layers depend on this crate, never the
//! other way round.

pub mod access;
pub mod audit;
pub mod email;
pub mod invalid;
pub mod password;
pub mod place;
pub mod role;
pub mod text;

pub use invalid::{FieldErrors, Invalid};

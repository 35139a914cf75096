//! Views. They render core data and forward user actions to [`crate::app`];
//! they decide nothing themselves.

pub mod document;
pub mod guide;
pub mod notices;
pub mod open;

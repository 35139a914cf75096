//! Leptos components. They read [`crate::state::AppState`] and call its
//! actions; they hold no state of their own beyond what a form needs.

pub mod changes;
pub mod decide;
pub mod document;
pub mod gates;
pub mod guide;
pub mod home;
pub mod keys;
pub mod notices;
pub mod open;
pub mod review;
pub mod run;
pub mod share;
pub mod signoff;
pub mod webhook;

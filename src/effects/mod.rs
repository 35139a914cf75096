//! Browser effects. Everything that touches `web-sys` lives here, one
//! capability per file, each returning typed errors the UI can explain.

pub mod files;
pub mod http;
pub mod location;
pub mod panic;
pub mod storage;

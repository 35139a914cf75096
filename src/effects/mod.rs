//! Browser effects. Everything that touches `web-sys` lives here, one
//! capability per file, each returning typed errors the UI can explain.

pub mod clipboard;
pub mod clock;
pub mod download;
pub mod files;
pub mod http;
pub mod keys;
pub mod location;
pub mod locks;
pub mod marks;
pub mod notify;
pub mod panic;
pub mod post;
pub mod print;
pub mod random;
pub mod relay;
pub mod storage;
pub mod tasks;

//! The messages the page shows the person: their kind and text, and a
//! file to download with some (data that was set aside).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
    /// A file the person can download from the message: (name, content).
    pub download: Option<(String, String)>,
}

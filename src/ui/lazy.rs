//! Views that the first screen does not need, loaded when first used.
//!
//! Each function here is a split point: Trunk's build (feature `split`,
//! then `scripts/split.mjs`) moves the code only it reaches into a module
//! of its own, fetched the first time the view opens, or earlier when the
//! browser is idle ([`prefetch`]). Without the feature (browser unit
//! tests, native builds) the functions are plain calls.
//!
//! A module that cannot be fetched (offline, a deploy that replaced the
//! files) leaves a message in place of the view; the next attempt
//! fetches again. Nothing is lost: the run's state lives in the main
//! module.

use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
#[cfg(feature = "split")]
use leptos::wasm_split::wasm_split;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A module that did not load.
pub struct Unloaded;

impl From<SplitLoaderError> for Unloaded {
    fn from(_: SplitLoaderError) -> Self {
        Unloaded
    }
}

type Loaded = Result<AnyView, Unloaded>;

/// Renders `load`'s view once its module is in; until then nothing, and
/// a message if the module cannot be fetched. A view that had to wait for
/// its module is brought into view with focus on its first control
/// (`reveal`), as the control that opened it would have done.
fn deferred(
    what: &'static str,
    reveal: Option<&'static str>,
    load: impl Future<Output = Loaded> + 'static,
) -> impl IntoView {
    Suspend::new(SendWrapper::new(async move {
        let (loaded, waited) = Waited::new(load).await;
        match loaded {
            Ok(view) => {
                if let (true, Some(selector)) = (waited, reveal) {
                    crate::ui::reveal(selector);
                }
                view
            }
            Err(Unloaded) => view! {
                <p class="loading" role="alert">
                    {format!(
                        "The {what} could not be loaded. Check the connection and open it \
                         again; if Preflight was updated since this page was opened, reload it."
                    )}
                </p>
            }
            .into_any(),
        }
    }))
}

/// A future's output, and whether it had to wait for it.
struct Waited<F> {
    inner: Pin<Box<F>>,
    waited: bool,
}

impl<F: Future> Waited<F> {
    fn new(inner: F) -> Self {
        Waited {
            inner: Box::pin(inner),
            waited: false,
        }
    }
}

impl<F: Future> Future for Waited<F> {
    type Output = (F::Output, bool);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready((out, self.waited)),
            Poll::Pending => {
                self.waited = true;
                Poll::Pending
            }
        }
    }
}

/// A split point: in the split build (feature `split`, which Trunk's
/// build turns on), `wasm_split` moves the function into module `$module`
/// and makes it `async`, loading the module first; elsewhere (browser
/// unit tests, native builds) it is a plain `async` call and its module is
/// always there.
macro_rules! split {
    ($module:ident $(, $preload:ident)?; fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        #[cfg(feature = "split")]
        #[wasm_split($module, fallible, wasm_split_path = ::leptos::wasm_split $(, preload($preload))?)]
        fn $name($($arg: $ty),*) -> $ret $body

        #[cfg(not(feature = "split"))]
        async fn $name($($arg: $ty),*) -> $ret $body

        $(
            #[cfg(not(feature = "split"))]
            async fn $preload() -> Result<(), SplitLoaderError> {
                Ok(())
            }
        )?
    };
}

// Each split point names its module. A view is built inside the module;
// the main module only holds the call.

split! { review, preload_review;
    fn review_page() -> Loaded {
        Ok(view! { <crate::ui::review::Review /> }.into_any())
    }
}

split! { settings, preload_settings;
    fn settings_page() -> Loaded {
        Ok(view! { <crate::ui::home::Settings /> }.into_any())
    }
}

split! { join, preload_join;
    fn join_panel() -> Loaded {
        Ok(view! { <crate::ui::share::JoinPanel /> }.into_any())
    }
}

split! { share_form, preload_share_form;
    fn share_form_view() -> Loaded {
        Ok(view! { <crate::ui::share::ShareForm /> }.into_any())
    }
}

split! { sign_off, preload_sign_off;
    fn sign_off_form(on_done: Callback<()>) -> Loaded {
        Ok(view! { <crate::ui::signoff::SignOffForm on_done /> }.into_any())
    }
}

split! { decide, preload_decide;
    fn decision_panel() -> Loaded {
        Ok(view! { <crate::ui::decide::DecisionPanel /> }.into_any())
    }
}

split! { record, preload_record;
    fn record_action(state: AppState, action: Record) -> Result<(), Unloaded> {
        match action {
            Record::Export => {
                crate::ui::share::say_secrets(state);
                state.export_run();
            }
            Record::AuditMarkdown => {
                crate::ui::share::say_secrets(state);
                state.audit_pack(false);
            }
            Record::AuditHtml => {
                crate::ui::share::say_secrets(state);
                state.audit_pack(true);
            }
            Record::SaveShared => {
                let refused = state.run.with_untracked(|r| {
                    r.as_ref()
                        .and_then(|r| preflight_core::run::sign::refusal(&preflight_core::run::sign::verify(&r.run)))
                });
                match refused {
                    Some(why) => state.notify(
                        NoticeKind::Error,
                        format!("Not kept: the record is not genuine: {why}."),
                    ),
                    None => state.save_shared(),
                }
            }
        }
        Ok(())
    }
}

split! { record;
    fn record_import(state: AppState, bytes: Vec<u8>) -> Result<(), Unloaded> {
        // Signatures are checked here, where their code lives; the rest of
        // the import (the log's chain, the checksum, the rules) is the
        // main module's.
        use preflight_core::run::sign;
        let text = String::from_utf8_lossy(&bytes);
        let export = match preflight_core::run::store::import(&text) {
            Ok(export) => export,
            Err(why) => {
                state.notify(
                    NoticeKind::Error,
                    format!("Not imported: {why}. Nothing was changed."),
                );
                return Ok(());
            }
        };
        let run = export.run.id.clone();
        let checks = sign::verify(&export.run);
        if let Some(why) = sign::refusal(&checks) {
            state.notify(
                NoticeKind::Error,
                format!("Not imported: the record is not genuine: {why}. Nothing was changed."),
            );
            return Ok(());
        }
        if !state.import_export(export) {
            return Ok(());
        }
        // What a signature cannot tell alone: sign-offs with none, and
        // names whose key this device knows as another.
        let book = crate::ui::signoff::key_book();
        let unsigned = checks.iter().filter(|c| c.fingerprint.is_none()).count();
        let rivals: Vec<String> = checks
            .iter()
            .filter(|c| matches!(book.seen(&run, c), sign::Seen::OtherKey { .. }))
            .map(|c| c.by.clone())
            .collect();
        let mut said = Vec::new();
        if unsigned > 0 {
            said.push(format!(
                "{unsigned} of its {} sign-off(s) {} not signed",
                checks.len(),
                if unsigned == 1 { "is" } else { "are" }
            ));
        }
        if !rivals.is_empty() {
            said.push(format!(
                "the key of {} is not the one this device saw for that name before",
                rivals.join(", ")
            ));
        }
        if !said.is_empty() {
            state.notify(
                NoticeKind::Warning,
                format!(
                    "Imported, but {}: compare the key fingerprints with the signers.",
                    said.join("; ")
                ),
            );
        }
        Ok(())
    }
}

split! { verify, preload_verify;
    fn verify_run(run: preflight_core::Run, learn: bool) -> Result<Vec<crate::ui::signoff::Verified>, Unloaded> {
        Ok(crate::ui::signoff::verified(&run, learn))
    }
}

split! { record;
    fn record_link(state: AppState) -> Result<Option<String>, Unloaded> {
        crate::ui::share::say_secrets(state);
        Ok(state.share_link())
    }
}

split! { record;
    fn secrets_view() -> Loaded {
        Ok(view! { <crate::ui::share::SecretsNotice /> }.into_any())
    }
}

split! { changes, preload_changes;
    fn changes_view(since: crate::ui::changes::Since) -> Loaded {
        Ok(view! { <crate::ui::changes::GuideChanges since /> }.into_any())
    }
}

// Run parameters: reading a guide's (`params::find`) and their views.
split! { params, preload_params;
    fn find_params(text: std::sync::Arc<str>) -> Result<preflight_core::guide::params::Params, Unloaded> {
        Ok(preflight_core::guide::params::find(&text))
    }
}

/// A view of the parameters' module.
pub enum ParamView {
    Panel,
    Ask,
    /// A step's field for a parameter (key, step).
    Field(String, Option<String>),
    /// The start form's fields, for a run of the plan, into the values.
    Start(
        std::sync::Arc<preflight_core::run::Plan>,
        RwSignal<std::collections::BTreeMap<String, String>>,
    ),
}

split! { params;
    fn param_view(which: ParamView) -> Loaded {
        use crate::ui::params::{AskValues, ParamField, ParamsPanel};
        Ok(match which {
            ParamView::Panel => view! { <ParamsPanel /> }.into_any(),
            ParamView::Ask => view! { <AskValues /> }.into_any(),
            ParamView::Field(key, step) => view! { <ParamField key step /> }.into_any(),
            ParamView::Start(plan, values) => crate::ui::params::start_fields(&plan, values),
        })
    }
}

split! { params;
    fn param_values(
        rp: crate::params::RunParams,
        state: AppState,
        values: std::collections::BTreeMap<String, String>
    ) -> Result<(), Unloaded> {
        for (key, value) in values {
            rp.set(state, &key, &value, None, false);
        }
        Ok(())
    }
}

split! { params;
    fn param_copy(
        rp: crate::params::RunParams,
        state: AppState,
        command: String,
        lang: String,
        copied: Option<RwSignal<bool>>
    ) -> Result<(), Unloaded> {
        rp.copy_filled(state, &command, &lang, copied);
        Ok(())
    }
}

/// Sets the values given when a run started (in the parameters' module,
/// which holds the code).
pub fn set_param_values(
    rp: crate::params::RunParams,
    state: AppState,
    values: std::collections::BTreeMap<String, String>,
) {
    leptos::task::spawn_local(async move {
        if param_values(rp, state, values).await.is_err() {
            state.notify(
                NoticeKind::Warning,
                "The values given at the start could not be set: the parameters' code could not be loaded. Check the connection and reload, then set them in the Parameters panel.".into(),
            );
        }
    });
}

/// Copies a command with the run's values put in, or asks for the missing
/// ones first (in the parameters' module, which holds the code).
pub fn copy_command(
    rp: crate::params::RunParams,
    state: AppState,
    command: String,
    lang: String,
    copied: Option<RwSignal<bool>>,
) {
    leptos::task::spawn_local(async move {
        if param_copy(rp, state, command, lang, copied).await.is_err() {
            state.notify(
                NoticeKind::Warning,
                "Not copied: the guide's parameters could not be read. Check the connection and reload.".into(),
            );
        }
    });
}

/// A guide's parameters, read in the module that holds their code.
pub async fn read_params(
    text: std::sync::Arc<str>,
) -> Result<preflight_core::guide::params::Params, Unloaded> {
    find_params(text).await
}

/// A view of the run's parameters (one split point for all of them).
pub fn params_view(which: ParamView) -> impl IntoView {
    let reveal = matches!(which, ParamView::Ask).then_some("#param-ask");
    deferred("parameters", reveal, param_view(which))
}

/// What changed in the open guide since its last run, when it did.
pub fn guide_changes() -> impl IntoView {
    let state = expect_context::<AppState>();
    state
        .changed_since()
        .map(|since| deferred("list of changes", None, changes_view(since)))
}

/// The notice said before a guide with secrets leaves this browser, once
/// there is one.
pub fn secrets_notice() -> impl IntoView {
    let notice = crate::ui::share::secrets();
    let shown = Memo::new(move |_| notice.with(Option::is_some));
    move || {
        shown
            .get()
            .then(|| deferred("notice about the guide's secrets", None, secrets_view()))
    }
}

/// The managers' review of finished runs.
pub fn review() -> impl IntoView {
    deferred("review", None, review_page())
}

/// The settings page: the webhook, its outbox, storage and import.
pub fn settings() -> impl IntoView {
    deferred("settings page", None, settings_page())
}

/// Joining a shared run from its link.
pub fn join() -> impl IntoView {
    deferred("form to join the shared run", None, join_panel())
}

/// The form that shares the open run, while it is open.
pub fn share_form() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state
            .sharing
            .form_open
            .get()
            .then(|| deferred("sharing form", Some(".share-form"), share_form_view()))
    }
}

/// The sign-off form.
pub fn sign_off(on_done: Callback<()>) -> impl IntoView {
    deferred(
        "sign-off form",
        Some(".signoff-form"),
        sign_off_form(on_done),
    )
}

/// "Something wrong?": the decision panel, while it is open.
pub fn decide() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state
            .deciding
            .get()
            .then(|| deferred("decision panel", Some(".decide"), decision_panel()))
    }
}

/// What is done with the open run's record.
#[derive(Clone, Copy)]
pub enum Record {
    /// Downloads the run and its guide, to import elsewhere.
    Export,
    /// Downloads the audit pack as Markdown.
    AuditMarkdown,
    /// Downloads the audit pack as one HTML page.
    AuditHtml,
    /// Keeps a shared, read-only copy in this browser.
    SaveShared,
}

const UNLOADED: &str = "Not done: part of Preflight could not be loaded. Check the \
                        connection and try again; if Preflight was updated since this page \
                        was opened, reload it.";

/// Does `action` with the open run's record.
pub fn record(state: AppState, action: Record) {
    leptos::task::spawn_local(async move {
        if record_action(state, action).await.is_err() {
            state.notify(NoticeKind::Error, UNLOADED.into());
        }
    });
}

/// Imports an exported run (`AppState::import_run`), refusing it whole
/// when a sign-off's signature is forged or the log it signed was changed.
pub fn import(state: AppState, bytes: Vec<u8>) {
    leptos::task::spawn_local(async move {
        if record_import(state, bytes).await.is_err() {
            state.notify(NoticeKind::Error, UNLOADED.into());
        }
    });
}

/// Every sign-off of `run` checked, with what this device knows of each
/// key; `None` when the module could not be loaded.
pub async fn verify(
    run: preflight_core::Run,
    learn: bool,
) -> Option<Vec<crate::ui::signoff::Verified>> {
    verify_run(run, learn).await.ok()
}

/// A link that opens the open run read-only (see `AppState::share_link`).
pub async fn share_link(state: AppState) -> Option<String> {
    match record_link(state).await {
        Ok(link) => link,
        Err(Unloaded) => {
            state.notify(NoticeKind::Error, UNLOADED.into());
            None
        }
    }
}

/// Fetches the modules of the views not on the first screen, so that they
/// open at once later (the decision panel first: it is wanted in a bad
/// moment). Called once the first screen is up and the browser is idle;
/// a module that fails here is fetched again when used.
pub fn prefetch() {
    leptos::task::spawn_local(async {
        let _ = preload_decide().await;
        let _ = preload_verify().await;
        let _ = preload_sign_off().await;
        let _ = preload_record().await;
        let _ = preload_share_form().await;
        let _ = preload_review().await;
        let _ = preload_settings().await;
        let _ = preload_join().await;
        let _ = preload_changes().await;
        let _ = preload_params().await;
    });
}

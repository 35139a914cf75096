//! The root of the page: mounts [`App`], which provides the page state
//! ([`crate::state::AppState`]) as context, starts the one clock tick and
//! the browser listeners, and chooses the view. The state's actions live
//! in [`crate::guides`] and [`crate::runs`]; views only read the signals.

use crate::effects::marks;
use crate::state::{AppState, NoticeKind};
use crate::ui;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

pub fn mount() {
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    marks::mark("preflight:mount-start");
    match target {
        Some(target) => {
            target.set_text_content(None);
            leptos::mount::mount_to(target, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
    marks::mark("preflight:mount-end");
    prefetch_when_idle();
}

/// Once the first screen is up and the browser has nothing else to do,
/// fetches the modules of the views not on it ([`ui::lazy::prefetch`]).
fn prefetch_when_idle() {
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return;
    };
    let callback = Closure::once_into_js(ui::lazy::prefetch);
    // Browsers without idle callbacks fetch them a few seconds after.
    if window
        .request_idle_callback(callback.unchecked_ref())
        .is_err()
    {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 3_000);
    }
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    provide_context(crate::params::RunParams::new(state));
    state.boot();
    Effect::new(move |_| state.on_tick());
    // Each tick retries unsaved changes and writes the list of runs.
    Effect::new(move |_| {
        state.now.track();
        state.flush_pending();
        state.flush_index();
        state.hooks.pump(&state.writer.get_value(), move |why| {
            state.notify(NoticeKind::Error, why)
        });
        crate::share::pump(state);
    });
    let online_listener = window_event_listener(leptos::ev::online, move |_| {
        state.hooks.wake();
        state.hooks.pump(&state.writer.get_value(), move |why| {
            state.notify(NoticeKind::Error, why)
        });
        crate::share::on_online(state);
    });
    let offline_listener = window_event_listener(leptos::ev::offline, move |_| {
        crate::share::on_offline(state);
    });
    std::mem::forget((online_listener, offline_listener));
    let storage_listener = window_event_listener(leptos::ev::storage, move |ev| {
        if let Some(key) = ev.key() {
            state.on_storage_change(&key, ev.new_value());
        }
    });
    let hide_listener = window_event_listener(leptos::ev::pagehide, move |_| {
        state.flush_pending();
        state.flush_index();
        crate::share::on_offline(state);
    });
    // Back from the browser's page cache: connect the shared run again.
    let show_listener = window_event_listener(leptos::ev::pageshow, move |ev| {
        if ev.persisted() {
            crate::share::on_online(state);
        }
    });
    std::mem::forget(show_listener);
    let visibility_listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
        state.flush_pending();
        state.flush_index();
    });
    // Listeners for the page's lifetime.
    std::mem::forget((storage_listener, hide_listener, visibility_listener));
    ui::keys::install(state);
    // Whether a run is open (the guide's page itself decides when its
    // document is rendered again: `ui::run::GuidePage`).
    let open_run = Memo::new(move |_| state.run.with(Option::is_some));
    let in_run = move || open_run.get();
    // The review (`true`) or the settings page: pressed while shown.
    let page_button = move |label: &'static str, class: &'static str, review: bool| {
        let shown = if review {
            state.reviewing
        } else {
            state.settings
        };
        view! {
            <button
                type="button"
                class=class
                aria-pressed=move || shown.get().to_string()
                on:click=move |_| state.toggle_page(review)
            >
                {label}
            </button>
        }
    };
    // The start page: no run, review or settings open.
    let on_home = move || {
        !in_run()
            && !state.reviewing.get()
            && !state.settings.get()
            && !state.sharing.joining.with(Option::is_some)
    };

    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let file = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            state.open_file(file);
        }
    };

    view! {
        <div class="app" on:dragover=|ev: web_sys::DragEvent| ev.prevent_default() on:drop=on_drop>
            <header class="topbar" class:in-run=in_run>
                <a class="brand" href="./">"Preflight"</a>
                <nav class="topnav" aria-label="Pages">
                    <Show when=in_run>
                        <button type="button" on:click=move |_| state.close_run()>"All runs"</button>
                    </Show>
                    {page_button("Review", "review-toggle", true)}
                    {page_button("Settings", "settings-toggle", false)}
                </nav>
                // Away from the start page, the ways to open a guide fold
                // into one disclosure.
                <Show when=move || !on_home()>
                    <ui::open::OpenMenu />
                </Show>
            </header>
            <ui::notices::Notices />
            {ui::params::ask()}
            <main id="main">
                {move || {
                    state
                        .loading
                        .get()
                        .map(|what| view! { <p class="loading" role="status">{what}</p> })
                }}
                {move || {
                    if state.reviewing.get() {
                        return Some(ui::lazy::review().into_any());
                    }
                    if state.settings.get() {
                        return Some(ui::lazy::settings().into_any());
                    }
                    if state.sharing.joining.with(Option::is_some) {
                        return Some(ui::lazy::join().into_any());
                    }
                    let Some(guide) = state.guide.get() else {
                        // Nothing open yet: what Preflight does and the
                        // ways to open a guide.
                        return Some(view! { <ui::home::Intro /> }.into_any());
                    };
                    // The preview or the run: starting a run of the
                    // checklist just previewed keeps the document.
                    Some(view! { <ui::run::GuidePage guide /> }.into_any())
                }}
            </main>
        </div>
    }
}

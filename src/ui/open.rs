//! Ways to open a guide: the example, a file, a paste, a URL.

use crate::state::{AppState, Origin};
use leptos::html;
use leptos::prelude::*;

#[component]
pub fn OpenControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let paste_open = RwSignal::new(false);
    let paste_area = NodeRef::<html::Textarea>::new();

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            state.open_file(file);
        }
        // Let the same file be picked again after it changed on disk.
        input.set_value("");
    };

    let open_pasted = move |_| {
        let Some(area) = paste_area.get() else {
            return;
        };
        if state.open_bytes(Origin::Pasted, area.value().as_bytes()) {
            area.set_value("");
            paste_open.set(false);
        }
    };

    view! {
        <nav class="open-controls" aria-label="Open a guide">
            <button type="button" on:click=move |_| state.open_example()>
                "Example"
            </button>
            <label class="button file-button">
                "Open file…"
                <input
                    type="file"
                    class="visually-hidden"
                    accept=".md,.markdown,.txt,text/markdown,text/plain"
                    on:change=on_file
                />
            </label>
            <button
                type="button"
                aria-expanded=move || paste_open.get().to_string()
                aria-controls="paste-panel"
                on:click=move |_| paste_open.update(|open| *open = !*open)
            >
                "Paste…"
            </button>
            <form class="url-form" method="get" action="">
                <label for="guide-url" class="visually-hidden">
                    "Guide URL"
                </label>
                <input
                    id="guide-url"
                    name="guide"
                    type="text"
                    inputmode="url"
                    placeholder="https://…/guide.md"
                    required
                />
                <button type="submit">"Open URL"</button>
            </form>
        </nav>
        <Show when=move || paste_open.get()>
            <section id="paste-panel" class="paste-panel" aria-label="Paste a guide">
                <label for="paste-text">"Paste a Markdown guide"</label>
                <textarea id="paste-text" node_ref=paste_area rows="12" spellcheck="false"></textarea>
                <button type="button" class="primary" on:click=open_pasted>
                    "Open pasted guide"
                </button>
            </section>
        </Show>
    }
}

/// The ways to open a guide folded into one disclosure, for the top bar
/// away from the start page (during a run, they would take the phone's
/// screen from the run's status).
#[component]
pub fn OpenMenu() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="open-menu">
            <button
                type="button"
                aria-expanded=move || open.get().to_string()
                aria-controls="open-panel"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Open a guide…"
            </button>
            <div id="open-panel" class="open-panel" hidden=move || !open.get()>
                <Show when=move || open.get()>
                    <OpenControls />
                </Show>
            </div>
        </div>
    }
}

//! Messages to the person at the keyboard: errors, warnings, and the
//! standing banner when browser storage is unavailable.

use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;

#[component]
pub fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || !state.storage_ok.get()>
            <div class="notice notice-warning storage-banner" role="alert">
                "Browser storage is unavailable (private window or blocked storage). Preflight works, but progress will not survive a reload."
            </div>
        </Show>
        <div class="notices">
            {move || {
                state
                    .notices
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, notice)| {
                        let (class, role) = match notice.kind {
                            NoticeKind::Error => ("notice notice-error", "alert"),
                            NoticeKind::Warning => ("notice notice-warning", "alert"),
                            NoticeKind::Info => ("notice notice-info", "status"),
                        };
                        view! {
                            <div class=class role=role>
                                <span class="notice-text">{notice.text}</span>
                                {notice.download.map(|(name, content)| {
                                    view! {
                                        <button
                                            type="button"
                                            class="small"
                                            on:click=move |_| {
                                                if let Err(why) = crate::effects::download::text(&name, &content, "application/json") {
                                                    state.notify(crate::state::NoticeKind::Error, format!("Could not download: {why}."));
                                                }
                                            }
                                        >
                                            "Download"
                                        </button>
                                    }
                                })}
                                <button
                                    type="button"
                                    class="notice-dismiss"
                                    aria-label="Dismiss message"
                                    on:click=move |_| state.dismiss(index)
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    })
                    .collect_view()
            }}
        </div>
    }
}

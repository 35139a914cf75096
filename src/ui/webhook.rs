//! Webhook settings (address, format, events, headers), a test message,
//! and the outbox: what is waiting or failed, with retry and discard.

use crate::state::{AppState, NoticeKind};
use leptos::prelude::*;
use preflight_core::webhook::{mask_url, Config, Format, ItemState, Kind};

#[component]
pub fn WebhookPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let saved = state.hooks.config.get_untracked();
    let url = RwSignal::new(String::new());
    let format = RwSignal::new(saved.as_ref().map_or(Format::Slack, |c| c.format));
    let kinds = RwSignal::new(
        saved
            .as_ref()
            .map_or_else(|| Kind::CHOOSABLE.to_vec(), |c| c.kinds.clone()),
    );
    let headers = RwSignal::new(
        saved
            .as_ref()
            .map(|c| {
                c.headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // An empty address keeps the saved one (it is never shown back).
        let address = {
            let typed = url.get_untracked();
            if typed.trim().is_empty() {
                state
                    .hooks
                    .config
                    .with_untracked(|c| c.as_ref().map(|c| c.url.clone()))
                    .unwrap_or_default()
            } else {
                typed.trim().to_owned()
            }
        };
        let parsed_headers = headers
            .get_untracked()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        let config = Config {
            schema: 1,
            url: address,
            format: format.get_untracked(),
            kinds: kinds.get_untracked(),
            headers: parsed_headers,
        };
        match state.hooks.save_config(Some(config)) {
            Ok(()) => {
                url.set(String::new());
                state.notify(NoticeKind::Info, "Webhook saved.".into());
            }
            Err(why) => state.notify(NoticeKind::Error, format!("Webhook not saved: {why}.")),
        }
    };
    let test = move |_| {
        let Some(config) = state.hooks.config.get_untracked() else {
            state.notify(NoticeKind::Warning, "Save a webhook first.".into());
            return;
        };
        let status = state
            .status(Kind::Test, None, Some("Preflight test message".into()))
            .unwrap_or_else(|| test_status(&config));
        state.hooks.queue(&status);
    };
    let remove = move |_| match state.hooks.save_config(None) {
        Ok(()) => state.notify(NoticeKind::Info, "Webhook removed.".into()),
        Err(why) => state.notify(NoticeKind::Error, format!("Webhook not removed: {why}.")),
    };
    let kind_boxes = Kind::CHOOSABLE
        .iter()
        .map(|&k| {
            view! {
                <label class="radio">
                    <input
                        type="checkbox"
                        prop:checked=move || kinds.with(|ks| ks.contains(&k))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            kinds.update(|ks| {
                                ks.retain(|x| *x != k);
                                if on {
                                    ks.push(k);
                                    ks.sort();
                                }
                            });
                        }
                    />
                    {k.label()}
                </label>
            }
        })
        .collect_view();
    let format_options = Format::ALL
        .iter()
        .map(|&f| {
            view! {
                <option value=format!("{f:?}") selected=move || format.get() == f>
                    {f.label()}
                </option>
            }
        })
        .collect_view();
    let current = move || {
        state.hooks.config.with(|c| {
            c.as_ref()
                .map(|c| format!("Sending to {} as {}.", mask_url(&c.url), c.format.label()))
        })
    };
    view! {
        <details class="recent webhook-panel">
            <summary>"Webhook"</summary>
            <p class="hint">
                {move || current().unwrap_or_else(|| "No webhook: run status is not sent anywhere.".into())}
            </p>
            <form class="webhook-form" on:submit=save aria-label="Webhook settings">
                <label>
                    "Webhook URL"
                    <input
                        type="url"
                        name="webhook-url"
                        autocomplete="off"
                        placeholder=move || {
                            if state.hooks.config.with(Option::is_some) {
                                "saved (type to replace)"
                            } else {
                                "https://hooks.slack.com/services/…"
                            }
                        }
                        prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Format"
                    <select on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(f) = Format::ALL.iter().find(|f| format!("{f:?}") == v) {
                            format.set(*f);
                        }
                    }>{format_options}</select>
                </label>
                <fieldset>
                    <legend>"Send"</legend>
                    {kind_boxes}
                </fieldset>
                <Show when=move || format.get() == Format::Json>
                    <label>
                        "Extra headers (one “Name: value” per line)"
                        <textarea
                            rows="2"
                            prop:value=move || headers.get()
                            on:input=move |ev| headers.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                </Show>
                <p class="hint">
                    "Slack, Mattermost and Teams messages are sent as simple requests (form or text body), so those services need no CORS set-up; whether they arrived cannot be read back. Generic JSON is a normal JSON POST with an Idempotency-Key header: the endpoint must answer CORS preflights from this page's origin."
                </p>
                <div class="run-actions">
                    <button type="submit" class="primary">"Save webhook"</button>
                    <button type="button" on:click=test>"Send test message"</button>
                    <button type="button" class="danger" on:click=remove>"Remove"</button>
                </div>
            </form>
            <Outbox />
        </details>
    }
}

fn test_status(config: &Config) -> preflight_core::webhook::Status {
    let now = crate::effects::clock::now_ms();
    preflight_core::webhook::Status {
        key: format!("test-{now}"),
        kind: Kind::Test,
        guide_title: "Preflight".into(),
        run_id: String::new(),
        phase: None,
        detail: Some(format!("Test message to {}", mask_url(&config.url))),
        done: 0,
        skipped: 0,
        total: 0,
        who: String::new(),
        elapsed_ms: 0,
        window_ms: 0,
        outcome: None,
        link: crate::effects::location::run_link(""),
        at_ms: now,
        log_head: String::new(),
    }
}

#[component]
fn Outbox() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let items = state.hooks.outbox.get().items;
        if items.is_empty() {
            return view! { <p class="hint outbox-empty">"Nothing waiting to be sent."</p> }
                .into_any();
        }
        let rows = items
            .into_iter()
            .map(|i| {
                let (k1, k2) = (i.key.clone(), i.key.clone());
                let what = match i.state {
                    ItemState::Pending if i.attempts == 0 => "waiting".to_owned(),
                    ItemState::Pending => format!(
                        "retry {} at {}{}",
                        i.attempts + 1,
                        crate::effects::clock::local_hm(i.next_at_ms),
                        i.last_error.map(|e| format!(" (last: {e})")).unwrap_or_default()
                    ),
                    ItemState::Failed => {
                        format!("failed: {}", i.last_error.unwrap_or_default())
                    }
                };
                view! {
                    <li class="outbox-item" data-key=i.key.clone()>
                        <span>{i.summary.clone()}</span>
                        <span class="run-entry-meta">{what}</span>
                        <button type="button" class="small" on:click=move |_| state.hooks.retry(&k1)>"Retry now"</button>
                        <button type="button" class="small danger" on:click=move |_| state.hooks.discard(&k2)>"Discard"</button>
                    </li>
                }
            })
            .collect_view();
        let unsaved = state
            .hooks
            .unsaved
            .get()
            .map(|why| view! { <p class="notice notice-error" role="alert">{why}</p> });
        view! {
            <h3 class="outbox-title">"Outbox"</h3>
            {unsaved}
            <ul class="outbox">{rows}</ul>
        }
        .into_any()
    }
}

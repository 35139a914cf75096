//! Live sharing in the run header (share through a relay, the live link,
//! connection and unsent changes, a relay that refuses changes, who else
//! is here), the form that joins a run from a live link, the settings
//! panel that forgets saved relay credentials, and the notice said before
//! a guide with secrets leaves this browser.

use leptos::prelude::*;
use preflight_core::share::{peers, Connection};

use crate::effects::clipboard;
use crate::share;
use crate::state::{AppState, NoticeKind};
use crate::ui::menu::item;

/// Once the run is shared: the connection, unsent changes and who else
/// is here.
#[component]
pub fn ShareBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    let badge = move || {
        let status = state.sharing.status.get()?;
        let unsent = share::unsent_count(state);
        let class = match status {
            Connection::Connected => "live connected",
            Connection::Connecting | Connection::Reconnecting => "live reconnecting",
            Connection::Offline => "live offline",
            Connection::Failed(_) => "live failed",
        };
        Some(view! {
            <span class=class role="status" data-unsent=unsent.to_string()>
                {status.label(unsent)}
            </span>
        })
    };
    // The relay refuses this run's changes for a limit: said plainly;
    // they stay here and are sent again later.
    let refused = move || {
        state.sharing.refused.get().map(|why| {
            view! { <p class="relay-refused error" role="status">{why}</p> }
        })
    };
    let others = move || {
        let now = state.now.get();
        let me = state.writer_id();
        state.sharing.peers.with(|all| {
            let list: Vec<String> = peers(all.values(), &me, now)
                .into_iter()
                .map(|p| match &p.at {
                    Some(at) => format!("{} (at “{}”)", p.name, at),
                    None => p.name.clone(),
                })
                .collect();
            (!list.is_empty()).then(|| {
                view! {
                    <span class="peers" aria-label="Also in this run">
                        {format!("Also here: {}", list.join(", "))}
                    </span>
                }
            })
        })
    };
    view! {
        <Show when=move || state.sharing.settings.with(Option::is_some)>
            {badge}
            {others}
            {refused}
        </Show>
    }
}

/// The sharing actions, as items of the run's "Share and export" menu:
/// share live, or once shared, copy the live link and stop sharing.
#[component]
pub fn ShareMenuItems() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = state.sharing.form_open;
    let copy = move || {
        let Some(link) = share::link(state) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match clipboard::copy(&link).await {
                Ok(()) => state.notify(
                    NoticeKind::Info,
                    "The live link was copied. It names the run, team and relay; whoever opens it needs the team's password.".into(),
                ),
                Err(why) => state.notify(NoticeKind::Warning, format!("Not copied: {why}. The link: {link}")),
            }
        });
    };
    let shared = move || state.sharing.settings.with(Option::is_some);
    let writable = move || !state.read_only.get();
    // Shared, but the password is not here (not remembered): the form
    // asks for it again.
    let needs_password = move || state.sharing.needs_password.get();
    view! {
        {item(
            "Share live…",
            move || !writable() || (shared() && !needs_password()),
            move || {
                open.set(true);
                crate::ui::reveal(".share-form");
            },
        )}
        {item("Copy live link", move || !writable() || !shared(), copy)}
        {item("Stop sharing here", move || !writable() || !shared(), move || share::stop(state))}
    }
}

/// The form that shares the open run through a relay (or, when the run is
/// shared but its password is not kept here, asks for it again).
#[component]
pub fn ShareForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = state.sharing.form_open;
    let kept = state.sharing.settings.get_untracked();
    let servers = RwSignal::new(kept.as_ref().map_or_else(
        || "ws://127.0.0.1:4223".to_owned(),
        |k| k.servers.join(", "),
    ));
    let team = RwSignal::new(kept.as_ref().map(|k| k.team.clone()).unwrap_or_default());
    let user = RwSignal::new(kept.map(|k| k.user).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match share::start(
            state,
            &servers.get_untracked(),
            &team.get_untracked(),
            &user.get_untracked(),
            &password.get_untracked(),
            remember.get_untracked(),
        ) {
            Ok(()) => {
                say_secrets(state);
                password.set(String::new());
                error.set(None);
                open.set(false);
            }
            Err(why) => error.set(Some(format!("Not shared: {why}."))),
        }
    };
    let asking =
        move || state.sharing.settings.with(Option::is_none) || state.sharing.needs_password.get();
    view! {
        <Show when=move || open.get() && asking()>
            <form class="share-form" method="post" action="" on:submit=submit aria-label="Share this run live">
                <p class="hint">
                    "Everyone with the team's password sees and changes this run live, through your team's relay ("
                    <code>"./scripts/relay"</code>
                    " starts one). The link carries no password. Use a wss:// address; ws:// is allowed only for a relay on this machine."
                </p>
                <label>
                    "Relay address(es)"
                    <input
                        name="relay"
                        type="text"
                        autocomplete="off"
                        prop:value=move || servers.get()
                        on:input=move |ev| servers.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Team"
                    <input
                        name="team"
                        type="text"
                        autocomplete="off"
                        placeholder="ops"
                        prop:value=move || team.get()
                        on:input=move |ev| team.set(event_target_value(&ev))
                    />
                </label>
                {credential_fields(user, password, remember)}
                <button type="submit" class="primary">"Share"</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </form>
        </Show>
    }
}

/// The team's user and password fields, and whether to remember them on
/// this device (unticked unless they already are): named and marked for
/// the browser's password manager, which may offer to save and fill them.
fn credential_fields(
    user: RwSignal<String>,
    password: RwSignal<String>,
    remember: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <label>
            "User"
            <input
                name="username"
                type="text"
                autocomplete="username"
                prop:value=move || user.get()
                on:input=move |ev| user.set(event_target_value(&ev))
            />
        </label>
        <label>
            "Password"
            <input
                name="password"
                type="password"
                autocomplete="current-password"
                prop:value=move || password.get()
                on:input=move |ev| password.set(event_target_value(&ev))
            />
        </label>
        <label class="check">
            <input
                name="remember"
                type="checkbox"
                prop:checked=move || remember.get()
                on:change=move |ev| remember.set(event_target_checked(&ev))
            />
            "Remember on this device"
        </label>
        <p class="hint">
            "Unticked, the password is kept only while this tab is open: a reload asks again. Ticked, it is kept in this browser for exactly these relay addresses and team, until sharing stops here or “Forget relay credentials” in Settings."
        </p>
    }
}

/// Shown instead of the guide when a live link is opened here: asks for
/// the team's credentials, then joins.
#[component]
pub fn JoinPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let link = state.sharing.joining.get_untracked();
    // Only credentials for exactly this link's relay list and team: a
    // link naming another server, or one more, gets none.
    let typed = link
        .as_ref()
        .and_then(|l| share::stored_credentials(&l.servers, &l.team));
    let saved_here = link
        .as_ref()
        .is_some_and(|l| share::saved_credentials(&l.servers, &l.team).is_some());
    let name = RwSignal::new(state.operator.get_untracked());
    let user = RwSignal::new(typed.as_ref().map(|c| c.user.clone()).unwrap_or_default());
    let password = RwSignal::new(typed.map(|c| c.password).unwrap_or_default());
    let remember = RwSignal::new(saved_here);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let who = name.get_untracked().trim().to_owned();
        if who.is_empty() {
            error.set(Some(
                "Enter your name: it is recorded with what you check.".into(),
            ));
            return;
        }
        state.set_operator(&who);
        match share::join(
            state,
            &user.get_untracked(),
            &password.get_untracked(),
            remember.get_untracked(),
        ) {
            Ok(()) => error.set(None),
            Err(why) => error.set(Some(format!("Not joined: {why}."))),
        }
    };
    let about = link
        .map(|l| {
            format!(
                "A shared run of team “{}” on {}.",
                l.team,
                l.servers.join(", ")
            )
        })
        .unwrap_or_default();
    let status = move || {
        state.sharing.status.get().map(|s| {
            let failed = matches!(s, Connection::Failed(_));
            view! {
                <p class=if failed { "error" } else { "hint" } role=if failed { "alert" } else { "status" }>
                    {s.label(0)}
                </p>
            }
        })
    };
    view! {
        <section class="join" aria-label="Join a shared run">
            <h1>"Join a shared run"</h1>
            <p>{about}</p>
            <form class="share-form" method="post" action="" on:submit=submit aria-label="Join with the team's credentials">
                <label>
                    "Your name"
                    <input
                        name="name"
                        type="text"
                        autocomplete="name"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                {credential_fields(user, password, remember)}
                <button type="submit" class="primary">"Join run"</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {status}
            </form>
        </section>
    }
}

/// The settings page's live-sharing panel: removes every relay password
/// saved on this device, and says how many.
#[component]
pub fn RelayCredentialsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let said = RwSignal::new(None::<String>);
    let forget = move |_| {
        let text = match share::forget_all_credentials() {
            Ok(0) => "No relay credentials were saved on this device.".to_owned(),
            Ok(1) => "Removed 1 saved relay credential.".to_owned(),
            Ok(n) => format!("Removed {n} saved relay credentials."),
            Err(why) => {
                state.notify(
                    NoticeKind::Error,
                    format!("The relay credentials could not all be removed: {why}."),
                );
                return;
            }
        };
        said.set(Some(text));
    };
    view! {
        <details class="recent relay-panel">
            <summary>"Live sharing"</summary>
            <p class="hint">
                "A team's relay password is saved on this device only when “Remember on this device” was ticked. Stopping sharing or deleting the run removes it; this removes them all. Connections open now stay open."
            </p>
            <button type="button" on:click=forget>"Forget relay credentials"</button>
            <p role="status">{move || said.get()}</p>
        </details>
    }
}

/// The notice about the open guide's secrets: the guide's hash, what it
/// says, and whether they were stripped from this browser since.
#[derive(Clone, PartialEq)]
pub struct Secrets {
    pub hash: String,
    pub text: String,
    pub stripped: bool,
}

thread_local! {
    // Counted, not owned by the view that first asks for it: it outlives
    // every run header.
    static SECRETS: ArcRwSignal<Option<Secrets>> = ArcRwSignal::new(None);
}

/// The notice about secrets, while there is one.
pub fn secrets() -> ArcRwSignal<Option<Secrets>> {
    SECRETS.with(Clone::clone)
}

/// Before a copy of the open guide leaves this browser (an export, a
/// share link, live sharing, an audit pack): says that its secrets are
/// masked in it, when it holds any, and offers to strip them here too.
pub fn say_secrets(state: AppState) {
    let Some(text) = state.secrets_notice() else {
        return;
    };
    let Some(hash) = state
        .guide
        .with_untracked(|g| g.as_ref().map(|g| g.hash.clone()))
    else {
        return;
    };
    secrets().set(Some(Secrets {
        hash,
        text,
        stripped: false,
    }));
}

/// The notice about the open guide's secrets, with "Strip them from this
/// browser too".
#[component]
pub fn SecretsNotice() -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = secrets();
    move || {
        let open = state.guide.with(|g| g.as_ref().map(|g| g.hash.clone()));
        let Secrets {
            hash,
            text,
            stripped,
        } = notice.get()?;
        let (notice, dismiss) = (notice.clone(), notice.clone());
        (Some(hash.clone()) == open).then(|| {
            let strip = move |_| {
                let said = state.strip_secrets();
                notice.set(Some(Secrets {
                    hash: hash.clone(),
                    text: said,
                    stripped: true,
                }));
            };
            view! {
                <div class="notice notice-info secrets-notice" role="status">
                    <span class="notice-text">{text}</span>
                    {(!stripped).then(|| view! {
                        " "
                        <button type="button" class="small" on:click=strip>
                            "Strip them from this browser too"
                        </button>
                    })}
                    <button
                        type="button"
                        class="notice-dismiss"
                        aria-label="Dismiss message"
                        on:click=move |_| dismiss.set(None)
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}

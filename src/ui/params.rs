//! Run parameters on the page: the panel of values, the field a step has
//! to note one, the form that asks for missing values before a copy, and
//! commands shown with the values in place.

use crate::params::{Ask, RunParams};
use crate::state::AppState;
use crate::ui::lazy::{self, ParamView};
use crate::ui::run::Shape;
use leptos::prelude::*;
use preflight_core::guide::params::{self, Param};
use preflight_core::run::params::MASK;
use preflight_core::run::Plan;
use preflight_core::text::highlight;
use std::collections::BTreeMap;

/// A parameter's name as the guide first wrote it, else its key.
fn written(p: Option<&Param>, key: &str) -> String {
    p.and_then(|p| p.written.first().cloned())
        .unwrap_or_else(|| key.to_owned())
}

/// A command's text with its placeholders: each shows its value, marked
/// (a secret's masked), or stays as written while it has none; between
/// them, the usual highlighting. `None` when the command has none.
pub fn filled_tokens(text: &str, lang: Option<&str>) -> Option<AnyView> {
    let rp = use_context::<RunParams>()?;
    // Only a command that could hold one waits for the guide's parameters.
    let could = ["<", "{{", "$", "["].iter().any(|m| text.contains(m))
        || text
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"your"));
    if !could {
        return None;
    }
    let (text, lang): (String, Option<String>) = (text.to_owned(), lang.map(str::to_owned));
    let (text2, lang2) = (text.clone(), lang.clone());
    let slots = Memo::new(move |_| {
        rp.found.with(|f| {
            f.as_ref()
                .map(|f| params::slots(&text2, lang2.as_deref().unwrap_or(""), &f.set))
                .unwrap_or_default()
        })
    });
    Some((move || tokens(rp, &text, lang.as_deref(), slots.get())).into_any())
}

/// A command's tokens with its placeholders at `slots`.
fn tokens(rp: RunParams, text: &str, lang: Option<&str>, slots: Vec<params::Slot>) -> AnyView {
    let mut parts: Vec<AnyView> = Vec::new();
    let mut at = 0;
    let plain = |s: &str, parts: &mut Vec<AnyView>| {
        for (tok, range) in highlight::spans(s, lang) {
            let part = s[range].to_owned();
            parts.push(match tok {
                highlight::Tok::Plain => part.into_any(),
                tok => view! { <span class=tok.class()>{part}</span> }.into_any(),
            });
        }
    };
    for slot in slots {
        if slot.range.start < at || slot.range.end > text.len() {
            continue;
        }
        plain(&text[at..slot.range.start], &mut parts);
        let (key, raw) = (slot.key, slot.written);
        let secret = params::is_secret(&key);
        parts.push(
            (move || {
                let value = rp.values.with(|v| v.get(&key).cloned());
                match value {
                    Some(v) => {
                        let title = format!("{raw} = {}", if secret { MASK } else { v.as_str() });
                        let shown = if secret { MASK.to_owned() } else { v };
                        view! {
                            <mark class="param-value" data-param=key.clone() title=title>
                                {shown}
                            </mark>
                        }
                        .into_any()
                    }
                    None => view! {
                        <span class="tok-placeholder param-missing" data-param=key.clone()>
                            {raw.clone()}
                        </span>
                    }
                    .into_any(),
                }
            })
            .into_any(),
        );
        at = slot.range.end;
    }
    plain(&text[at..], &mut parts);
    parts.into_any()
}

/// One parameter's form: its value set or changed here. `step`: the step
/// it is noted at. `keep` offers to keep a secret on this device.
#[component]
pub fn ParamField(key: String, step: Option<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let rp = expect_context::<RunParams>();
    let param = rp.param(&key);
    let secret = params::is_secret(&key);
    let name = written(param.as_ref(), &key);
    let id = format!(
        "param-{}{}",
        key,
        step.as_deref().map(|s| format!("-{s}")).unwrap_or_default()
    );
    let default = param.as_ref().and_then(|p| p.default.clone());
    // The field shows the current value (a secret's never), following a
    // change from elsewhere until the person edits it.
    let key1 = key.clone();
    let current = Memo::new(move |_| {
        rp.values
            .with(|v| v.get(&key1).cloned())
            .filter(|_| !secret)
    });
    let input = RwSignal::new(
        current
            .get_untracked()
            .or(default.clone().filter(|_| !secret))
            .unwrap_or_default(),
    );
    let edited = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(v) = current.get() {
            if !edited.get_untracked() {
                input.set(v);
            }
        }
    });
    let keep = RwSignal::new(false);
    let key2 = key.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = input.get_untracked();
        if value.trim().is_empty() {
            return;
        }
        if rp.set(state, &key2, &value, step.clone(), keep.get_untracked()) {
            edited.set(false);
            if secret {
                input.set(String::new());
            }
        }
    };
    let label = name.clone();
    let key3 = key.clone();
    let has = Memo::new(move |_| rp.values.with(|v| v.contains_key(&key3)));
    let description = param.as_ref().and_then(|p| p.description.clone());
    view! {
        <form class="param-form" on:submit=submit>
            <label for=id.clone()>
                <code class="param-name">{name}</code>
                {description.map(|d| view! { <span class="hint">{format!(" — {d}")}</span> })}
            </label>
            <input
                id=id
                type=if secret { "password" } else { "text" }
                name=key.clone()
                autocomplete="off"
                spellcheck="false"
                maxlength="2000"
                placeholder=default.unwrap_or_default()
                prop:value=move || input.get()
                on:input=move |ev| {
                    edited.set(true);
                    input.set(event_target_value(&ev));
                }
            />
            {secret
                .then(|| {
                    view! {
                        <label class="radio">
                            <input
                                type="checkbox"
                                prop:checked=move || keep.get()
                                on:change=move |ev| keep.set(event_target_checked(&ev))
                            />
                            "Keep on this device"
                        </label>
                    }
                })}
            <button
                type="submit"
                class="small"
                aria-label=move || format!("{} {label}", if has.get() { "Change" } else { "Set" })
            >
                {move || if has.get() { "Change" } else { "Set" }}
            </button>
        </form>
    }
}

/// A parameter's value as shown: masked for a secret, who set it when.
fn value_line(rp: RunParams, state: AppState, key: String) -> impl IntoView {
    move || {
        let secret = params::is_secret(&key);
        let here = rp.values.with(|v| v.get(&key).cloned());
        let logged = state.run_state.with(|st| st.params.get(&key).cloned());
        let value = match (&here, &logged) {
            (Some(_), _) if secret => MASK.to_owned(),
            (Some(v), _) => v.clone(),
            (None, Some(_)) => format!("{MASK} (secret, on the device that set it)"),
            (None, None) => "not set".to_owned(),
        };
        let by = logged.map(|p| {
            format!(
                " · set by {} at {}{}",
                p.by,
                crate::effects::clock::local_hm(p.at_ms),
                if p.times > 1 {
                    format!(", changed {} time(s)", p.times - 1)
                } else {
                    String::new()
                }
            )
        });
        view! {
            <span class="param-shown" class:unset=here.is_none()>
                <span class="param-current">{value}</span>
                <span class="hint">{by}</span>
            </span>
        }
    }
}

/// The run's parameters panel, once the guide's are read and it has any:
/// loaded with their module.
pub fn panel() -> impl IntoView {
    let rp = expect_context::<RunParams>();
    let any = Memo::new(move |_| {
        rp.found
            .with(|f| f.as_ref().is_some_and(|f| !f.params.is_empty()))
    });
    move || any.get().then(|| lazy::params_view(ParamView::Panel))
}

/// The question before a copy, while there is one: loaded with the
/// parameters' module.
pub fn ask() -> impl IntoView {
    let rp = expect_context::<RunParams>();
    let open = Memo::new(move |_| rp.asking.with(Option::is_some));
    move || open.get().then(|| lazy::params_view(ParamView::Ask))
}

/// The run's parameters: each with its value, who set it, and a form to
/// set or change it (not in a read-only copy or a finished run).
#[component]
pub fn ParamsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rp = expect_context::<RunParams>();
    move || {
        let list = rp.found.get()?;
        if list.params.is_empty() {
            return None;
        }
        let writable = !state.read_only.get() && !state.finished.get();
        let rows = list
            .params
            .iter()
            .map(|p| {
                let key = params::key(&p.name);
                let used = match p.lines.len() {
                    0 => "declared, not used".to_owned(),
                    1 => format!("line {}", p.lines[0]),
                    n => format!("{n} lines"),
                };
                let name = written(Some(p), &key);
                view! {
                    <li class="param" data-param=key.clone()>
                        {if writable {
                            view! { <ParamField key=key.clone() step=None /> }.into_any()
                        } else {
                            view! { <code class="param-name">{name}</code> }.into_any()
                        }}
                        {value_line(rp, state, key.clone())}
                        <span class="hint">{format!(" · {used}")}</span>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="params" aria-labelledby="params-title">
                <h2 id="params-title">"Parameters"</h2>
                <p class="hint">
                    "Put into the guide's commands wherever they appear; Copy and "
                    <kbd>"c"</kbd>
                    " copy commands with them. A secret's value stays on this device."
                </p>
                <ul class="param-list">{rows}</ul>
            </section>
        })
    }
}

/// The fields of a step that notes a value for later steps.
pub fn capture(id: &str, shape: Shape) -> impl IntoView {
    let state = expect_context::<AppState>();
    let rp = use_context::<RunParams>();
    let id = id.to_owned();
    move || {
        let rp = rp?;
        if state.read_only.get() || state.finished.get() || shape != Shape::Item {
            return None;
        }
        let keys = rp.captures.with(|c| c.get(&id).cloned())?;
        Some(view! {
            <div class="param-capture" role="group" aria-label="Note a value for later steps">
                {keys
                    .into_iter()
                    .map(|key| lazy::params_view(ParamView::Field(key, Some(id.clone()))))
                    .collect_view()}
            </div>
        })
    }
}

/// Asks for the values a command misses before it is copied; once they
/// are given, they are set (in a run) and the command is copied.
#[component]
pub fn AskValues() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rp = expect_context::<RunParams>();
    move || {
        let ask: Ask = rp.asking.get()?;
        let inputs: Vec<(String, RwSignal<String>)> = ask
            .missing
            .iter()
            .map(|k| {
                let default = rp
                    .param(k)
                    .and_then(|p| p.default)
                    .filter(|_| !params::is_secret(k));
                (k.clone(), RwSignal::new(default.unwrap_or_default()))
            })
            .collect();
        let fields = inputs
            .iter()
            .map(|(key, value)| {
                let value = *value;
                let secret = params::is_secret(key);
                let param = rp.param(key);
                let name = written(param.as_ref(), key);
                let description = param.and_then(|p| p.description);
                view! {
                    <label class="param-ask-field">
                        <code class="param-name">{name}</code>
                        {description.map(|d| view! { <span class="hint">{format!(" — {d}")}</span> })}
                        <input
                            type=if secret { "password" } else { "text" }
                            name=key.clone()
                            autocomplete="off"
                            spellcheck="false"
                            maxlength="2000"
                            required
                            prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))
                        />
                    </label>
                }
            })
            .collect_view();
        let confirm = ask.missing.is_empty();
        let warning = ask.warning.clone();
        let asked = ask.clone();
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if confirm {
                rp.close();
                rp.copy_asked(state, &asked);
                return;
            }
            for (key, value) in &inputs {
                let v = value.get_untracked();
                if v.trim().is_empty() || !rp.set(state, key, &v, None, false) {
                    return;
                }
            }
            rp.close();
            // Filled now; a value the shell reads as more than text asks
            // once more.
            rp.copy(state, &asked.command, &asked.lang, None);
        };
        let cancel = move |_| rp.close();
        let on_key = move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                ev.stop_propagation();
                rp.close();
            }
        };
        let (title, button) = if confirm {
            ("Check before copying", "Copy anyway")
        } else {
            ("Values needed before copying", "Set and copy")
        };
        Some(view! {
            <div
                class="param-ask"
                id="param-ask"
                role="dialog"
                aria-labelledby="param-ask-title"
                on:keydown=on_key
            >
                <form on:submit=submit>
                    <h2 id="param-ask-title">{title}</h2>
                    {warning.map(|w| view! { <p class="param-warning" role="alert">{w}</p> })}
                    <pre class="code param-ask-command">
                        <code>{crate::ui::params::filled_tokens(&ask.command, Some(ask.lang.as_str()).filter(|l| !l.is_empty())).unwrap_or_else(|| ask.command.clone().into_any())}</code>
                    </pre>
                    {fields}
                    <div class="run-actions">
                        <button type="submit" class="primary">{button}</button>
                        <button type="button" on:click=cancel>"Cancel"</button>
                    </div>
                </form>
            </div>
        })
    }
}

/// The start form's fields: the parameters no step of `plan` notes
/// during the run, a default filled in; `values` (key → value) is what
/// the run starts with.
pub fn start_fields(plan: &Plan, values: RwSignal<BTreeMap<String, String>>) -> AnyView {
    let rp = expect_context::<RunParams>();
    let Some(found) = rp.found.get_untracked() else {
        return ().into_any();
    };
    let steps = plan
        .run_phases()
        .flat_map(|p| &p.steps)
        .map(|s| (s.id.as_str(), s.line, s.text.as_str()));
    let noted: Vec<String> = params::captures(&found, steps)
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    let asked: Vec<&Param> = found
        .params
        .iter()
        .filter(|p| !noted.contains(&params::key(&p.name)))
        .collect();
    if asked.is_empty() {
        return ().into_any();
    }
    values.update(|v| {
        for p in &asked {
            if let Some(d) = p.default.clone().filter(|_| !p.secret) {
                v.entry(params::key(&p.name)).or_insert(d);
            }
        }
    });
    let fields = asked
        .iter()
        .map(|p| {
            let key = params::key(&p.name);
            let name = written(Some(p), &key);
            let (k1, k2) = (key.clone(), key.clone());
            view! {
                <label>
                    <code class="param-name">{name}</code>
                    {p.description.clone().map(|d| view! { <span class="hint">{format!(" — {d}")}</span> })}
                    <input
                        type=if p.secret { "password" } else { "text" }
                        name=format!("param-{key}")
                        autocomplete="off"
                        spellcheck="false"
                        maxlength="2000"
                        prop:value=move || values.with(|v| v.get(&k1).cloned().unwrap_or_default())
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            values.update(|v| {
                                v.insert(k2.clone(), value);
                            });
                        }
                    />
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="start-params">
            <legend>"Parameters"</legend>
            <p class="hint">
                "Put into the guide's commands. Leave one empty to give it when a command needs it."
            </p>
            <div class="start-fields">{fields}</div>
        </fieldset>
    }
    .into_any()
}

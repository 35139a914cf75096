//! The menu button (the WAI-ARIA menu button pattern): a button that
//! opens a list of actions.
//!
//! Keyboard: Enter, Space or ↓ on the button open the menu on its first
//! item, ↑ on its last; ↑ ↓ move between items (wrapping), Home and End go
//! to the first and last; Escape closes the menu and gives focus back to
//! the button; Tab closes it. Choosing an item closes the menu; focus goes
//! back to the button unless the item moved it (to a form it opened).
//!
//! Items are `<button role="menuitem">` (or `menuitemcheckbox`) children;
//! the list stays in the page while closed (`hidden`), so every action
//! keeps one place and one name.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn items(list: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let Ok(nodes) = list.query_selector_all("[role^=menuitem]") else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| !e.hidden() && !e.has_attribute("disabled"))
        .collect()
}

fn active_in(list: &web_sys::HtmlElement) -> Option<usize> {
    let active = web_sys::window()?.document()?.active_element()?;
    items(list).iter().position(|e| {
        let e: &web_sys::Element = e.as_ref();
        *e == active
    })
}

/// Where to put focus when the menu opens.
#[derive(Clone, Copy)]
enum At {
    First,
    Last,
    Next,
    Previous,
}

#[component]
pub fn Menu(
    /// The button's text, also the menu's name.
    label: &'static str,
    /// Unique in the page: the list's id is `{id}-menu`.
    id: &'static str,
    children: Children,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let list = NodeRef::<html::Div>::new();
    let focus = move |at: At| {
        let Some(list) = list.get_untracked() else {
            return;
        };
        let list: web_sys::HtmlElement = list.into();
        // Shown now, so that the item can take focus before the next
        // render.
        list.set_hidden(false);
        let all = items(&list);
        if all.is_empty() {
            return;
        }
        let n = all.len();
        let i = match (at, active_in(&list)) {
            (At::First, _) | (At::Next, None) => 0,
            (At::Last, _) | (At::Previous, None) => n - 1,
            (At::Next, Some(i)) => (i + 1) % n,
            (At::Previous, Some(i)) => (i + n - 1) % n,
        };
        let _ = all[i].focus();
    };
    let close = move |to_button: bool| {
        open.set(false);
        if let Some(list) = list.get_untracked() {
            let list: web_sys::HtmlElement = list.into();
            list.set_hidden(true);
        }
        if to_button {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let on_button_key = move |ev: leptos::ev::KeyboardEvent| {
        let at = match ev.key().as_str() {
            "ArrowDown" | "Enter" | " " => At::First,
            "ArrowUp" => At::Last,
            _ => return,
        };
        ev.prevent_default();
        open.set(true);
        focus(at);
    };
    let on_list_key = move |ev: leptos::ev::KeyboardEvent| {
        let at = match ev.key().as_str() {
            "ArrowDown" => At::Next,
            "ArrowUp" => At::Previous,
            "Home" => At::First,
            "End" => At::Last,
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                close(true);
                return;
            }
            "Tab" => {
                close(false);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        focus(at);
    };
    // An item was chosen: its own handler has run.
    let on_list_click = move |ev: leptos::ev::MouseEvent| {
        let on_item = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[role^=menuitem]").ok().flatten())
            .is_some();
        if !on_item {
            return;
        }
        let stayed = list.get_untracked().is_some_and(|l| {
            let l: web_sys::HtmlElement = l.into();
            active_in(&l).is_some()
        });
        close(stayed);
    };
    // Focus left the menu and its button: close it.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(
                ev.current_target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
            )
            .is_some_and(|(to, wrap)| wrap.contains(Some(&to)));
        if !inside && open.get_untracked() {
            close(false);
        }
    };
    let list_id = format!("{id}-menu");
    let button_id = format!("{id}-button");
    view! {
        <div class="menu" on:focusout=on_focus_out>
            <button
                type="button"
                id=button_id.clone()
                class="menu-button"
                aria-haspopup="menu"
                aria-controls=list_id.clone()
                aria-expanded=move || open.get().to_string()
                node_ref=button
                on:keydown=on_button_key
                on:click=move |_| {
                    if open.get_untracked() {
                        close(false);
                    } else {
                        open.set(true);
                        focus(At::First);
                    }
                }
            >
                {label}
                <span class="menu-caret" aria-hidden="true">" ▾"</span>
            </button>
            <div
                id=list_id
                class="menu-list"
                role="menu"
                aria-labelledby=button_id
                hidden=move || !open.get()
                node_ref=list
                on:keydown=on_list_key
                on:click=on_list_click
            >
                {children()}
            </div>
        </div>
    }
}

/// One action of a [`Menu`], left out of the keyboard's way and hidden
/// while `hidden` holds (not available here, or not now).
pub fn item(
    label: &'static str,
    hidden: impl Fn() -> bool + Send + Sync + 'static,
    act: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button type="button" role="menuitem" tabindex="-1" hidden=hidden on:click=move |_| act()>
            {label}
        </button>
    }
}

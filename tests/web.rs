//! Browser unit tests: the real app mounted in headless Chromium.
//! Run by `scripts/test` as `cargo test --target wasm32-unknown-unknown --test web`.
#![cfg(target_arch = "wasm32")]

use preflight::app::{App, EXAMPLE_GUIDE};
use preflight_core::{guide_hash, parse, Progress};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Mounts a fresh app into its own container; dropping the handle unmounts.
async fn mount() -> (web_sys::HtmlElement, impl Drop) {
    let container: web_sys::HtmlElement = document()
        .create_element("div")
        .unwrap()
        .dyn_into()
        .unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone(), App);
    leptos::task::tick().await;
    (container, handle)
}

fn checkboxes(root: &web_sys::HtmlElement, selector: &str) -> Vec<web_sys::HtmlInputElement> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().dyn_into().unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn example_renders_every_task_as_a_checkbox_with_guide_state() {
    storage().clear().unwrap();
    let (root, _app) = mount().await;
    let doc = parse(EXAMPLE_GUIDE);
    let all = checkboxes(&root, "input[type=checkbox]");
    assert_eq!(all.len(), doc.tasks.len());
    assert!(all.len() >= 15, "the example is a realistic guide");
    let checked = checkboxes(&root, "input[type=checkbox]:checked");
    assert_eq!(
        checked.len(),
        doc.tasks.iter().filter(|t| t.checked).count()
    );
    assert!(!checked.is_empty(), "the example has a pre-checked task");
    // Each checkbox sits in a <label> with the task's text: its accessible name.
    let label = all[0].closest("label").unwrap().unwrap();
    assert_eq!(label.text_content().unwrap().trim(), doc.tasks[0].text);
    let h1 = root.query_selector("h1").unwrap().unwrap();
    assert_eq!(h1.text_content().unwrap(), doc.title.unwrap());
}

#[wasm_bindgen_test]
async fn clicking_a_task_saves_it_and_a_new_mount_restores_it() {
    storage().clear().unwrap();
    let doc = parse(EXAMPLE_GUIDE);
    let first_open = doc.tasks.iter().position(|t| !t.checked).unwrap();
    let key = Progress::storage_key(&guide_hash(EXAMPLE_GUIDE));
    {
        let (root, _app) = mount().await;
        let boxes = checkboxes(&root, "input[type=checkbox]");
        boxes[first_open].click();
        leptos::task::tick().await;
        assert!(boxes[first_open].checked());
        let li = boxes[first_open].closest("li").unwrap().unwrap();
        assert!(li.class_list().contains("done"));
        let stored = storage().get_item(&key).unwrap().expect("progress saved");
        let progress = Progress::decode(&stored, &guide_hash(EXAMPLE_GUIDE)).unwrap();
        assert_eq!(progress.tasks.get(&doc.tasks[first_open].id), Some(&true));
        let count = root
            .query_selector(".guide-status .count")
            .unwrap()
            .unwrap();
        let done = doc.tasks.iter().filter(|t| t.checked).count() + 1;
        assert_eq!(
            count.text_content().unwrap(),
            format!("{done} of {} tasks done", doc.tasks.len())
        );
    }
    let (root, _app) = mount().await;
    assert!(checkboxes(&root, "input[type=checkbox]")[first_open].checked());
}

#[wasm_bindgen_test]
async fn unchecking_a_pre_checked_task_is_remembered() {
    storage().clear().unwrap();
    let doc = parse(EXAMPLE_GUIDE);
    let pre = doc.tasks.iter().position(|t| t.checked).unwrap();
    {
        let (root, _app) = mount().await;
        checkboxes(&root, "input[type=checkbox]")[pre].click();
        leptos::task::tick().await;
    }
    let (root, _app) = mount().await;
    assert!(!checkboxes(&root, "input[type=checkbox]")[pre].checked());
}

#[wasm_bindgen_test]
async fn damaged_progress_is_set_aside_and_reported() {
    storage().clear().unwrap();
    let key = Progress::storage_key(&guide_hash(EXAMPLE_GUIDE));
    storage().set_item(&key, "{\"schema\":1,\"gui").unwrap();
    let (root, _app) = mount().await;
    let quarantined: Vec<String> = (0..storage().length().unwrap())
        .filter_map(|i| storage().key(i).unwrap())
        .filter(|k| k.starts_with("preflight.quarantine."))
        .collect();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(
        storage().get_item(&quarantined[0]).unwrap().as_deref(),
        Some("{\"schema\":1,\"gui")
    );
    let notice = root.query_selector(".notice-warning").unwrap().unwrap();
    assert!(notice.text_content().unwrap().contains("could not be read"));
    // The guide still renders and works.
    assert_eq!(
        checkboxes(&root, "input[type=checkbox]").len(),
        parse(EXAMPLE_GUIDE).tasks.len()
    );
}

#[wasm_bindgen_test]
async fn progress_from_a_newer_version_is_left_untouched() {
    storage().clear().unwrap();
    let key = Progress::storage_key(&guide_hash(EXAMPLE_GUIDE));
    let newer = r#"{"schema":99,"guide":"x","future":true}"#;
    storage().set_item(&key, newer).unwrap();
    let (root, _app) = mount().await;
    checkboxes(&root, "input[type=checkbox]")[1].click();
    leptos::task::tick().await;
    assert_eq!(storage().get_item(&key).unwrap().as_deref(), Some(newer));
    let text = root.text_content().unwrap();
    assert!(text.contains("newer Preflight"), "{text}");
}

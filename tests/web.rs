//! Browser unit tests: the real app mounted in headless Chromium.
//! Run by `scripts/test` as `cargo test --target wasm32-unknown-unknown --test web`.
#![cfg(target_arch = "wasm32")]

use preflight::app::App;
use preflight::state::EXAMPLE_GUIDE;
use preflight_core::{parse, Run};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// A fresh browser: no storage, no run in the address.
fn reset() {
    storage().clear().unwrap();
    web_sys::window().unwrap().location().set_hash("").unwrap();
}

fn click(root: &web_sys::HtmlElement, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into::<web_sys::HtmlElement>()
        .unwrap()
        .click();
}

/// Starts a run of the example from the start form, as "Ana".
async fn start_run(root: &web_sys::HtmlElement) -> String {
    click(root, ".start-run button[type=submit]");
    leptos::task::tick().await;
    let hash = web_sys::window().unwrap().location().hash().unwrap();
    hash.strip_prefix("#run=")
        .expect("run in the address")
        .to_owned()
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
async fn preview_shows_every_task_as_the_guide_wrote_it() {
    reset();
    let (root, _app) = mount().await;
    let doc = parse(EXAMPLE_GUIDE);
    let all = checkboxes(&root, ".guide input[type=checkbox]");
    assert_eq!(all.len(), doc.tasks.len());
    assert!(all.len() >= 15, "the example is a realistic guide");
    assert!(
        all.iter().all(|b| b.disabled()),
        "nothing is checked outside a run"
    );
    let checked = checkboxes(&root, ".guide input[type=checkbox]:checked");
    assert_eq!(
        checked.len(),
        doc.tasks.iter().filter(|t| t.checked).count()
    );
    let h1 = root.query_selector("h1").unwrap().unwrap();
    assert_eq!(h1.text_content().unwrap(), doc.title.unwrap());
    assert!(root.query_selector(".start-run").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_started_run_saves_each_check_and_reopens_from_the_address() {
    reset();
    storage().set_item("preflight.operator", "Ana").unwrap();
    let (id, step) = {
        let (root, _app) = mount().await;
        let id = start_run(&root).await;
        // The first pending step is the current one.
        let current = root.query_selector(".step.current").unwrap().unwrap();
        let step = current.get_attribute("data-step").unwrap();
        let bx: web_sys::HtmlInputElement = current
            .query_selector("input[type=checkbox]")
            .unwrap()
            .unwrap()
            .dyn_into()
            .unwrap();
        bx.click();
        leptos::task::tick().await;
        assert!(bx.checked());
        assert_eq!(
            current.get_attribute("data-status").as_deref(),
            Some("done")
        );
        let meta = current.query_selector(".step-meta").unwrap().unwrap();
        assert!(meta.text_content().unwrap().contains("by Ana"));
        let stored = storage()
            .get_item(&Run::storage_key(&id))
            .unwrap()
            .expect("run saved");
        assert_eq!(Run::decode(&stored).unwrap().operator, "Ana");
        // The check-off itself is one small event key beside the snapshot.
        let event_keys = (0..storage().length().unwrap())
            .filter_map(|i| storage().key(i).unwrap())
            .filter(|k| k.starts_with(&format!("preflight.ev.{id}.")))
            .count();
        assert_eq!(event_keys, 1);
        let Ok((preflight::persist::Opened::Run(loaded), _)) = preflight::persist::open(&id) else {
            panic!("the run reads back");
        };
        assert_eq!(loaded.run.events.len(), 1);
        (id, step)
    };
    // A reload: the address still names the run.
    let (root, _app) = mount().await;
    assert!(root.query_selector(".run-header").unwrap().is_some());
    let row = root
        .query_selector(&format!("[data-step='{step}']"))
        .unwrap()
        .unwrap();
    assert_eq!(row.get_attribute("data-status").as_deref(), Some("done"));
    assert!(storage()
        .get_item("preflight.runs")
        .unwrap()
        .unwrap()
        .contains(&id));
}

#[wasm_bindgen_test]
async fn a_damaged_run_is_set_aside_and_reported() {
    reset();
    let key = Run::storage_key("0bad");
    storage().set_item(&key, "{\"schema\":1,\"id").unwrap();
    web_sys::window()
        .unwrap()
        .location()
        .set_hash("run=0bad")
        .unwrap();
    let (root, _app) = mount().await;
    let quarantined: Vec<String> = (0..storage().length().unwrap())
        .filter_map(|i| storage().key(i).unwrap())
        .filter(|k| k.starts_with("preflight.quarantine."))
        .collect();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(
        storage().get_item(&quarantined[0]).unwrap().as_deref(),
        Some("{\"schema\":1,\"id")
    );
    let notice = root.query_selector(".notice-error").unwrap().unwrap();
    assert!(notice.text_content().unwrap().contains("could not be read"));
    // The example still opens, ready for a run.
    assert!(root.query_selector(".start-run").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_run_from_a_newer_version_is_left_untouched() {
    reset();
    let key = Run::storage_key("0new");
    let newer = r#"{"schema":99,"id":"0new","future":true}"#;
    storage().set_item(&key, newer).unwrap();
    web_sys::window()
        .unwrap()
        .location()
        .set_hash("run=0new")
        .unwrap();
    let (root, _app) = mount().await;
    assert_eq!(storage().get_item(&key).unwrap().as_deref(), Some(newer));
    let text = root.text_content().unwrap();
    assert!(text.contains("newer Preflight"), "{text}");
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn many_event_keys_are_compacted_into_the_snapshot_under_a_lock() {
    reset();
    let guide = preflight_core::Guide::parse(EXAMPLE_GUIDE);
    let mut run = Run::new(
        [3; 16],
        &guide,
        "h",
        "Ana",
        Default::default(),
        1_000,
        Run::default_window(&guide, 1_000),
    );
    run.writer = "t".into();
    let plan = run.plan(&guide);
    preflight::persist::save_snapshot(&run).unwrap();
    let step = plan.run_steps().nth(1).unwrap().1.id.clone();
    for i in 0..70 {
        let action = preflight_core::Action::Note {
            step: Some(step.clone()),
            text: format!("note {i}"),
        };
        let id = run.record(&plan, 2_000 + i, "Ana", action).unwrap();
        preflight::persist::save_event(&run, &id).unwrap();
    }
    let event_keys = || {
        (0..storage().length().unwrap())
            .filter_map(|i| storage().key(i).unwrap())
            .filter(|k| k.starts_with(&format!("preflight.ev.{}.", run.id)))
            .count()
    };
    assert_eq!(event_keys(), 70);
    preflight::persist::compact_soon(&run.id);
    // The lock is granted asynchronously; give a busy machine time.
    for _ in 0..250 {
        if event_keys() == 0 {
            break;
        }
        sleep_ms(20).await;
    }
    assert_eq!(event_keys(), 0, "folded into the snapshot");
    let stored = storage()
        .get_item(&Run::storage_key(&run.id))
        .unwrap()
        .unwrap();
    let snapshot = Run::decode(&stored).unwrap();
    assert_eq!(snapshot.events.len(), 70);
    let Ok((preflight::persist::Opened::Run(loaded), _)) = preflight::persist::open(&run.id) else {
        panic!("the run reads back");
    };
    assert_eq!(loaded.run.events, snapshot.events);
}

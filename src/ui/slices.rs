//! Long guides render in slices: the first screenful while the page
//! mounts, then the rest a few sections at a time, each slice a task of
//! its own, so a run of thousands of steps answers input from the start.
//!
//! Nothing stays out of the page for long: the slices follow one another
//! as soon as input and frames let them, printing renders whatever is left at
//! once (`beforeprint`), and moving to a step or section not rendered yet
//! (keyboard, "Go to", a link to a phase) renders its slice first.
//! Sections off screen skip their layout and paint through CSS
//! (`content-visibility: auto`), which the browser's find still searches.

use crate::effects::{marks, tasks};
use leptos::prelude::*;
use preflight_core::guide::Phase;
use preflight_core::Block;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// How much of the guide renders while the page mounts, in list items and
/// blocks (whole sections): several screenfuls, even on a tall screen.
const FIRST: usize = 100;
/// How much each later slice holds (a section at least).
const SLICE: usize = 100;
/// How long each task renders slices before the browser gets the main
/// thread back.
const TASK_MS: f64 = 40.0;

/// One rendering of a guide: which sections it put off, in which slice.
pub struct Budget {
    used: Cell<usize>,
    /// Each slice: whether it renders now, and how much it holds.
    slices: RefCell<Vec<(RwSignal<bool>, usize)>>,
    /// Phase and step id (every section and step inside a put-off
    /// section too) → its slice.
    ids: RefCell<HashMap<String, usize>>,
}

/// The slices of the guide on the page.
struct Later {
    doc: u64,
    slices: Vec<RwSignal<bool>>,
    ids: HashMap<String, usize>,
    /// The whole guide is in the page.
    complete: bool,
}

thread_local! {
    static LATER: RefCell<Option<Later>> = const { RefCell::new(None) };
    static DOCS: Cell<u64> = const { Cell::new(0) };
    static PRINT: Cell<bool> = const { Cell::new(false) };
}

impl Default for Budget {
    fn default() -> Self {
        Self::new()
    }
}

impl Budget {
    pub fn new() -> Budget {
        Budget {
            used: Cell::new(0),
            slices: RefCell::new(Vec::new()),
            ids: RefCell::new(HashMap::new()),
        }
    }

    /// Counts blocks rendered now (the preamble).
    pub fn spend(&self, blocks: &[Block]) {
        self.used
            .set(self.used.get() + blocks.iter().map(weight).sum::<usize>());
    }

    /// Whether the section `p` renders now (`None`: its content counts
    /// against the first screenful) or later: the signal that renders it.
    pub fn defer(&self, p: &Phase) -> Option<RwSignal<bool>> {
        if self.used.get() < FIRST {
            self.used.set(self.used.get() + own_weight(p));
            return None;
        }
        let mut slices = self.slices.borrow_mut();
        if slices.last().is_none_or(|(_, held)| *held >= SLICE) {
            slices.push((RwSignal::new(false), 0));
        }
        let index = slices.len() - 1;
        let (ready, held) = slices.last_mut()?;
        *held += tree_weight(p);
        let ready = *ready;
        drop(slices);
        fn register(p: &Phase, index: usize, ids: &mut HashMap<String, usize>) {
            ids.insert(p.id.clone(), index);
            for step in &p.steps {
                ids.insert(step.id.clone(), index);
                for sub in &step.substeps {
                    ids.insert(sub.id.clone(), index);
                }
            }
            for s in &p.sections {
                register(s, index, ids);
            }
        }
        register(p, index, &mut self.ids.borrow_mut());
        Some(ready)
    }

    /// Whether any section was put off.
    pub fn deferred(&self) -> bool {
        !self.slices.borrow().is_empty()
    }

    /// Makes these the slices of the guide on the page and starts
    /// rendering them, one task each.
    pub fn finish(self) {
        let doc = DOCS.with(|d| {
            d.set(d.get() + 1);
            d.get()
        });
        let slices: Vec<RwSignal<bool>> = self
            .slices
            .into_inner()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let any = !slices.is_empty();
        LATER.with(|l| {
            *l.borrow_mut() = Some(Later {
                doc,
                slices,
                ids: self.ids.into_inner(),
                complete: false,
            })
        });
        if !PRINT.with(|p| p.replace(true)) {
            tasks::before_print(|| {
                reveal_all();
            });
        }
        if any {
            pump(doc);
        } else {
            complete(doc);
        }
    }
}

/// Renders the slices not rendered yet, in order, in tasks of their own:
/// each task renders slices for about [`TASK_MS`], then input and frames
/// come in before the next.
fn pump(doc: u64) {
    leptos::task::spawn_local(async move {
        loop {
            tasks::yield_task().await;
            let start = tasks::monotonic_ms();
            loop {
                let Some(slice) = next_pending(doc) else {
                    complete(doc);
                    return;
                };
                slice.try_set(true);
                // The slice's view is built in the executor's next tick.
                leptos::task::tick().await;
                if tasks::monotonic_ms() - start >= TASK_MS {
                    break;
                }
            }
        }
    });
}

/// The first slice of guide `doc` not rendered yet, while it is the
/// guide on the page.
fn next_pending(doc: u64) -> Option<RwSignal<bool>> {
    LATER.with(|l| {
        let l = l.borrow();
        let l = l.as_ref().filter(|l| l.doc == doc)?;
        l.slices
            .iter()
            .copied()
            .find(|s| s.try_get_untracked() == Some(false))
    })
}

/// Marks the moment the whole guide `doc` is in the page, once.
fn complete(doc: u64) {
    let first = LATER.with(|l| {
        let mut l = l.borrow_mut();
        let l = l.as_mut().filter(|l| l.doc == doc)?;
        Some(!std::mem::replace(&mut l.complete, true))
    });
    if first == Some(true) {
        marks::mark("preflight:render-complete");
    }
}

/// Renders every slice not rendered yet; whether there was any.
pub fn reveal_all() -> bool {
    let pending: Vec<RwSignal<bool>> = LATER.with(|l| {
        l.borrow()
            .as_ref()
            .map(|l| {
                l.slices
                    .iter()
                    .copied()
                    .filter(|s| s.try_get_untracked() == Some(false))
                    .collect()
            })
            .unwrap_or_default()
    });
    for slice in &pending {
        slice.try_set(true);
    }
    !pending.is_empty()
}

/// Does `act` with the section or step `id` once it is in the page: at
/// once, or, when its slice was not rendered yet, after rendering it.
pub fn when_rendered(id: &str, act: fn(&str)) {
    if reveal(id) {
        let id = id.to_owned();
        leptos::task::spawn_local(async move {
            leptos::task::tick().await;
            act(&id);
        });
    } else {
        act(id);
    }
}

/// Renders the slice holding the section or step `id`; whether it was
/// not rendered yet (it is in the page after the next tick).
fn reveal(id: &str) -> bool {
    let slice = LATER.with(|l| {
        let l = l.borrow();
        let l = l.as_ref()?;
        let index = *l.ids.get(id)?;
        l.slices.get(index).copied()
    });
    match slice {
        Some(slice) if slice.try_get_untracked() == Some(false) => {
            slice.try_set(true);
            true
        }
        _ => false,
    }
}

/// A block's share of the rendering: list items, rows and blocks.
fn weight(block: &Block) -> usize {
    match block {
        Block::List { items, .. } => items
            .iter()
            .map(|i| 1 + i.blocks.iter().map(weight).sum::<usize>())
            .sum(),
        Block::Quote(inner) => 1 + inner.iter().map(weight).sum::<usize>(),
        Block::Table { rows, .. } => 1 + rows.len(),
        Block::Code { text, .. } => 1 + text.len() / 400,
        _ => 1,
    }
}

fn own_weight(p: &Phase) -> usize {
    1 + p.blocks.iter().map(weight).sum::<usize>()
}

fn tree_weight(p: &Phase) -> usize {
    own_weight(p) + p.sections.iter().map(tree_weight).sum::<usize>()
}

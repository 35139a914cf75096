//! The Leptos hello world that Preflight's bundle size is compared with.

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| view! { <p>"Hello, world!"</p> });
}

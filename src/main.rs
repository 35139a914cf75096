//! Browser entry point, built for `wasm32-unknown-unknown` by Trunk.

fn main() {
    preflight::start();
}

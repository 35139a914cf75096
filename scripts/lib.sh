# Shared by scripts/serve, scripts/test and scripts/bench: finds or installs
# every tool Preflight builds and tests with. Each step does nothing when the
# right version is already there, so warm runs are quick.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# nats-server installs into /usr/sbin.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH:/usr/sbin"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
WASM_SPLIT_VERSION=0.2.4

say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: '$*' needs root (or sudo)" >&2; return 1
  fi
}

APT_UPDATED=
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "installing Node.js and npm"
    apt_install nodejs npm
  fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "installing trunk $TRUNK_VERSION (takes a few minutes once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  # Trunk uses the wasm-bindgen on PATH when its version matches exactly;
  # the same install brings wasm-bindgen-test-runner for browser unit tests.
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION" ||
     ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

ensure_wasm_split() {
  # Splits the release wasm into the first screen's module and modules
  # loaded when used (scripts/split.mjs, run by Trunk after each build).
  if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    say "installing wasm-split-cli $WASM_SPLIT_VERSION"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
  fi
}

ensure_npm_deps() {
  # wasm-opt comes from the npm package binaryen@132.0.0: Debian's binaryen
  # is too old and produces a module that fails to load.
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] ||
     [ ! -d node_modules/@nats-io/jetstream ] || [ ! -f node_modules/axe-core/axe.min.js ] ||
     [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages (binaryen, playwright-core, esbuild, NATS clients, axe-core)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

ensure_chromium() {
  # The emoji font only makes screenshots show guides' emoji; poppler-utils
  # (pdftotext, pdftoppm) reads back the PDFs the print tests make.
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 ||
     ! command -v pdftotext >/dev/null 2>&1 ||
     [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
    say "installing Chromium, ChromeDriver, an emoji font and poppler-utils"
    apt_install chromium chromium-driver fonts-noto-color-emoji poppler-utils
  fi
  export CHROME_PATH="${CHROME_PATH:-$(command -v chromium)}"
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
}

ensure_nats() {
  # The relay of live shared runs (tests start their own on 127.0.0.1).
  if ! command -v nats-server >/dev/null 2>&1; then
    say "installing nats-server"
    apt_install nats-server
  fi
}

ensure_crates() {
  # Trunk builds offline (Trunk.toml), so every crate must be in the cache.
  cargo fetch --locked --quiet
}

ensure_build_tools() {
  ensure_node
  ensure_wasm_target
  ensure_npm_deps
  ensure_trunk
  ensure_wasm_bindgen
  ensure_wasm_split
  ensure_crates
}

# Prints the raw, gzip and brotli sizes of the built app's critical path,
# and fails when it grows past a budget (about 1 % over the 590.5 KB of the
# build with run parameters, whose first-screen share is 18.4 KB: a
# regression guard, not the 170 KB goal in BENCHMARKS.md).
report_size() {
  SIZE_BUDGET_BROTLI_KB="${SIZE_BUDGET_BROTLI_KB:-595}" node "$ROOT/scripts/size.mjs" "$ROOT/dist"
}

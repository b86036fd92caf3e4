#!/usr/bin/env bash
# Builds the plugins only the benchmark uses (npm run bench runs this itself):
#   build/benchmark/markdown-page.wasm     benchmark/plugins/markdown-page/ (Rust +
#                                          pulldown-cmark, ~370 KB): load timing, goal 6
#   build/benchmark/sometimes-loops.wasm   benchmark/plugins/sometimes-loops.wat:
#                                          stall and thread-pool timing, goals 7 and 8
# The other benchmark plugins come from scripts/build-fixtures.sh (build/fixtures/).
#
# Usage: benchmark/build-plugins.sh   (from any directory; a no-op when up to date)
# Tools:
#   cargo with a wasm32-unknown-unknown std: rustup's stable toolchain
#     (rustup target add wasm32-unknown-unknown); override with CARGO=...
#     Downloads pulldown-cmark from crates.io the first time (Cargo.lock pins it).
#     Builds in build/benchmark/cargo-target (override: BENCH_CARGO_TARGET_DIR=...),
#     not in $CARGO_TARGET_DIR: a shared target folder's lock would make the
#     benchmark wait for whatever else is building there.
#   wat2wasm   the npm package wabt (a devDependency), as scripts/build-fixtures.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/benchmark/plugins"
OUT="$ROOT/build/benchmark"

die() {
  echo "build-plugins: $*" >&2
  exit 1
}

# Prefer rustup's stable: a system cargo may be too old for pulldown-cmark.
if [ -z "${CARGO:-}" ]; then
  if command -v rustup >/dev/null; then CARGO=(rustup run stable cargo); else CARGO=(cargo); fi
else
  CARGO=("$CARGO")
fi
command -v "${CARGO[0]}" >/dev/null || die "cargo not found; install Rust with rustup (stable), then: rustup target add wasm32-unknown-unknown"
WAT2WASM="$ROOT/node_modules/.bin/wat2wasm"
[ -x "$WAT2WASM" ] || die "wat2wasm not found at $WAT2WASM (npm package wabt, a devDependency): run 'npm install' in $ROOT"

mkdir -p "$OUT"
TARGET_DIR="${BENCH_CARGO_TARGET_DIR:-$OUT/cargo-target}"

# markdown-page: cargo rebuilds only when a source changed.
"${CARGO[@]}" build --quiet --release --locked --target wasm32-unknown-unknown \
  --manifest-path "$SRC/markdown-page/Cargo.toml" --target-dir "$TARGET_DIR" ||
  die "markdown-page failed to build (needs cargo with the wasm32-unknown-unknown target: rustup target add wasm32-unknown-unknown)"
cp "$TARGET_DIR/wasm32-unknown-unknown/release/markdown_page.wasm" "$OUT/markdown-page.wasm.tmp"
mv "$OUT/markdown-page.wasm.tmp" "$OUT/markdown-page.wasm"

"$WAT2WASM" -o "$OUT/sometimes-loops.wasm" "$SRC/sometimes-loops.wat"

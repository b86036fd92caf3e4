#!/usr/bin/env bash
# Builds every fixture plugin:
#   build/fixtures/plugins/  the example plugins (examples/plugins/*), all valid
#   build/fixtures/broken/   deliberately broken plugins (__test__/fixtures/broken-src/*)
#   build/fixtures/abi/      test plugins of ABI features (__test__/fixtures/abi-src/*.wat)
#   build/fixtures/bench/    the benchmark's plugins (npm run bench): the slugify and
#                            lazy-images-filter examples, benchmark/plugins/*, and the
#                            Extism build of the same filters (benchmark/extism/), and the
#                            markdown example (examples/plugins/rust-markdown)
#   build/fixtures/examples/ the Rust examples that name no other place (the contract
#                            extensions' examples: truncate, img-attributes, ...)
# The folders are deleted and recreated, so stale files never survive.
#
# Usage: scripts/build-fixtures.sh [--with-c]     (from any directory)
#
# Everything is built from source with what rustup and npm give:
#   Rust plugins    every examples/plugins/*/Cargo.toml (and the benchmark's Cargo
#                   plugins), built with cargo from rustup (current stable) for
#                   wasm32-unknown-unknown, --locked (offline once the crates are
#                   cached); the target is added with `rustup target add` when missing.
#                   Where each .wasm goes: its Cargo.toml's
#                   [package.metadata.alloy-fixture] file = "plugins/x.wasm", else
#                   examples/<lib name>.wasm (scripts/build-rust-plugins.mjs).
#                   Cargo builds in build/rust/ (kept between runs).
#   WAT plugins     wat2wasm from the npm package `wabt` (a devDependency: WABT built to
#                   WebAssembly, the same bytes as a native wat2wasm)
#   AssemblyScript  asc (npm package `assemblyscript`, a devDependency); override: ASC=...
# except the C plugins (wasi-libc), which no rustup or npm toolchain compiles: their
# .wasm files are committed beside their sources and copied. With --with-c they are
# rebuilt from the C sources first, in place (CI then checks that git sees no change):
#   clang + wasm-ld + wasi-libc   Debian: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32
#                                 override the sysroot: WASI_SYSROOT=...
#
# Source paths are remapped (--remap-path-prefix), so the output does not depend on
# the folder the repository is in and carries no machine path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLES="$ROOT/examples/plugins"
BROKEN_SRC="$ROOT/__test__/fixtures/broken-src"
PLUGINS="$ROOT/build/fixtures/plugins"
BROKEN="$ROOT/build/fixtures/broken"
BENCH="$ROOT/build/fixtures/bench"
ABI_SRC="$ROOT/__test__/fixtures/abi-src"
ABI="$ROOT/build/fixtures/abi"

die() {
  echo "build-fixtures: $*" >&2
  exit 1
}

WITH_C=0
for arg in "$@"; do
  case "$arg" in
    --with-c) WITH_C=1 ;;
    -h | --help) sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $arg (usage: scripts/build-fixtures.sh [--with-c])" ;;
  esac
done

# ---------------------------------------------------------------- tool checks
command -v node >/dev/null || die "node not found (needed by asc and wat2wasm): install Node.js 20 or later"
WAT2WASM="$ROOT/node_modules/.bin/wat2wasm"
[ -x "$WAT2WASM" ] || die "wat2wasm not found at $WAT2WASM (npm package wabt, a devDependency): run 'npm install' in $ROOT"
ASC="${ASC:-node_modules/.bin/asc}"
case "$ASC" in /*) ;; *) ASC="$ROOT/$ASC" ;; esac
[ -x "$ASC" ] ||
  die "AssemblyScript compiler not found at $ASC; run 'npm install' in $ROOT (devDependency 'assemblyscript') or set ASC=/path/to/asc"

command -v cargo >/dev/null && command -v rustc >/dev/null ||
  die "cargo not found: install Rust with rustup (https://rustup.rs), then: rustup target add wasm32-unknown-unknown"
has_wasm_std() {
  local lib
  lib="$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null || true)"
  [ -n "$lib" ] && compgen -G "$lib/libstd-*.rlib" >/dev/null
}
if ! has_wasm_std; then
  if command -v rustup >/dev/null; then
    echo "build-fixtures: adding the wasm32-unknown-unknown target: rustup target add wasm32-unknown-unknown" >&2
    rustup target add wasm32-unknown-unknown >&2 || die "rustup target add wasm32-unknown-unknown failed"
  fi
  has_wasm_std || die "rustc has no wasm32-unknown-unknown standard library; run: rustup target add wasm32-unknown-unknown"
fi

if [ "$WITH_C" = 1 ]; then
  command -v clang >/dev/null || die "clang not found; install it with: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32"
  command -v wasm-ld >/dev/null || die "wasm-ld not found; install it with: apt-get install lld"
  if [ -n "${WASI_SYSROOT:-}" ]; then
    [ -d "$WASI_SYSROOT" ] || die "WASI_SYSROOT=$WASI_SYSROOT is not a directory"
  elif [ -f /usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a ]; then
    WASI_SYSROOT=/usr/share/wasi-sysroot # wasi-sdk layout
  elif [ -f /usr/lib/wasm32-wasi/libc.a ] && [ -f /usr/include/wasm32-wasi/stdlib.h ]; then
    WASI_SYSROOT=/usr # Debian's wasi-libc package (multiarch layout)
  else
    die "wasi-libc not found; install it with: apt-get install wasi-libc (or set WASI_SYSROOT)"
  fi
  CLANG_RT="$(clang --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null || true)"
  if [ ! -f "$CLANG_RT" ]; then
    CLANG_MAJOR="$(clang -dumpversion | cut -d. -f1)"
    die "clang's wasm32 runtime (${CLANG_RT:-libclang_rt.builtins-wasm32.a}) not found; install it with: apt-get install libclang-rt-${CLANG_MAJOR}-dev-wasm32"
  fi
fi

# ---------------------------------------------------------------- build steps
rustc_wasm() { # crate-name source output: a one-file test plugin without Cargo
  # strip=debuginfo: std's debug info would add hundreds of KB to every plugin.
  # The remap makes panic locations repository-relative.
  rustc --target wasm32-unknown-unknown --crate-type cdylib -O --edition 2021 -C strip=debuginfo \
    --remap-path-prefix "$ROOT/=" --crate-name "$1" -o "$3" "$2"
}
wat2wasm() { "$WAT2WASM" "$@"; }

# A C plugin: its committed .wasm (beside the source) is copied to OUT; with
# --with-c it is first rebuilt from the source with clang and wasi-libc.
c_wasi() { # source.c committed.wasm out.wasm [clang args...]
  local src="$1" committed="$2" out="$3"
  shift 3
  if [ "$WITH_C" = 1 ]; then
    # Relative paths and a fixed working directory keep the output independent of the clone's folder.
    (cd "$(dirname "$src")" && clang --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 "$@" \
      -o "$LOGS/$(basename "$committed")" "$(basename "$src")")
    mv "$LOGS/$(basename "$committed")" "$committed"
  fi
  [ -f "$committed" ] || die "${committed#"$ROOT"/} is missing (rebuild it with: scripts/build-fixtures.sh --with-c)"
  cp "$committed" "$out"
}

build_leaky() { rustc_wasm leaky "$BROKEN_SRC/leaky.rs" "$BROKEN/leaky.wasm"; }
build_rust_examples() { # every Rust example, and the benchmark's text-stats
  local projects=("$EXAMPLES"/*/Cargo.toml "$ROOT/benchmark/plugins/text-stats/Cargo.toml")
  node "$ROOT/scripts/build-rust-plugins.mjs" "$ROOT" "$ROOT/build/fixtures" "$ROOT/build/rust" \
    "${projects[@]%/Cargo.toml}"
}
build_word_count() {
  cd "$EXAMPLES/assemblyscript-word-count"
  "$ASC" --config asconfig.json --target release --outFile "$PLUGINS/word-count.wasm"
}
build_c() {
  c_wasi "$EXAMPLES/c-escape-html/escape-html.c" "$EXAMPLES/c-escape-html/escape-html.wasm" "$PLUGINS/escape-html.wasm" \
    -mexec-model=reactor -Wl,--strip-debug
  c_wasi "$EXAMPLES/c-wasi-command/wasi-command.c" "$EXAMPLES/c-wasi-command/wasi-command.wasm" "$PLUGINS/wasi-command.wasm"
  c_wasi "$EXAMPLES/c-reactor/reactor.c" "$EXAMPLES/c-reactor/reactor.wasm" "$PLUGINS/reactor.wasm" -mexec-model=reactor
  c_wasi "$BROKEN_SRC/wasi-exit-1.c" "$BROKEN_SRC/wasi-exit-1.wasm" "$BROKEN/wasi-exit-1.wasm"
  c_wasi "$BROKEN_SRC/wasi-snoop.c" "$BROKEN_SRC/wasi-snoop.wasm" "$BROKEN/wasi-snoop.wasm" -mexec-model=reactor
}
build_wat() {
  wat2wasm -o "$PLUGINS/word-count-mv.wasm" "$EXAMPLES/wat-word-count-multivalue/word-count-mv.wat"
  local src name
  for src in "$BROKEN_SRC"/*.wat; do
    name="$(basename "$src" .wat)"
    if [ "$name" = invalid-module ]; then
      wat2wasm --no-check -o "$BROKEN/$name.wasm" "$src" # must fail validation
    else
      # Features a fixture needs (multi-memory, gc, ...): its `;; wat2wasm-flags:` line.
      local flags=()
      read -r -a flags <<<"$(sed -n 's/^;; wat2wasm-flags: //p' "$src" | head -n 1)"
      wat2wasm "${flags[@]}" -o "$BROKEN/$name.wasm" "$src"
    fi
  done
  printf 'this is not WebAssembly\n' >"$BROKEN/not-wasm.wasm"
  for src in "$ABI_SRC"/*.wat; do
    wat2wasm -o "$ABI/$(basename "$src" .wat).wasm" "$src"
  done
}
build_as_abort() {
  cd "$BROKEN_SRC"
  "$ASC" as-abort.ts --runtime stub -O --outFile "$BROKEN/as-abort.wasm"
}

# The benchmark's plugins (kept out of $PLUGINS, which the tests load whole).
build_extism_filters() {
  # @extism/as-pdk: an Extism host has no env.abort, so abort is redirected (--use).
  cd "$ROOT/benchmark/extism"
  "$ASC" filters.ts --use abort=filters/trapOnAbort -O3 --noAssert --outFile "$BENCH/extism-filters.wasm"
}

# ---------------------------------------------------------------- run
MORE="$ROOT/build/fixtures/examples"
rm -rf "$PLUGINS" "$BROKEN" "$BENCH" "$MORE" "$ABI"
mkdir -p "$PLUGINS" "$BROKEN" "$BENCH" "$MORE" "$ABI"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

# The steps are independent; asc is the slow one, so run them all in parallel.
STEPS=(build_word_count build_as_abort build_leaky build_rust_examples build_c build_wat build_extism_filters)
PIDS=()
for step in "${STEPS[@]}"; do
  ( "$step" ) >"$LOGS/$step.log" 2>&1 &
  PIDS+=("$!")
done
failed=0
for k in "${!STEPS[@]}"; do
  if ! wait "${PIDS[$k]}"; then
    echo "build-fixtures: ${STEPS[$k]} failed:" >&2
    failed=1
  fi
  # Show compiler output (errors, and warnings from successful steps).
  [ -s "$LOGS/${STEPS[$k]}.log" ] && sed 's/^/  | /' "$LOGS/${STEPS[$k]}.log" >&2
done
[ "$failed" = 0 ] || die "build failed"

# One line per plugin, in a fixed order; every expected file must exist.
REPORTED=""
report() { # dir name description
  local file="$1/$2.wasm"
  [ -f "$file" ] || die "expected $file was not built"
  REPORTED="$REPORTED $file"
  printf '%-43s %7s bytes  %s\n' "${file#"$ROOT"/}" "$(wc -c <"$file" | tr -d ' ')" "$3"
}
report "$PLUGINS" uppercase "Rust filter"
report "$PLUGINS" word-count "AssemblyScript filter"
report "$PLUGINS" word-count-mv "WAT filter, multi-value results"
report "$PLUGINS" wasi-command "C WASI command (_start) filter"
report "$PLUGINS" reactor "C WASI reactor (_initialize) filter"
report "$PLUGINS" youtube "Rust shortcode"
report "$PLUGINS" lazy-images "Rust hook"
report "$PLUGINS" reading-time "Rust filter, paired shortcode, hook"
report "$PLUGINS" escape-html "C filter (wasi-libc reactor)"
report "$PLUGINS" callout "Rust paired shortcode"
for name in no-alloc no-memory not-wasm invalid-module bad-import fails fails-silently \
  bad-result bad-hooks bad-hooks-mixed bad-hook-json trap stack-overflow as-abort \
  infinite-loop memory-bomb wasi-exit-1 bad-signature; do
  report "$BROKEN" "$name" "broken"
done
report "$BROKEN" wasi-snoop "hostile C WASI reactor: tries files, env, args; floods stdout"
report "$BROKEN" spin "test helper: busy-loops N million times, then echoes"
report "$BROKEN" bad-alloc "broken: alloc traps, loops, grows or lies for some sizes"
report "$BROKEN" bad-last-error "broken: last_error traps, loops, grows or lies"
report "$BENCH" slugify "Rust filter (benchmark)"
report "$BENCH" lazy-images-filter "Rust filter (benchmark)"
report "$BENCH" text-stats "Rust filter (benchmark: load timing)"
report "$BENCH" extism-filters "Extism plugin, AssemblyScript (benchmark)"
report "$MORE" truncate "Rust filter with arguments (filter_args)"
report "$MORE" img-attributes "Rust filter the site configures (configure)"
report "$BENCH" markdown "Rust filter and hook, pulldown-cmark (Cargo; benchmark)"
# Anything else that got built (a new source in broken-src/ or abi-src/, a new example) gets its line too.
shopt -s nullglob
for file in "$PLUGINS"/*.wasm "$BROKEN"/*.wasm "$BENCH"/*.wasm "$MORE"/*.wasm "$ABI"/*.wasm; do
  case " $REPORTED " in *" $file "*) continue ;; esac
  report "$(dirname "$file")" "$(basename "$file" .wasm)" "$([ "$(dirname "$file")" = "$BROKEN" ] && echo broken)"
done

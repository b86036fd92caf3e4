#!/usr/bin/env bash
# Builds every fixture plugin from source:
#   build/fixtures/plugins/  the example plugins (examples/plugins/*), all valid
#   build/fixtures/broken/   deliberately broken plugins (__test__/fixtures/broken-src/*)
#   build/fixtures/bench/    the benchmark's plugins (npm run bench): the slugify and
#                            lazy-images-filter examples, benchmark/plugins/*, and the
#                            Extism build of the same filters (benchmark/extism/)
# The folders are deleted and recreated, so stale files never survive.
#
# Usage: scripts/build-fixtures.sh            (from any directory)
# Tools (Debian/Ubuntu packages in brackets):
#   /usr/bin/rustc + wasm32 std   [rustc libstd-rust-dev-wasm32]  override: RUSTC=...
#   clang + wasm-ld + wasi-libc   [clang lld wasi-libc libclang-rt-14-dev-wasm32]
#                                 override the sysroot: WASI_SYSROOT=...
#   wat2wasm                      [wabt]
#   asc (AssemblyScript)          [npm: assemblyscript, a devDependency; needs nodejs]
#                                 override: ASC=... (relative paths are from the repo root)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLES="$ROOT/examples/plugins"
BROKEN_SRC="$ROOT/__test__/fixtures/broken-src"
PLUGINS="$ROOT/build/fixtures/plugins"
BROKEN="$ROOT/build/fixtures/broken"
BENCH="$ROOT/build/fixtures/bench"

die() {
  echo "build-fixtures: $*" >&2
  exit 1
}

# ---------------------------------------------------------------- tool checks
# Always the distribution's rustc: a rustup `rustc` on PATH usually lacks the wasm target.
RUSTC="${RUSTC:-/usr/bin/rustc}"
[ -x "$RUSTC" ] || die "$RUSTC not found; install it with: apt-get install rustc libstd-rust-dev-wasm32"
RUST_WASM_LIB="$("$RUSTC" --print target-libdir --target wasm32-unknown-unknown 2>/dev/null || true)"
compgen -G "$RUST_WASM_LIB/libstd-*.rlib" >/dev/null ||
  die "$RUSTC has no wasm32-unknown-unknown standard library; install it with: apt-get install libstd-rust-dev-wasm32"

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

command -v wat2wasm >/dev/null || die "wat2wasm not found; install it with: apt-get install wabt"
WAT_MV=()
# wabt >= 1.0.20 enables multi-value by default (and dropped the flag later).
if wat2wasm --help 2>&1 | grep -q -- '--enable-multi-value'; then WAT_MV=(--enable-multi-value); fi

command -v node >/dev/null || die "node not found (needed by asc); install it with: apt-get install nodejs"
ASC="${ASC:-node_modules/.bin/asc}"
case "$ASC" in /*) ;; *) ASC="$ROOT/$ASC" ;; esac
[ -x "$ASC" ] ||
  die "AssemblyScript compiler not found at $ASC; run 'npm install' in $ROOT (devDependency 'assemblyscript') or set ASC=/path/to/asc"

# ---------------------------------------------------------------- build steps
rustc_wasm() { # crate-name source output [more rustc args...]
  # strip=debuginfo: Debian's std carries DWARF that would make every plugin ~5 MB.
  "$RUSTC" --target wasm32-unknown-unknown --crate-type cdylib -O --edition 2021 -C strip=debuginfo \
    --crate-name "$1" -o "$3" "$2" "${@:4}"
}
clang_wasi() { # clang args...
  clang --target=wasm32-wasi --sysroot="$WASI_SYSROOT" -O2 "$@"
}

build_uppercase() { rustc_wasm uppercase "$EXAMPLES/rust-uppercase/uppercase.rs" "$PLUGINS/uppercase.wasm"; }
build_youtube() { rustc_wasm youtube "$EXAMPLES/rust-youtube/youtube.rs" "$PLUGINS/youtube.wasm"; }
build_leaky() { rustc_wasm leaky "$BROKEN_SRC/leaky.rs" "$BROKEN/leaky.wasm"; }
build_lazy_images() { rustc_wasm lazy_images "$EXAMPLES/rust-lazy-images/lazy-images.rs" "$PLUGINS/lazy-images.wasm"; }
build_callout() { rustc_wasm callout "$EXAMPLES/rust-callout/callout.rs" "$PLUGINS/callout.wasm"; }
build_reading_time() { # the alloy_plugin helper crate, then an example plugin written with it
  local lib="$LOGS/alloy-plugin-rlib"
  mkdir -p "$lib"
  "$RUSTC" --target wasm32-unknown-unknown --crate-type rlib -O --edition 2021 \
    --crate-name alloy_plugin -o "$lib/liballoy_plugin.rlib" "$ROOT/crates/alloy-plugin/src/lib.rs"
  rustc_wasm reading_time "$EXAMPLES/rust-helper-reading-time/reading-time.rs" "$PLUGINS/reading-time.wasm" \
    --extern alloy_plugin="$lib/liballoy_plugin.rlib" -L "$lib"
}
build_escape_html() {
  clang_wasi -mexec-model=reactor -Wl,--strip-debug -o "$PLUGINS/escape-html.wasm" "$EXAMPLES/c-escape-html/escape-html.c"
}
build_word_count() {
  cd "$EXAMPLES/assemblyscript-word-count"
  "$ASC" --config asconfig.json --target release --outFile "$PLUGINS/word-count.wasm"
}
build_c() {
  clang_wasi -o "$PLUGINS/wasi-command.wasm" "$EXAMPLES/c-wasi-command/wasi-command.c"
  clang_wasi -mexec-model=reactor -o "$PLUGINS/reactor.wasm" "$EXAMPLES/c-reactor/reactor.c"
  clang_wasi -o "$BROKEN/wasi-exit-1.wasm" "$BROKEN_SRC/wasi-exit-1.c"
}
build_wasi_snoop() {
  clang_wasi -mexec-model=reactor -o "$BROKEN/wasi-snoop.wasm" "$BROKEN_SRC/wasi-snoop.c"
}
build_wat() {
  wat2wasm "${WAT_MV[@]}" -o "$PLUGINS/word-count-mv.wasm" "$EXAMPLES/wat-word-count-multivalue/word-count-mv.wat"
  local src name
  for src in "$BROKEN_SRC"/*.wat; do
    name="$(basename "$src" .wat)"
    if [ "$name" = invalid-module ]; then
      wat2wasm --no-check -o "$BROKEN/$name.wasm" "$src" # must fail validation
    else
      # Features a fixture needs (multi-memory, gc, ...): its `;; wat2wasm-flags:` line.
      local flags=()
      read -r -a flags <<<"$(sed -n 's/^;; wat2wasm-flags: //p' "$src" | head -n 1)"
      wat2wasm "${WAT_MV[@]}" "${flags[@]}" -o "$BROKEN/$name.wasm" "$src"
    fi
  done
  printf 'this is not WebAssembly\n' >"$BROKEN/not-wasm.wasm"
}
build_as_abort() {
  cd "$BROKEN_SRC"
  "$ASC" as-abort.ts --runtime stub -O --outFile "$BROKEN/as-abort.wasm"
}

# The benchmark's plugins (kept out of $PLUGINS, which the tests load whole).
build_slugify() { rustc_wasm slugify "$EXAMPLES/rust-slugify/slugify.rs" "$BENCH/slugify.wasm"; }
build_lazy_images_filter() {
  rustc_wasm lazy_images_filter "$EXAMPLES/rust-lazy-images-filter/lazy-images-filter.rs" "$BENCH/lazy-images-filter.wasm"
}
build_text_stats() { rustc_wasm text_stats "$ROOT/benchmark/plugins/text-stats.rs" "$BENCH/text-stats.wasm"; }
build_extism_filters() {
  # @extism/as-pdk: an Extism host has no env.abort, so abort is redirected (--use).
  cd "$ROOT/benchmark/extism"
  "$ASC" filters.ts --use abort=filters/trapOnAbort -O3 --noAssert --outFile "$BENCH/extism-filters.wasm"
}

# ---------------------------------------------------------------- run
rm -rf "$PLUGINS" "$BROKEN" "$BENCH"
mkdir -p "$PLUGINS" "$BROKEN" "$BENCH"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

# The steps are independent; asc is the slow one, so run them all in parallel.
STEPS=(build_word_count build_as_abort build_leaky build_uppercase build_youtube build_lazy_images build_callout build_c build_wasi_snoop build_wat build_reading_time build_escape_html)
STEPS+=(build_slugify build_lazy_images_filter build_text_stats build_extism_filters)
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
report "$PLUGINS" reading-time "Rust filter, shortcode, hook (alloy_plugin crate)"
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
# Anything else that got built (a new source in broken-src/) gets its line too.
for file in "$PLUGINS"/*.wasm "$BROKEN"/*.wasm; do
  case " $REPORTED " in *" $file "*) continue ;; esac
  report "$(dirname "$file")" "$(basename "$file" .wasm)" "$([ "$(dirname "$file")" = "$BROKEN" ] && echo broken)"
done

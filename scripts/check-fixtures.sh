#!/usr/bin/env bash
# The fixture check (.ci/run runs it after npm install):
#   1. the committed C plugins (the only .wasm files in git) are what their sources
#      build to: rebuilt with clang + wasi-libc (scripts/build-fixtures.sh --with-c),
#      git must see no change;
#   2. a build is reproducible from any folder and carries no machine path: the
#      repository's files are copied to another folder and built there, and every
#      .wasm must be byte-identical to this folder's build; no .wasm may contain
#      either folder's path.
# Needs clang, lld and wasi-libc for step 1 (Debian: apt-get install clang lld
# wasi-libc libclang-rt-14-dev-wasm32); SKIP_C=1 skips step 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { echo "[check-fixtures] $*"; }
die() {
  echo "[check-fixtures] FAILED: $*" >&2
  exit 1
}

if [ "${SKIP_C:-}" != 1 ]; then
  say "rebuilding the committed C plugins from source (clang $(clang -dumpversion 2>/dev/null || echo '?'))"
  bash scripts/build-fixtures.sh --with-c >/dev/null
  git diff --exit-code --stat -- '*.wasm' ||
    die "a committed .wasm differs from what its C source builds to (commit the rebuilt file, or see the diff above)"
  untracked="$(git ls-files --others --exclude-standard -- '*.wasm')"
  [ -z "$untracked" ] || die "built .wasm files that are not committed: $untracked"
  say "ok: $(git ls-files -- '*.wasm' | wc -l | tr -d ' ') committed .wasm files are byte-identical to a rebuild"
else
  bash scripts/build-fixtures.sh >/dev/null
fi

OTHER="$(mktemp -d "${TMPDIR:-/tmp}/alloy-wasm-elsewhere.XXXXXX")"
trap 'rm -rf "$OTHER"' EXIT
say "building again in $OTHER"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$OTHER"
ln -s "$ROOT/node_modules" "$OTHER/node_modules"
bash "$OTHER/scripts/build-fixtures.sh" >/dev/null
count=0
while IFS= read -r -d '' file; do
  rel="${file#"$ROOT"/}"
  cmp -s "$file" "$OTHER/$rel" || die "$rel differs when built in another folder"
  for dir in "$ROOT" "$OTHER"; do
    if grep -qF "$dir" "$file"; then die "$rel contains the machine path $dir"; fi
  done
  count=$((count + 1))
done < <(find "$ROOT/build/fixtures" -name '*.wasm' -print0)
[ "$count" -gt 0 ] || die "no .wasm files in build/fixtures"
[ "$count" = "$(find "$OTHER/build/fixtures" -name '*.wasm' | wc -l | tr -d ' ')" ] || die "the two builds made different sets of files"
say "ok: $count .wasm files are byte-identical from two folders and carry no machine path"

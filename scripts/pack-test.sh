#!/usr/bin/env bash
# The pack test (npm run test:pack; .ci/run runs it): installs alloy-wasm the way a
# site builder does, from the tarballs a release would publish, and uses it.
#
#   1. packs the root package (npm pack) and this platform's package (npm/<platform>/,
#      filled by `napi artifacts` with the .node that `npm run build` made);
#   2. installs both, with Eleventy 3 and Astro 7, into an empty project in a temp
#      folder, with install scripts off and with `cargo` and `rustc` on PATH replaced
#      by stubs that fail (so nothing can build the binary from source);
#   3. there: `require` and `import` work, `npx alloy-wasm --version` and
#      `npx alloy-wasm check` work, a tiny Eleventy 3 site with a WASM filter and a
#      WASM hook builds, and a tiny Astro 7 site builds under the side Node 22
#      (bash scripts/astro.sh setup).
#
# Needs: npm run build (the .node) and npm run build:fixtures (the plugins). The npm
# registry is used for Eleventy and Astro (from npm's cache when they are there).
# KEEP=1 keeps the temp folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { echo "[pack-test] $*"; }
die() {
  echo "[pack-test] FAILED: $*" >&2
  exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/alloy-wasm-pack.XXXXXX")"
cleanup() { if [ "${KEEP:-}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

VERSION="$(node -p 'require("./package.json").version')"
PLATFORM="$(node -p 'require("./js/native").platformName()')" ||
  die "no native binary here: run npm run build first"
NODE_FILE="alloy-wasm.$PLATFORM.node"
[ -f "$NODE_FILE" ] || die "$NODE_FILE not found: run npm run build first"
[ -d "npm/$PLATFORM" ] || die "npm/$PLATFORM does not exist: $PLATFORM is not one of package.json's napi.targets"
for plugin in uppercase lazy-images; do
  [ -f "build/fixtures/plugins/$plugin.wasm" ] || die "build/fixtures/plugins/$plugin.wasm missing: run npm run build:fixtures"
done

# ------------------------------------------------------------------ 1. pack
say "packing alloy-wasm $VERSION and alloy-wasm-$PLATFORM into $WORK"
# A staging copy (napi artifacts works inside one project folder): package.json,
# npm/, and the built .node where a release job would have downloaded it.
STAGE="$WORK/stage"
mkdir -p "$STAGE/artifacts"
# Only this platform's target: napi artifacts (rightly) fails when a target's .node is missing.
TRIPLE="$(node -p 'require("./js/native").versions.target')"
node -e '
const pkg = require("./package.json");
if (!pkg.napi.targets.includes(process.argv[2])) throw new Error(`${process.argv[2]} is not in napi.targets`);
pkg.napi.targets = [process.argv[2]];
require("fs").writeFileSync(process.argv[1], JSON.stringify(pkg, null, 2));
' "$STAGE/package.json" "$TRIPLE"
cp -R npm "$STAGE/npm"
cp "$NODE_FILE" "$STAGE/artifacts/"
(cd "$STAGE" && "$ROOT/node_modules/.bin/napi" artifacts >"$WORK/artifacts.log" 2>&1) ||
  { cat "$WORK/artifacts.log" >&2; die "napi artifacts failed"; }
[ -f "$STAGE/npm/$PLATFORM/$NODE_FILE" ] || die "napi artifacts did not copy $NODE_FILE into npm/$PLATFORM"
mkdir -p "$WORK/tarballs"
(cd "$STAGE/npm/$PLATFORM" && npm pack --silent --pack-destination "$WORK/tarballs" >/dev/null)
npm pack --silent --ignore-scripts --pack-destination "$WORK/tarballs" >/dev/null
ROOT_TGZ="$WORK/tarballs/alloy-wasm-$VERSION.tgz"
PLATFORM_TGZ="$WORK/tarballs/alloy-wasm-$PLATFORM-$VERSION.tgz"
[ -f "$ROOT_TGZ" ] && [ -f "$PLATFORM_TGZ" ] || die "npm pack did not write the expected tarballs: $(ls "$WORK/tarballs")"
if tar -tzf "$ROOT_TGZ" | grep -q '\.node$'; then die "the root tarball carries a .node: $(tar -tzf "$ROOT_TGZ" | grep '\.node$')"; fi
tar -tzf "$PLATFORM_TGZ" | grep -qx "package/$NODE_FILE" || die "the platform tarball lacks $NODE_FILE"
size() { wc -c <"$1" | tr -d ' '; }
say "alloy-wasm-$VERSION.tgz: $(size "$ROOT_TGZ") bytes, $(tar -tzf "$ROOT_TGZ" | wc -l | tr -d ' ') files (no .node)"
say "alloy-wasm-$PLATFORM-$VERSION.tgz: $(size "$PLATFORM_TGZ") bytes"

# ------------------------------------------------------------------ 2. install
# Stubs that fail loudly shadow any cargo or rustc, and leave a mark if anything runs them.
STUBS="$WORK/no-rust"
mkdir -p "$STUBS"
for tool in cargo rustc rustup; do
  cat >"$STUBS/$tool" <<STUB
#!/bin/sh
echo "pack test: $tool must not run here (\$0 \$*)" >&2
touch "$WORK/rust-was-called"
exit 97
STUB
  chmod +x "$STUBS/$tool"
done
export PATH="$STUBS:$PATH"
unset CARGO_TARGET_DIR RUSTC

ELEVENTY_VERSION="$(node -p 'JSON.parse(require("fs").readFileSync("node_modules/@11ty/eleventy/package.json", "utf8")).version')"
ASTRO_VERSION="$(node -p 'require("./examples/astro-site/package.json").dependencies.astro')"
APP="$WORK/app"
mkdir -p "$APP/plugins"
cp build/fixtures/plugins/uppercase.wasm build/fixtures/plugins/lazy-images.wasm "$APP/plugins/"
printf '{ "name": "pack-test-app", "private": true }\n' >"$APP/package.json"
say "npm install (scripts off) of both tarballs, @11ty/eleventy@$ELEVENTY_VERSION and astro@$ASTRO_VERSION"
(cd "$APP" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error --engine-strict=false \
  "$ROOT_TGZ" "$PLATFORM_TGZ" "@11ty/eleventy@$ELEVENTY_VERSION" "astro@$ASTRO_VERSION" >"$WORK/install.log" 2>&1) ||
  { cat "$WORK/install.log" >&2; die "npm install failed"; }
[ ! -e "$APP/node_modules/alloy-wasm/$NODE_FILE" ] || die "the installed root package has a .node"
[ -f "$APP/node_modules/alloy-wasm-$PLATFORM/$NODE_FILE" ] || die "alloy-wasm-$PLATFORM was not installed"

# ------------------------------------------------------------------ 3. use
cd "$APP"
say "require (CommonJS)"
node -e '
const assert = require("node:assert");
const alloy = require("alloy-wasm");
assert.match(require.resolve("alloy-wasm"), /node_modules\/alloy-wasm\/js\/index\.js$/);
assert.strictEqual(alloy.versions.package, process.argv[1]);
assert.match(alloy.versions.engine, /^wasmtime \d+\.\d+\.\d+$/);
(async () => {
  const host = await alloy.PluginHost.load("plugins", { cacheDir: null });
  assert.strictEqual(await host.filter("uppercase", "hello"), "HELLO");
  await host.close();
  console.log("  ok", JSON.stringify(alloy.versions));
})().catch((err) => { console.error(err); process.exit(1); });
' "$VERSION"

say "import (ESM)"
node --input-type=module -e '
import assert from "node:assert";
import { PluginHost, versions } from "alloy-wasm";
import alloyWasmEleventy from "alloy-wasm/eleventy";
import alloyWasmAstro from "alloy-wasm/astro";
assert.strictEqual(typeof alloyWasmEleventy, "function");
assert.strictEqual(typeof alloyWasmAstro, "function");
const host = await PluginHost.load("plugins", { cacheDir: null });
const page = await host.runHook("onContentTransformed", { html: "<img src=\"a.png\">", url: "/" });
assert.strictEqual(page.html, "<img loading=\"lazy\" src=\"a.png\">");
assert.strictEqual(host.filterSync("uppercase", "esm"), "ESM");
await host.close();
console.log("  ok", versions.target);
'

say "npx alloy-wasm --version"
npx --no-install alloy-wasm --version | sed 's/^/  /'
npx --no-install alloy-wasm --version | grep -q "^engine: wasmtime " || die "--version does not name the engine"
say "npx alloy-wasm check plugins/uppercase.wasm"
npx --no-install alloy-wasm check plugins/uppercase.wasm >"$WORK/check.log" 2>&1 ||
  { cat "$WORK/check.log" >&2; die "alloy-wasm check failed"; }
sed 's/^/  /' "$WORK/check.log" | head -12

say "Eleventy 3 site: a WASM filter in a template, the WASM onContentTransformed hook on the page"
mkdir -p eleventy/src
cat >eleventy/eleventy.config.mjs <<'ELEVENTY'
import alloyWasm from 'alloy-wasm/eleventy';
export default function (eleventyConfig) {
  eleventyConfig.addPlugin(alloyWasm, { dir: '../plugins' });
}
export const config = { dir: { input: 'src', output: '_site' } };
ELEVENTY
printf '<h1>{{ "hello from eleventy" | uppercase }}</h1>\n<img src="a.png">\n' >eleventy/src/index.njk
(cd eleventy && npx --no-install @11ty/eleventy --quiet >"$WORK/eleventy.log" 2>&1) ||
  { cat "$WORK/eleventy.log" >&2; die "the Eleventy build failed"; }
grep -q '<h1>HELLO FROM ELEVENTY</h1>' eleventy/_site/index.html || die "the filter did not run: $(cat eleventy/_site/index.html)"
grep -q '<img loading="lazy" src="a.png">' eleventy/_site/index.html || die "the hook did not run: $(cat eleventy/_site/index.html)"
say "  ok: $(tr '\n' ' ' <eleventy/_site/index.html)"

say "Astro 7 site under Node 22 (scripts/astro.sh setup)"
(cd "$ROOT" && bash scripts/astro.sh setup)
NODE22="$(ls "$ROOT"/.alloy/node22/node_modules/node-linux-*/bin/node)"
mkdir -p astro/src/pages
cat >astro/astro.config.mjs <<'ASTRO'
import { defineConfig } from 'astro/config';
import alloyWasm from 'alloy-wasm/astro';
export default defineConfig({ integrations: [alloyWasm({ dir: '../plugins' })] });
ASTRO
cat >astro/src/pages/index.astro <<'ASTRO'
---
import { filter } from 'alloy-wasm/astro';
const title = await filter('uppercase', 'hello from astro');
---
<html lang="en"><head><title>t</title></head><body><h1>{title}</h1><img src="/a.png" alt="a" /></body></html>
ASTRO
(cd astro && ASTRO_TELEMETRY_DISABLED=1 "$NODE22" ../node_modules/astro/bin/astro.mjs build >"$WORK/astro.log" 2>&1) ||
  { cat "$WORK/astro.log" >&2; die "the Astro build failed"; }
grep -q '<h1>HELLO FROM ASTRO</h1>' astro/dist/index.html || die "the filter did not run: $(cat astro/dist/index.html)"
grep -q '<img[^>]*loading="lazy"' astro/dist/index.html || die "the hook did not run: $(cat astro/dist/index.html)"
say "  ok: $(grep -o '<h1>.*' astro/dist/index.html | head -c 200)"

[ ! -e "$WORK/rust-was-called" ] || die "cargo or rustc was called during the test"
say "passed"

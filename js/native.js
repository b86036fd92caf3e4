'use strict';
// Loads the native binding through the napi-rs loader (../index.js), which
// takes the .node from a local build or from this platform's package
// (alloy-wasm-<platform>, an optional dependency). When neither is there,
// the error names the platform and says how to get a binary.

const pkg = require('../package.json');

/** The napi-rs name of this platform, as in the package names: linux-x64-gnu, darwin-arm64, win32-x64-msvc. */
function platformName() {
  const { platform, arch } = process;
  if (platform === 'linux') return `${platform}-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `${platform}-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function isMusl() {
  try {
    const report = process.report && process.report.getReport();
    return !(report && report.header && report.header.glibcVersionRuntime);
  } catch {
    return false;
  }
}

/** The platforms that have a prebuilt package (the root package's optional dependencies). */
function prebuiltPlatforms() {
  const prefix = `${pkg.name}-`;
  return Object.keys(pkg.optionalDependencies || {})
    .filter((name) => name.startsWith(prefix))
    .map((name) => name.slice(prefix.length));
}

function noBindingError(cause) {
  const platform = platformName();
  const prebuilt = prebuiltPlatforms();
  const has = prebuilt.includes(platform);
  const lines = [
    has
      ? `alloy-wasm could not load its native binary for ${platform} (Node ${process.version}): ` +
        `the package ${pkg.name}-${platform}@${pkg.version} is missing or broken. ` +
        'Reinstall without --omit=optional / --no-optional; if it is still missing, remove node_modules ' +
        'and package-lock.json and run npm install again (npm bug https://github.com/npm/cli/issues/4828).'
      : `alloy-wasm has no prebuilt native binary for ${platform} (Node ${process.version}). ` +
        `Prebuilt: ${prebuilt.join(', ')}.`,
    'To build it from source you need Node.js 20+ and Rust from https://rustup.rs; in a clone of the alloy-wasm repository run:',
    '  npm install   # builds the native binary for this platform (and the example plugins)',
    '  npm test      # checks it',
    'then install that folder into your project: npm install /path/to/alloy-wasm',
    '(In a clone where npm install already ran, `npm run build` rebuilds just the binary.)',
  ];
  const error = new Error(lines.join('\n'));
  error.code = 'ERR_ALLOY_WASM_NO_BINARY';
  error.platform = platform;
  error.cause = cause;
  return error;
}

let binding;
try {
  binding = require('../index.js');
} catch (cause) {
  throw noBindingError(cause);
}

// A .node built before about() existed (a stale local build) still loads; it just cannot say.
const about =
  typeof binding.about === 'function' ? binding.about() : { core: 'unknown', wasmtime: 'unknown', target: 'unknown' };

/** For bug reports: this package's version, the engine's, and the target the binary was built for. */
const versions = Object.freeze({
  package: pkg.version,
  binding: about.core,
  engine: `wasmtime ${about.wasmtime}`,
  wasmtime: about.wasmtime,
  target: about.target,
});

module.exports = { binding, versions, platformName };

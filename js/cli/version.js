'use strict';
// `alloy-wasm --version`: the package version on the first line, then what a
// bug report needs: the engine, the binary's target and Node's version. It
// works without a native binary too, and then says why there is none.

const pkg = require('../../package.json');

/** The lines `--version` prints. */
function versionText() {
  const lines = [`alloy-wasm ${pkg.version}`];
  try {
    const { versions } = require('../native');
    lines.push(`engine: ${versions.engine}`, `target: ${versions.target}`);
    if (versions.binding !== versions.package) {
      lines.push(`binary: ${versions.binding} (does not match the package: reinstall alloy-wasm)`);
    }
  } catch (err) {
    const platform = err && err.platform ? ` for ${err.platform}` : '';
    lines.push(`binary: none loaded${platform} (run any command for the details)`);
  }
  lines.push(`node: ${process.version}`);
  return `${lines.join('\n')}\n`;
}

module.exports = { versionText };

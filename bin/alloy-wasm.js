#!/usr/bin/env node
'use strict';
// The alloy-wasm command line; the commands live in js/cli/.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  // Works without a native binary, so a bug report can always say what is installed.
  process.stdout.write(require('../js/cli/version').versionText());
} else {
  let loaded = true;
  try {
    require('../js/native');
  } catch (err) {
    if (err.code !== 'ERR_ALLOY_WASM_NO_BINARY') throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
    loaded = false;
  }
  if (loaded) require('../js/cli/main.js').run(argv);
}

#!/usr/bin/env node
'use strict';
// The alloy-wasm command line; the commands live in js/cli/.
require('../js/cli/main.js').run(process.argv.slice(2));

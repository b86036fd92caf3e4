'use strict';
// alloy-wasm: run Alloy-ABI WebAssembly plugins from Node.js.
// First the native binary, so a platform without one gets an error that says what to do.
const { versions } = require('./native');
const { PluginHost } = require('./host');
const { PluginError, ErrorCodes } = require('./errors');
const { DEFAULT_OPTIONS } = require('./options');

module.exports = { PluginHost, PluginError, ErrorCodes, DEFAULT_OPTIONS, versions };

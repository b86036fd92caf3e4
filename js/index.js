'use strict';
// alloy-wasm: run Alloy-ABI WebAssembly plugins from Node.js.
const { PluginHost } = require('./host');
const { PluginError, ErrorCodes } = require('./errors');
const { DEFAULT_OPTIONS } = require('./options');

module.exports = { PluginHost, PluginError, ErrorCodes, DEFAULT_OPTIONS };

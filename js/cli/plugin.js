'use strict';
// Loading the one plugin a command works on, and reading input from files
// or standard input.

const fs = require('node:fs');
const path = require('node:path');
const { PluginHost } = require('../host');
const { ErrorCodes, pluginError } = require('../errors');

/** The plugin's name for a .wasm path: the file name without `.wasm`. */
function pluginName(file) {
  return path.basename(file).replace(/\.wasm$/i, '') || path.basename(file);
}

/**
 * A host with the plugin at `file` added (under `name`, the file's stem by
 * default). Resolves to { host, info, loadMs }; the caller closes the host.
 */
async function openPlugin(file, options, name = pluginName(file)) {
  const host = await PluginHost.create(options);
  try {
    const started = process.hrtime.bigint();
    const info = await host.add(name, path.resolve(file));
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { host, info, loadMs };
  } catch (err) {
    await host.close();
    throw err;
  }
}

/** Runs `body(opened)` with the plugin loaded, closing the host afterwards. */
async function withPlugin(file, options, body, name) {
  const opened = await openPlugin(file, options, name);
  try {
    return await body(opened);
  } finally {
    await opened.host.close();
  }
}

/** The text of `file` ('-' for standard input), as an IO_ERROR PluginError when it cannot be read. */
async function readText(file, what) {
  if (file === '-') return readStdin(what);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw pluginError(ErrorCodes.IO_ERROR, `cannot read ${what} "${file}": ${reason(err)}`);
  }
}

/** All of standard input as UTF-8; says so on a terminal, where the user must type it. */
async function readStdin(what) {
  if (process.stdin.isTTY) {
    process.stderr.write(`[alloy-wasm] reading ${what} from standard input; end it with Ctrl-D\n`);
  }
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A short reason for a file-system error. */
function reason(err) {
  switch (err.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a folder, not a file';
    case 'EACCES': return 'permission denied';
    default: return err.message;
  }
}

module.exports = { pluginName, openPlugin, withPlugin, readText, readStdin, reason };

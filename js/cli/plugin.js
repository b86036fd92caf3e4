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
 * default), with `config` ({ value, source } from --config, or null) as the
 * plugin's config. Resolves to { host, info, loadMs }; the caller closes the host.
 */
async function openPlugin(file, options, name = pluginName(file), config = null) {
  const host = await PluginHost.create(options);
  try {
    const started = process.hrtime.bigint();
    const info = config === null
      ? await host.add(name, path.resolve(file))
      : await host.add(name, path.resolve(file), { config: config.value });
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { host, info, loadMs };
  } catch (err) {
    await host.close();
    throw err;
  }
}

/** Runs `body(opened)` with the plugin loaded (see openPlugin), closing the host afterwards. */
async function withPlugin(file, options, body, name = pluginName(file), config = null) {
  const opened = await openPlugin(file, options, name, config);
  try {
    return await body(opened);
  } finally {
    await opened.host.close();
  }
}

/**
 * The text of `file` ('-' for standard input): an IO_ERROR PluginError when
 * it cannot be read, INVALID_INPUT when it is not UTF-8.
 */
async function readText(file, what) {
  if (file === '-') return readStdin(what);
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw pluginError(ErrorCodes.IO_ERROR, `cannot read ${what} "${file}": ${reason(err)}`);
  }
  return decodeUtf8(bytes, `${what} in "${file}"`);
}

/**
 * All of standard input as UTF-8 (INVALID_INPUT when it is not); says so on
 * a terminal, where the user must type it.
 */
async function readStdin(what) {
  if (process.stdin.isTTY) {
    process.stderr.write(`[alloy-wasm] reading ${what} from standard input; end it with Ctrl-D\n`);
  }
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return decodeUtf8(Buffer.concat(chunks), `${what} on standard input`);
}

/**
 * `bytes` as text, byte for byte (a BOM is kept): refused with INVALID_INPUT
 * when they are not UTF-8, rather than silently turned into U+FFFD.
 */
function decodeUtf8(bytes, what) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes);
    throw pluginError(ErrorCodes.INVALID_INPUT, `${what} is not valid UTF-8 (byte ${at} of ${bytes.length}); convert it first, for example with \`iconv -f latin1 -t utf-8\``);
  }
}

/** The offset of the first byte sequence that is not UTF-8 (RFC 3629), or -1. */
function firstInvalidByte(bytes) {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const more = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (more === 0 || i + more >= bytes.length) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k <= more; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return -1;
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

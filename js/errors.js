'use strict';
// PluginError and the error codes of CONTRACT.md. The native layer sends a
// coded error as a message that starts with NATIVE_MARK followed by JSON;
// fromNative turns it back into a PluginError (napi-rs cannot set custom
// codes on errors that cross from its worker threads), with what to fix
// (js/fixes.js) as a field and at the end of its one-line message.

const { fixFor, withFix } = require('./fixes');

const NATIVE_MARK = '\u0001alloy-wasm:';

/** Every code a PluginError can carry, from the Rust core's one list (README "Errors"). */
const ErrorCodes = Object.freeze(Object.fromEntries(require('./native').binding.errorCodes().map((code) => [code, code])));

class PluginError extends Error {
  /**
   * @param {string} message the whole message (names the plugin and the code)
   * @param {{code: string, plugin?: string, export?: string, index?: number, backtrace?: string, fix?: string|null, cause?: unknown}} fields
   */
  constructor(message, fields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = 'PluginError';
    this.code = fields.code;
    if (fields.plugin != null) this.plugin = fields.plugin;
    if (fields.export != null) this.export = fields.export;
    if (fields.index != null) this.index = fields.index;
    if (fields.backtrace != null) this.backtrace = fields.backtrace;
    if (fields.fix !== undefined) this.fix = fields.fix;
  }
}

/** A PluginError made in JS, with the message style of the native ones. */
function pluginError(code, detail, fields = {}) {
  let where = '';
  if (fields.plugin != null) {
    where = fields.export != null
      ? `plugin "${fields.plugin}" ${fields.export}(): `
      : `plugin "${fields.plugin}": `;
  }
  return new PluginError(`${where}${detail} [${code}]`, { ...fields, code });
}

/**
 * `err` (a PluginError) under a new message, its fields kept (code, plugin,
 * export, index, backtrace, fix) and itself the cause: how the adapters put
 * a page or an event in front of a message.
 */
function reworded(err, message) {
  const { code, plugin, index, backtrace, fix } = err;
  return new PluginError(message, { code, plugin, export: err.export, index, backtrace, fix, cause: err });
}

/** The PluginError a native error stands for, or the error itself. */
function fromNative(err) {
  const message = err && typeof err.message === 'string' ? err.message : '';
  if (!message.startsWith(NATIVE_MARK)) return err;
  return fromNativeMessage(message);
}

/**
 * The PluginError of a marked native message (NATIVE_MARK + JSON): every
 * native error passes here, and leaves with its `fix` (null when there is no
 * advice for it) and the fix at the end of its message, "DETAIL [CODE] (fix:
 * ADVICE)", because site generators print messages, not fields.
 */
function fromNativeMessage(message) {
  const fields = JSON.parse(message.slice(NATIVE_MARK.length));
  const fix = fixFor({ code: fields.code, message: fields.message });
  return new PluginError(withFix(fields.message, fix), { ...fields, fix });
}

module.exports = { PluginError, ErrorCodes, pluginError, reworded, fromNative, fromNativeMessage };

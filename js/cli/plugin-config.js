'use strict';
// What a command passes to the plugin besides its input, read and checked
// before the plugin loads: its config (--config <file.json>) and a filter's
// arguments (--arg <json>, repeatable, or --args <json array>). Mistakes are
// usage errors (exit status 2) with the code --json reports.

const fs = require('node:fs');
const { ErrorCodes } = require('../errors');
const { UsageError } = require('./args');
const { reason } = require('./plugin');

/** The options of `filter` for its arguments. */
const ARG_OPTIONS = {
  arg: {
    type: 'string',
    multiple: true,
    value: '<json>',
    help: 'one filter argument as a JSON value (repeatable, in order): --arg 40 --arg \'"…"\'; the plugin needs filter_args',
  },
  args: { type: 'string', value: '<json array>', help: 'all the filter arguments as one JSON array: --args \'[40, "…"]\'' },
};

/**
 * The plugin's config from --config: { value, source } (any JSON value), or
 * null without --config. A file that cannot be read is IO_ERROR; one that is
 * not UTF-8 JSON is INVALID_OPTIONS.
 */
function readConfig(values, command) {
  const file = values.config;
  if (file === undefined) return null;
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(`--config: cannot read "${file}": ${reason(err)} [${ErrorCodes.IO_ERROR}]`, command, ErrorCodes.IO_ERROR);
  }
  const invalid = (why) => new UsageError(`--config: "${file}" ${why} [${ErrorCodes.INVALID_OPTIONS}]`, command, ErrorCodes.INVALID_OPTIONS);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops a BOM
  } catch {
    throw invalid('is not UTF-8 text');
  }
  try {
    return { value: JSON.parse(text), source: file };
  } catch (err) {
    throw invalid(`is not JSON: ${err.message}`);
  }
}

/** The filter arguments from --arg or --args, as an array of JSON values; undefined when neither is given. */
function filterArgs(values, command) {
  if (values.arg !== undefined && values.args !== undefined) {
    throw new UsageError('use either --arg (once per argument) or --args (one JSON array), not both', command, ErrorCodes.INVALID_OPTIONS);
  }
  if (values.arg !== undefined) return values.arg.map((text) => json(text, '--arg', command));
  if (values.args === undefined) return undefined;
  const args = json(values.args, '--args', command);
  if (!Array.isArray(args)) {
    throw new UsageError(`--args needs a JSON array, like '[40, "…"]', got ${JSON.stringify(values.args)}`, command, ErrorCodes.INVALID_OPTIONS);
  }
  return args;
}

function json(text, flag, command) {
  try {
    return JSON.parse(text);
  } catch {
    const hint = flag === '--arg' ? ` (a string needs JSON quotes: --arg '"${text}"')` : '';
    throw new UsageError(`${flag} needs JSON, got ${JSON.stringify(text)}${hint}`, command, ErrorCodes.INVALID_OPTIONS);
  }
}

module.exports = { ARG_OPTIONS, readConfig, filterArgs };

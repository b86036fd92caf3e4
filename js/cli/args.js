'use strict';
// Argument parsing shared by every command (node:util parseArgs), the host
// options they all take, and the help text made from the same description.

const { parseArgs } = require('node:util');
const { DEFAULT_OPTIONS, resolveOptions } = require('../options');
const { PluginError } = require('../errors');

/**
 * Bad command-line arguments: reported with the command's usage line, exit
 * status 2. `code` (INVALID_OPTIONS, IO_ERROR) is what --json reports, USAGE
 * when none is given.
 */
class UsageError extends Error {
  constructor(message, command, code) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
    if (code !== undefined) this.code = code;
  }
}

/** Options every command that loads a plugin takes. */
const HOST_OPTIONS = {
  'cache-dir': {
    type: 'string',
    value: '<dir>',
    help: `compiled-module cache folder (default ${DEFAULT_OPTIONS.cacheDir}, relative to the working directory)`,
  },
  'no-cache': { type: 'boolean', help: 'do not use the compiled-module cache' },
  'timeout-ms': { type: 'string', value: '<ms>', help: `time limit of one call (default ${DEFAULT_OPTIONS.timeoutMs})` },
  'memory-limit-mb': {
    type: 'string',
    value: '<MiB>',
    help: `linear-memory cap of the plugin (default ${DEFAULT_OPTIONS.memoryLimitMb})`,
  },
  config: {
    type: 'string',
    value: '<file.json>',
    help: "the plugin's config: any JSON value, passed to its configure export once per instance",
  },
};

const HELP_OPTION = { help: { type: 'boolean', short: 'h', help: 'show this help' } };

/**
 * Parses `argv` for `command` ({ name, usage, options, positionals: [min, max] }).
 * Returns { values, positionals }, or { help: true } for --help; throws a
 * UsageError for anything the command does not take.
 */
function parseCommand(command, argv) {
  const specs = { ...command.options, ...HELP_OPTION };
  const options = {};
  for (const [key, spec] of Object.entries(specs)) {
    options[key] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseErrorMessage(err), command);
  }
  const values = { ...parsed.values };
  if (values.help) return { help: true };
  const [min, max] = command.positionals;
  const count = parsed.positionals.length;
  if (count < min) {
    const missing = command.usage.match(/<[^>]+>/g).slice(count, min).join(' ');
    throw new UsageError(`missing ${missing}`, command);
  }
  if (count > max) {
    const extra = parsed.positionals.slice(max).map((p) => JSON.stringify(p)).join(' ');
    throw new UsageError(`unexpected argument${count - max > 1 ? 's' : ''} ${extra}`, command);
  }
  return { values, positionals: parsed.positionals };
}

function parseErrorMessage(err) {
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = (err.message.match(/'([^']+)'/) || [])[1] ?? 'option';
    return `unknown option ${option} (to pass a value that starts with "-", put it after --)`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = (err.message.match(/'(--?[\w-]+)/) || [])[1] ?? 'an option';
    if (/does not take/.test(err.message)) return `${option} does not take a value`;
    if (/ambiguous/.test(err.message)) return `${option} needs a value; for one that starts with "-", write ${option}=-value`;
    return `${option} needs a value`;
  }
  return err.message;
}

/** The host options from --cache-dir, --no-cache, --timeout-ms, --memory-limit-mb, validated. */
function hostOptions(values, command, extra = {}) {
  if (values['no-cache'] && values['cache-dir'] !== undefined) {
    throw new UsageError('use either --cache-dir or --no-cache, not both', command);
  }
  const options = { ...extra };
  if (values['no-cache']) options.cacheDir = null;
  else if (values['cache-dir'] !== undefined) options.cacheDir = values['cache-dir'];
  if (values['timeout-ms'] !== undefined) options.timeoutMs = number(values['timeout-ms'], '--timeout-ms', command);
  if (values['memory-limit-mb'] !== undefined) {
    options.memoryLimitMb = number(values['memory-limit-mb'], '--memory-limit-mb', command);
  }
  try {
    return resolveOptions(options);
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    // The host's message names the option by its JS name; say which flag it was.
    throw new UsageError(err.message.replace(/ \[INVALID_OPTIONS\]$/, '').replace(/"(\w+)"/g, (_, key) => flagFor(key)), command);
  }
}

const FLAGS = { cacheDir: '--cache-dir', timeoutMs: '--timeout-ms', memoryLimitMb: '--memory-limit-mb', threads: '--threads' };
function flagFor(key) {
  return FLAGS[key] ?? `"${key}"`;
}

/** `text` as a number, or a UsageError naming `flag`. */
function number(text, flag, command) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`${flag} needs a number, got ${JSON.stringify(text)}`, command);
  }
  return value;
}

/** `text` as a whole number from `min` to `max`, or a UsageError naming `flag`. */
function wholeNumber(text, flag, command, min = 1, max = Number.MAX_SAFE_INTEGER) {
  const value = number(text, flag, command);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} needs a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`, command);
  }
  return value;
}

/** The --help text of `command`. */
function helpText(command) {
  const specs = { ...command.options, ...HELP_OPTION };
  const rows = Object.entries(specs).map(([key, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${key}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.help];
  });
  const flagWidth = Math.max(...rows.map(([flag]) => flag.length));
  const lines = [`Usage: ${command.usage}`, '', command.description.trim(), '', 'Options:'];
  for (const [flag, help] of rows) lines.push(`  ${flag.padEnd(flagWidth)}  ${help}`);
  if (command.examples) {
    lines.push('', 'Examples:');
    for (const example of command.examples) lines.push(`  ${example}`);
  }
  lines.push('', 'Exit status: 0 success, 1 the plugin failed or is broken, 2 bad arguments.');
  return `${lines.join('\n')}\n`;
}

module.exports = { UsageError, HOST_OPTIONS, parseCommand, hostOptions, number, wholeNumber, helpText };

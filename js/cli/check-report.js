'use strict';
// `check`'s findings about one .wasm file, as plain data (what --json prints):
// what V8 sees in the module, the alloy host's verdict (its PluginError when
// it refuses the plugin), and trial calls of each export it has
// (check-trials.js).

const fs = require('node:fs');
const path = require('node:path');
const { PluginError, ErrorCodes } = require('../errors');
const { openPlugin, pluginName, reason } = require('./plugin');
const { describeModule, ABI_EXPORTS, START_EXPORTS } = require('./wasm-module');
const { runTrials, errorEntry } = require('./check-trials');

/**
 * Checks the plugin at `file` with host `options`, and the plugin's config
 * (`config`: { value, source } from --config, or null). Resolves to the
 * report; `report.ok` says whether the plugin is usable.
 */
async function checkPlugin(file, options, config = null) {
  const report = {
    ok: false,
    plugin: pluginName(file),
    file: path.resolve(file),
    size: null,
    module: null,
    results: null,
    exports: [],
    otherExports: [],
    start: null,
    configure: null,
    hooks: [],
    wasi: null,
    imports: [],
    load: { ms: null, compileMs: null, cache: null, cacheDir: options.cacheDir === null ? null : path.resolve(options.cacheDir), cacheError: null },
    trials: [],
    error: null,
    warnings: [],
  };

  let bytes;
  try {
    bytes = fs.readFileSync(report.file);
  } catch (err) {
    report.error = errorEntry(new PluginError(`cannot read "${file}": ${reason(err)} [IO_ERROR]`, { code: ErrorCodes.IO_ERROR }));
    return report;
  }
  report.size = bytes.length;

  const module = describeModule(bytes);
  report.module = { compiles: module.compiles, error: module.error };
  report.imports = module.imports;
  report.wasi = module.compiles ? module.imports.some((imp) => imp.module === 'wasi_snapshot_preview1') : null;
  const kinds = new Map(module.exports.map((exp) => [exp.name, exp.kind]));
  report.exports = exportTable(kinds);
  report.otherExports = module.exports
    .filter((exp) => !ABI_EXPORTS.some((abi) => abi.name === exp.name))
    .map((exp) => exp.name);
  report.start = START_EXPORTS.find((name) => kinds.get(name) === 'function') ?? null;

  let opened;
  try {
    opened = await openPlugin(report.file, { ...options, threads: 1 }, report.plugin, config);
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    report.error = errorEntry(err);
    markWrongSignature(report.exports, err);
    if (err.code === ErrorCodes.INVALID_MODULE && module.compiles) {
      report.warnings.push('V8 compiles this module but wasmtime does not: it may use a WebAssembly feature alloy-wasm does not enable.');
    }
    return report;
  }

  const { host, info, loadMs } = opened;
  try {
    report.load.ms = loadMs;
    report.load.compileMs = typeof info.compileMs === 'number' ? info.compileMs : null;
    report.load.cache = info.cache ?? null;
    report.load.cacheError = info.cacheError ?? null;
    if (report.load.cacheError) report.warnings.push(`the compiled module could not be cached: ${report.load.cacheError}`);
    report.results = info.results;
    report.hooks = info.hooks;
    report.wasi = info.wasi;
    // The host's view of the ABI exports is the authoritative one.
    report.exports = exportTable(kinds, new Set(info.exports));
    report.configure = configureReport(info, config);
    const trials = await runTrials(host, info);
    report.trials = trials.trials;
    report.warnings.push(...trials.warnings);
  } finally {
    await host.close();
  }

  const broken = report.trials.find((trial) => trial.outcome === 'fail');
  if (broken) report.error = broken.error;
  const callable = ['filter', 'filter_args', 'shortcode', 'hook'].filter((name) => info.exports.includes(name));
  if (callable.length === 0) {
    report.warnings.push('it exports no filter, filter_args, shortcode or hooks + hook, so it loads but there is nothing to call.');
  }
  if (!info.exports.includes('last_error') && callable.length > 0) {
    report.warnings.push('no last_error export: its errors will reach users without a message.');
  }
  report.ok = report.error === null;
  return report;
}

/**
 * One row per ABI export: { name, required, signature, found, kind, checked,
 * problem }. `checked` says whether the host confirmed its signature (it
 * does when it loads the plugin); V8 alone only sees names and kinds.
 */
function exportTable(kinds, hostExports) {
  return ABI_EXPORTS.map((abi) => ({
    name: abi.name,
    required: abi.required,
    signature: abi.signature,
    found: hostExports ? hostExports.has(abi.name) : kinds.get(abi.name) === abi.kind,
    kind: kinds.get(abi.name) ?? null,
    checked: Boolean(hostExports),
    problem: null,
  }));
}

/** Marks the export a MISSING_EXPORT error names for its signature ("exports "filter" with type ..."). */
function markWrongSignature(exports, err) {
  const match = err.code === ErrorCodes.MISSING_EXPORT && /exports "(\w+)" with type (.+?), but/.exec(err.message);
  const row = match && exports.find((exp) => exp.name === match[1]);
  if (row) row.problem = `wrong type ${match[2]}`;
}

/**
 * Whether configure ran: { called: true, source } when it did (at load, with
 * the JSON of the --config file `source`), { called: false } when the plugin
 * exports it but no --config was given, null when it does not export it.
 */
function configureReport(info, config) {
  if (!info.exports.includes('configure')) return null;
  return config !== null ? { called: true, source: config.source } : { called: false, source: null };
}

module.exports = { checkPlugin };

'use strict';
// `alloy-wasm check <file.wasm>`: does this plugin honour the Alloy ABI?

const { HOST_OPTIONS, hostOptions } = require('./args');
const { checkPlugin } = require('./check-report');
const { describe } = require('./check-trials');
const { readConfig } = require('./plugin-config');
const { out, table, formatBytes, formatMs, cut, quote, print, displayPath } = require('./output');

const command = {
  name: 'check',
  summary: 'report whether a plugin honours the ABI, and what to fix',
  usage: 'alloy-wasm check <file.wasm> [options]',
  positionals: [1, 1],
  description: `
Loads the plugin as alloy-wasm would and reports: its ABI exports (found and
missing), how its results are returned, the hooks it declares, its imports
and whether each is allowed, WASI or not, its size, its compile time and
whether the compiled-module cache had it. Then it calls each export it has
with three sample inputs of different sizes (empty, short, a page), each
twice, in interleaved order, on one instance, and warns when text comes
back with NUL or other control bytes, or differs between the two calls:
signs of a result read from memory the plugin no longer owns. A configure
export runs at load when --config gives the config; filter_args is called
with a sample {"input", "args"}. For a broken plugin it prints the error
code from the contract and what to fix, and exits with status 1; warnings
alone leave the status 0.`,
  options: {
    json: { type: 'boolean', help: 'print the report as JSON (one document; a failure is { ok: false, error })' },
    ...HOST_OPTIONS,
  },
  examples: [
    'alloy-wasm check plugins/custom-slugify.wasm',
    'alloy-wasm check plugins/custom-slugify.wasm --no-cache --json',
    'alloy-wasm check plugins/site-links.wasm --config site.json',
  ],
  run,
};

async function run([file], values) {
  const options = hostOptions(values, command);
  const report = await checkPlugin(file, options, readConfig(values, command));
  if (values.json) print(JSON.stringify(report, null, 2));
  else print(...render(report));
  return report.ok ? 0 : 1;
}

const RESULT_FORMS = {
  i64: 'i64, packed as (ptr << 32) | len',
  'multi-value': 'multi-value, two i32 results (ptr, len)',
  retptr: "result pointer (TinyGo's shape): each export takes a first argument retptr, where it stores ptr and len as two i32s, and returns nothing",
};

/** The report as text lines. */
function render(report) {
  const lines = [`${out.bold(report.plugin)}  ${displayPath(report.file)}`];
  const facts = [['size', sizeText(report.size)]];
  if (report.load.ms !== null) {
    facts.push(['compile', compileText(report.load)]);
    facts.push(['load', `${formatMs(report.load.ms)} (compile, instantiate, start, hooks())`]);
    facts.push(['results', report.results ? RESULT_FORMS[report.results] : 'none: no export besides memory and alloc']);
  }
  if (report.wasi !== null) facts.push(['WASI', report.wasi ? 'yes (wasi_snapshot_preview1, sandboxed)' : 'no']);
  if (report.module && report.module.compiles) facts.push(['start', startText(report.start)]);
  lines.push(...table(facts, { indent: '  ' }));

  if (report.module && !report.module.compiles) {
    lines.push('', `${out.red('✗')} V8 cannot compile it: ${report.module.error}`);
  } else if (report.module) {
    lines.push('', out.bold('exports'));
    const rows = report.exports.map((exp) => [
      exportMark(exp),
      exp.name,
      exportText(exp, report.results),
      exp.required ? out.dim('required') : exp.name === 'configure' ? configureText(report.configure) : '',
    ]);
    lines.push(...table(rows, { indent: '  ' }));
    if (report.otherExports.length > 0) lines.push(`  ${out.dim(`also: ${report.otherExports.join(', ')}`)}`);

    lines.push('', `${out.bold('hooks')}    ${hooksText(report)}`);
    if (report.imports.length === 0) {
      lines.push(`${out.bold('imports')}  ${out.dim('none')}`);
    } else {
      lines.push(out.bold('imports'));
      const rows = report.imports.map((imp) => [
        imp.allowed ? out.green('✓') : out.red('✗'),
        `${imp.module}.${imp.name}`,
        imp.kind,
        imp.allowed ? 'allowed' : out.red('not allowed (only wasi_snapshot_preview1.* and env.abort)'),
      ]);
      lines.push(...table(rows, { indent: '  ' }));
    }
  }

  if (report.trials.length > 0) {
    lines.push('', out.bold('trial calls'));
    lines.push(`  ${out.dim('each twice, in interleaved order, on one instance')}`);
    const rows = report.trials.map((trial) => {
      const mark = trial.outcome === 'ok' ? out.green('✓') : trial.outcome === 'fail' ? out.red('✗') : out.yellow('!');
      const result = trial.error ? trial.error.message : `-> ${trialOutput(trial)}${trialFlag(trial)}`;
      return [mark, describe(trial), result];
    });
    lines.push(...table(rows, { indent: '  ' }));
  }

  if (report.warnings.length > 0 || report.trials.some((trial) => trial.outcome === 'note')) lines.push('');
  for (const warning of report.warnings) lines.push(`${out.yellow('!')} ${warning}`);
  if (report.trials.some((trial) => trial.outcome === 'note')) {
    lines.push(`${out.yellow('!')} a trial call returned an error (shown above): fine if the plugin meant to refuse that input.`);
  }

  lines.push('');
  if (report.ok) {
    const has = report.exports.filter((exp) => exp.found && !exp.required).map((exp) => exp.name);
    const suspect = report.trials.some((trial) => trial.outcome === 'warn') ? `; ${out.yellow('but its output looks wrong: see the warnings above')}` : '';
    lines.push(`${out.green('✓ OK')}  ${report.plugin} honours the Alloy ABI${has.length ? ` (${has.join(', ')})` : ''}${suspect}`);
  } else {
    // Some native messages span lines (wasmtime's parse errors); one line reads better here.
    lines.push(`${out.red(`✗ ${report.error.code}`)}  ${report.error.message.replace(/\s*\n\s*/g, ' ')}`);
    if (report.error.fix) lines.push(`  ${out.bold('fix:')} ${report.error.fix}`);
  }
  return lines;
}

/** A trial's output, shortened: quoted text, or a hook's JSON without its "event" key. */
function trialOutput(trial) {
  if (!trial.call.startsWith('hook ')) return quote(trial.output, 40);
  const { event, ...rest } = JSON.parse(trial.output);
  return cut(JSON.stringify(rest), 44);
}

/** What is wrong with a trial's output (the warnings below say why). */
function trialFlag(trial) {
  if (trial.controlBytes) return out.yellow(`  control bytes: ${trial.controlBytes.codePoint} at ${trial.controlBytes.index}`);
  if (trial.differs) return out.yellow('  differs between calls');
  return '';
}

/** The configure row's note: whether --config made it run. */
function configureText(configure) {
  if (configure === null) return '';
  return configure.called
    ? `called at load with ${displayPath(configure.source)}`
    : out.yellow('not called: give the config with --config <file.json> to run it');
}

function hooksText(report) {
  if (report.load.ms === null) return out.dim('unknown: hooks() runs only when the plugin loads');
  return report.hooks.length > 0 ? report.hooks.join(', ') : out.dim('none');
}

function sizeText(size) {
  if (size === null) return 'unknown';
  return size < 1024 ? `${size} bytes` : `${formatBytes(size)} (${size} bytes)`;
}

function exportMark(exp) {
  if (exp.problem || (!exp.found && exp.required)) return out.red('✗');
  return exp.found ? out.green('✓') : out.dim('·');
}

function exportText(exp, results) {
  if (exp.problem) return out.red(exp.problem);
  if (!exp.found) return exp.required ? out.red('missing') : out.dim('not exported');
  // Without the host's verdict only the kind is known, not the signature.
  if (exp.checked || exp.kind === 'memory') return results === 'retptr' ? retptrSignature(exp.signature) : exp.signature;
  return `${exp.kind}, type not checked`;
}

/** An ABI signature in TinyGo's result-pointer shape: (ptr i32, len i32) -> (ptr, len) becomes (retptr i32, ptr i32, len i32). */
function retptrSignature(signature) {
  return signature
    .replace(/^\(\) -> \(ptr, len\)/, '(retptr i32), (ptr, len) at retptr')
    .replace(/^\(ptr i32, len i32\) -> \(ptr, len\)/, '(retptr i32, ptr i32, len i32), (ptr, len) at retptr');
}

function compileText(load) {
  const time = load.compileMs === null ? 'unknown' : formatMs(load.compileMs);
  switch (load.cache) {
    case 'hit': return `${time}, cache hit (loaded from ${displayPath(load.cacheDir)})`;
    case 'miss':
      return load.cacheError
        ? `${time}, cache miss (compiled now; it could not be stored, see below)`
        : `${time}, cache miss (compiled now, stored in ${displayPath(load.cacheDir)})`;
    case 'off': return `${time}, cache off (compiled now)`;
    default: return `${time} (cache status unknown)`;
  }
}

function startText(start) {
  if (start === '_start') return '_start (a WASI command): runs once per instance; exit(0) is fine';
  if (start === '_initialize') return '_initialize (a reactor): runs once per instance';
  return 'none';
}

module.exports = { command, render };

'use strict';
// `alloy-wasm check <file.wasm>`: does this plugin honour the Alloy ABI?

const { HOST_OPTIONS, hostOptions } = require('./args');
const { checkPlugin } = require('./check-report');
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
with sample input. For a broken plugin it prints the error code from the
contract and what to fix, and exits with status 1.`,
  options: {
    json: { type: 'boolean', help: 'print the report as JSON (one document; a failure is { ok: false, error })' },
    ...HOST_OPTIONS,
  },
  examples: [
    'alloy-wasm check plugins/custom-slugify.wasm',
    'alloy-wasm check plugins/custom-slugify.wasm --no-cache --json',
  ],
  run,
};

async function run([file], values) {
  const report = await checkPlugin(file, hostOptions(values, command));
  if (values.json) print(JSON.stringify(report, null, 2));
  else print(...render(report));
  return report.ok ? 0 : 1;
}

const RESULT_FORMS = {
  i64: 'i64, packed as (ptr << 32) | len',
  'multi-value': 'multi-value, two i32 results (ptr, len)',
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
      exportText(exp),
      exp.required ? out.dim('required') : '',
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
    const rows = report.trials.map((trial) => {
      const mark = trial.outcome === 'ok' ? out.green('✓') : trial.outcome === 'note' ? out.yellow('!') : out.red('✗');
      const result = trial.outcome === 'ok' ? `-> ${trialOutput(trial)}` : trial.error.message;
      return [mark, trialCall(trial), result];
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
    lines.push(`${out.green('✓ OK')}  ${report.plugin} honours the Alloy ABI${has.length ? ` (${has.join(', ')})` : ''}`);
  } else {
    // Some native messages span lines (wasmtime's parse errors); one line reads better here.
    lines.push(`${out.red(`✗ ${report.error.code}`)}  ${report.error.message.replace(/\s*\n\s*/g, ' ')}`);
    if (report.error.fix) lines.push(`  ${out.bold('fix:')} ${report.error.fix}`);
  }
  return lines;
}

/** How a trial call reads: filter("text"), shortcode([], ""), hook("event"). */
function trialCall(trial) {
  if (trial.call === 'filter') return `filter(${quote(trial.input, 24)})`;
  if (trial.call === 'shortcode') {
    const { args, content } = JSON.parse(trial.input);
    return `shortcode(${JSON.stringify(args)}, ${quote(content, 24)})`;
  }
  return `hook(${JSON.stringify(trial.call.replace(/^hook /, ''))}, sample page)`;
}

/** A trial's output, shortened: quoted text, or a hook's JSON without its "event" key. */
function trialOutput(trial) {
  if (!trial.call.startsWith('hook ')) return quote(trial.output, 40);
  const { event, ...rest } = JSON.parse(trial.output);
  return cut(JSON.stringify(rest), 44);
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

function exportText(exp) {
  if (exp.problem) return out.red(exp.problem);
  if (!exp.found) return exp.required ? out.red('missing') : out.dim('not exported');
  // Without the host's verdict only the kind is known, not the signature.
  if (exp.checked || exp.kind === 'memory') return exp.signature;
  return `${exp.kind}, type not checked`;
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

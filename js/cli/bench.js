'use strict';
// `alloy-wasm bench <file.wasm>`: how fast is this plugin's filter?

const { HOST_OPTIONS, hostOptions, wholeNumber } = require('./args');
const { benchFilter } = require('./bench-run');
const { withPlugin, readText, pluginName } = require('./plugin');
const { readConfig } = require('./plugin-config');
const { Progress } = require('./progress');
const { out, table, formatBytes, formatNs, formatCount, print, printError, displayPath } = require('./output');

/** The default input: about 1 KiB of HTML with some non-ASCII text, like a paragraph of a page. */
const SAMPLE_INPUT = [
  '<p>WebAssembly plugins run the filters, shortcodes and hooks of a site generator on every page.',
  'Ein Beispiel mit Umlauten: Grüße aus Köln, Straße und Fluss. Un café à Paris, déjà vu.',
  'Emoji and CJK: 😀 🎉 日本語のテキスト, 中文文本, 한국어 텍스트.</p>',
  '<ul><li><a href="/blog/first-post/">The first post</a></li><li><a href="/about/">About us</a></li></ul>',
  '<p>The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.',
  'How vexingly quick daft zebras jump! Sphinx of black quartz, judge my vow.</p>',
  '<pre><code>const answer = 6 * 7; // 42</code></pre>',
  '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut',
  'labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris',
  'nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate.</p>',
].join('\n');

const command = {
  name: 'bench',
  summary: 'time filterSync, filter and filterMany on one input',
  usage: 'alloy-wasm bench <file.wasm> [options]',
  positionals: [1, 1],
  description: `
Times the plugin's filter four ways on one input: filterSync, filter awaited
one call at a time, filter with many calls in flight, and filterMany. After a
warm-up it runs several rounds (the four ways interleaved in each round) and
prints the median time per call and calls per second. First it checks that
every way returns the same output. A progress bar shows on a terminal when
the run is long.`,
  options: {
    input: { type: 'string', value: '<file>', help: 'the filter input ("-" reads standard input; default: a built-in HTML sample of about 1 KB)' },
    calls: { type: 'string', value: '<N>', help: 'calls per way and round (default: enough for about 200 ms with filter)' },
    rounds: { type: 'string', value: '<N>', help: 'rounds; the medians are taken over them (default 5)' },
    'in-flight': { type: 'string', value: '<N>', help: 'filter calls in flight at once (default 64)' },
    threads: { type: 'string', value: '<N>', help: 'worker threads for async calls (default 0: one per core)' },
    json: { type: 'boolean', help: 'print the results as JSON (one document; a failure is { ok: false, error })' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress bar' },
    ...HOST_OPTIONS,
  },
  examples: [
    'alloy-wasm bench plugins/custom-slugify.wasm',
    'alloy-wasm bench plugins/uppercase.wasm --input page.html --calls 2000 --json',
  ],
  run,
};

async function run([file], values) {
  const settings = {
    calls: values.calls === undefined ? null : wholeNumber(values.calls, '--calls', command, 1, 10_000_000),
    rounds: values.rounds === undefined ? 5 : wholeNumber(values.rounds, '--rounds', command, 1, 1000),
    inFlight: values['in-flight'] === undefined ? 64 : wholeNumber(values['in-flight'], '--in-flight', command, 1, 100_000),
    progress: (total) => new Progress(total, Boolean(process.stderr.isTTY) && !values.quiet),
  };
  const threads = values.threads === undefined ? 0 : wholeNumber(values.threads, '--threads', command, 0, 1024);
  const options = hostOptions(values, command, { threads });
  const config = readConfig(values, command);
  const input = values.input === undefined ? SAMPLE_INPUT : await readText(values.input, 'the bench input');
  const source = values.input === undefined ? 'built-in sample' : values.input === '-' ? 'standard input' : displayPath(values.input);

  const result = await withPlugin(file, options, async ({ host, info }) => ({
    plugin: info.name,
    file: info.path,
    threads: host.threads,
    ...(await benchFilter(host, info, input, settings)),
  }), pluginName(file), config);
  const { expected, ...report } = result;
  report.input = { source, bytes: report.inputBytes };
  delete report.inputBytes;
  if (values.json) {
    print(JSON.stringify(report, null, 2));
  } else {
    print(...render(report));
  }
  if (!report.agree) {
    printError(`the ways of calling did not all return the same output (filterSync returned ${JSON.stringify(expected.slice(0, 60))}...); is the filter deterministic?`);
  }
  return 0;
}

/** The report as text lines. */
function render(report) {
  const lines = [
    `${out.bold(report.plugin)}  ${displayPath(report.file)}`,
    ...table([
      ['input', `${formatBytes(report.input.bytes)} (${report.input.source})`],
      ['calls', `${formatCount(report.calls)} per way and round, ${report.rounds} round${report.rounds > 1 ? 's' : ''}`],
      ['threads', `${report.threads} worker thread${report.threads > 1 ? 's' : ''}`],
    ], { indent: '  ' }),
    '',
  ];
  const rows = [[out.bold('call'), out.bold('per call'), out.bold('calls/s'), out.bold('min – max per call')]];
  for (const r of report.results) {
    rows.push([r.label, formatNs(r.medianNs), formatCount(r.callsPerSecond), `${formatNs(r.minNs)} – ${formatNs(r.maxNs)}`]);
  }
  lines.push(...table(rows, { align: ['left', 'right', 'right', 'left'], indent: '  ' }));
  lines.push('', out.dim(`Medians of ${report.rounds} round${report.rounds > 1 ? 's' : ''}; the four ways take turns within each round.`));
  return lines;
}

module.exports = { command, SAMPLE_INPUT };

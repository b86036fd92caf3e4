'use strict';
// `check`'s trial calls: each export the plugin has is called with three
// sample inputs of different sizes, twice, in interleaved order, on one
// instance (the sync path, and the inline path for hooks). Text that comes
// back with NUL or other control bytes, or that differs between the two
// calls of one input, is a warning: the plugin most likely returned a
// pointer into memory it no longer owns (a stack buffer, a freed one), which
// shows only once something else reuses that memory.

const { PluginError, ErrorCodes } = require('../errors');
const { fixFor, messageWithoutFix } = require('../fixes');
const { formatBytes, quote } = require('./output');

/** Trial-call error codes that mean the plugin breaks the ABI; others (PLUGIN_ERROR) may be deliberate. */
const BREAKING = new Set([
  ErrorCodes.TRAP, ErrorCodes.BAD_RESULT, ErrorCodes.INVALID_JSON, ErrorCodes.TIMEOUT, ErrorCodes.MEMORY_LIMIT,
]);

/** How many times each sample is sent (in rounds: every sample once, then again). */
const ROUNDS = 2;

/** A page-sized HTML input (about 12 KiB): most use-after-free shows only past a few KiB. */
const PAGE = `<h1>Grüße 😀</h1>\n${'<p>Lorem ipsum dolor sit amet, <a href="/blog/first-post/">consectetur</a> adipiscing elit, sed do eiusmod.</p>\n'.repeat(110)}`;
const SHORT = 'Hello, World! Grüße 😀 <p class="x">&amp;</p>';
const pageLabel = `page of ${formatBytes(Buffer.byteLength(PAGE))}`;

/** The filter inputs: empty (alloc(0)!), short mixed text, a page. */
const FILTER_SAMPLES = [
  { text: '' },
  { text: SHORT },
  { text: PAGE, label: pageLabel },
];

/** The shortcode calls: no arguments, one, and two around a page (a paired shortcode). */
const SHORTCODE_SAMPLES = [
  { args: [], content: '' },
  { args: ['42'], content: SHORT },
  { args: ['250', 'x'], content: PAGE, label: pageLabel },
];

/** The hook payloads of onContentTransformed (other events get small generic ones). */
const PAGE_PAYLOADS = [
  { label: 'sample page', payload: { html: '<p>Hello, World! <img src="a.png"></p>', url: '/', inputPath: './index.md', outputPath: '_site/index.html' } },
  { label: 'empty page', payload: { html: '', url: '/empty/', inputPath: './empty.md', outputPath: '_site/empty/index.html' } },
  { label: pageLabel, payload: { html: PAGE, url: '/blog/first-post/', inputPath: './blog/first-post.md', outputPath: '_site/blog/first-post/index.html' } },
];
const OTHER_PAYLOADS = [
  { label: 'empty payload', payload: {} },
  { label: 'small payload', payload: { url: '/', title: 'Grüße 😀' } },
  { label: 'page payload', payload: { url: '/blog/first-post/', content: PAGE } },
];

/** filter_args gets these arguments when the plugin also has filter (with none, filter would run). */
const SAMPLE_ARGS = [40, '…'];

/**
 * The trials of the plugin `info` describes: [{ call, label, input, run }],
 * `run()` making one call. Only the exports the host says it has.
 */
function planTrials(host, info) {
  const name = info.name;
  const has = (exp) => info.exports.includes(exp);
  const plan = [];
  if (has('filter')) {
    for (const s of FILTER_SAMPLES) plan.push({ call: 'filter', label: s.label, input: s.text, run: () => host.filterSync(name, s.text) });
  }
  if (has('filter_args')) {
    const args = has('filter') ? SAMPLE_ARGS : [];
    for (const s of FILTER_SAMPLES) {
      plan.push({ call: 'filter_args', label: s.label, input: JSON.stringify({ input: s.text, args }), args, run: () => host.filterSync(name, s.text, args) });
    }
  }
  if (has('shortcode')) {
    for (const s of SHORTCODE_SAMPLES) {
      plan.push({
        call: 'shortcode',
        label: s.label,
        input: JSON.stringify({ name, args: s.args, content: s.content }),
        run: () => host.shortcodeSync(name, s.args, s.content),
      });
    }
  }
  for (const event of info.hooks) {
    const samples = event === 'onContentTransformed' ? PAGE_PAYLOADS : OTHER_PAYLOADS;
    for (const s of samples) {
      plan.push({ call: `hook ${event}`, label: s.label, input: JSON.stringify({ event, ...s.payload }), run: () => host.runHook(event, s.payload) });
    }
  }
  return plan;
}

/**
 * Runs every trial ROUNDS times, interleaved (all trials once, then again),
 * on the one instance the sync path uses. Resolves to { trials, warnings }.
 */
async function runTrials(host, info) {
  const plan = planTrials(host, info);
  const results = plan.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, trial] of plan.entries()) {
      // A new event-loop turn per call: the inline budget is then whole, and
      // a hook runs on this thread's instance too (unless it takes over 2 ms).
      await new Promise(setImmediate);
      results[i].push(await attempt(trial.run));
    }
  }
  const found = plan.map((trial, i) => summarize(trial, results[i]));
  return { trials: found.map(({ entry }) => entry), warnings: warningsOf(found) };
}

/** One call: { output } or { error } (a PluginError as report data, and whether it breaks the ABI). */
async function attempt(run) {
  try {
    return { output: await run() };
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    return { error: errorEntry(err), breaking: BREAKING.has(err.code) };
  }
}

/**
 * The report entry of one trial from its calls' results: the first failure
 * that breaks the ABI, else the first refusal (a note), else its output,
 * flagged ('warn') for control bytes or for output that changed between
 * calls. Returns { entry, what, detail }: `detail` says what is wrong.
 */
function summarize(trial, calls) {
  const entry = {
    call: trial.call,
    label: trial.label ?? null,
    input: trial.input,
    ...(trial.args ? { args: trial.args } : {}),
    calls: calls.length,
    outcome: 'ok',
    output: null,
    error: null,
    controlBytes: null,
    differs: false,
  };
  const what = describe(trial);
  const failed = calls.find((c) => c.error && c.breaking) ?? calls.find((c) => c.error);
  if (failed) {
    entry.outcome = failed.breaking ? 'fail' : 'note';
    entry.error = failed.error;
    return { entry, what, detail: null };
  }
  const texts = calls.map((c) => (typeof c.output === 'string' ? c.output : JSON.stringify(c.output)));
  entry.output = texts[0];
  for (const [n, c] of calls.entries()) {
    const control = findControl(c.output);
    if (!control) continue;
    entry.controlBytes = { ...control, call: n + 1 };
    entry.outcome = 'warn';
    return { entry, what, detail: `${controlText(control)} (call ${n + 1} of ${calls.length})` };
  }
  if (texts.some((text) => text !== texts[0])) {
    entry.differs = true;
    entry.outcome = 'warn';
  }
  return { entry, what, detail: null };
}

/**
 * The warnings about flagged trials, one per export and kind of problem,
 * naming the inputs that showed it.
 */
function warningsOf(found) {
  const warnings = [];
  const group = (test) => {
    const groups = new Map();
    for (const item of found.filter(test)) {
      if (!groups.has(item.entry.call)) groups.set(item.entry.call, []);
      groups.get(item.entry.call).push(item);
    }
    return [...groups.values()];
  };
  for (const items of group(({ entry }) => entry.controlBytes !== null)) {
    const [first, ...more] = items;
    const also = more.length > 0 ? `; so did ${more.map((item) => item.what).join(', ')}` : '';
    warnings.push(
      `${first.what} returned text with ${first.detail}${also}: it likely returned a pointer into freed memory, ` +
      'e.g. a stack buffer: return a buffer that stays alive until the next call.',
    );
  }
  for (const items of group(({ entry }) => entry.differs)) {
    warnings.push(
      `${items.map((item) => item.what).join(', ')} returned different output for the same input on one instance: ` +
      'fine if it is meant to vary (time, counters); otherwise it reads memory it no longer owns (a stack buffer, a freed one): ' +
      'return a buffer that stays alive until the next call.',
    );
  }
  return warnings;
}

/** 'a control character, U+0000 (NUL), at character 1 of "html"', or '6 control characters, NUL among them; the first, ...'. */
function controlText(found) {
  const where = `at character ${found.index}${found.path ? ` of "${found.path}"` : ''}`;
  const name = found.codePoint === 'U+0000' ? `${found.codePoint} (NUL)` : found.codePoint;
  if (found.count === 1) return `a control character, ${name}, ${where}`;
  return `${found.count} control characters${found.nul ? ', NUL among them' : ''}; the first, ${name}, ${where}`;
}

/** How a trial reads in the report: filter("text"), shortcode([], ""), hook("event", sample page). */
function describe(trial) {
  const { call, label } = trial;
  if (call === 'filter') return `filter(${label ?? quote(trial.input, 24)})`;
  if (call === 'filter_args') {
    const { input, args } = JSON.parse(trial.input);
    return `filter_args(${label ?? quote(input, 24)}, ${JSON.stringify(args)})`;
  }
  if (call === 'shortcode') {
    const { args, content } = JSON.parse(trial.input);
    return `shortcode(${JSON.stringify(args)}, ${label ?? quote(content, 24)})`;
  }
  return `hook(${JSON.stringify(call.replace(/^hook /, ''))}, ${label})`;
}


/** Control characters no text output should hold: C0 but tab, LF and CR; DEL; C1. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * The control characters in `value` (a string, or a hook's parsed JSON:
 * every string in it, keys included): { count, nul, codePoint, index, path }
 * with the first one's code point, its index in its string, and the JSON
 * path of that string; null when there are none.
 */
function findControl(value) {
  let found = null;
  const scan = (text, path) => {
    for (const match of text.matchAll(CONTROL)) {
      if (found === null) {
        const codePoint = `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        found = { count: 0, nul: false, codePoint, index: match.index, path };
      }
      found.count += 1;
      if (match[0] === '\u0000') found.nul = true;
    }
  };
  const walk = (item, path) => {
    if (typeof item === 'string') scan(item, path);
    else if (item !== null && typeof item === 'object') {
      for (const [key, inner] of Object.entries(item)) {
        scan(key, path);
        walk(inner, path === null ? key : `${path}.${key}`);
      }
    }
  };
  walk(value, null);
  return found;
}

function errorEntry(err) {
  return { code: err.code, message: messageWithoutFix(err), fix: fixFor(err) };
}

module.exports = { runTrials, describe, findControl, errorEntry, FILTER_SAMPLES, PAGE };

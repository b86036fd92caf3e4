// The alloy-wasm command line, run as a subprocess (node bin/alloy-wasm.js)
// on good and broken fixture plugins: output, --json shape and exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root, pluginsDir, broken } from './helpers.mjs';

const bin = path.join(root, 'bin/alloy-wasm.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-cli-'));
const cacheDir = path.join(scratch, 'cache');
const plugin = (name) => path.join(pluginsDir, `${name}.wasm`);

process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

// Preloaded to make the CLI believe its stdout is a terminal.
const fakeTty = path.join(scratch, 'fake-tty.cjs');
writeFileSync(fakeTty, "Object.defineProperty(process.stdout, 'isTTY', { value: true });\n");

/** Runs the CLI; `args` get `--cache-dir <temp>` unless `cache: false`. */
function cli(args, { input, cache = true, tty = false, env = {} } = {}) {
  const end = args.includes('--') ? args.indexOf('--') : args.length; // options go before a --
  const all = cache ? [...args.slice(0, end), '--cache-dir', cacheDir, ...args.slice(end)] : args;
  const result = spawnSync(process.execPath, [...(tty ? ['--require', fakeTty] : []), bin, ...all], {
    cwd: scratch,
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '', TERM: 'xterm', ...env },
  });
  assert.equal(result.error, undefined, `spawn failed: ${result.error}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Asserts a usage error: status 2, a usage line, no stack trace. */
function assertUsage({ status, stdout, stderr }, pattern) {
  assert.equal(status, 2, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, /^\[alloy-wasm\] /);
  assert.match(stderr, pattern);
  assert.match(stderr, /^Usage: alloy-wasm /m);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

/** Asserts a failed call: status 1, nothing on stdout, the coded message on stderr. */
function assertFailure({ status, stdout, stderr }, code, pattern) {
  assert.equal(status, 1, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, /^\[alloy-wasm\] /);
  assert.ok(stderr.includes(`[${code}]`), stderr);
  if (pattern) assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

const checkJson = (file, ...more) => {
  const run = cli(['check', file, '--json', ...more]);
  return { ...run, report: JSON.parse(run.stdout) };
};

// ---------------------------------------------------------------- help and usage

test('--help works for the program and every command, on stdout with status 0', () => {
  const main = cli(['--help'], { cache: false });
  assert.equal(main.status, 0);
  for (const name of ['check', 'filter', 'shortcode', 'hook', 'bench']) assert.match(main.stdout, new RegExp(`^  ${name} `, 'm'));

  const options = {
    check: ['--json', '--cache-dir', '--no-cache', '--timeout-ms'],
    filter: ['--memory-limit-mb', '--no-cache'],
    shortcode: ['--content'],
    hook: ['--timeout-ms'],
    bench: ['--input', '--calls', '--rounds', '--in-flight', '--threads', '--json', '--quiet'],
  };
  for (const [name, flags] of Object.entries(options)) {
    for (const args of [[name, '--help'], [name, '-h'], ['help', name]]) {
      const run = cli(args, { cache: false });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: alloy-wasm ${name} <file\\.wasm>`));
      for (const flag of [...flags, '--help']) assert.ok(run.stdout.includes(flag), `${name} --help lists ${flag}`);
      assert.match(run.stdout, /Exit status: 0 success, 1 .*, 2 bad arguments/);
    }
  }
});

test('bad arguments get a usage line and status 2, never a stack trace', () => {
  const none = cli([], { cache: false });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^Usage: alloy-wasm <command>/);

  assertUsage(cli(['frobnicate'], { cache: false }), /unknown command "frobnicate" \(commands: check, filter/);
  assertUsage(cli(['check'], { cache: false }), /check: missing <file\.wasm>/);
  assertUsage(cli(['check', 'a.wasm', 'b.wasm'], { cache: false }), /check: unexpected argument "b\.wasm"/);
  assertUsage(cli(['filter', 'a.wasm', '--bogus'], { cache: false }), /filter: unknown option --bogus/);
  assertUsage(cli(['shortcode', plugin('youtube')], { cache: false }), /shortcode: missing <name>/);
  assertUsage(cli(['hook', plugin('lazy-images')], { cache: false }), /hook: missing <event>/);
  assertUsage(cli(['bench', plugin('uppercase'), '--calls', 'many']), /bench: --calls needs a number, got "many"/);
  assertUsage(cli(['bench', plugin('uppercase'), '--rounds', '0']), /--rounds needs a whole number from 1/);
  assertUsage(cli(['bench', plugin('uppercase'), '--calls']), /--calls needs a value/);
  assertUsage(cli(['check', plugin('uppercase'), '--json=yes']), /--json does not take a value/);
  assertUsage(cli(['check', plugin('uppercase'), '--timeout-ms=-5']), /--timeout-ms must be a number of milliseconds above 0/);
  assertUsage(cli(['check', plugin('uppercase'), '--memory-limit-mb', '0.5']), /--memory-limit-mb must be a whole number/);
  assertUsage(cli(['filter', plugin('uppercase'), 'x', '--no-cache']), /either --cache-dir or --no-cache/);
});

test('colours and a final newline only on a terminal, and never with NO_COLOR', () => {
  const coloured = cli(['check', broken('no-alloc')], { tty: true });
  assert.equal(coloured.status, 1);
  assert.match(coloured.stdout, /\u001b\[31m✗ MISSING_EXPORT\u001b\[39m/);
  const plain = cli(['check', broken('no-alloc')], { tty: true, env: { NO_COLOR: '1' } });
  assert.doesNotMatch(plain.stdout, /\u001b\[/);
  assert.match(plain.stdout, /^✗ MISSING_EXPORT {2}/m);

  assert.equal(cli(['filter', plugin('uppercase'), 'abc'], { tty: true }).stdout, 'ABC\n');
  assert.equal(cli(['filter', plugin('uppercase'), 'abc\n'], { tty: true }).stdout, 'ABC\n');
  assert.equal(cli(['filter', plugin('uppercase'), 'abc']).stdout, 'ABC', 'byte for byte into a pipe');
});

// ---------------------------------------------------------------- check

test('check on a good plugin: exports, result form, hooks, imports, trial calls, status 0', () => {
  const run = cli(['check', plugin('uppercase')]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.doesNotMatch(run.stdout, /\u001b\[/, 'no colours into a pipe');
  assert.match(run.stdout, /^uppercase {2}\S*uppercase\.wasm$/m);
  assert.match(run.stdout, /^ {2}results +i64, packed as \(ptr << 32\) \| len$/m);
  assert.match(run.stdout, /^ {2}WASI +no$/m);
  assert.match(run.stdout, /^ {2}✓ {2}alloc +\(size i32\) -> ptr i32 +required$/m);
  assert.match(run.stdout, /^ {2}✓ {2}filter +\(ptr i32, len i32\) -> \(ptr, len\)$/m);
  assert.match(run.stdout, /^ {2}· {2}shortcode +not exported$/m);
  assert.match(run.stdout, /^hooks +none$/m);
  assert.match(run.stdout, /^imports +none$/m);
  assert.match(run.stdout, /^ {2}✓ {2}filter\(""\) +-> ""$/m);
  assert.match(run.stdout, /-> "HELLO, WORLD! GRÜSSE 😀/);
  assert.match(run.stdout, /^✓ OK {2}uppercase honours the Alloy ABI \(filter, last_error\)$/m);

  const mv = cli(['check', plugin('word-count-mv')]);
  assert.equal(mv.status, 0, mv.stderr);
  assert.match(mv.stdout, /^ {2}results +multi-value, two i32 results \(ptr, len\)$/m);

  const command = cli(['check', plugin('wasi-command')]);
  assert.equal(command.status, 0, command.stderr);
  assert.match(command.stdout, /^ {2}WASI +yes/m);
  assert.match(command.stdout, /^ {2}start +_start \(a WASI command\)/m);
  assert.match(command.stdout, /^ {2}✓ {2}wasi_snapshot_preview1\.fd_write +function +allowed$/m);
  assert.match(command.stdout, /^! no last_error export/m);

  const hooks = cli(['check', plugin('lazy-images')]);
  assert.equal(hooks.status, 0, hooks.stderr);
  assert.match(hooks.stdout, /^hooks +onContentTransformed$/m);
  assert.match(hooks.stdout, /^ {2}✓ {2}hook\("onContentTransformed", sample page\) +-> \{"html":"<p>Hello, World! <img loading=/m);
});

test('check on broken plugins: the contract code, what is wrong, what to fix, status 1', () => {
  const noAlloc = cli(['check', broken('no-alloc')]);
  assert.equal(noAlloc.status, 1);
  assert.match(noAlloc.stdout, /^ {2}✗ {2}alloc +missing +required$/m);
  assert.match(noAlloc.stdout, /^ {2}✓ {2}filter +function, type not checked$/m, 'V8 still lists what it has');
  assert.match(noAlloc.stdout, /^✗ MISSING_EXPORT {2}plugin "no-alloc": .*"alloc".*\[MISSING_EXPORT\]$/m);
  assert.match(noAlloc.stdout, /^ {2}fix: Export alloc\(size i32\) -> i32/m);
  assert.match(noAlloc.stdout, /^hooks +unknown: hooks\(\) runs only when the plugin loads$/m);

  const badImport = cli(['check', broken('bad-import')]);
  assert.equal(badImport.status, 1);
  assert.match(badImport.stdout, /^ {2}✗ {2}env\.fetch +function +not allowed/m);
  assert.match(badImport.stdout, /^✗ UNSUPPORTED_IMPORT {2}.*"env\.fetch"/m);
  assert.match(badImport.stdout, /fix: A plugin may import only WASI preview 1/);

  const notWasm = cli(['check', broken('not-wasm')]);
  assert.equal(notWasm.status, 1);
  assert.match(notWasm.stdout, /^✗ V8 cannot compile it: /m);
  assert.match(notWasm.stdout, /^✗ INVALID_MODULE {2}[^\n]*\[INVALID_MODULE\]$/m, 'the message is one line');
  assert.match(notWasm.stdout, /fix: Pass a compiled \.wasm file/);

  const signature = cli(['check', broken('bad-signature')]);
  assert.equal(signature.status, 1);
  assert.match(signature.stdout, /^ {2}✗ {2}filter +wrong type \(i32\) -> \(i32\)$/m);
  assert.match(signature.stdout, /fix: Give the export the ABI signature/);

  const hooks = cli(['check', broken('bad-hooks')]);
  assert.equal(hooks.status, 1);
  assert.match(hooks.stdout, /^✗ INVALID_HOOKS /m);

  // It loads, but a trial call shows hook() breaks the ABI.
  const hookJson = cli(['check', broken('bad-hook-json')]);
  assert.equal(hookJson.status, 1);
  assert.match(hookJson.stdout, /^ {2}✗ {2}hook\("onContentTransformed", sample page\) +plugin "bad-hook-json" hook\(\): .*\[INVALID_JSON\]$/m);
  assert.match(hookJson.stdout, /^✗ INVALID_JSON /m);
  assert.match(hookJson.stdout, /fix: hook\(\) must return the payload as JSON/);

  const trapCheck = checkJson(broken('trap'));
  assert.equal(trapCheck.status, 0, 'trap echoes the samples: nothing starts with "!"');
  const hookCheck = checkJson(broken('bad-hook-json'));
  assert.doesNotMatch(hookCheck.report.error.message, /\(fix:/, 'the --json message leaves the fix to its own field');
  assert.match(hookCheck.report.error.fix, /^hook\(\) must return the payload as JSON/);

  const exit1 = cli(['check', broken('wasi-exit-1')]);
  assert.equal(exit1.status, 1);
  assert.match(exit1.stdout, /^ {2}start +_start \(a WASI command\)/m);
  assert.match(exit1.stdout, /^✗ TRAP {2}plugin "wasi-exit-1" _start\(\): .*status 1/m);
  assert.match(exit1.stdout, /fix: Its _start \(main\) exited with a non-zero status/);

  const missing = cli(['check', path.join(scratch, 'nope.wasm')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stdout, /^✗ IO_ERROR {2}cannot read ".*nope\.wasm": no such file/m);
});

test('check --json: the report as data, for good and broken plugins', () => {
  const good = checkJson(plugin('reading-time'));
  assert.equal(good.status, 0, good.stderr);
  const r = good.report;
  assert.equal(r.ok, true);
  assert.equal(r.plugin, 'reading-time');
  assert.equal(r.file, plugin('reading-time'));
  assert.equal(typeof r.size, 'number');
  assert.equal(r.results, 'i64');
  assert.deepEqual(r.hooks, ['onContentTransformed']);
  assert.equal(r.wasi, false);
  assert.deepEqual(r.imports, []);
  assert.deepEqual(r.exports.map((e) => [e.name, e.found, e.required]), [
    ['memory', true, true], ['alloc', true, true], ['filter', true, false], ['filter_args', false, false],
    ['shortcode', true, false], ['hooks', true, false], ['hook', true, false], ['last_error', true, false],
    ['configure', false, false],
  ]);
  assert.equal(r.configure, null, 'no configure export');
  assert.ok(r.load.ms > 0);
  assert.equal(r.error, null);
  assert.deepEqual(r.warnings, []);
  // Three samples per export (empty, short, a page), each called twice.
  assert.deepEqual(r.trials.map((t) => [t.call, t.label, t.calls, t.outcome]), [
    ['filter', null, 2, 'ok'], ['filter', null, 2, 'ok'], ['filter', 'page of 12 KiB', 2, 'ok'],
    ['shortcode', null, 2, 'ok'], ['shortcode', null, 2, 'ok'], ['shortcode', 'page of 12 KiB', 2, 'ok'],
    ['hook onContentTransformed', 'sample page', 2, 'ok'], ['hook onContentTransformed', 'empty page', 2, 'ok'],
    ['hook onContentTransformed', 'page of 12 KiB', 2, 'ok'],
  ]);
  assert.deepEqual(r.trials.map((t) => [t.controlBytes, t.differs]), Array(9).fill([null, false]));
  assert.equal(r.trials[0].output, '1 min read');
  assert.equal(r.trials[2].output, '7 min read', 'the page sample is a page');

  const bad = checkJson(broken('bad-import'));
  assert.equal(bad.status, 1);
  assert.equal(bad.report.ok, false);
  assert.equal(bad.report.error.code, 'UNSUPPORTED_IMPORT');
  assert.match(bad.report.error.message, /env\.fetch/);
  assert.match(bad.report.error.fix, /wasi_snapshot_preview1/);
  assert.deepEqual(bad.report.imports, [{ module: 'env', name: 'fetch', kind: 'function', allowed: false }]);

  // A plugin that refuses the sample shortcode call is not broken: a note, status 0.
  const youtube = checkJson(plugin('youtube'));
  assert.equal(youtube.status, 0);
  assert.equal(youtube.report.trials[0].outcome, 'note');
  assert.equal(youtube.report.trials[0].error.code, 'PLUGIN_ERROR');
});

test('check reports the compile time and whether the compiled-module cache had the plugin', () => {
  const dir = path.join(scratch, 'fresh-cache');
  const first = cli(['check', plugin('escape-html'), '--json', '--cache-dir', dir], { cache: false });
  const second = cli(['check', plugin('escape-html'), '--json', '--cache-dir', dir], { cache: false });
  const off = cli(['check', plugin('escape-html'), '--json', '--no-cache'], { cache: false });
  const [miss, hit, none] = [first, second, off].map((run) => JSON.parse(run.stdout).load);
  assert.equal(miss.cache, 'miss');
  assert.equal(hit.cache, 'hit');
  assert.equal(none.cache, 'off');
  for (const load of [miss, hit, none]) assert.ok(typeof load.compileMs === 'number' && load.compileMs >= 0, JSON.stringify(load));

  const text = cli(['check', plugin('escape-html'), '--cache-dir', dir], { cache: false });
  assert.match(text.stdout, /^ {2}compile +[\d.]+ (ns|µs|ms), cache hit \(loaded from .*fresh-cache\)$/m);
  // A cache that cannot be written is a warning: the plugin still loads.
  const notADir = path.join(scratch, 'not-a-folder');
  writeFileSync(notADir, '');
  const unwritable = cli(['check', plugin('escape-html'), '--cache-dir', notADir], { cache: false });
  assert.equal(unwritable.status, 0, unwritable.stderr);
  assert.match(unwritable.stdout, /^ {2}compile +.*cache miss \(compiled now; it could not be stored, see below\)$/m);
  assert.match(unwritable.stdout, /^! the compiled module could not be cached: /m);

  const offText = cli(['check', plugin('escape-html'), '--no-cache'], { cache: false });
  assert.match(offText.stdout, /^ {2}compile +[\d.]+ (µs|ms|s), cache off \(compiled now\)$/m);
});

// ---------------------------------------------------------------- filter, shortcode, hook

test('filter prints the result byte for byte, from an argument or standard input', () => {
  const text = 'Straße 😀 <b>bold</b>\n';
  const fromArg = cli(['filter', plugin('uppercase'), text]);
  assert.deepEqual(fromArg, { status: 0, stdout: text.toUpperCase(), stderr: '' });

  const fromStdin = cli(['filter', plugin('escape-html')], { input: '<a href="x">Tom & Jerry\'s</a>' });
  assert.deepEqual(fromStdin, { status: 0, stdout: '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;', stderr: '' });

  assert.deepEqual(cli(['filter', plugin('word-count-mv'), '']), { status: 0, stdout: '0', stderr: '' });
  assert.deepEqual(cli(['filter', plugin('uppercase'), '--', '-x']), { status: 0, stdout: '-X', stderr: '' });
});

test('filter, shortcode and hook errors: the message with its code on stderr, status 1', () => {
  assertFailure(cli(['filter', broken('fails'), '!no']), 'PLUGIN_ERROR', /plugin "fails" filter\(\): fails: the input was rejected/);
  // The message ends with its code and the fix gets a line of its own, once (PluginError.fix, js/fixes.js).
  const trap = cli(['filter', broken('trap'), '!boom']);
  assertFailure(trap, 'TRAP', /^\[alloy-wasm\] plugin "trap" filter\(\): wasm trap: wasm `unreachable` instruction executed \[TRAP\]\nfix: The plugin trapped at `unreachable`, which is what a Rust panic becomes on wasm32: return an error through last_error/);
  assert.equal(trap.stderr.split('fix:').length, 2, trap.stderr);
  assertFailure(cli(['filter', broken('as-abort'), '!boom']), 'TRAP', /abort: as-abort: refused !boom[^\n]*\nfix: AssemblyScript aborted/);
  assertFailure(cli(['filter', broken('infinite-loop'), '!', '--timeout-ms', '50']), 'TIMEOUT', /50 ms/);
  assertFailure(cli(['filter', plugin('youtube'), 'x']), 'MISSING_EXPORT', /"youtube" filter\(\)/);
  assertFailure(cli(['filter', broken('no-alloc'), 'x']), 'MISSING_EXPORT', /"alloc"/);
  assertFailure(cli(['filter', path.join(scratch, 'missing.wasm'), 'x']), 'IO_ERROR');
  assertFailure(cli(['shortcode', plugin('reading-time'), 'reading-time', 'fast']), 'PLUGIN_ERROR', /whole number from 1 to 10000, got "fast"/);
});

test('shortcode passes name, args and --content, and prints the HTML', () => {
  const youtube = cli(['shortcode', plugin('youtube'), 'youtube', 'abc123']);
  assert.equal(youtube.status, 0, youtube.stderr);
  assert.match(youtube.stdout, /^<div class="youtube"><iframe src="[^"]*\/embed\/abc123"/);

  const words = Array.from({ length: 450 }, (_, i) => `w${i}`).join(' ');
  const paired = cli(['shortcode', plugin('reading-time'), 'reading-time', '150', '--content', words]);
  assert.deepEqual(paired, { status: 0, stdout: '<span class="reading-time">3 min read</span>', stderr: '' });
  const fromStdin = cli(['shortcode', plugin('reading-time'), 'reading-time', '--content', '-'], { input: words });
  assert.equal(fromStdin.stdout, '<span class="reading-time">3 min read</span>');
});

test('hook runs one event on a payload file, standard input or {}, and prints the JSON', () => {
  const file = path.join(scratch, 'page.json');
  writeFileSync(file, JSON.stringify({ html: '<p><img src="a.png"></p>', url: '/post/' }));
  const run = cli(['hook', plugin('lazy-images'), 'onContentTransformed', file]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { event: 'onContentTransformed', html: '<p><img loading="lazy" src="a.png"></p>', url: '/post/' });

  const piped = cli(['hook', plugin('reading-time'), 'onContentTransformed', '-'], { input: '{"html":"<p>a b c</p><!-- reading-time -->"}' });
  assert.equal(JSON.parse(piped.stdout).html, '<p>a b c</p>1 min read');

  const empty = cli(['hook', plugin('lazy-images'), 'onContentTransformed']);
  assert.deepEqual(JSON.parse(empty.stdout), { event: 'onContentTransformed' });

  assertFailure(cli(['hook', plugin('lazy-images'), 'onBuildEnd']), 'INVALID_INPUT', /does not handle "onBuildEnd": its hooks\(\) lists onContentTransformed/);
  assertFailure(cli(['hook', plugin('uppercase'), 'onContentTransformed']), 'MISSING_EXPORT', /no hooks\/hook exports/);
  assertFailure(cli(['hook', broken('bad-hook-json'), 'onContentTransformed']), 'INVALID_JSON');
  assertUsage(cli(['hook', plugin('lazy-images'), 'onContentTransformed', '-'], { input: 'not json' }), /payload in standard input is not JSON/);
  assertUsage(cli(['hook', plugin('lazy-images'), 'onContentTransformed', '-'], { input: '[1]' }), /must be a JSON object/);
});

// ---------------------------------------------------------------- bench

test('bench --json: four ways of calling, medians over the rounds, outputs checked to agree', () => {
  const input = path.join(scratch, 'input.html');
  writeFileSync(input, '<p>Hello <b>World</b> — ünïcödé 😀</p>'.repeat(20));
  const run = cli(['bench', plugin('uppercase'), '--input', input, '--calls', '40', '--rounds', '3', '--in-flight', '8', '--threads', '2', '--json', '--quiet']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '', 'no progress bar into a pipe');
  const report = JSON.parse(run.stdout);
  assert.equal(report.plugin, 'uppercase');
  assert.equal(report.calls, 40);
  assert.equal(report.rounds, 3);
  assert.equal(report.inFlight, 8);
  assert.equal(report.threads, 2);
  assert.equal(report.agree, true);
  assert.deepEqual(report.input, { source: 'input.html', bytes: Buffer.byteLength('<p>Hello <b>World</b> — ünïcödé 😀</p>') * 20 });
  assert.deepEqual(report.results.map((r) => r.call), ['filterSync', 'filter', 'filterInFlight', 'filterMany']);
  for (const r of report.results) {
    assert.equal(r.roundsNs.length, 3);
    const sorted = [...r.roundsNs].sort((a, b) => a - b);
    assert.equal(r.medianNs, sorted[1], `${r.call}: the median of the rounds`);
    assert.equal(r.minNs, sorted[0]);
    assert.equal(r.maxNs, sorted[2]);
    assert.ok(Math.abs(r.callsPerSecond - 1e9 / r.medianNs) < 1e-6);
  }
});

test('bench prints a summary table; a plugin without filter fails with its code', () => {
  const run = cli(['bench', plugin('word-count'), '--calls', '20', '--rounds', '1']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^ {2}input +\d+ B \(built-in sample\)$/m);
  assert.match(run.stdout, /^ {2}call +per call +calls\/s +min – max per call$/m);
  for (const label of ['filterSync', 'filter, one at a time', 'filter, 64 in flight', 'filterMany, batches of 20']) {
    assert.match(run.stdout, new RegExp(`^ {2}${label} +[\\d.]+ (ns|µs|ms) +[\\d,]+ +`, 'm'), label);
  }
  assertFailure(cli(['bench', plugin('youtube'), '--calls', '5']), 'MISSING_EXPORT', /no filter export/);
});

// What the command line passes to a plugin and reports about it (issue 13,
// items 3, 4 and 7): --config reaches the configure export, --arg/--args
// reach filter_args, and `check` reports configure, filter_args and TinyGo's
// result-pointer shape. The plugins are the WAT fixtures
// __test__/fixtures/cli-*.wat, compiled here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root, pluginsDir, runCli, watToWasm } from './helpers.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-cli-plugin-config-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const plugin = (name) => path.join(pluginsDir, `${name}.wasm`);

const fixtures = {};
async function wat(name) {
  if (fixtures[name]) return fixtures[name];
  const source = path.join(root, '__test__/fixtures', `${name}.wat`);
  const file = path.join(scratch, `${name}.wasm`);
  writeFileSync(file, await watToWasm(readFileSync(source, 'utf8'), source));
  fixtures[name] = file;
  return file;
}

const cli = (args, input) => runCli(args, { cwd: scratch, input });

function assertFailure({ status, stdout, stderr }, code, pattern) {
  assert.equal(status, 1, stderr);
  assert.equal(stdout, '');
  assert.ok(stderr.includes(`[${code}]`), stderr);
  if (pattern) assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

const config = (name, value) => {
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
};

const CONFIG = { site: 'https://example.org', links: { home: '/' }, depth: 2, tags: ['a', 'ü 😀'] };

test('--config reaches configure, once per instance, before the filter runs', async () => {
  const wasm = await wat('cli-configure');
  const cfg = config('site.json', CONFIG);
  const run = cli(['filter', wasm, 'x', '--config', cfg]);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), CONFIG, 'the filter returns the config it was given');
  assert.equal(cli(['filter', wasm, 'x']).stdout, 'none', 'without --config, configure is not called');
  // Any JSON value, a bare number or string included.
  assert.equal(cli(['filter', wasm, 'x', '--config', config('n.json', 42)]).stdout, '42');
  assert.equal(JSON.parse(cli(['filter', wasm, 'x', '--config', config('s.json', 'ünï')]).stdout), 'ünï');

  // bench runs its filter on configured instances (its worker threads' too).
  const bench = cli(['bench', wasm, '--calls', '20', '--rounds', '1', '--threads', '2', '--json', '--quiet', '--config', cfg]);
  assert.equal(bench.status, 0, bench.stderr);
  assert.equal(JSON.parse(bench.stdout).agree, true);
});

test('configure refusing its config fails the load with PLUGIN_ERROR and last_error\'s text; a config for a plugin without configure is INVALID_OPTIONS', async () => {
  const refused = config('false.json', false);
  assertFailure(cli(['filter', await wat('cli-configure'), 'x', '--config', refused]), 'PLUGIN_ERROR', /cli-configure: the config must not be false/);
  const cfg = config('any.json', { a: 1 });
  assertFailure(cli(['filter', plugin('uppercase'), 'x', '--config', cfg]), 'INVALID_OPTIONS', /"uppercase"/);
  assertFailure(cli(['shortcode', plugin('youtube'), 'youtube', 'abc', '--config', cfg]), 'INVALID_OPTIONS', /"youtube"/);
  assertFailure(cli(['hook', plugin('lazy-images'), 'onContentTransformed', '--config', cfg]), 'INVALID_OPTIONS', /"lazy-images"/);
});

test('check reports configure: called at load with --config, or that it needs --config; a refusal fails the check', async () => {
  const wasm = await wat('cli-configure');
  const without = cli(['check', wasm]);
  assert.equal(without.status, 0, without.stderr);
  assert.match(without.stdout, /^ {2}✓ {2}configure +\(ptr i32, len i32\) -> \(ptr, len\); the config's JSON in +not called: give the config with --config <file\.json> to run it$/m);
  assert.deepEqual(JSON.parse(cli(['check', wasm, '--json']).stdout).configure, { called: false, source: null });

  const cfg = config('check.json', CONFIG);
  const withConfig = cli(['check', wasm, '--config', cfg]);
  assert.equal(withConfig.status, 0, withConfig.stderr);
  assert.match(withConfig.stdout, /^ {2}✓ {2}configure +.* +called at load with .*check\.json$/m);
  const report = JSON.parse(cli(['check', wasm, '--json', '--config', cfg]).stdout);
  assert.equal(report.configure.called, true);
  assert.deepEqual(JSON.parse(report.trials[0].output), CONFIG, 'the trial calls ran on the configured instance');
  assert.ok(report.exports.find((e) => e.name === 'configure').found);

  const refused = cli(['check', wasm, '--config', config('no.json', false), '--json']);
  assert.equal(refused.status, 1);
  const failed = JSON.parse(refused.stdout);
  assert.equal(failed.error.code, 'PLUGIN_ERROR');
  assert.match(failed.error.message, /the config must not be false/);

  const unwanted = JSON.parse(cli(['check', plugin('uppercase'), '--json', '--config', cfg]).stdout);
  assert.equal(unwanted.error.code, 'INVALID_OPTIONS');
});

test('filter --arg/--args reach filter_args as {"input", "args"}; no arguments send "args": []', async () => {
  const wasm = await wat('cli-filter-args');
  const two = cli(['filter', wasm, 'A long title', '--arg', '6', '--arg', '"…"']);
  assert.equal(two.status, 0, two.stderr);
  assert.deepEqual(JSON.parse(two.stdout), { input: 'A long title', args: [6, '…'] });
  const array = cli(['filter', wasm, '--args', '[1, {"a": null}, [true]]'], 'from stdin');
  assert.deepEqual(JSON.parse(array.stdout), { input: 'from stdin', args: [1, { a: null }, [true]] });
  assert.deepEqual(JSON.parse(cli(['filter', wasm, 'x']).stdout), { input: 'x', args: [] });
  // A plugin without filter_args cannot take arguments.
  assertFailure(cli(['filter', plugin('uppercase'), 'x', '--arg', '1']), 'INVALID_INPUT');
  // And a plain filter still runs with an empty --args.
  assert.equal(cli(['filter', plugin('uppercase'), 'abc', '--args', '[]']).stdout, 'ABC');
});

test('check calls filter_args with a sample {"input", "args": []} and reports it like the other exports', async () => {
  const report = JSON.parse(cli(['check', await wat('cli-filter-args'), '--json']).stdout);
  assert.equal(report.ok, true, JSON.stringify(report.error));
  assert.ok(report.exports.find((e) => e.name === 'filter_args').found);
  assert.ok(!report.exports.find((e) => e.name === 'filter').found);
  assert.deepEqual(report.trials.map((t) => [t.call, t.outcome]), [['filter_args', 'ok'], ['filter_args', 'ok'], ['filter_args', 'ok']]);
  assert.deepEqual(JSON.parse(report.trials[1].output), { input: 'Hello, World! Grüße 😀 <p class="x">&amp;</p>', args: [] });
  assert.doesNotMatch(report.warnings.join('\n'), /nothing to call/);
  const text = cli(['check', await wat('cli-filter-args')]).stdout;
  assert.match(text, /^ {2}✓ {2}filter_args\("", \[\]\) +-> "\{/m);
});

test('TinyGo\'s result-pointer shape: filter runs, errors carry last_error\'s text, check names and explains it', async () => {
  const wasm = await wat('cli-retptr');
  assert.deepEqual(cli(['filter', wasm, 'héllo 😀']), { status: 0, stdout: 'héllo 😀', stderr: '' });
  assertFailure(cli(['filter', wasm, '!no']), 'PLUGIN_ERROR', /cli-retptr: refused/);

  const text = cli(['check', wasm]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ {2}results +result pointer \(TinyGo's shape\): each export takes a first argument retptr, where it stores ptr and len as two i32s, and returns nothing$/m);
  assert.match(text.stdout, /^ {2}✓ {2}filter +\(retptr i32, ptr i32, len i32\), \(ptr, len\) at retptr$/m);
  assert.match(text.stdout, /^ {2}✓ {2}last_error +\(retptr i32\), \(ptr, len\) at retptr$/m);
  const report = JSON.parse(cli(['check', wasm, '--json']).stdout);
  assert.equal(report.results, 'retptr');
  assert.deepEqual(report.trials.map((t) => t.outcome), ['ok', 'ok', 'ok']);
});

// The command line's side of --config, --arg/--args, configure, filter_args
// and TinyGo's result pointer, against a stand-in PluginHost (preloaded into
// the CLI process): what each command hands the host API (add's { config },
// filter's args) and how check reports what the host says about a plugin.
// The same features against the real host: cli-plugin-config.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root, pluginsDir } from './helpers.mjs';

const bin = path.join(root, 'bin/alloy-wasm.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-cli-plumbing-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const WASM = path.join(pluginsDir, 'uppercase.wasm'); // V8 reads it; the stand-in host answers for it

// The stand-in: PluginHost.create resolves to a host that logs each call and
// answers "ok"; add() resolves to FAKE_INFO.
const preload = path.join(scratch, 'fake-host.cjs');
writeFileSync(preload, `
const fs = require('node:fs');
const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/host.js'))});
const info = JSON.parse(process.env.FAKE_INFO);
const log = (...entry) => fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(entry) + '\\n');
PluginHost.create = async () => ({
  threads: 1,
  async add(name, source, options) { log('add', name, options === undefined ? null : options); return { ...info, name, path: source }; },
  filterSync(name, input, args) { log('filterSync', input.length, args === undefined ? null : args); return 'ok'; },
  async filter(name, input, args) { log('filter', input, arguments.length, args === undefined ? null : args); return 'ok'; },
  async filterMany(name, inputs) { return inputs.map(() => 'ok'); },
  shortcodeSync() { return 'ok'; },
  async shortcode(name, args) { log('shortcode', name, args); return 'ok'; },
  async runHook(event, payload) { log('runHook', event); return { event, ...payload }; },
  async close() {},
});
`);

const INFO = {
  exports: ['memory', 'alloc', 'filter', 'last_error'], hooks: [], wasi: false, results: 'i64',
  size: 100, cache: 'off', compileMs: 1, cacheError: null,
};

let runs = 0;
/** Runs the CLI with the stand-in host answering `info`; returns its output and the calls it made. */
function cli(args, info = {}) {
  const log = path.join(scratch, `log-${++runs}.jsonl`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--require', preload, bin, ...args, '--no-cache'], {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', FAKE_INFO: JSON.stringify({ ...INFO, ...info }), FAKE_LOG: log },
  });
  assert.equal(result.error, undefined, `spawn failed: ${result.error}`);
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const CONFIG = { site: 'https://example.org', n: [1, 2], ü: null };
const cfg = path.join(scratch, 'cfg.json');
writeFileSync(cfg, `\ufeff${JSON.stringify(CONFIG, null, 2)}\n`); // a BOM, as some editors write

test('--config becomes add(name, file, { config }) on every command; without it add() gets no options', () => {
  const runs = {
    check: ['check', WASM, '--json'],
    filter: ['filter', WASM, 'x'],
    shortcode: ['shortcode', WASM, 'uppercase', 'a'],
    hook: ['hook', WASM, 'onX'],
    bench: ['bench', WASM, '--calls', '3', '--rounds', '1', '--quiet', '--json'],
  };
  for (const [name, args] of Object.entries(runs)) {
    const info = name === 'hook' ? { exports: [...INFO.exports, 'hooks', 'hook'], hooks: ['onX'] } : {};
    const withConfig = cli([...args, '--config', cfg], info);
    assert.equal(withConfig.status, 0, `${name}: ${withConfig.stderr}`);
    assert.deepEqual(withConfig.calls[0], ['add', 'uppercase', { config: CONFIG }], name);
    const without = cli(args, info);
    assert.equal(without.status, 0, `${name}: ${without.stderr}`);
    assert.deepEqual(without.calls[0], ['add', 'uppercase', null], name);
  }
});

test('filter passes --arg values in order, or --args, as filter(name, input, args); none: filter(name, input)', () => {
  const two = cli(['filter', WASM, 'title', '--arg', '40', '--arg', '"…"', '--arg', '{"a":[null]}']);
  assert.equal(two.status, 0, two.stderr);
  assert.deepEqual(two.calls.at(-1), ['filter', 'title', 3, [40, '…', { a: [null] }]]);
  const array = cli(['filter', WASM, 'title', '--args', '[]']);
  assert.deepEqual(array.calls.at(-1), ['filter', 'title', 3, []]);
  const none = cli(['filter', WASM, 'title']);
  assert.deepEqual(none.calls.at(-1), ['filter', 'title', 2, null], 'no args: the two-argument call');
});

test('check reports configure (called with --config, or not), calls filter_args with "args": [] (or sample args beside filter), and explains retptr', () => {
  const info = { exports: ['memory', 'alloc', 'filter_args', 'last_error', 'configure'], results: 'retptr' };
  const text = cli(['check', WASM, '--config', cfg], info);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ {2}results +result pointer \(TinyGo's shape\): each export takes a first argument retptr, where it stores ptr and len as two i32s, and returns nothing$/m);
  assert.match(text.stdout, /^ {2}✓ {2}filter_args +\(retptr i32, ptr i32, len i32\), \(ptr, len\) at retptr; \{"input", "args"\} in$/m);
  assert.match(text.stdout, /^ {2}✓ {2}last_error +\(retptr i32\), \(ptr, len\) at retptr$/m);
  assert.match(text.stdout, /^ {2}✓ {2}configure +\(retptr i32, ptr i32, len i32\), \(ptr, len\) at retptr; the config's JSON in +called at load with cfg\.json$/m);
  assert.match(text.stdout, /^ {2}✓ {2}filter_args\("", \[\]\) +-> "ok"$/m);
  assert.match(text.stdout, /^✓ OK {2}uppercase honours the Alloy ABI \(filter_args, last_error, configure\)$/m);
  // Three samples, twice each, all with "args": [] (no filter export to fall back to).
  const sync = text.calls.filter(([kind]) => kind === 'filterSync');
  assert.equal(sync.length, 6);
  for (const [, , args] of sync) assert.deepEqual(args, []);

  const json = JSON.parse(cli(['check', WASM, '--json', '--config', cfg], info).stdout);
  assert.deepEqual(json.configure, { called: true, source: cfg });
  assert.equal(json.results, 'retptr');
  assert.deepEqual(json.trials.map((t) => [t.call, t.args]), [['filter_args', []], ['filter_args', []], ['filter_args', []]]);
  assert.deepEqual(JSON.parse(json.trials[1].input), { input: 'Hello, World! Grüße 😀 <p class="x">&amp;</p>', args: [] });

  const notCalled = cli(['check', WASM], info);
  assert.match(notCalled.stdout, /^ {2}✓ {2}configure +.* +not called: give the config with --config <file\.json> to run it$/m);
  assert.deepEqual(JSON.parse(cli(['check', WASM, '--json'], info).stdout).configure, { called: false, source: null });

  // Beside filter, filter_args gets sample arguments (with none, the host would call filter).
  const both = cli(['check', WASM, '--json'], { exports: ['memory', 'alloc', 'filter', 'filter_args'] });
  const report = JSON.parse(both.stdout);
  assert.deepEqual(report.trials.map((t) => [t.call, t.args ?? null]), [
    ['filter', null], ['filter', null], ['filter', null], ['filter_args', [40, '…']], ['filter_args', [40, '…']], ['filter_args', [40, '…']],
  ]);
  assert.equal(report.configure, null);
});

// The command line against hostile plugins and careless input: a hook
// result 500,000 levels deep is the plugin's INVALID_JSON (never "unexpected
// error" with a stack trace), --json prints exactly one JSON document even
// when the command fails, and input that is not UTF-8 is refused rather
// than turned into U+FFFD. Each failure is followed by a call that works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root, pluginsDir, broken, runCli } from './helpers.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-cli-hostile-'));
const plugin = (name) => path.join(pluginsDir, `${name}.wasm`);
const HOSTILE = broken('hostile-hooks');

process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const cli = (args, { input } = {}) => runCli(args, { cwd: scratch, input });

function noCrash({ stdout, stderr }) {
  assert.doesNotMatch(stdout + stderr, /unexpected error|a bug in alloy-wasm|RangeError|Maximum call stack/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

/** stdout is exactly one JSON document; returns it. */
function oneJson(stdout) {
  assert.ok(stdout.trim().length > 0, 'something on stdout');
  return JSON.parse(stdout); // throws on a second document or trailing text
}

test('hook: a result 500,000 levels deep is INVALID_JSON naming the plugin; the next call works', () => {
  for (const event of ['deep', 'in-object', 'null', 'array']) {
    const run = cli(['hook', HOSTILE, event]);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, '');
    noCrash(run);
    assert.match(run.stderr, /^\[alloy-wasm\] plugin "hostile-hooks" hook\(\): returned .*\[INVALID_JSON\]$/m);
    assert.equal(run.stderr.split('\n').filter((line) => line.includes('INVALID_JSON')).length, 1);
  }
  const ok = cli(['hook', HOSTILE, 'echo', '-'], { input: '{"html": "<p>fine</p>"}' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), { event: 'echo', html: '<p>fine</p>' });
});

test('check and check --json: hostile hook results fail the check with INVALID_JSON; --json is one document', () => {
  const text = cli(['check', HOSTILE]);
  assert.equal(text.status, 1, text.stderr);
  noCrash(text);
  assert.match(text.stdout, /^✗ INVALID_JSON {2}plugin "hostile-hooks" hook\(\): returned /m);
  assert.match(text.stdout, /hook\("deep", empty payload\) +plugin "hostile-hooks" hook\(\): returned JSON nested more than 127 levels/);

  const json = cli(['check', HOSTILE, '--json']);
  assert.equal(json.status, 1, json.stderr);
  noCrash(json);
  const report = oneJson(json.stdout);
  assert.equal(report.ok, false);
  assert.equal(report.error.code, 'INVALID_JSON');
  const outcomes = Object.fromEntries(report.trials.map((t) => [t.call, t.outcome]));
  assert.deepEqual(outcomes, {
    'hook null': 'fail', 'hook array': 'fail', 'hook string': 'fail', 'hook deep': 'fail', 'hook in-object': 'fail', 'hook echo': 'ok',
  });

  const good = cli(['check', plugin('lazy-images'), '--json']);
  assert.equal(good.status, 0, good.stderr);
  assert.equal(oneJson(good.stdout).ok, true);
});

test('bench --json prints one JSON document when the plugin fails, when it cannot load, and on bad arguments', () => {
  const input = path.join(scratch, 'bang.txt');
  writeFileSync(input, '!refused');
  const failing = cli(['bench', broken('fails'), '--input', input, '--calls', '5', '--rounds', '1', '--json', '--quiet']);
  assert.equal(failing.status, 1, failing.stderr);
  noCrash(failing);
  const doc = oneJson(failing.stdout);
  assert.equal(doc.ok, false);
  assert.equal(doc.command, 'bench');
  assert.equal(doc.error.code, 'PLUGIN_ERROR');
  assert.equal(doc.error.plugin, 'fails');
  assert.match(doc.error.message, /the input was rejected/);
  assert.match(failing.stderr, /\[PLUGIN_ERROR\]/, 'the message is on stderr too');

  const noFilter = oneJson(cli(['bench', plugin('youtube'), '--calls', '5', '--json']).stdout);
  assert.deepEqual([noFilter.ok, noFilter.error.code], [false, 'MISSING_EXPORT']);

  const notWasm = cli(['bench', broken('not-wasm'), '--json']);
  assert.equal(notWasm.status, 1);
  const notWasmDoc = oneJson(notWasm.stdout);
  assert.equal(notWasmDoc.error.code, 'INVALID_MODULE');
  assert.doesNotMatch(notWasmDoc.error.message, /\n/);

  const usage = cli(['bench', plugin('uppercase'), '--calls', '0', '--json']);
  assert.equal(usage.status, 2);
  assert.deepEqual([oneJson(usage.stdout).ok, oneJson(usage.stdout).error.code], [false, 'USAGE']);

  const missing = cli(['check', path.join(scratch, 'nope.wasm'), '--json']);
  assert.equal(missing.status, 1);
  assert.equal(oneJson(missing.stdout).error.code, 'IO_ERROR');

  // And a run that works still prints its report.
  const ok = cli(['bench', plugin('uppercase'), '--calls', '5', '--rounds', '1', '--json', '--quiet']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(oneJson(ok.stdout).plugin, 'uppercase');
});

test('filter refuses standard input that is not UTF-8 (INVALID_INPUT) instead of turning it into U+FFFD', () => {
  const latin1 = Buffer.from('caf\xe9 cr\xe8me', 'latin1');
  const run = cli(['filter', plugin('uppercase')], { input: latin1 });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stdout, '');
  noCrash(run);
  assert.match(run.stderr, /the filter input on standard input is not valid UTF-8 \(byte 3 of 10\).*\[INVALID_INPUT\]/);

  // A lone surrogate encoded as UTF-8 (CESU) and a cut-off character are refused too.
  for (const bytes of [[0x61, 0xed, 0xa0, 0x80], [0x61, 0xe2, 0x82]]) {
    const bad = cli(['filter', plugin('uppercase')], { input: Buffer.from(bytes) });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /not valid UTF-8 \(byte 1 of /);
  }
  // Files given to --input and hook payloads are held to the same rule.
  const file = path.join(scratch, 'latin1.html');
  writeFileSync(file, latin1);
  const bench = cli(['bench', plugin('uppercase'), '--input', file, '--calls', '5']);
  assert.equal(bench.status, 1);
  assert.match(bench.stderr, /the bench input in ".*latin1\.html" is not valid UTF-8.*\[INVALID_INPUT\]/);

  const ok = cli(['filter', plugin('uppercase')], { input: Buffer.from('\ufeffcafé crème 😀', 'utf8') });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, '\ufeffCAFÉ CRÈME 😀', 'byte for byte, a BOM included');
});

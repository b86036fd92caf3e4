// `alloy-wasm check` calls each export with three samples of different
// sizes, twice, interleaved, on one instance, and warns (exit status 0)
// when text comes back with NUL or other control bytes, or differs between
// two calls of one input. The reported bug: a plugin returning a pointer
// into a dead stack buffer (broken-src/dangling.wat) passed the old check,
// whose two short inputs came back intact, and put NUL bytes in big pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root, pluginsDir, broken, PluginHost, runCli, watToWasm } from './helpers.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-cli-trials-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const FREED = /it likely returned a pointer into freed memory, e\.g\. a stack buffer: return a buffer that stays alive until the next call\./;

/** A WAT fixture of __test__/fixtures compiled into the scratch folder. */
async function wat(name) {
  const source = path.join(root, '__test__/fixtures', `${name}.wat`);
  const file = path.join(scratch, `${name}.wasm`);
  writeFileSync(file, await watToWasm(readFileSync(source, 'utf8'), source));
  return file;
}

const check = (file, ...more) => runCli(['check', file, ...more], { cwd: scratch });

test('the dangling fixture: short outputs are intact, a page-sized one has NUL bytes (the reported bug)', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    await host.add('dangling', broken('dangling'));
    assert.equal(host.filterSync('dangling', ''), '');
    assert.equal(host.filterSync('dangling', 'Hello, World! Grüße 😀'), 'Hello, World! Grüße 😀', 'what the old check tried comes back intact');
    const page = 'x'.repeat(10_000);
    const output = host.filterSync('dangling', page);
    assert.equal(output.length, page.length);
    assert.notEqual(output, page);
    assert.ok(output.includes('\u0000'), 'NUL bytes in the page');
  } finally {
    await host.close();
  }
});

test('check warns on the dangling plugin, naming the export and the input, and exits 0', () => {
  const text = check(broken('dangling'));
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ {2}✓ {2}filter\(""\) +-> ""$/m);
  assert.match(text.stdout, /^ {2}! {2}filter\(page of 12 KiB\) +-> "<h1>Grüße.*control bytes: U\+\w{4} at \d+$/m);
  const warning = text.stdout.split('\n').find((line) => line.startsWith('! filter('));
  assert.ok(warning, text.stdout);
  assert.match(warning, /^! filter\(page of 12 KiB\) returned text with \d+ control characters, NUL among them; the first, U\+\w{4}, at character \d+ \(call 1 of 2\): /);
  assert.match(warning, FREED);
  assert.match(text.stdout, /^✓ OK {2}dangling honours the Alloy ABI \(filter\); but its output looks wrong: see the warnings above$/m);

  const json = check(broken('dangling'), '--json');
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.ok, true, 'a warning, not a failure');
  assert.deepEqual(report.trials.map((t) => [t.call, t.calls, t.outcome]), [['filter', 2, 'ok'], ['filter', 2, 'ok'], ['filter', 2, 'warn']]);
  const page = report.trials[2];
  assert.equal(page.controlBytes.nul, true);
  assert.ok(page.controlBytes.count > 1);
  assert.ok(page.output.includes('\u0000'));
  assert.equal(report.warnings.filter((w) => FREED.test(w)).length, 1);
});

test('check warns on control bytes in a hook\'s JSON strings and on output that differs between calls', async () => {
  const run = check(await wat('cli-suspect'), '--json');
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.ok, true);
  const hooks = report.trials.filter((t) => t.call === 'hook onContentTransformed');
  assert.deepEqual(hooks.map((t) => t.label), ['sample page', 'empty page', 'page of 12 KiB']);
  for (const t of hooks) {
    assert.equal(t.outcome, 'warn');
    assert.deepEqual(t.controlBytes, { count: 1, nul: true, codePoint: 'U+0000', index: 1, path: 'html', call: 1 });
  }
  const filters = report.trials.filter((t) => t.call === 'filter');
  assert.deepEqual(filters.map((t) => [t.outcome, t.differs, t.output]), [['warn', true, 'call #1'], ['warn', true, 'call #2'], ['warn', true, 'call #3']]);
  // One warning per export and problem, naming each input.
  const [hookWarning] = report.warnings.filter((w) => w.startsWith('hook('));
  assert.match(hookWarning, /^hook\("onContentTransformed", sample page\) returned text with a control character, U\+0000 \(NUL\), at character 1 of "html" \(call 1 of 2\); so did hook\("onContentTransformed", empty page\), hook\("onContentTransformed", page of 12 KiB\): /);
  assert.match(hookWarning, FREED);
  const [filterWarning] = report.warnings.filter((w) => w.startsWith('filter('));
  assert.match(filterWarning, /^filter\(""\), filter\("Hello, World! .*"\), filter\(page of 12 KiB\) returned different output for the same input on one instance: fine if it is meant to vary/);
  assert.equal(report.warnings.length, 3, report.warnings.join('\n')); // and no last_error
});

test('check stays quiet on every good example plugin: no control bytes, no output that differs', () => {
  const examples = readdirSync(pluginsDir).filter((f) => f.endsWith('.wasm'));
  assert.ok(examples.length >= 8, examples.join(', '));
  for (const file of examples) {
    const run = check(path.join(pluginsDir, file), '--json');
    assert.equal(run.status, 0, `${file}: ${run.stderr}`);
    const report = JSON.parse(run.stdout);
    assert.equal(report.ok, true, file);
    assert.ok(report.trials.length >= 3, `${file} has trials`);
    for (const t of report.trials) {
      assert.notEqual(t.outcome, 'warn', `${file} ${t.call} ${t.label}: ${JSON.stringify(t.controlBytes)} differs=${t.differs}`);
      assert.equal(t.calls, 2);
    }
    for (const w of report.warnings) assert.doesNotMatch(w, /control character|different output/, `${file}: ${w}`);
  }
});

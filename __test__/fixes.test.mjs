// What to fix (js/fixes.js) reaches every error that comes from the native
// layer, on every call path and through the Eleventy adapter: a `fix` field,
// and the same advice at the end of the one-line message, so a build log
// says what `alloy-wasm check` says. A trap reads "wasm trap:" once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

import Eleventy from '@11ty/eleventy';
import alloyWasm from '../js/eleventy.js';
import { PluginHost, PluginError, ErrorCodes, broken, hostWith, expectCode } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { FIXES, fixFor, messageWithoutFix } = require('../js/fixes.js');

const temp = mkdtempSync(path.join(os.tmpdir(), 'alloy-fixes-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** The advice the table gives for `code` on `message`. */
const adviceFor = (code, message) => fixFor({ code, message });
const PANIC_FIX = adviceFor('TRAP', 'wasm trap: wasm `unreachable` instruction executed');

/** A native error: its fix is a field and ends its message, which is one line with one "wasm trap:". */
function assertFixed(err, fix) {
  assert.ok(err instanceof PluginError, String(err));
  assert.equal(err.fix, fix, err.message);
  if (fix === null) {
    assert.match(err.message, /\[[A-Z_]+\]$/, 'no advice: the message ends with its code');
  } else {
    assert.ok(err.message.endsWith(` [${err.code}] (fix: ${fix})`), err.message);
  }
  assert.doesNotMatch(err.message, /\n/);
  assert.doesNotMatch(err.message, /wasm trap: wasm trap/);
  assert.equal(messageWithoutFix(err) + (fix === null ? '' : ` (fix: ${fix})`), err.message);
}

test('a Rust-style panic (unreachable) reads "wasm trap:" once and names the fix on filterSync, filter and filterMany (workers)', async () => {
  assert.match(PANIC_FIX, /Rust panic/);
  assert.match(PANIC_FIX, /last_error/);
  const host = await hostWith('trap', { threads: 2 });
  try {
    const fields = { plugin: 'trap', export: 'filter' };
    const errors = [
      await expectCode(() => host.filterSync('trap', '!'), ErrorCodes.TRAP, fields),
      await expectCode(() => host.filter('trap', '!'), ErrorCodes.TRAP, fields),
      // The batch path runs on the worker threads; a batch of over 256 inputs comes in chunks, re-indexed.
      await expectCode(() => host.filterMany('trap', ['a', 'b', '!']), ErrorCodes.TRAP, { ...fields, index: 2 }),
      await expectCode(() => host.filterMany('trap', [...Array(300).fill('x'), '!']), ErrorCodes.TRAP, { ...fields, index: 300 }),
    ];
    for (const err of errors) {
      assertFixed(err, PANIC_FIX);
      assert.equal((err.message.match(/wasm trap:/g) || []).length, 1, err.message);
    }
    assert.match(errors[2].message, /^plugin "trap" filter\(\): input #2: wasm trap: wasm `unreachable` instruction executed \[TRAP\] \(fix: /);
    assert.match(errors[3].message, /input #300: /);
    assert.equal(host.filterSync('trap', 'fine'), 'fine', 'the plugin serves the next call');
  } finally {
    await host.close();
  }
});

test('each native code carries its own advice (or null), load errors included; JS-made errors have no fix field', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    const loadErr = (name, code) => expectCode(() => host.add(name, broken(name)), code, { plugin: name });
    const noAlloc = await loadErr('no-alloc', ErrorCodes.MISSING_EXPORT);
    assertFixed(noAlloc, FIXES.MISSING_EXPORT.find(([p]) => p && p.test('"alloc"'))[1]);
    assert.match(noAlloc.fix, /#\[no_mangle\]/, 'a missing alloc: the Rust attribute that exports it');
    assertFixed(await loadErr('bad-import', ErrorCodes.UNSUPPORTED_IMPORT), FIXES.UNSUPPORTED_IMPORT);
    assertFixed(await loadErr('not-wasm', ErrorCodes.INVALID_MODULE), FIXES.INVALID_MODULE);
    const signature = await loadErr('bad-signature', ErrorCodes.MISSING_EXPORT);
    assert.match(signature.fix, /ABI signature/);

    for (const name of ['fails', 'fails-silently', 'bad-result', 'stack-overflow', 'as-abort']) await host.add(name, broken(name));
    // The plugin's own message (last_error) needs no advice; (0, 0) without one does.
    assertFixed(await expectCode(() => host.filterSync('fails', '!x'), ErrorCodes.PLUGIN_ERROR), null);
    const silent = await expectCode(() => host.filter('fails-silently', '!x'), ErrorCodes.PLUGIN_ERROR);
    assertFixed(silent, adviceFor('PLUGIN_ERROR', '(0, 0)'));
    assert.match(silent.fix, /export last_error/);
    assertFixed(await expectCode(() => host.filterSync('bad-result', '!u'), ErrorCodes.BAD_RESULT), adviceFor('BAD_RESULT', ''));
    const overflow = await expectCode(() => host.filterSync('stack-overflow', '!'), ErrorCodes.TRAP);
    assert.match(overflow.fix, /recursion/);
    assertFixed(overflow, overflow.fix);
    assert.match((await expectCode(() => host.filter('as-abort', '!x'), ErrorCodes.TRAP)).fix, /AssemblyScript aborted/);

    const notFound = await expectCode(() => host.filterSync('nope', 'x'), ErrorCodes.PLUGIN_NOT_FOUND);
    assertFixed(notFound, null);
    const jsMade = await expectCode(() => host.filterSync('fails', 42), ErrorCodes.INVALID_INPUT);
    assert.equal('fix' in jsMade, false, 'argument checks made in JS carry no fix field');
  } finally {
    await host.close();
  }
});

test('a timeout\'s advice names the option and the flag, not only the flag', async () => {
  const host = await hostWith('infinite-loop', { timeoutMs: 50 });
  try {
    const err = await expectCode(() => host.filterSync('infinite-loop', '!'), ErrorCodes.TIMEOUT);
    assertFixed(err, FIXES.TIMEOUT);
    assert.match(err.fix, /timeoutMs/);
  } finally {
    await host.close();
  }
});

test('an Eleventy build that hits a panicking filter fails with the fix in its one-line message', async () => {
  const dir = path.join(temp, 'site');
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  mkdirSync(path.join(dir, 'plugins'));
  copyFileSync(broken('trap'), path.join(dir, 'plugins', 'trap.wasm'));
  writeFileSync(path.join(dir, 'src', 'page.njk'), '<p>{{ "!boom" | trap }}</p>');
  const eleventy = new Eleventy(path.join(dir, 'src'), path.join(dir, '_site'), {
    quietMode: true,
    configPath: false,
    config(config) {
      config.addPlugin(alloyWasm, { dir: path.join(dir, 'plugins'), cacheDir: null });
    },
  });
  let caught;
  try {
    await eleventy.write();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, 'the build fails');
  const chain = [];
  for (let e = caught; e && !chain.includes(e); e = e.originalError ?? e.cause) chain.push(e);
  const err = chain.find((e) => e instanceof PluginError);
  assert.ok(err, chain.map((e) => e.message).join(' <- '));
  assert.equal(err.code, ErrorCodes.TRAP);
  assert.match(err.message, /page\.njk: plugin "trap" filter\(\): wasm trap: wasm `unreachable` instruction executed \[TRAP\] \(fix: /);
  assert.ok(err.message.endsWith(`(fix: ${PANIC_FIX})`), err.message);
  assert.equal(err.fix, PANIC_FIX, 'the page\'s error keeps the fix field, not only its text');
  assert.match(err.inputPath, /page\.njk$/, 'and names the page');
  assert.equal((err.message.match(/wasm trap:/g) || []).length, 1, err.message);
  assert.doesNotMatch(err.message, /\n/);
});

// Hostile paths, cache entries, error hygiene and long host calls (issue 11,
// items 3, 7, 8 and 9): paths that are not plain files fail at once and
// never hang close(); a cache entry only ever runs for the module it was
// compiled from; errors are one line that never quotes a file's content;
// a WASI call cannot run far past timeoutMs. Each failure is followed by
// normal calls through filterSync, filter and filterMany.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync, readdirSync,
  readFileSync, renameSync, truncateSync, existsSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PluginHost, ErrorCodes, pluginsDir, broken, expectCode } from './helpers.mjs';

const UPPERCASE = path.join(pluginsDir, 'uppercase.wasm');
const ESCAPE_HTML = path.join(pluginsDir, 'escape-html.wasm');
const unix = process.platform !== 'win32';
const linux = process.platform === 'linux';

function tempDir(tag) {
  return mkdtempSync(path.join(os.tmpdir(), `alloy-paths-${tag}-`));
}

/** Fails (instead of hanging the suite) when `promise` has not settled within `ms`. */
async function within(ms, what, promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The sync, async and batch paths of a well-behaved filter all serve. */
async function assertServes(host, name = 'uppercase', upper = true) {
  const expect = (s) => (upper ? s.toUpperCase() : s);
  assert.equal(host.filterSync(name, 'next sync'), expect('next sync'));
  assert.equal(await host.filter(name, 'next async'), expect('next async'));
  const inputs = Array.from({ length: 12 }, (_, i) => `page ${i}`);
  assert.deepEqual(await host.filterMany(name, inputs), inputs.map(expect));
}

/** Asserts an error message is one line and holds none of `secrets`. */
function assertClean(err, secrets = []) {
  assert.ok(!/[\r\n]/.test(err.message), `one line: ${JSON.stringify(err.message)}`);
  for (const secret of secrets) assert.ok(!err.message.includes(secret), `quotes ${JSON.stringify(secret)}: ${err.message}`);
}

// ---------------------------------------------------------------- item 3
describe('paths that are not plain files (item 3)', () => {
  test('a character device (/dev/zero) is IO_ERROR at once, not an endless read', { skip: !unix, timeout: 60_000 }, async () => {
    const host = await PluginHost.create({ cacheDir: null, threads: 2 });
    try {
      const err = await within(10_000, 'add(/dev/zero)', expectCode(() => host.add('zero', '/dev/zero'), ErrorCodes.IO_ERROR, { plugin: 'zero' }));
      assert.match(err.message, /character device, not a regular file/);
      assert.deepEqual(host.plugins(), []);
      await host.add('uppercase', UPPERCASE);
      await assertServes(host);
    } finally {
      await within(10_000, 'close()', host.close());
    }
  });

  test('a FIFO is IO_ERROR at once, and close() does not hang', { skip: !unix, timeout: 60_000 }, async () => {
    const dir = tempDir('fifo');
    const fifo = path.join(dir, 'pipe.wasm');
    execFileSync('mkfifo', [fifo]);
    const host = await PluginHost.create({ cacheDir: null, threads: 2 });
    try {
      const err = await within(10_000, 'add(FIFO)', expectCode(() => host.add('pipe', fifo), ErrorCodes.IO_ERROR, { plugin: 'pipe' }));
      assert.match(err.message, /FIFO \(named pipe\), not a regular file/);
      await host.add('uppercase', UPPERCASE);
      await assertServes(host);
    } finally {
      await within(10_000, 'close()', host.close());
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder named .wasm is IO_ERROR', async () => {
    const dir = tempDir('folder');
    mkdirSync(path.join(dir, 'folder.wasm'));
    const host = await PluginHost.create({ cacheDir: null });
    try {
      const err = await expectCode(() => host.add('folder', path.join(dir, 'folder.wasm')), ErrorCodes.IO_ERROR, { plugin: 'folder' });
      assert.match(err.message, /a folder, not a regular file/);
      await host.add('uppercase', UPPERCASE);
      await assertServes(host);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file over maxPluginFileMb is INVALID_MODULE before it is read; up to it loads', async () => {
    const dir = tempDir('size');
    const big = path.join(dir, 'big.wasm');
    writeFileSync(big, '');
    truncateSync(big, (1 << 20) + 1); // sparse: 1 MiB and one byte
    const host = await PluginHost.create({ cacheDir: null, maxPluginFileMb: 1 });
    try {
      assert.equal(host.options.maxPluginFileMb, 1);
      const err = await expectCode(() => host.add('big', big), ErrorCodes.INVALID_MODULE, { plugin: 'big' });
      assert.match(err.message, /larger than the 1 MiB limit for plugin files \(maxPluginFileMb\)/);
      await host.add('uppercase', UPPERCASE);
      await assertServes(host);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('maxPluginFileMb defaults to 64 and is validated', async () => {
    const host = await PluginHost.create({ cacheDir: null });
    assert.equal(host.options.maxPluginFileMb, 64);
    await host.close();
    for (const bad of [0, 4097, 1.5, '64']) {
      await expectCode(() => PluginHost.create({ maxPluginFileMb: bad }), ErrorCodes.INVALID_OPTIONS);
    }
  });

  test('load(dir) passes over entries that are not regular files, and never hangs on them', { skip: !unix, timeout: 60_000 }, async () => {
    const dir = tempDir('load');
    copyFileSync(UPPERCASE, path.join(dir, 'uppercase.wasm'));
    execFileSync('mkfifo', [path.join(dir, 'a-pipe.wasm')]);
    mkdirSync(path.join(dir, 'b-folder.wasm'));
    symlinkSync('/dev/zero', path.join(dir, 'c-zero.wasm'));
    symlinkSync(path.join(dir, 'missing'), path.join(dir, 'd-dangling.wasm'));
    symlinkSync(UPPERCASE, path.join(dir, 'e-linked.wasm')); // a symlink to a regular file loads
    const host = await within(20_000, 'load(dir)', PluginHost.load(dir, { cacheDir: null, threads: 2 }));
    try {
      assert.deepEqual(host.plugins().map((p) => p.name), ['e-linked', 'uppercase']);
      await assertServes(host);
      await assertServes(host, 'e-linked');
    } finally {
      await within(10_000, 'close()', host.close());
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- item 7
describe('cache entries are bound to their module (item 7)', () => {
  const entries = (dir) => readdirSync(dir).filter((f) => f.endsWith('.cwasm')).sort();

  /** Loads `plugins` ({ name: path }) with cacheDir `dir`; returns each one's cache outcome and filterSync output. */
  async function loadWith(dir, plugins, run) {
    const host = await PluginHost.create({ cacheDir: dir, threads: 2 });
    try {
      const outcomes = {};
      for (const [name, file] of Object.entries(plugins)) outcomes[name] = (await host.add(name, file)).cache;
      if (run) await run(host);
      return outcomes;
    } finally {
      await host.close();
    }
  }

  test('swapped entries are recompiled and replaced: a plugin never runs another plugin\'s code', async () => {
    const dir = tempDir('cache');
    try {
      assert.deepEqual(await loadWith(dir, { upper: UPPERCASE }), { upper: 'miss' });
      const [upperEntry] = entries(dir);
      assert.deepEqual(await loadWith(dir, { escape: ESCAPE_HTML }), { escape: 'miss' });
      const escapeEntry = entries(dir).find((f) => f !== upperEntry);
      const [a, b] = [path.join(dir, upperEntry), path.join(dir, escapeEntry)];
      const [bytesA, bytesB] = [readFileSync(a), readFileSync(b)];
      // Swap the two files (a stale rename, or caches copied around).
      renameSync(a, `${a}.tmp`);
      renameSync(b, a);
      renameSync(`${a}.tmp`, b);

      const outcomes = await loadWith(dir, { upper: UPPERCASE, escape: ESCAPE_HTML }, async (host) => {
        assert.equal(host.filterSync('upper', '<b>'), '<B>');
        assert.equal(await host.filter('upper', '<i>'), '<I>');
        assert.deepEqual(await host.filterMany('upper', ['<p>', 'q']), ['<P>', 'Q']);
        assert.equal(host.filterSync('escape', '<b>'), '&lt;b&gt;');
        assert.equal(await host.filter('escape', '<i>'), '&lt;i&gt;');
        assert.deepEqual(await host.filterMany('escape', ['<p>', 'q']), ['&lt;p&gt;', 'q']);
      });
      assert.deepEqual(outcomes, { upper: 'miss', escape: 'miss' });
      assert.deepEqual(readFileSync(a), bytesA, 'each entry was written back under its own name');
      assert.deepEqual(readFileSync(b), bytesB);
      assert.deepEqual(await loadWith(dir, { upper: UPPERCASE, escape: ESCAPE_HTML }), { upper: 'hit', escape: 'hit' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an entry copied in under another module\'s name is a miss', async () => {
    const dir = tempDir('cache-copy');
    try {
      await loadWith(dir, { upper: UPPERCASE });
      const [upperEntry] = entries(dir);
      await loadWith(dir, { escape: ESCAPE_HTML });
      const escapeEntry = entries(dir).find((f) => f !== upperEntry);
      copyFileSync(path.join(dir, upperEntry), path.join(dir, escapeEntry));
      const outcomes = await loadWith(dir, { escape: ESCAPE_HTML }, async (host) => {
        assert.equal(host.filterSync('escape', '<b>'), '&lt;b&gt;');
      });
      assert.deepEqual(outcomes, { escape: 'miss' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- item 8
describe('error hygiene (item 8)', () => {
  test('an invalid module\'s error is one line that never quotes the file', async () => {
    const dir = tempDir('hygiene');
    const secretFile = path.join(dir, 'secret.txt');
    writeFileSync(secretFile, 'API_TOKEN=hunter2\nPATH=/usr/bin\n');
    const linked = path.join(dir, 'linked.wasm');
    symlinkSync(secretFile, linked);
    const host = await PluginHost.create({ cacheDir: null });
    try {
      for (const [name, file] of [['linked', linked], ['not-wasm', broken('not-wasm')]]) {
        const err = await expectCode(() => host.add(name, file), ErrorCodes.INVALID_MODULE, { plugin: name });
        assert.match(err.message, /does not start with the WebAssembly magic number/);
        assertClean(err, ['API_TOKEN', 'hunter2', 'this is not', '0x41', '0x74', 'actual']);
      }
      const err = await expectCode(() => host.add('bytes', Buffer.from('SECRET bytes')), ErrorCodes.INVALID_MODULE, { plugin: 'bytes' });
      assertClean(err, ['SECRET', '0x53']);
      const invalid = await expectCode(() => host.add('invalid', broken('invalid-module')), ErrorCodes.INVALID_MODULE);
      assert.match(invalid.message, /type mismatch/, 'past a valid header the compiler still says what is wrong');
      assertClean(invalid);
      await host.add('uppercase', UPPERCASE);
      await assertServes(host);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a symlink to /proc/self/environ does not show the environment', { skip: !linux }, async () => {
    const dir = tempDir('environ');
    const linked = path.join(dir, 'environ.wasm');
    symlinkSync('/proc/self/environ', linked);
    process.env.ALLOY_PATHS_TEST_SECRET = 'do-not-print-me';
    const host = await PluginHost.create({ cacheDir: null });
    try {
      const err = await expectCode(() => host.add('environ', linked), ErrorCodes.INVALID_MODULE, { plugin: 'environ' });
      assertClean(err, ['do-not-print-me', 'ALLOY_PATHS_TEST_SECRET', 'PATH=']);
    } finally {
      delete process.env.ALLOY_PATHS_TEST_SECRET;
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // One "wasm trap:", then what to fix (js/fixes.js).
  const TRAP_MESSAGE = 'plugin "trap" filter(): wasm trap: wasm `unreachable` instruction executed [TRAP]'
    + ' (fix: The plugin trapped at `unreachable`, which is what a Rust panic becomes on wasm32: return an error through last_error instead of panicking (no unwrap, expect or out-of-range indexing on input).)';

  function assertTrap(err, index) {
    assert.equal(err.message, index === undefined ? TRAP_MESSAGE : TRAP_MESSAGE.replace('filter(): ', `filter(): input #${index}: `));
    // filterMany's errors are rebuilt in js/host.js (reindexed), which does
    // not copy the backtrace yet; the message is what matters there.
    if (index !== undefined && err.backtrace === undefined) return;
    assert.equal(typeof err.backtrace, 'string', 'the backtrace is a field');
    assert.ok(err.backtrace.length > 0);
    assert.ok(!err.backtrace.includes('error while executing'), err.backtrace);
  }

  test('a trap is one clean line in filterSync, filter and filterMany, its backtrace a field', async () => {
    const host = await PluginHost.create({ cacheDir: null, threads: 2 });
    try {
      await host.add('trap', broken('trap'));
      assertTrap(await expectCode(() => host.filterSync('trap', '!'), ErrorCodes.TRAP, { plugin: 'trap', export: 'filter' }));
      assert.equal(host.filterSync('trap', 'after sync'), 'after sync');
      assertTrap(await expectCode(() => host.filter('trap', '!'), ErrorCodes.TRAP, { plugin: 'trap', export: 'filter' }));
      assert.equal(await host.filter('trap', 'after async'), 'after async');
      assertTrap(await expectCode(() => host.filterMany('trap', ['a', 'b', '!', 'c']), ErrorCodes.TRAP, { index: 2 }), 2);
      assert.deepEqual(await host.filterMany('trap', ['a', 'b']), ['a', 'b']);
      // Errors that are not traps carry no backtrace.
      const missing = await expectCode(() => host.filterSync('nope', 'x'), ErrorCodes.PLUGIN_NOT_FOUND);
      assert.equal(missing.backtrace, undefined);
    } finally {
      await host.close();
    }
  });
});

// ---------------------------------------------------------------- item 9
describe('long WASI calls stop at the time limit (item 9)', () => {
  // wasi-flood does all its work in one WASI call and then returns without
  // running any more wasm, so only the host function can notice the limit.
  const OPTIONS = { cacheDir: null, threads: 2, timeoutMs: 20, memoryLimitMb: 300, captureOutput: 2 ** 30 };
  const MODES = [['!r', 'random_get over 256 MiB'], ['!p', 'poll_oneoff with 3 million subscriptions'], ['!w', 'fd_write of 256 MiB, captured']];
  const fields = { plugin: 'flood', export: 'filter' };

  async function floodHost() {
    const host = await PluginHost.create(OPTIONS);
    await host.add('flood', broken('wasi-flood'));
    await host.add('uppercase', UPPERCASE);
    return host;
  }

  for (const [mode, what] of MODES) {
    test(`${what} ("${mode}") is TIMEOUT in filterSync, filter and filterMany`, { timeout: 120_000 }, async () => {
      const host = await floodHost();
      try {
        const err = await expectCode(() => host.filterSync('flood', mode), ErrorCodes.TIMEOUT, fields);
        assert.match(err.message, /20 ms time limit/);
        assert.equal(host.filterSync('flood', 'next sync'), 'next sync');
        await expectCode(() => host.filter('flood', mode), ErrorCodes.TIMEOUT, fields);
        assert.equal(await host.filter('flood', 'next async'), 'next async');
        await expectCode(() => host.filterMany('flood', ['a', mode, 'b']), ErrorCodes.TIMEOUT, { ...fields, index: 1 });
        assert.deepEqual(await host.filterMany('flood', ['a', 'b', 'c']), ['a', 'b', 'c']);
        await assertServes(host);
      } finally {
        await host.close();
      }
    });
  }
});

test('the fixtures this file needs are built', () => {
  assert.ok(existsSync(broken('wasi-flood')), 'run `npm run build:fixtures`');
});

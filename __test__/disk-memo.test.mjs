// memoize: { dir }: memoized outputs kept in a folder between builds, keyed by
// the plugin's bytes, export and input; damaged entries are misses and are
// rewritten; two processes can share the folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import wabtInit from 'wabt';

import { expectCode, pluginsDir, root, PluginHost, ErrorCodes } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { resolveAdapterOptions } = require('../js/adapter-options.js');

const wabt = await wabtInit();

/**
 * A deliberately impure filter: its output is the input followed by eight
 * random letters (WASI random_get), so an answer from the memo is told apart
 * from a new call on any instance. `tag` changes its bytes, not what it does.
 */
function randomPlugin(tag = 'A') {
  const wat = `(module
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "${tag}")
    (func (export "alloc") (param $n i32) (result i32)
      (local $need i32)
      (local.set $need (i32.add (local.get $n) (i32.const 1040)))
      (if (i32.gt_u (local.get $need) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16)) (i32.const 1))))))
      (i32.const 1024))
    (func (export "filter") (param $p i32) (param $l i32) (result i64)
      (local $at i32) (local $end i32)
      (local.set $at (i32.add (local.get $p) (local.get $l)))
      (local.set $end (i32.add (local.get $at) (i32.const 8)))
      (drop (call $random (local.get $at) (i32.const 8)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (i32.store8 (local.get $at) (i32.add (i32.const 97) (i32.and (i32.load8_u (local.get $at)) (i32.const 15))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
      (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
              (i64.extend_i32_u (i32.add (local.get $l) (i32.const 8))))))`;
  return Buffer.from(wabt.parseWat('random.wat', wat).toBinary({}).buffer);
}

/** Asserts `output` is `input` followed by eight random letters. */
function assertRandomOf(output, input) {
  assert.match(output, new RegExp(`^${input}[a-p]{8}$`));
}

function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `alloy-disk-memo-${tag}-`));
}

/** The memo folder's entries (name -> bytes). */
function entries(dir) {
  return new Map(fs.readdirSync(dir).filter((n) => n.endsWith('.memo')).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
}

async function randomHost(dir, wasm = randomPlugin()) {
  const host = await PluginHost.create({ cacheDir: null, memoize: { dir }, threads: 2 });
  await host.add('random', wasm);
  return host;
}

test('outputs are found again by the next build, on the sync, async and batch paths', async () => {
  const dir = tempDir('persist');
  try {
    const first = await randomHost(dir);
    let built;
    try {
      built = {
        a: first.filterSync('random', 'a'),
        b: await first.filter('random', 'b'),
        cd: await first.filterMany('random', ['c', 'd']),
      };
      assertRandomOf(built.a, 'a');
      assert.equal(first.filterSync('random', 'a'), built.a, 'memoized in memory');
      const memo = first.stats('random').memo;
      assert.equal(memo.diskWrites, 4);
      assert.equal(memo.diskMisses, 4);
      assert.equal(memo.diskHits, 0);
      assert.equal(memo.diskEntries, 4);
      assert.equal(memo.diskErrors, 0);
      assert.equal(memo.diskError, null);
    } finally {
      await first.close();
    }
    assert.equal(entries(dir).size, 4);

    const second = await randomHost(dir);
    try {
      const fresh = second.filterSync('random', 'new');
      assertRandomOf(fresh, 'new');
      assert.equal(second.filterSync('random', 'a'), built.a);
      assert.equal(await second.filter('random', 'b'), built.b);
      assert.deepEqual(await second.filterMany('random', ['c', 'd']), built.cd);
      assert.equal(second.filterSync('random', 'a'), built.a);
      const memo = second.stats('random').memo;
      assert.equal(memo.diskHits, 4);
      assert.equal(memo.diskMisses, 1);
      assert.equal(memo.diskWrites, 1);
      assert.equal(memo.hits, 1, 'the last call came from memory');
    } finally {
      await second.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('entries are keyed by the plugin bytes, not its name', async () => {
  const dir = tempDir('bytes');
  try {
    const first = await randomHost(dir);
    const stored = first.filterSync('random', 'x');
    await first.close();
    // Other bytes under the same name: a miss.
    const other = await randomHost(dir, randomPlugin('B'));
    try {
      const output = other.filterSync('random', 'x');
      assertRandomOf(output, 'x');
      assert.notEqual(output, stored);
      assert.equal(other.stats('random').memo.diskHits, 0);
    } finally {
      await other.close();
    }
    // The same bytes under another name: a hit.
    const renamed = await PluginHost.create({ cacheDir: null, memoize: { dir } });
    try {
      await renamed.add('noise', randomPlugin());
      assert.equal(renamed.filterSync('noise', 'x'), stored);
      assert.equal(renamed.stats('noise').memo.diskHits, 1);
    } finally {
      await renamed.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('only the plugins listed are memoized', async () => {
  const dir = tempDir('plugins');
  try {
    const host = await PluginHost.create({ cacheDir: null, memoize: { dir, plugins: ['uppercase'] } });
    try {
      await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
      await host.add('random', randomPlugin());
      assert.equal(host.filterSync('uppercase', 'abc'), 'ABC');
      const once = host.filterSync('random', 'abc');
      assert.notEqual(host.filterSync('random', 'abc'), once, 'not memoized: called again');
      assert.equal(host.stats('random').memo.diskWrites, 1, 'uppercase only');
      assert.deepEqual(host.options.memoize, { dir, mb: 256, plugins: ['uppercase'] });
    } finally {
      await host.close();
    }
    assert.equal(entries(dir).size, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt, truncated or foreign entry is ignored and rewritten', async () => {
  const dir = tempDir('damaged');
  try {
    const first = await randomHost(dir);
    const stored = first.filterSync('random', 'one');
    first.filterSync('random', 'two');
    await first.close();
    const good = entries(dir);
    const nameOf = (input) => [...good.keys()].find((name) => good.get(name).subarray(0, 3).toString() === input);
    const [nameOne, nameTwo] = [nameOf('one'), nameOf('two')];
    const one = good.get(nameOne);
    const flip = (bytes, at) => {
      const copy = Buffer.from(bytes);
      copy[at] ^= 0x01;
      return copy;
    };
    const damaged = {
      'a flipped output byte': flip(one, 0),
      'a flipped checksum byte': flip(one, one.length - 20),
      'another format version': flip(one, one.length - 1),
      truncated: one.subarray(0, one.length - 1),
      'cut after the output': one.subarray(0, 11),
      empty: Buffer.alloc(0),
      "another entry's bytes": good.get(nameTwo),
    };
    for (const [what, bytes] of Object.entries(damaged)) {
      fs.writeFileSync(path.join(dir, nameOne), bytes);
      const host = await randomHost(dir);
      let output;
      try {
        output = host.filterSync('random', 'one');
        assertRandomOf(output, 'one');
        assert.notEqual(output, stored, `${what}: computed again, not read`);
        const memo = host.stats('random').memo;
        assert.equal(memo.diskHits, 0, what);
        assert.equal(memo.diskMisses, 1, what);
        assert.equal(memo.diskWrites, 1, `${what}: rewritten`);
      } finally {
        await host.close();
      }
      const rewritten = fs.readFileSync(path.join(dir, nameOne));
      assert.equal(rewritten.subarray(0, output.length).toString(), output, `${what}: a whole entry again`);
      assert.equal(rewritten.length, one.length);
      fs.writeFileSync(path.join(dir, nameOne), one); // the first build's entry again
    }
    const host = await randomHost(dir);
    try {
      assert.equal(host.filterSync('random', 'one'), stored, 'the good entry is read');
    } finally {
      await host.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the folder stays within mb, removing the least recently used entries', async () => {
  const dir = tempDir('budget');
  try {
    const host = await PluginHost.create({ cacheDir: null, memoize: { dir, mb: 1 } });
    try {
      await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
      const page = (i) => `${i}:`.padEnd(100_000, 'x');
      for (let i = 0; i < 30; i++) host.filterSync('uppercase', page(i));
      const memo = host.stats('uppercase').memo;
      assert.equal(memo.diskWrites, 30);
      assert.ok(memo.diskBytes <= 2 ** 20, `${memo.diskBytes} bytes`);
      assert.ok(memo.diskEntries >= 5 && memo.diskEntries < 30, `${memo.diskEntries} entries`);
      const onDisk = [...entries(dir).values()].reduce((sum, bytes) => sum + bytes.length, 0);
      assert.equal(onDisk, memo.diskBytes);
    } finally {
      await host.close();
    }
    // The next build finds the most recent ones, not the oldest.
    const again = await PluginHost.create({ cacheDir: null, memoize: { dir, mb: 1 } });
    try {
      await again.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
      again.filterSync('uppercase', '29:'.padEnd(100_000, 'x'));
      again.filterSync('uppercase', '0:'.padEnd(100_000, 'x'));
      const memo = again.stats('uppercase').memo;
      assert.equal(memo.diskHits, 1);
      assert.equal(memo.diskMisses, 1);
    } finally {
      await again.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs a child process that memoizes `count` pages in `dir`; resolves to its report. */
function childBuild(dir, count, mb) {
  const script = `
    const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/index.js'))});
    (async () => {
      const host = await PluginHost.create({ cacheDir: null, threads: 2, memoize: { dir: ${JSON.stringify(dir)}, mb: ${mb} } });
      await host.add('uppercase', ${JSON.stringify(path.join(pluginsDir, 'uppercase.wasm'))});
      const pages = Array.from({ length: ${count} }, (_, i) => 'page ' + i + ' '.padEnd(3000, 'abc'));
      let wrong = 0;
      for (let round = 0; round < 3; round++) {
        const out = await host.filterMany('uppercase', pages);
        for (let i = 0; i < pages.length; i++) {
          if (out[i] !== pages[i].toUpperCase()) wrong++;
          if (host.filterSync('uppercase', pages[i]) !== pages[i].toUpperCase()) wrong++;
        }
      }
      const memo = host.stats('uppercase').memo;
      await host.close();
      process.stdout.write(JSON.stringify({ wrong, memo }));
    })().catch((err) => { console.error(err); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

test('two builds writing the same folder at once', async () => {
  const dir = tempDir('shared');
  try {
    // 400 pages of 3 KB: over the 1 MiB budget, so both processes evict
    // while the other writes and reads.
    const reports = await Promise.all([childBuild(dir, 400, 1), childBuild(dir, 400, 1)]);
    for (const { wrong, memo } of reports) {
      assert.equal(wrong, 0, 'every output right');
      assert.equal(memo.diskErrors, 0, memo.diskError);
      assert.ok(memo.diskWrites > 0);
    }
    const names = fs.readdirSync(dir);
    assert.deepEqual(names.filter((n) => !n.endsWith('.memo')), [], 'no temporary file left');
    // A third build trims the folder to the budget when it starts.
    const trim = await PluginHost.create({ cacheDir: null, memoize: { dir, mb: 1 } });
    try {
      await trim.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
      const memo = trim.stats('uppercase').memo;
      assert.ok(memo.diskBytes <= 2 ** 20, `${memo.diskBytes} bytes after the start`);
    } finally {
      await trim.close();
    }
    // A fourth (with room to spare, so it evicts nothing) reads every entry whole.
    const host = await PluginHost.create({ cacheDir: null, memoize: { dir, mb: 16 } });
    try {
      await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
      const pages = Array.from({ length: 400 }, (_, i) => 'page ' + i + ' '.padEnd(3000, 'abc'));
      const listed = host.stats('uppercase').memo.diskEntries;
      assert.ok(listed > 0);
      for (const page of pages) assert.equal(host.filterSync('uppercase', page), page.toUpperCase());
      const memo = host.stats('uppercase').memo;
      assert.equal(memo.diskHits, listed, 'every listed entry was read whole');
      assert.equal(memo.diskErrors, 0);
    } finally {
      await host.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the object form: validation, defaults, a relative dir and the adapters', async () => {
  for (const bad of [
    {},
    { dir: '' },
    { dir: 3 },
    { dir: 'm', mb: 0 },
    { dir: 'm', mb: 1.5 },
    { dir: 'm', plugins: false },
    { dir: 'm', plugins: 'all' },
    { dir: 'm', budget: 3 },
  ]) {
    await expectCode(() => PluginHost.create({ memoize: bad }), ErrorCodes.INVALID_OPTIONS);
  }
  await assert.rejects(
    () => PluginHost.create({ memoize: { dir: 'm', mb: -1, keep: 1 } }),
    (err) => err.message.includes('"memoize.mb"') && err.message.includes('unknown key "keep"'),
  );

  const dir = tempDir('relative');
  try {
    const relative = path.relative(process.cwd(), path.join(dir, 'memo'));
    const host = await PluginHost.create({ cacheDir: null, memoize: { dir: relative } });
    try {
      assert.deepEqual(host.options.memoize, { dir: relative, mb: 256, plugins: true });
      await host.add('uppercase', path.join(pluginsDir, 'uppercase.wasm'));
      host.filterSync('uppercase', 'abc');
      assert.equal(host.stats('uppercase').memo.diskWrites, 1);
    } finally {
      await host.close();
    }
    assert.equal(entries(path.join(dir, 'memo')).size, 1, 'under the working directory');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  // The adapters pass it through as a host option.
  const { host } = resolveAdapterOptions('eleventy', { dir: 'plugins', memoize: { dir: '.alloy/memo', plugins: ['a'] } }, {
    defaults: { dir: 'plugins' },
    checks: {},
    root: process.cwd(),
  });
  assert.deepEqual(host.memoize, { dir: '.alloy/memo', mb: 256, plugins: ['a'] });
  assert.throws(
    () => resolveAdapterOptions('astro', { memoize: { dir: 'm', mb: 0 } }, { defaults: { dir: 'plugins' }, checks: {}, root: process.cwd() }),
    (err) => err.code === ErrorCodes.INVALID_OPTIONS && err.message.includes('memoize.mb'),
  );
});

test('a memo folder that cannot be made is IO_ERROR at create', async () => {
  const dir = tempDir('file');
  try {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a folder');
    await expectCode(() => PluginHost.create({ memoize: { dir: file } }), ErrorCodes.IO_ERROR);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

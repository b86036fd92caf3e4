// The compiled-module cache: hit, miss, damaged entries, and two processes
// writing the same entry at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, truncateSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { pluginsDir, root, PluginHost } from './helpers.mjs';

const plugin = path.join(pluginsDir, 'uppercase.wasm');

function tempDir() {
  return mkdtempSync(path.join(os.tmpdir(), 'alloy-cache-'));
}

async function loadOnce(cacheDir) {
  const host = await PluginHost.create({ cacheDir });
  try {
    const info = await host.add('uppercase', plugin);
    assert.equal(host.filterSync('uppercase', 'cached?'), 'CACHED?');
    return info;
  } finally {
    await host.close();
  }
}

function entries(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.cwasm'));
}

test('the first load compiles and writes an entry; the next load hits it', async () => {
  const dir = tempDir();
  try {
    const cold = await loadOnce(dir);
    assert.equal(cold.cache, 'miss');
    assert.equal(cold.cacheError, null);
    assert.equal(entries(dir).length, 1);
    const warm = await loadOnce(dir);
    assert.equal(warm.cache, 'hit');
    assert.ok(warm.compileMs < cold.compileMs, `warm ${warm.compileMs} ms < cold ${cold.compileMs} ms`);
    assert.deepEqual(readdirSync(dir), entries(dir), 'no temporary files are left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cacheDir: null compiles every time and writes nothing', async () => {
  const info = await loadOnce(null);
  assert.equal(info.cache, 'off');
});

test('a corrupt, truncated or foreign entry is recompiled and replaced, never trusted', async () => {
  const dir = tempDir();
  try {
    await loadOnce(dir);
    const [name] = entries(dir);
    const file = path.join(dir, name);
    const good = readFileSync(file);
    const damages = {
      'a flipped byte': () => { const b = Buffer.from(good); b[b.length >> 1] ^= 0xff; writeFileSync(file, b); },
      'truncated': () => truncateSync(file, good.length - 100),
      'empty': () => writeFileSync(file, ''),
      'another file': () => writeFileSync(file, readFileSync(path.join(pluginsDir, 'youtube.wasm'))),
    };
    for (const [what, damage] of Object.entries(damages)) {
      damage();
      const info = await loadOnce(dir);
      assert.equal(info.cache, 'miss', what);
      assert.ok(readFileSync(file).equals(good), `${what}: the entry is rewritten`);
      assert.equal((await loadOnce(dir)).cache, 'hit', `${what}: and used after`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache folder that cannot be written still loads the plugin and says why', async () => {
  const dir = tempDir();
  const blocker = path.join(dir, 'not-a-folder');
  writeFileSync(blocker, 'a file where the cache folder should be');
  try {
    const info = await loadOnce(blocker);
    assert.equal(info.cache, 'miss');
    assert.match(info.cacheError, /could not write the compiled-module cache entry/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs a child process that loads `wasm` with `cacheDir` and prints its cache outcome. */
function childLoad(cacheDir, wasm) {
  const script = `
    const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/index.js'))});
    (async () => {
      const host = await PluginHost.create({ cacheDir: ${JSON.stringify(cacheDir)} });
      const info = await host.add('p', ${JSON.stringify(wasm)});
      process.stdout.write(info.cache + ':' + host.filterSync('p', 'two writers'));
      await host.close();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child failed (${code}): ${err}`))));
  });
}

test('two processes writing the same entry at once both succeed and leave one whole entry', async () => {
  const other = path.join(pluginsDir, 'word-count.wasm'); // a second entry written at the same time
  for (let round = 0; round < 3; round++) {
    const dir = tempDir();
    try {
      const results = await Promise.all([childLoad(dir, plugin), childLoad(dir, plugin), childLoad(dir, other)]);
      assert.match(results[0], /^(miss|hit):TWO WRITERS$/);
      assert.match(results[1], /^(miss|hit):TWO WRITERS$/);
      assert.match(results[2], /^(miss|hit):2$/);
      assert.deepEqual(readdirSync(dir).sort(), entries(dir).sort(), 'no temporary files are left behind');
      assert.equal(entries(dir).length, 2);
      for (const name of entries(dir)) assert.ok(statSync(path.join(dir, name)).size > 0);
      assert.match(await childLoad(dir, plugin), /^hit:TWO WRITERS$/, 'the entry is whole and used');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

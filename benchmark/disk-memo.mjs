// What the disk memo (memoize: { dir }) costs and saves per call, on the
// JS thread (filterSync): a plugin call against a hit from memory, a hit from
// the folder, and a miss that queues a write, for one input size; and the
// time to list the folder when a host starts.
//
//   node benchmark/disk-memo.mjs [--kb 5] [--count 2000] [--plugin uppercase]
//
// --plugin names a plugin in build/fixtures/plugins or build/fixtures/bench.
// Each figure is the median of 5 rounds over `count` distinct inputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import alloy from '../js/index.js';

const { PluginHost } = alloy;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    kb: { type: 'string', default: '5' },
    count: { type: 'string', default: '2000' },
    plugin: { type: 'string', default: 'uppercase' },
  },
});
const count = Number(values.count);
const bytes = Number(values.kb) * 1024;
const name = values.plugin;
const wasm = ['plugins', 'bench']
  .map((folder) => path.join(root, 'build/fixtures', folder, `${name}.wasm`))
  .find((file) => fs.existsSync(file));
if (!wasm) throw new Error(`no plugin ${name} in build/fixtures/plugins or bench`);

const words = 'lorem ipsum dolor sit amet <em>consectetur</em> adipiscing elit sed do eiusmod tempor ';
const page = (round, i) => `<p>round ${round} page ${i}: ${words.repeat(Math.ceil(bytes / words.length))}`.slice(0, bytes);

const timing = { createMs: [] };

async function host(options) {
  const started = process.hrtime.bigint();
  const h = await PluginHost.create({ cacheDir: null, threads: 1, ...options });
  if (options.memoize) timing.createMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  await h.add(name, wasm);
  return h;
}

/** Microseconds per input of one filterMany over `inputs` (on the workers). */
async function perInputMany(h, inputs) {
  const started = process.hrtime.bigint();
  await h.filterMany(name, inputs);
  return Number(process.hrtime.bigint() - started) / 1000 / inputs.length;
}

/** Microseconds per call of filterSync over `inputs`. */
function perCall(h, inputs) {
  const started = process.hrtime.bigint();
  for (const input of inputs) h.filterSync(name, input);
  return Number(process.hrtime.bigint() - started) / 1000 / inputs.length;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = { call: [], memoryHit: [], diskHit: [], missAndWrite: [], memoryMiss: [], manyCall: [], manyDiskHit: [], listMs: [] };
for (let round = 0; round < 5; round++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloy-disk-memo-bench-'));
  const inputs = Array.from({ length: count }, (_, i) => page(round, i));
  try {
    const plain = await host({});
    plain.filterSync(name, 'warm up');
    rows.call.push(perCall(plain, inputs));
    await plain.filterMany(name, ['warm up']);
    rows.manyCall.push(await perInputMany(plain, inputs));
    await plain.close();

    const inMemory = await host({ memoize: true });
    inMemory.filterSync(name, 'warm up');
    rows.memoryMiss.push(perCall(inMemory, inputs));
    await inMemory.close();

    const writer = await host({ memoize: { dir } });
    writer.filterSync(name, 'warm up');
    rows.missAndWrite.push(perCall(writer, inputs));
    writer.stats(name); // waits for the queued writes
    rows.memoryHit.push(perCall(writer, inputs));
    await writer.close();

    timing.createMs.length = 0;
    const reader = await host({ memoize: { dir } });
    rows.listMs.push(timing.createMs[0]);
    reader.filterSync(name, 'warm up');
    rows.diskHit.push(perCall(reader, inputs));
    const memo = reader.stats(name).memo;
    if (memo.diskHits !== count + 1) throw new Error(`expected ${count + 1} disk hits (the warm-up too), got ${memo.diskHits}`);
    await reader.close();

    const batch = await host({ memoize: { dir } });
    await batch.filterMany(name, ['warm up']);
    rows.manyDiskHit.push(await perInputMany(batch, inputs));
    if (batch.stats(name).memo.diskHits !== count + 1) throw new Error('expected every batch input from the folder');
    await batch.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const fmt = (us) => `${us.toFixed(2)} us`;
console.log(`${name}, ${values.kb} KB inputs, ${count} distinct inputs, filterSync, median of 5 rounds (${os.cpus().length} cores)`);
console.log(`  plugin call (no memo)           ${fmt(median(rows.call))}`);
console.log(`  miss, memory only (memoize: true)  ${fmt(median(rows.memoryMiss))}`);
console.log(`  miss: call + queued disk write  ${fmt(median(rows.missAndWrite))}`);
console.log(`  hit from memory                 ${fmt(median(rows.memoryHit))}`);
console.log(`  hit from the folder             ${fmt(median(rows.diskHit))}`);
console.log(`  filterMany (${count} inputs, 1 worker thread), per input: calls ${fmt(median(rows.manyCall))}, hits from the folder ${fmt(median(rows.manyDiskHit))}`);
console.log(`  PluginHost.create listing ${count} entries  ${median(rows.listMs).toFixed(2)} ms`);

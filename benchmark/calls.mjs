// Per-call cost of filterSync and filter (one awaited call at a time) on a
// 40-byte and a 50 KB input. Medians of several rounds; the variants are
// interleaved within each round so machine noise hits them alike.
// Usage: node benchmark/calls.mjs [rounds=7]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import alloy from '../js/index.js';

const { PluginHost } = alloy;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 7);

const title = 'Ten Tips for Faster Static Site Builds!!';
const para = '<p>Static sites — fast, safe, cheap. Ünïcödé and 日本語 text. <img src="x.png"> </p>\n';
const page = para.repeat(Math.ceil(50_000 / Buffer.byteLength(para))).slice(0, 50_000);
const inputs = { '40 B': title, '50 KB': page };

const host = await PluginHost.load(path.join(root, 'build/fixtures/plugins'), { cacheDir: null });
const plugins = ['uppercase', 'word-count'];

function perCallSync(plugin, input, calls) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) host.filterSync(plugin, input);
  return Number(process.hrtime.bigint() - t0) / calls;
}

async function perCallAsync(plugin, input, calls) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await host.filter(plugin, input);
  return Number(process.hrtime.bigint() - t0) / calls;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (let r = 0; r < rounds; r++) {
  for (const plugin of plugins) {
    for (const [label, input] of Object.entries(inputs)) {
      const calls = label === '40 B' ? 20_000 : 400;
      const key = (api) => `${plugin} ${api} ${label}`;
      (results[key('filterSync')] ??= []).push(perCallSync(plugin, input, calls));
      (results[key('filter')] ??= []).push(await perCallAsync(plugin, input, calls));
    }
  }
}
await host.close();

console.log(`node ${process.version}, ${rounds} rounds, median ns per call`);
console.log('plugin      api         input   median_us   min_us   max_us');
for (const [key, xs] of Object.entries(results)) {
  const [plugin, api, ...size] = key.split(' ');
  const us = (ns) => (ns / 1000).toFixed(2).padStart(8);
  console.log(`${plugin.padEnd(11)} ${api.padEnd(11)} ${size.join(' ').padEnd(6)} ${us(median(xs))}   ${us(Math.min(...xs))} ${us(Math.max(...xs))}`);
}

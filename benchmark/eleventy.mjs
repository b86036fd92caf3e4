// npm run bench:eleventy: the 2,000-page example site (examples/eleventy-site)
// built by Eleventy with the lazy-images hook two ways:
//   wasm  the lazy-images.wasm hook through the alloy-wasm adapter
//   js    the same transform in plain JS (eleventyConfig.addTransform)
// Everything else is the same in both: the uppercase filter and the youtube
// and callout shortcodes run as WASM through the adapter.
//
// Each build runs in a fresh Node.js process (as `eleventy` would), timed
// inside it from `new Eleventy()` to the end of `write()`, so the time
// includes loading the plugins. The plugins load with the default options,
// compiled-module cache included (in the benchmark's temp folder); an untimed
// warm-up build of each variant fills it, as any earlier build of a site
// would. The variants alternate within each round (and which goes first
// alternates between rounds); the report gives the median of the rounds and
// the ratio wasm / js. The warm-up also checks that both variants write
// byte-identical sites.
//
// Usage: node benchmark/eleventy.mjs [--rounds N] [--json FILE]
//   --rounds  builds per variant (default 5)
//   --json    where to write the results (default benchmark/results/eleventy.json)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { median } from './lib/stats.mjs';
import { describeMachine } from './lib/machine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const siteSrc = path.join(root, 'examples/eleventy-site/src');
const fixtures = path.join(root, 'build/fixtures/plugins');
const VARIANTS = {
  wasm: ['uppercase', 'youtube', 'callout', 'lazy-images'],
  js: ['uppercase', 'youtube', 'callout'],
};

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    json: { type: 'string', default: path.join(root, 'benchmark/results/eleventy.json') },
    child: { type: 'string' }, // internal: build one variant in this process
    work: { type: 'string' }, // internal: the variant's plugins and output folder
  },
});

if (args.child) {
  await buildOnce(args.child, args.work);
} else {
  await main();
}

/** One build in this process; prints { ms, files } as JSON. */
async function buildOnce(variant, work) {
  const { default: Eleventy } = await import('@11ty/eleventy');
  const { default: alloyWasm } = await import('alloy-wasm/eleventy');
  const started = performance.now();
  const cpuStarted = process.cpuUsage(); // every thread of the process, the host's workers included
  const eleventy = new Eleventy(siteSrc, path.join(work, '_site'), {
    quietMode: true,
    configPath: false,
    config(eleventyConfig) {
      eleventyConfig.addPlugin(alloyWasm, { dir: path.join(work, 'plugins'), paired: ['callout'], cacheDir: path.join(work, 'cache') });
      if (variant === 'js') {
        // What lazy-images.wasm does, in plain JS.
        eleventyConfig.addTransform('lazy-images', function lazyImages(content) {
          const outputPath = this.page.outputPath;
          if (typeof outputPath !== 'string' || !outputPath.endsWith('.html')) return content;
          return content.replaceAll('<img ', '<img loading="lazy" ');
        });
      }
    },
  });
  const [, templates] = await eleventy.write();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(`${JSON.stringify({ ms, cpuMs, files: templates.length })}\n`);
}

async function main() {
  const rounds = Number(args.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number above 0, got ${args.rounds}`);
  const missing = [...new Set(Object.values(VARIANTS).flat())].filter((name) => !existsSync(path.join(fixtures, `${name}.wasm`)));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not found in ${fixtures}; build the example plugins with \`npm run build:fixtures\``);
  const temp = mkdtempSync(path.join(os.tmpdir(), 'alloy-bench-eleventy-'));
  try {
    const work = {};
    for (const [variant, plugins] of Object.entries(VARIANTS)) {
      work[variant] = path.join(temp, variant);
      mkdirSync(path.join(work[variant], 'plugins'), { recursive: true });
      for (const name of plugins) {
        copyFileSync(path.join(fixtures, `${name}.wasm`), path.join(work[variant], 'plugins', `${name}.wasm`));
      }
    }
    for (const variant of Object.keys(VARIANTS)) {
      const { ms } = runChild(variant, work[variant]);
      process.stderr.write(`warm-up: ${variant.padEnd(4)} ${(ms / 1000).toFixed(2)} s\n`);
    }
    checkSameSites(path.join(work.wasm, '_site'), path.join(work.js, '_site'));
    const times = { wasm: [], js: [] };
    const cpu = { wasm: [], js: [] };
    let pages = 0;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['wasm', 'js'] : ['js', 'wasm'];
      for (const variant of order) {
        rmSync(path.join(work[variant], '_site'), { recursive: true, force: true });
        const { ms, cpuMs, files } = runChild(variant, work[variant]);
        times[variant].push(ms);
        cpu[variant].push(cpuMs);
        pages = files;
        process.stderr.write(`round ${round + 1}/${rounds}: ${variant.padEnd(4)} ${(ms / 1000).toFixed(2)} s (cpu ${(cpuMs / 1000).toFixed(2)} s)\n`);
      }
    }
    report(times, cpu, pages, rounds);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function runChild(variant, work) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', variant, '--work', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Both variants must write the same files with the same bytes. */
function checkSameSites(a, b) {
  const digest = (dir) => {
    const hashes = new Map();
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      hashes.set(path.relative(dir, file), createHash('sha256').update(readFileSync(file)).digest('hex'));
    }
    return hashes;
  };
  const [ha, hb] = [digest(a), digest(b)];
  const differ = [...new Set([...ha.keys(), ...hb.keys()])].filter((file) => ha.get(file) !== hb.get(file));
  if (differ.length > 0) throw new Error(`the wasm and js builds differ in ${differ.length} files, e.g. ${differ[0]}`);
  if (ha.size < 2000) throw new Error(`expected the 2,000-page site, got ${ha.size} files`);
  process.stderr.write(`check: both variants wrote the same ${ha.size} files\n`);
}

function report(times, cpu, pages, rounds) {
  const wasm = median(times.wasm);
  const js = median(times.js);
  const ratio = wasm / js;
  // Each round's own ratio: the two builds of a round ran back to back, so
  // they share the machine's load of that moment.
  const roundRatio = median(times.wasm.map((ms, i) => ms / times.js[i]));
  const cpuRatio = median(cpu.wasm) / median(cpu.js);
  const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`Eleventy build of the ${pages}-page example site, median of ${rounds} rounds (each build in a fresh process, warm module cache):`);
  console.log(`  lazy-images as WASM (alloy-wasm adapter): ${seconds(wasm)}  [${times.wasm.map(seconds).join(', ')}]  cpu ${seconds(median(cpu.wasm))}`);
  console.log(`  lazy-images as plain JS transform:        ${seconds(js)}  [${times.js.map(seconds).join(', ')}]  cpu ${seconds(median(cpu.js))}`);
  console.log(`  ratio wasm / js: ${ratio.toFixed(3)} (median of the per-round ratios ${roundRatio.toFixed(3)}; cpu time ${cpuRatio.toFixed(3)})`);
  console.log(`  goal: the WASM build no slower than the JS one (ratio <= 1): ${ratio <= 1 ? 'PASS' : 'MISS'}`);
  const result = {
    ...describeMachine(),
    eleventy: JSON.parse(readFileSync(path.join(root, 'node_modules/@11ty/eleventy/package.json'), 'utf8')).version,
    pages,
    rounds,
    ms: { wasm: times.wasm, js: times.js },
    cpuMs: { wasm: cpu.wasm, js: cpu.js },
    medianMs: { wasm, js },
    medianCpuMs: { wasm: median(cpu.wasm), js: median(cpu.js) },
    ratio,
    medianRoundRatio: roundRatio,
    cpuRatio,
    goal: { text: 'the WASM build no slower than the JS one (ratio <= 1)', met: ratio <= 1 },
  };
  mkdirSync(path.dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  written to ${path.relative(process.cwd(), args.json) || args.json}`);
}

// npm run bench:sites: whole-site builds with a heavy plugin, Markdown
// rendering (examples/plugins/rust-markdown, pulldown-cmark), done three ways:
//   (a) the JS package people use for the job: markdown-it
//   (b) the same markdown.wasm through V8's own WebAssembly, in the ~30 lines
//       of glue a user would write (benchmark/lib/v8-wasm.mjs)
//   (c) the same markdown.wasm through alloy-wasm's adapter
// on two sites: the 2,000-page Eleventy site (benchmark/sites/eleventy-site.mjs
// has the variants) and the Astro example site (benchmark/sites/astro-site.mjs).
//
// Every build runs in a fresh process and is timed from outside, from spawn
// to exit (what `time npx @11ty/eleventy` or `time astro build` shows); the
// Eleventy builds also time themselves from `new Eleventy()` to the end of
// `write()`. An untimed warm-up build of each variant fills the compiled-module
// cache (as any earlier build of a site would) and is checked: (b) and every
// (c) must write byte-identical sites, and (a)'s pages are compared with
// (b)'s (benchmark/sites/markup.mjs). Then the variants build in turns,
// a, b, c, ..., a, b, c, ..., each round starting one later; medians.
//
// Usage: node benchmark/site-builds.mjs [options]
//   --quick           1 round, 200 Eleventy pages: for development
//   --rounds N        builds per variant (default 5)
//   --sites LIST      eleventy,astro (default both)
//   --memo            also build (c) with the disk memo, `memoize: { dir }`: per round a
//                     first build (empty memo) and a second of the unchanged site
//                     (also: ALLOY_BENCH_MEMO=1)
//   --profile         also build variant `none` (no Markdown rendering: the site
//                     generator's own cost) and report the time spent rendering
//   --cpu-prof DIR    one extra Eleventy build per variant under node --cpu-prof, into DIR
//   --json FILE       default benchmark/results/sites-latest.json
//   --md FILE         default benchmark/results/sites-latest.md
//   --from-json FILE  only write the report (--md) again from an earlier run's JSON
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { median } from './lib/stats.mjs';
import { describeMachine, loadAverage } from './lib/machine.mjs';
import { ELEVENTY_VARIANTS, writeEleventySite, buildEleventy } from './sites/eleventy-site.mjs';
import { ASTRO_POSTS, writeAstroSite, astroCommand } from './sites/astro-site.mjs';
import { compareMarkup } from './sites/markup.mjs';
import { siteReport } from './sites/report.mjs';
import { summarizeProfile } from './sites/cpu-profile.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WASM = path.join(root, 'build/fixtures/bench/markdown.wasm');
const self = fileURLToPath(import.meta.url);
const GNU_TIME = process.platform === 'linux' && existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    sites: { type: 'string', default: 'eleventy,astro' },
    memo: { type: 'boolean', default: process.env.ALLOY_BENCH_MEMO === '1' },
    profile: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    json: { type: 'string', default: path.join(root, 'benchmark/results/sites-latest.json') },
    md: { type: 'string', default: path.join(root, 'benchmark/results/sites-latest.md') },
    'from-json': { type: 'string' }, // write the report of an earlier run's JSON again
    // internal: one Eleventy build in this process
    child: { type: 'string' },
    src: { type: 'string' },
    out: { type: 'string' },
    work: { type: 'string' },
    'memo-dir': { type: 'string' },
  },
});

if (args['from-json']) {
  // Only the report again, from the results of an earlier run.
  const results = JSON.parse(readFileSync(args['from-json'], 'utf8'));
  writeFileSync(args.md, siteReport(results, results.command));
  console.log(`written to ${path.relative(process.cwd(), args.md)}`);
} else if (args.child) {
  const result = await buildEleventy({
    variant: args.child,
    src: args.src,
    out: args.out,
    pluginDir: path.join(args.work, 'plugins'),
    cacheDir: path.join(args.work, 'cache'),
    memoDir: args['memo-dir'],
    wasm: WASM,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`site-builds: ${err.message}\n`);
    process.exitCode = 1;
  }
}

async function main() {
  const rounds = Number(args.rounds ?? (args.quick ? 1 : 5));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number above 0, got ${args.rounds}`);
  const sites = args.sites.split(',');
  for (const site of sites) if (site !== 'eleventy' && site !== 'astro') throw new Error(`--sites: unknown site ${site} (eleventy, astro)`);
  if (!existsSync(WASM)) throw new Error(`${path.relative(root, WASM)} not found; build it with \`npm run build:fixtures\``);
  const pages = args.quick ? 200 : 2000;
  // Astro's sites inside the repository, so that they resolve markdown-it from its
  // node_modules; Eleventy's outside (Eleventy skips what .gitignore lists, build/ too).
  mkdirSync(path.join(root, 'build'), { recursive: true });
  const temp = mkdtempSync(path.join(root, 'build/site-bench-'));
  const eleventyTemp = mkdtempSync(path.join(os.tmpdir(), 'alloy-site-bench-'));
  const load = { start: loadAverage() };
  const results = { ...describeMachine(load), rounds, wasmBytes: readFileSync(WASM).length, sites: {} };
  try {
    if (sites.includes('eleventy')) results.sites.eleventy = await runSite(eleventySite(eleventyTemp, pages), rounds);
    if (sites.includes('astro')) results.sites.astro = await runSite(astroSite(temp), rounds);
    if (args['cpu-prof'] && sites.includes('eleventy')) {
      results.cpuProfiles = cpuProfiles(eleventySite(eleventyTemp, pages), path.resolve(args['cpu-prof']));
    }
  } finally {
    load.end = loadAverage();
    if (!process.env.ALLOY_BENCH_KEEP) {
      rmSync(temp, { recursive: true, force: true });
      rmSync(eleventyTemp, { recursive: true, force: true });
    }
  }
  results.command = commandLine();
  const markdown = siteReport(results, results.command);
  console.log(markdown);
  mkdirSync(path.dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(args.md, markdown);
  console.log(`written to ${path.relative(process.cwd(), args.json)} and ${path.relative(process.cwd(), args.md)}`);
}

function commandLine() {
  const given = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json' || argv[i] === '--md') i++; // where the results went: not part of the measurement
    else if (!argv[i].startsWith('--json=') && !argv[i].startsWith('--md=')) given.push(argv[i]);
  }
  return `node benchmark/site-builds.mjs${given.length ? ` ${given.join(' ')}` : ''}`;
}

/** The Eleventy site: its sources once, a folder per variant. */
function eleventySite(temp, pages) {
  const base = path.join(temp, 'eleventy');
  const src = path.join(base, 'src');
  if (!existsSync(src)) writeEleventySite(src, pages);
  const variants = ELEVENTY_VARIANTS.filter((v) => v !== 'none' || args.profile);
  return {
    name: 'eleventy',
    temp: base,
    pages,
    variants,
    prepare(variant) {
      const work = path.join(base, variant);
      mkdirSync(path.join(work, 'plugins'), { recursive: true });
      copyFileSync(WASM, path.join(work, 'plugins/markdown.wasm'));
      return work;
    },
    output: (work) => path.join(work, '_site'),
    build(variant, work, memoDir) {
      rmSync(path.join(work, '_site'), { recursive: true, force: true });
      const extra = memoDir ? ['--memo-dir', memoDir] : [];
      const started = performance.now();
      const run = spawnSync(process.execPath, [self, '--child', variant, '--src', src, '--out', path.join(work, '_site'), '--work', work, ...extra], {
        cwd: root, encoding: 'utf8', maxBuffer: 64 << 20,
      });
      const wallMs = performance.now() - started;
      if (run.status !== 0) throw buildError(`Eleventy ${variant}`, run);
      return { wallMs, ...JSON.parse(run.stdout.trim().split('\n').pop()) };
    },
    profile(variant, work, dir) {
      rmSync(path.join(work, '_site'), { recursive: true, force: true });
      execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `eleventy-${variant}.cpuprofile`, self,
        '--child', variant, '--src', src, '--out', path.join(work, '_site'), '--work', work], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}

/** The Astro site: a folder per variant (its own config and renderer). */
function astroSite(temp) {
  const { node, args: astroArgs } = astroCommand();
  if (!existsSync(node) || !existsSync(astroArgs[0])) throw new Error('Astro is not installed: run `bash scripts/astro.sh setup` first');
  const variants = ['a', 'b', 'c', 'c-hook', ...(args.profile ? ['none'] : [])];
  const base = path.join(temp, 'astro');
  return {
    name: 'astro',
    temp: base,
    pages: ASTRO_POSTS,
    variants,
    prepare(variant, memoDir) {
      const dir = path.join(base, memoDir ? `${variant}-memo` : variant);
      writeAstroSite(dir, variant, { wasm: WASM, cacheDir: path.join(dir, 'wasm-cache'), memoDir });
      return dir;
    },
    output: (dir) => path.join(dir, 'dist'),
    build(variant, dir) {
      // GNU time, where there is one, for the CPU time of Astro and every process it waits for.
      const cpuFile = path.join(dir, 'cpu-time.txt');
      const [command, commandArgs] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, node, ...astroArgs]] : [node, astroArgs];
      const started = performance.now();
      const run = spawnSync(command, commandArgs, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' } });
      const wallMs = performance.now() - started;
      const cpuMs = GNU_TIME && run.status === 0 ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).reduce((sum, x) => sum + Number(x) * 1000, 0) : null;
      if (run.status !== 0) throw buildError(`Astro ${variant}`, run);
      // The integration's log line of its hook pass (colours stripped).
      const log = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
      const pass = /(\d+) of (\d+) pages changed and rewritten in (\d+) ms/.exec(log);
      return { wallMs, cpuMs, files: countHtml(path.join(dir, 'dist')), hookPassMs: pass ? Number(pass[3]) : null };
    },
  };
}

function buildError(what, run) {
  const all = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.trim().split('\n');
  // alloy-wasm's own message when there is one, else the end of the output.
  const ours = [...new Set(all.filter((line) => line.includes('[alloy-wasm]')).map((line) => line.trim()))];
  const output = (ours.length > 0 ? ours.slice(0, 3) : all.slice(-25)).join('\n');
  const memo = /memoize/.test(output) ? '\n(the disk memo, `memoize: { dir }`, is not in this alloy-wasm yet: run without --memo)' : '';
  return new Error(`${what} build failed (exit ${run.status ?? run.signal}):\n${output}${memo}`);
}

/** Warm-up and checks, then the interleaved rounds (and the memo pairs). */
async function runSite(site, rounds) {
  const say = (text) => process.stderr.write(`[${site.name}] ${text} (load ${loadAverage().join(' ')})\n`);
  const work = {};
  for (const variant of site.variants) {
    work[variant] = site.prepare(variant);
    const { wallMs } = site.build(variant, work[variant]);
    say(`warm-up ${variant}: ${seconds(wallMs)}`);
  }
  const checks = checkOutputs(site, work);
  say(`check: ${checks.identical.join(', ')} wrote byte-identical sites (${checks.files} files); markdown-it vs pulldown-cmark: ${checks.markup.equalAfterRewrites} of ${checks.markup.pages} pages equal after the known rewrites`);
  // First, so that a host without the memo fails the run at once.
  const memo = args.memo ? memoRuns(site, rounds, say) : null;
  const runs = Object.fromEntries(site.variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = site.variants.map((_, k) => site.variants[(k + round) % site.variants.length]);
    for (const variant of order) {
      const result = { ...site.build(variant, work[variant]), load: loadAverage()[0] };
      runs[variant].push(result);
      say(`round ${round + 1}/${rounds} ${variant}: ${seconds(result.wallMs)}${result.ms ? ` (build ${seconds(result.ms)})` : ''}`);
    }
  }
  return { pages: site.pages, checks, runs, memo, summary: summarize(runs) };
}

/** (c) with the disk memo: per round, a first build into an empty memo folder, then a second of the unchanged site. */
function memoRuns(site, rounds, say) {
  const variant = site.name === 'astro' ? 'c-hook' : 'c';
  const memoDir = path.join(site.temp, 'memo');
  const dir = site.prepare(variant, memoDir);
  const first = [];
  const second = [];
  for (let round = 0; round < rounds; round++) {
    rmSync(memoDir, { recursive: true, force: true });
    first.push({ ...site.build(variant, dir, memoDir), load: loadAverage()[0] });
    second.push({ ...site.build(variant, dir, memoDir), load: loadAverage()[0] });
    say(`memo round ${round + 1}/${rounds} ${variant}: first ${seconds(first.at(-1).wallMs)}, second ${seconds(second.at(-1).wallMs)}`);
  }
  return { variant, first, second, firstMs: median(first.map((r) => r.wallMs)), secondMs: median(second.map((r) => r.wallMs)) };
}

function summarize(runs) {
  const out = {};
  for (const [variant, list] of Object.entries(runs)) {
    const pick = (key) => (list.every((r) => typeof r[key] === 'number') ? median(list.map((r) => r[key])) : null);
    out[variant] = { wallMs: pick('wallMs'), buildMs: pick('ms'), cpuMs: pick('cpuMs'), renderMs: pick('renderMs'), hookPassMs: pick('hookPassMs') };
  }
  return out;
}

/** (b) and the (c)s must write the same bytes; (a) is compared page by page with (b). */
function checkOutputs(site, work) {
  const wasmVariants = site.variants.filter((v) => v === 'b' || v.startsWith('c'));
  const digests = Object.fromEntries(wasmVariants.map((v) => [v, digest(site.output(work[v]))]));
  const reference = digests.b;
  for (const variant of wasmVariants) {
    const other = digests[variant];
    const differ = [...new Set([...reference.keys(), ...other.keys()])].filter((file) => reference.get(file) !== other.get(file));
    if (differ.length > 0) throw new Error(`${site.name}: the ${variant} build differs from the b build in ${differ.length} files, e.g. ${differ[0]}`);
  }
  if (reference.size < site.pages) throw new Error(`${site.name}: expected at least ${site.pages} pages, got ${reference.size} files`);
  const markup = compareMarkup(htmlPages(site.output(work.a)), htmlPages(site.output(work.b)));
  return { identical: wasmVariants, files: reference.size, markup };
}

function digest(dir) {
  const hashes = new Map();
  for (const file of filesUnder(dir)) hashes.set(path.relative(dir, file), createHash('sha256').update(readFileSync(file)).digest('hex'));
  return hashes;
}

function htmlPages(dir) {
  return new Map(filesUnder(dir).filter((f) => f.endsWith('.html')).map((f) => [path.relative(dir, f), readFileSync(f, 'utf8')]));
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

function countHtml(dir) {
  return filesUnder(dir).filter((f) => f.endsWith('.html')).length;
}

/** One build of each Eleventy variant under --cpu-prof (for a look at where the time goes). */
function cpuProfiles(site, dir) {
  mkdirSync(dir, { recursive: true });
  const summaries = {};
  for (const variant of site.variants) {
    const work = site.prepare(variant);
    site.profile(variant, work, dir);
    const file = path.join(dir, `eleventy-${variant}.cpuprofile`);
    summaries[variant] = { file, load: loadAverage()[0], ...summarizeProfile(file) };
    process.stderr.write(`[eleventy] cpu profile of ${variant}: ${file}\n`);
  }
  return summaries;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

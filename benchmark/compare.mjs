// npm run bench: alloy-wasm against every peer on the same three filters, and
// goals 1-8 of issue 10 measured in one run.
//
// 1. Builds the benchmark's own plugins (benchmark/build-plugins.sh) and checks
//    that every implementation gives plain JavaScript's output.
// 2. Times each (filter, input, implementation) per call: plain JS in V8,
//    QuickJS, Extism's JS SDK, the same .wasm through V8's WebAssembly API, and
//    alloy-wasm's filterSync, filter (one awaited, 256 in flight); then batches
//    of 50 KB pages (sync loops vs filterMany). The cases are interleaved in
//    every round; the tables show the median of the rounds (lib/stats.mjs),
//    and a goal's ratio is the median of the per-round ratios (lib/goals.mjs).
// 3. Goal 6: a cold (compile) and a warm-cache load of a ~370 KB plugin, each in
//    a fresh Node process (lib/load.mjs).
// 4. Goal 7: a 1 ms timer's worst lateness while filter() runs cheap calls and
//    calls that loop until timeoutMs (lib/stall.mjs).
// 5. Goal 8: fs.promises.readFile latency while long plugin calls run (lib/threadpool.mjs).
// 6. Prints the tables and the goals (PASS/MISS), and writes them as JSON and
//    Markdown (benchmark/results/latest.json, latest.md).
//
// Usage: node benchmark/compare.mjs [--quick] [--rounds N] [--json FILE] [--md FILE]
//   --quick   a smoke run in seconds (1 round, few calls); numbers are rough
//             and nothing is written unless --json / --md is given
//   --json    where to write the results (default benchmark/results/latest.json)
//   --md      where to write the Markdown summary (default benchmark/results/latest.md)
// The filter plugins are built by `npm run build:fixtures`.
// Exit code 1 when a looping call of goal 7 or 8 did not reject with TIMEOUT.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { buildOwnPlugins } from './lib/own-plugins.mjs';
import { loadImplementations } from './lib/implementations.mjs';
import { benchInputs, makePages } from './lib/inputs.mjs';
import { verifyOutputs } from './lib/verify.mjs';
import { perCallCases, batchCases, referencesOf, consumedLength } from './lib/cases.mjs';
import { timeCases, median } from './lib/stats.mjs';
import { timeLoads } from './lib/load.mjs';
import { measureStall } from './lib/stall.mjs';
import { measureThreadPool } from './lib/threadpool.mjs';
import { evaluateGoals } from './lib/goals.mjs';
import { describeMachine, loadAverage } from './lib/machine.mjs';
import { rowsTable, markdownReport } from './lib/report.mjs';
import { root, LOAD_PLUGIN, LOOP_PLUGIN } from './lib/paths.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    json: { type: 'string' },
    md: { type: 'string' },
  },
});

// Full run: about 3 minutes on 2 cores. Quick: seconds.
const settings = args.quick
  ? {
    quick: true, rounds: 1, targetMs: 2, pages: 64, inFlight: 256, loadRounds: 1, checkPages: 16,
    stall: { cheapCalls: 500, loopingCalls: 2, timeoutMs: 100 },
    pool: { timeoutMs: 100, inFlight: 8, hosts: 4, baselineReads: 50, maxReads: 10000 },
  }
  : {
    quick: false, rounds: 7, targetMs: 60, pages: 2000, inFlight: 256, loadRounds: 7, checkPages: 48,
    stall: { cheapCalls: 5000, loopingCalls: 6, timeoutMs: 100 },
    pool: { timeoutMs: 300, inFlight: 8, hosts: 4, baselineReads: 500, maxReads: 50000 },
  };
if (args.rounds !== undefined) {
  settings.rounds = Number(args.rounds);
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1) {
    console.error(`[alloy-wasm] --rounds needs a positive integer, got ${JSON.stringify(args.rounds)}`);
    process.exit(2);
  }
}
const jsonPath = args.json ?? (args.quick ? null : path.join(root, 'benchmark/results/latest.json'));
const mdPath = args.md ?? (args.quick ? null : path.join(root, 'benchmark/results/latest.md'));
const progress = (message) => process.stderr.write(`bench: ${message}\n`);

const loadAtStart = loadAverage();
progress('building the benchmark plugins (benchmark/build-plugins.sh)...');
buildOwnPlugins();
const impls = await loadImplementations();
const cacheDir = mkdtempSync(path.join(tmpdir(), 'alloy-bench-goals-'));
try {
  const inputs = benchInputs();
  const batchLabel = `${settings.pages.toLocaleString('en-US')} x 50 KB`;

  progress('checking that every implementation gives the same output...');
  const compared = await verifyOutputs(impls, inputs, makePages(settings.checkPages));
  progress(`${compared} outputs identical`);

  const cases = [
    ...perCallCases(impls, inputs, settings),
    ...batchCases(impls, makePages(settings.pages), batchLabel),
  ];
  progress(`timing ${cases.length} cases, ${settings.rounds} round(s)...`);
  const { medians, samples, counts } = await timeCases(cases, {
    rounds: settings.rounds,
    targetMs: settings.targetMs,
    onProgress: (done, total) => progress(`round ${done}/${total}`),
  });
  if (consumedLength() === 0) throw new Error('no output was produced');

  progress(`goal 6: ${settings.loadRounds} cold and warm-cache load(s), each in a fresh process...`);
  const load = await timeLoads(LOAD_PLUGIN, settings.loadRounds);

  progress('goal 7: timer lateness while cheap and looping filter() calls run...');
  const stall = await measureStall(LOOP_PLUGIN, { ...settings.stall, cacheDir });

  progress('goal 8: file read latency while long plugin calls run...');
  const pool = await measureThreadPool(LOOP_PLUGIN, { ...settings.pool, cacheDir });

  const ns = (filter, input, implementation) => medians.get(`${filter}|${input}|${implementation}`);
  const rows = cases.map((c) => {
    const refs = referencesOf(c.implementation);
    const own = medians.get(c.key);
    return {
      filter: c.filter,
      input: c.input,
      implementation: c.implementation,
      nsPerCall: own,
      vsPlainJs: own / ns(c.filter, c.input, refs.js),
      vsV8Wasm: own / ns(c.filter, c.input, refs.v8),
      callsPerRound: counts.get(c.key) * c.perIteration,
      roundsNsPerCall: samples.get(c.key),
    };
  });
  // a's time / b's, per round (where the two ran next to each other), median over rounds.
  const ratio = (filter, input, a, b) => {
    const as = samples.get(`${filter}|${input}|${a}`);
    const bs = samples.get(`${filter}|${input}|${b}`);
    return median(as.map((x, r) => x / bs[r]));
  };
  const goals = evaluateGoals(ns, ratio, { load, stall, pool }, { batchLabel, inFlight: settings.inFlight });
  const about = describeMachine({ start: loadAtStart, end: loadAverage() });
  const markdown = markdownReport({
    about, settings, lookup: ns, inputLabels: Object.keys(inputs), batchLabel, goals, load, stall, pool,
  });

  console.log(`\nEvery row: ratios are time / the reference's time (< 1 is faster).\n\n${rowsTable(rows)}\n`);
  console.log(markdown);

  if (jsonPath !== null) {
    mkdirSync(path.dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify({ ...about, settings, rows, load, stall, pool, goals }, null, 2)}\n`);
    progress(`wrote ${path.relative(process.cwd(), jsonPath)}`);
  }
  if (mdPath !== null) {
    mkdirSync(path.dirname(mdPath), { recursive: true });
    writeFileSync(mdPath, markdown);
    progress(`wrote ${path.relative(process.cwd(), mdPath)}`);
  }
  const timeoutsMissing = stall.timeouts !== stall.loopingCalls || pool.timeouts !== pool.pluginCalls;
  if (timeoutsMissing || stall.failures.length > 0) {
    console.error(`[alloy-wasm] bench: looping calls must reject with TIMEOUT: goal 7 ${stall.timeouts}/${stall.loopingCalls}, goal 8 ${pool.timeouts}/${pool.pluginCalls}${stall.failures.length ? `; ${stall.failures.join('; ')}` : ''}`);
    process.exitCode = 1;
  }
} finally {
  await impls.close();
  rmSync(cacheDir, { recursive: true, force: true });
}

// npm run bench: alloy-wasm against every peer on the same three filters.
//
// 1. Checks that every implementation gives plain JavaScript's output.
// 2. Times each (filter, input, implementation) per call: plain JS in V8,
//    QuickJS, Extism's JS SDK, the same .wasm through V8's WebAssembly API, and
//    alloy-wasm's filterSync, filter (one awaited, 256 in flight); then batches
//    of 50 KB pages (sync loops vs filterMany). The cases are interleaved in
//    every round; the table shows the median of the rounds.
// 3. Times a cold (compile) and a warm-cache load of a 175 KB plugin
//    (benchmark/plugins/text-stats.rs).
// 4. Prints Markdown tables and the goals (PASS/MISS), and writes them as JSON.
//
// Usage: node benchmark/compare.mjs [--quick] [--rounds N] [--json FILE]
//   --quick   a smoke run in seconds (1 round, few calls); numbers are rough
//             and no JSON is written unless --json is given
//   --json    where to write the results (default benchmark/results/latest.json)
// The plugins are built by `npm run build:fixtures`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadImplementations } from './lib/implementations.mjs';
import { benchInputs, makePages } from './lib/inputs.mjs';
import { verifyOutputs } from './lib/verify.mjs';
import { perCallCases, batchCases, referencesOf, consumedLength } from './lib/cases.mjs';
import { timeCases } from './lib/stats.mjs';
import { timeLoads } from './lib/load.mjs';
import { evaluateGoals } from './lib/goals.mjs';
import { describeMachine } from './lib/machine.mjs';
import { rowsTable, loadTable, goalsList, machineLine } from './lib/report.mjs';
import { root, LOAD_PLUGIN } from './lib/paths.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    json: { type: 'string' },
  },
});

// Full run: ~1.5-2 minutes on 2 cores. Quick: a few seconds.
const settings = args.quick
  ? { rounds: 1, targetMs: 2, pages: 64, inFlight: 256, loadRounds: 1, checkPages: 16 }
  : { rounds: 7, targetMs: 60, pages: 2000, inFlight: 256, loadRounds: 7, checkPages: 48 };
if (args.rounds !== undefined) {
  settings.rounds = Number(args.rounds);
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1) {
    console.error(`[alloy-wasm] --rounds needs a positive integer, got ${JSON.stringify(args.rounds)}`);
    process.exit(2);
  }
}
const jsonPath = args.json ?? (args.quick ? null : path.join(root, 'benchmark/results/latest.json'));
const progress = (message) => process.stderr.write(`bench: ${message}\n`);

const impls = await loadImplementations();
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

  progress(`timing ${settings.loadRounds} cold and warm-cache load(s)...`);
  const load = await timeLoads(LOAD_PLUGIN, settings.loadRounds);

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
  const goals = evaluateGoals(ns, load, { batchLabel });
  const about = describeMachine();

  console.log(`\n${machineLine(about)}`);
  console.log(`${settings.rounds} round(s), cases interleaved, median ns per call; ratios are time / the reference's time (< 1 is faster).\n`);
  console.log(rowsTable(rows));
  console.log(`\n${loadTable(load)}\n`);
  console.log(`Goals:\n${goalsList(goals)}`);

  if (jsonPath !== null) {
    mkdirSync(path.dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify({ ...about, settings, rows, load, goals }, null, 2)}\n`);
    progress(`wrote ${path.relative(process.cwd(), jsonPath)}`);
  }
} finally {
  await impls.close();
}

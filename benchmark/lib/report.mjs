// The benchmark's report: Markdown tables and the goals list, printed and
// written to benchmark/results/latest.md (which the README takes as is).
import { IMPL, PER_CALL_IMPLS, BATCH_IMPLS } from './cases.mjs';
import { FILTERS } from './implementations.mjs';

/** 1234567.8 -> "1,234,568". */
function ns(value) {
  return value === undefined || value === null ? '-' : Math.round(value).toLocaleString('en-US');
}

function ratio(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

const ms = (value, digits = 2) => (value === null || value === undefined ? '-' : value.toFixed(digits));

/** Every row of the run: rows: [{ filter, input, implementation, nsPerCall, vsPlainJs, vsV8Wasm }]. */
export function rowsTable(rows) {
  const lines = [
    '| filter | input | implementation | ns per call | vs plain JS | vs V8 WebAssembly |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.filter} | ${r.input} | ${r.implementation} | ${ns(r.nsPerCall)} | ${ratio(r.vsPlainJs)} | ${ratio(r.vsV8Wasm)} |`);
  }
  return lines.join('\n');
}

/** Implementation x (filter, input): median ns per call. `lookup(filter, input, impl)`. */
export function perCallMatrix(lookup, inputLabels) {
  const columns = inputLabels.flatMap((input) => FILTERS.map((filter) => ({ filter, input })));
  const lines = [
    `| implementation | ${columns.map((c) => `${c.filter}, ${c.input}`).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
  ];
  for (const impl of PER_CALL_IMPLS) {
    lines.push(`| ${impl} | ${columns.map((c) => ns(lookup(c.filter, c.input, impl))).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Implementation x filter over the batch of pages: median ns per page. */
export function batchMatrix(lookup, batchLabel) {
  const lines = [
    `| ${batchLabel}, ns per page | ${FILTERS.join(' | ')} |`,
    `|---|${FILTERS.map(() => '---:').join('|')}|`,
  ];
  for (const impl of BATCH_IMPLS) {
    lines.push(`| ${impl} | ${FILTERS.map((f) => ns(lookup(f, batchLabel, impl))).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One line per goal: id, PASS/MISS, the goal, the measured value and its detail. */
export function goalsList(goals) {
  return goals.map((g) => {
    const perFilter = g.perFilter
      ? ` (median of ${Object.entries(g.perFilter).map(([f, v]) => `${f} ${ratio(v)}`).join(', ')})`
      : '';
    const detail = g.detail ? ` (${g.detail})` : '';
    return `- ${g.id}. ${g.pass ? 'PASS' : 'MISS'} ${g.goal}: ${g.measured}${perFilter}${detail}`;
  }).join('\n');
}

/** Goals 1-5, each filter's value and the median (the goal's value). */
export function perFilterGoalsTable(goals) {
  const lines = [
    `| goal | ${FILTERS.join(' | ')} | median | |`,
    `|---|${FILTERS.map(() => '---:').join('|')}|---:|---|`,
  ];
  for (const g of goals.filter((goal) => goal.perFilter)) {
    lines.push(`| ${g.id}. ${g.goal} | ${FILTERS.map((f) => ratio(g.perFilter[f])).join(' | ')} | ${ratio(g.value)}${g.unit} | ${g.pass ? 'PASS' : 'MISS'} |`);
  }
  return lines.join('\n');
}

export function loadTable(load) {
  return [
    `| load of ${load.plugin} (${load.bytes.toLocaleString('en-US')} bytes), fresh process each, median of ${load.rounds} | create + add, ms | require + create + add, ms | whole process (Node startup included), ms | compileMs reported | cache |`,
    '|---|---:|---:|---:|---:|---|',
    `| cold: empty cache folder | ${ms(load.coldMs)} | ${ms(load.withRequire.coldMs)} | ${ms(load.cold.processMs, 1)} | ${ms(load.cold.compileMs)} | ${load.cold.cache ?? '-'} |`,
    `| warm: the folder the cold load filled | ${ms(load.warmMs)} | ${ms(load.withRequire.warmMs)} | ${ms(load.warm.processMs, 1)} | ${ms(load.warm.compileMs)} | ${load.warm.cache ?? '-'} |`,
    `| cold / warm | ${ratio(load.speedup)}x | ${ratio(load.withRequire.speedup)}x | ${ratio(load.cold.processMs / load.warm.processMs)}x | | |`,
  ].join('\n');
}

export function stallTable(stall) {
  const lines = [
    `| phase (timeoutMs ${stall.timeoutMs}) | cheap calls | looping calls | ms | 1 ms timer firings | worst lateness, ms |`,
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const p of stall.phases) {
    lines.push(`| ${p.phase} | ${p.cheapCalls.toLocaleString('en-US')} | ${p.loopingCalls} | ${ms(p.ms, 0)} | ${p.ticks} | ${ms(p.worstLateMs)} |`);
  }
  lines.push('', `Looping calls that rejected with TIMEOUT: ${stall.timeouts}/${stall.loopingCalls}.` +
    (stall.failures.length ? ` Failures: ${stall.failures.join('; ')}.` : ''));
  return lines.join('\n');
}

export function poolTable(pool) {
  const lines = [
    `| fs.promises.readFile of 4 KB (libuv pool: ${pool.threadpoolSize} threads; plugin calls loop until timeoutMs ${pool.timeoutMs}) | reads | median, ms | max, ms | plugin calls (TIMEOUT) |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const s of pool.scenarios) {
    const calls = s.pluginCalls === undefined ? '-' : `${s.pluginCalls} (${s.timeouts})`;
    lines.push(`| ${s.scenario} | ${s.reads} | ${ms(s.medianMs, 3)} | ${ms(s.maxMs, 3)} | ${calls} |`);
  }
  return lines.join('\n');
}

export function machineLine({ machine, versions, date }) {
  const load = machine.loadAverage
    ? `; load average ${machine.loadAverage.start.join(' ')} at the start, ${machine.loadAverage.end.join(' ')} at the end`
    : '';
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}${load}; ` +
    `Node ${versions.node} (V8 ${versions.v8}), alloy-wasm ${versions['alloy-wasm']} (wasmtime ${versions.wasmtime}), ` +
    `quickjs-emscripten ${versions['quickjs-emscripten']}, @extism/extism ${versions['@extism/extism']} ` +
    `(plugin: @extism/as-pdk ${versions['@extism/as-pdk']}, AssemblyScript ${versions.assemblyscript}); ${date.slice(0, 10)}`;
}

/** The whole Markdown summary of a run (benchmark/results/latest.md). */
export function markdownReport({ about, settings, lookup, inputLabels, batchLabel, goals, load, stall, pool }) {
  const passed = goals.filter((g) => g.pass).length;
  return `# Benchmark: latest run

${machineLine(about)}${about.commit ? `; commit ${about.commit}` : ''}.

\`npm run bench\`${settings.quick ? ' --quick (a smoke run: rough numbers)' : ''}: ${settings.rounds} round(s), every case interleaved in each round; median ns per call. Outputs were checked identical across implementations before timing.

## Goals (issue 10): ${passed}/${goals.length} PASS

${goalsList(goals)}

How each goal is measured:
- 1-5: every (filter, input, implementation) is a case; each round runs every case once, in turn, for about ${settings.targetMs} ms. A ratio is the median over the rounds of the two cases' times in the same round (they run next to each other); a time is the median over the rounds. The goal's value is the median over the three filters (word count, slugify, lazy images); each filter's value is in the table below. V8-direct is the same .wasm called through \`WebAssembly.instantiate\`, \`alloc\`, \`TextEncoder.encodeInto\` and \`TextDecoder\`. Goal 4's reference is a serial V8-direct loop over the same ${batchLabel} pages; "one awaited" is \`await filter()\` in a loop; "${settings.inFlight} in flight" is batches of ${settings.inFlight} \`filter()\` calls under \`Promise.all\`.
- 6: \`PluginHost.create\` + \`add\` of ${load.plugin} (${load.bytes.toLocaleString('en-US')} bytes; benchmark/plugins/markdown-page), each load in a fresh \`node\` process, timed inside it from just before the load to just after (after \`require\` of alloy-wasm; the time with \`require\` is shown too). Cold: an empty cache folder; warm: a new process with the folder the cold load filled. Median of ${load.rounds} pairs.
- 7: a \`setTimeout\` 1 ms chain runs while \`filter()\` calls a plugin that echoes its input, or loops until \`timeoutMs\` (${stall.timeoutMs} ms) when the input starts with "loop" (benchmark/plugins/sometimes-loops.wat), in the phases below. The measure is the timer's worst lateness (longest gap between firings, less 1 ms); every looping call must reject with TIMEOUT.
- 8: \`fs.promises.readFile\` of a 4 KB file, back to back, while long calls (the looping plugin, \`timeoutMs\` ${pool.timeoutMs} ms) run: ${pool.scenarios.length - 2} scenarios below. The limit is 2x the worst read with no plugin calls, idle or with as many busy worker_threads as plugin calls run at once (the CPU alone), + 5 ms; a read queued behind plugin work on libuv's pool waits about \`timeoutMs\`.

## Per call, ns (median)

${perCallMatrix(lookup, inputLabels)}

## Batch, ns per page (median)

${batchMatrix(lookup, batchLabel)}

## Goals 1-5 per filter (the goal is the median)

${perFilterGoalsTable(goals)}

## Load (goal 6)

${loadTable(load)}

## Event-loop stall (goal 7)

${stallTable(stall)}

## libuv thread pool (goal 8)

${poolTable(pool)}
`;
}

// Goals 1-8 of issue 10, checked against one run's measurements. Goals, not
// tests: a MISS is reported, never hidden and never fatal (the bench sets a
// non-zero exit code only when a looping call did not reject with TIMEOUT).
// Goals 1-5 are ratios (or times) per filter, taken within the one
// interleaved run: a ratio is the median over the rounds of the two cases'
// times in the same round (the cases compared run next to each other in every
// round). The goal's value is the median over the three filters.
import { IMPL } from './cases.mjs';
import { FILTERS } from './implementations.mjs';
import { median } from './stats.mjs';

/**
 * `ns(filter, input, implementation)` gives a median ns per call and
 * `ratio(filter, input, a, b)` the median over rounds of a's time / b's; load,
 * stall and pool are timeLoads(), measureStall() and measureThreadPool()
 * results. Returns [{ id, goal, value, unit, measured, pass, perFilter? }].
 */
export function evaluateGoals(ns, ratio, { load, stall, pool }, { batchLabel, inFlight }) {
  const goals = [];
  const add = (id, goal, value, pass, unit, extra = {}) =>
    goals.push({ id, goal, value, unit, measured: `${format(value)}${unit}`, pass, ...extra });
  // The median over the filters of `perFilter(filter)`, with every filter's value kept.
  const overFilters = (id, goal, unit, perFilter, passes) => {
    const values = Object.fromEntries(FILTERS.map((f) => [f, perFilter(f)]));
    const value = median(Object.values(values));
    add(id, goal, value, passes(value), unit, { perFilter: values });
  };

  overFilters('1', 'filterSync 40 B: at most 1.0x the time of V8-direct WebAssembly', 'x', (f) =>
    ratio(f, '40 B', IMPL.alloySync, IMPL.v8), (v) => v <= 1);
  overFilters('2a', 'filterSync 40 B: at least 10x faster than QuickJS', 'x faster', (f) =>
    ratio(f, '40 B', IMPL.quickjs, IMPL.alloySync), (v) => v >= 10);
  overFilters('2b', "filterSync 40 B: at least 10x faster than Extism's JS SDK", 'x faster', (f) =>
    ratio(f, '40 B', IMPL.extism, IMPL.alloySync), (v) => v >= 10);
  overFilters('3', 'filterSync 50 KB: at most 1.0x the time of V8-direct WebAssembly', 'x', (f) =>
    ratio(f, '50 KB', IMPL.alloySync, IMPL.v8), (v) => v <= 1);
  overFilters('4', `filterMany ${batchLabel}: at least 1.8x the throughput of a V8-direct serial loop`, 'x', (f) =>
    ratio(f, batchLabel, IMPL.v8Loop, IMPL.alloyMany), (v) => v >= 1.8);
  overFilters('5a', 'filter() 40 B, one awaited call: at most 10 us', ' us', (f) =>
    ns(f, '40 B', IMPL.alloyAsync) / 1000, (v) => v <= 10);
  overFilters('5b', `filter() 40 B, ${inFlight} in flight: at most 3 us per call`, ' us', (f) =>
    ns(f, '40 B', IMPL.alloyInFlight) / 1000, (v) => v <= 3);

  add('6', `PluginHost.create + add of ${load.plugin} (${kb(load.bytes)}) in a fresh process: warm cache at least 100x faster than a cold compile`,
    load.speedup, load.speedup >= 100, 'x faster',
    { detail: `cold ${load.coldMs.toFixed(1)} ms, warm ${load.warmMs.toFixed(2)} ms; with require: ${load.withRequire.coldMs.toFixed(1)} ms / ${load.withRequire.warmMs.toFixed(2)} ms = ${format(load.withRequire.speedup)}x` });

  const allTimedOut = stall.timeouts === stall.loopingCalls && stall.loopingCalls > 0;
  add('7', `a 1 ms timer is never late by more than 20 ms while filter() runs cheap calls and calls that loop until timeoutMs (${stall.timeoutMs} ms), and those reject with TIMEOUT`,
    stall.worstLateMs, stall.worstLateMs <= 20 && allTimedOut && stall.failures.length === 0, ' ms worst lateness',
    { detail: `${stall.timeouts}/${stall.loopingCalls} looping calls rejected with TIMEOUT${stall.failures.length ? `; ${stall.failures.join('; ')}` : ''}` });

  add('8', `fs.promises.readFile stays prompt while long plugin calls run: worst read <= 2x the worst read with no plugin calls (idle or busy CPU) + 5 ms = ${pool.limitMs.toFixed(1)} ms`,
    pool.worstDuringMs, pool.worstDuringMs <= pool.limitMs, ' ms worst read',
    { detail: `worst read idle ${pool.baseline.maxMs.toFixed(2)} ms, with a busy CPU ${pool.control.maxMs.toFixed(2)} ms; libuv pool of ${pool.threadpoolSize}` });
  return goals;
}

function format(value) {
  if (!Number.isFinite(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

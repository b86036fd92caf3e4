// The goals for this benchmark, checked against one run's medians.
// Goals, not tests: a MISS is reported, never hidden and never fatal.
import { IMPL } from './cases.mjs';
import { FILTERS } from './implementations.mjs';

/**
 * `ns(filter, input, implementation)` gives a median ns per call; `load` is
 * timeLoads()'s result. Returns [{ goal, measured, pass }].
 */
export function evaluateGoals(ns, load, { batchLabel }) {
  const goals = [];
  const add = (goal, value, pass, unit) => goals.push({ goal, measured: `${value.toFixed(2)}${unit}`, value, pass });
  for (const filter of FILTERS) {
    const sync40 = ns(filter, '40 B', IMPL.alloySync);
    const v8 = sync40 / ns(filter, '40 B', IMPL.v8);
    add(`${filter}: filterSync 40 B no slower than V8-direct WebAssembly (ratio <= 1.0)`, v8, v8 <= 1, 'x');
    const quickjs = ns(filter, '40 B', IMPL.quickjs) / sync40;
    add(`${filter}: filterSync 40 B at least 10x faster than QuickJS`, quickjs, quickjs >= 10, 'x faster');
    const extism = ns(filter, '40 B', IMPL.extism) / sync40;
    add(`${filter}: filterSync 40 B at least 10x faster than Extism's JS SDK`, extism, extism >= 10, 'x faster');
    const v850 = ns(filter, '50 KB', IMPL.alloySync) / ns(filter, '50 KB', IMPL.v8);
    add(`${filter}: filterSync 50 KB no slower than V8-direct WebAssembly (ratio <= 1.0)`, v850, v850 <= 1, 'x');
    const many = ns(filter, batchLabel, IMPL.v8Loop) / ns(filter, batchLabel, IMPL.alloyMany);
    add(`${filter}: filterMany ${batchLabel} at least 1.8x the throughput of the V8-direct sync loop`, many, many >= 1.8, 'x');
    const one = ns(filter, '40 B', IMPL.alloyAsync) / 1000;
    add(`${filter}: filter 40 B, one awaited call at most 10 us`, one, one <= 10, ' us');
    const inFlight = ns(filter, '40 B', IMPL.alloyInFlight) / 1000;
    add(`${filter}: filter 40 B, 256 in flight at most 3 us per call`, inFlight, inFlight <= 3, ' us');
  }
  add(`warm-cache load of ${load.plugin} at least 100x faster than a cold compile`, load.speedup, load.speedup >= 100, 'x faster');
  return goals;
}

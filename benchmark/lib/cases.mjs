// The timed cases: one per (filter, input, implementation). Each case's
// sample(n) runs n iterations and returns the nanoseconds they took; an
// iteration is `perIteration` calls. Outputs are consumed (their lengths
// summed) so no engine can skip the work.
import { now } from './stats.mjs';
import { filterInFlight } from './alloy.mjs';
import { FILTERS } from './implementations.mjs';

/** Implementation labels, in table order. */
export const IMPL = {
  js: 'plain JS (V8)',
  quickjs: 'QuickJS (quickjs-emscripten)',
  extism: 'Extism JS SDK',
  v8: 'V8 WebAssembly (direct)',
  alloySync: 'alloy filterSync',
  alloyAsync: 'alloy filter, 1 awaited',
  alloyInFlight: 'alloy filter, 256 in flight',
  jsLoop: 'plain JS (V8), loop',
  v8Loop: 'V8 WebAssembly (direct), loop',
  alloyMany: 'alloy filterMany',
};

/** The per-call implementations and the batch ones, in table order. */
export const PER_CALL_IMPLS = [IMPL.js, IMPL.quickjs, IMPL.extism, IMPL.v8, IMPL.alloySync, IMPL.alloyAsync, IMPL.alloyInFlight];
export const BATCH_IMPLS = [IMPL.jsLoop, IMPL.v8Loop, IMPL.alloyMany];

let consumed = 0;
/** Total output length seen by every sample (kept so outputs are used). */
export function consumedLength() {
  return consumed;
}

function syncSample(call, input) {
  return (n) => {
    let length = 0;
    const start = now();
    for (let i = 0; i < n; i++) length += call(input).length;
    const ns = now() - start;
    consumed += length;
    return ns;
  };
}

function asyncSample(call, input) {
  return async (n) => {
    let length = 0;
    const start = now();
    for (let i = 0; i < n; i++) length += (await call(input)).length;
    const ns = now() - start;
    consumed += length;
    return ns;
  };
}

/** Per-call cases: every filter on every input, through every implementation. */
export function perCallCases(impls, inputs, { inFlight }) {
  const cases = [];
  const { alloy } = impls;
  for (const filter of FILTERS) {
    for (const [label, input] of Object.entries(inputs)) {
      const add = (impl, sample, perIteration = 1) =>
        cases.push({ key: `${filter}|${label}|${impl}`, filter, input: label, implementation: impl, sample, perIteration });
      add(IMPL.js, syncSample(impls.js[filter], input));
      add(IMPL.quickjs, syncSample(impls.quickjs[filter], input));
      add(IMPL.extism, asyncSample(impls.extism[filter], input));
      add(IMPL.v8, syncSample(impls.v8[filter], input));
      add(IMPL.alloySync, syncSample((text) => alloy.filterSync(filter, text), input));
      add(IMPL.alloyAsync, asyncSample((text) => alloy.filter(filter, text), input));
      const batch = new Array(inFlight).fill(input);
      add(IMPL.alloyInFlight, async (n) => {
        let length = 0;
        const start = now();
        for (let i = 0; i < n; i++) length += (await filterInFlight(alloy, filter, batch, inFlight)).length;
        const ns = now() - start;
        consumed += length;
        return ns;
      }, inFlight);
    }
  }
  return cases;
}

/** Batch cases: every filter over `pages`, by a sync loop (plain JS, V8 WebAssembly) and by filterMany. */
export function batchCases(impls, pages, label) {
  const cases = [];
  const loop = (call) => (n) => {
    let length = 0;
    const start = now();
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < pages.length; p++) length += call(pages[p]).length;
    }
    const ns = now() - start;
    consumed += length;
    return ns;
  };
  for (const filter of FILTERS) {
    const add = (impl, sample) =>
      cases.push({ key: `${filter}|${label}|${impl}`, filter, input: label, implementation: impl, sample, perIteration: pages.length });
    add(IMPL.jsLoop, loop(impls.js[filter]));
    add(IMPL.v8Loop, loop(impls.v8[filter]));
    add(IMPL.alloyMany, async (n) => {
      let length = 0;
      const start = now();
      for (let i = 0; i < n; i++) length += (await impls.alloy.filterMany(filter, pages)).length;
      const ns = now() - start;
      consumed += length;
      return ns;
    });
  }
  return cases;
}

/** The reference rows of a case's ratios: plain JS and V8 WebAssembly, same filter and input. */
export function referencesOf(implementation) {
  return [IMPL.jsLoop, IMPL.v8Loop, IMPL.alloyMany].includes(implementation)
    ? { js: IMPL.jsLoop, v8: IMPL.v8Loop }
    : { js: IMPL.js, v8: IMPL.v8 };
}

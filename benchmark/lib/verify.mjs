// The output check run before any timing (and by __test__/bench-outputs.test.mjs):
// every implementation must give plain JavaScript's output, byte for byte, for
// every filter and input, and for the batch calls too.
import { FILTERS } from './implementations.mjs';
import { filterInFlight } from './alloy.mjs';

/** Thrown when an implementation's output differs from plain JavaScript's. */
export class OutputMismatch extends Error {
  constructor(implementation, filter, input, detail) {
    super(`${implementation} gives a different ${filter} output on the ${input} input: ${detail}`);
    this.name = 'OutputMismatch';
    this.implementation = implementation;
    this.filter = filter;
    this.input = input;
  }
}

function describeDifference(expected, actual) {
  if (typeof actual !== 'string') return `expected a string, got ${typeof actual}`;
  let i = 0;
  while (i < expected.length && expected[i] === actual[i]) i++;
  const around = (s) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 20));
  return `first difference at UTF-16 offset ${i} (lengths ${expected.length} and ${actual.length}): expected ${around(expected)}, got ${around(actual)}`;
}

function check(implementation, filter, input, expected, actual) {
  if (actual !== expected) throw new OutputMismatch(implementation, filter, input, describeDifference(expected, actual));
}

/**
 * Checks every implementation of `impls` (see loadImplementations) on every
 * input of `inputs` (label -> string) and, for the batch calls, on `pages`.
 * Throws OutputMismatch at the first difference; returns the number of outputs compared.
 */
export async function verifyOutputs(impls, inputs, pages) {
  let compared = 0;
  const same = (implementation, filter, label, expected, actual) => {
    check(implementation, filter, label, expected, actual);
    compared++;
  };
  for (const filter of FILTERS) {
    for (const [label, input] of Object.entries(inputs)) {
      const expected = impls.js[filter](input);
      same('QuickJS', filter, label, expected, impls.quickjs[filter](input));
      same('V8 WebAssembly', filter, label, expected, impls.v8[filter](input));
      same('Extism JS SDK', filter, label, expected, await impls.extism[filter](input));
      same('alloy filterSync', filter, label, expected, impls.alloy.filterSync(filter, input));
      same('alloy filter', filter, label, expected, await impls.alloy.filter(filter, input));
    }
    const expected = pages.map((page) => impls.js[filter](page));
    const label = `${pages.length} pages`;
    const batches = {
      'alloy filterMany': await impls.alloy.filterMany(filter, pages),
      'alloy filter (in flight)': await filterInFlight(impls.alloy, filter, pages, 256),
      'V8 WebAssembly (loop)': pages.map((page) => impls.v8[filter](page)),
    };
    for (const [implementation, outputs] of Object.entries(batches)) {
      if (outputs.length !== pages.length) {
        throw new OutputMismatch(implementation, filter, label, `expected ${pages.length} outputs, got ${outputs.length}`);
      }
      outputs.forEach((output, i) => same(implementation, filter, `${label} (#${i})`, expected[i], output));
    }
  }
  return compared;
}

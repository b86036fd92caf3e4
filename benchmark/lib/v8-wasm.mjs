// The Alloy plugins called straight through Node's own WebAssembly API: the
// glue a user would write by hand. Per call: alloc(), TextEncoder.encodeInto()
// the input into linear memory, call filter(), TextDecoder.decode() the result.
import { readFile } from 'node:fs/promises';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// AssemblyScript modules may import env.abort; a failed assertion must not pass silently.
const imports = {
  env: {
    abort() {
      throw new Error('the plugin aborted');
    },
  },
};

/** One plugin instance: filter(input) -> output, on this thread. */
export async function loadV8Filter(wasmPath) {
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), imports);
  const { memory, alloc, filter } = instance.exports;
  return function callFilter(input) {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; encodeInto says how many it wrote.
    const capacity = input.length * 3;
    const ptr = alloc(capacity);
    if (ptr === 0) throw new Error('alloc() returned 0');
    const { written } = encoder.encodeInto(input, new Uint8Array(memory.buffer, ptr, capacity));
    const packed = filter(ptr, written);
    const outPtr = Number(packed >> 32n) >>> 0;
    const outLen = Number(packed & 0xffffffffn);
    if (outPtr === 0 && outLen === 0) throw new Error('the filter failed');
    // memory.buffer again: the call may have grown (and so replaced) it.
    return decoder.decode(new Uint8Array(memory.buffer, outPtr, outLen));
  };
}

/** The filters by benchmark name, each a sync function. */
export async function loadV8Filters(paths) {
  const filters = {};
  for (const [name, wasmPath] of Object.entries(paths)) filters[name] = await loadV8Filter(wasmPath);
  return filters;
}

// The same filters built with @extism/as-pdk (benchmark/extism/filters.ts),
// run by Extism's JavaScript SDK on this thread (its default; a plugin call
// is still a promise).
import { readFile } from 'node:fs/promises';

/** Benchmark filter name -> the plugin's export. */
const EXPORTS = {
  'word-count': 'word_count',
  slugify: 'slugify',
  'lazy-images': 'lazy_images',
};

/** { filters: name -> async function, close() }. */
export async function loadExtismFilters(wasmPath) {
  // The SDK loads node:wasi even when WASI is off, and Node warns that WASI is
  // experimental; that warning is noise in the benchmark's output.
  const { default: createPlugin } = await withoutWasiWarning(() => import('@extism/extism'));
  const plugin = await createPlugin({ wasm: [{ data: await readFile(wasmPath) }] }, { useWasi: false });
  const filters = {};
  for (const [name, exportName] of Object.entries(EXPORTS)) {
    filters[name] = async (input) => {
      const output = await plugin.call(exportName, input);
      if (output === null) throw new Error(`Extism: ${exportName} returned no output`);
      const text = output.text();
      // SDK 1.0.3 keeps every call's input and output blocks until reset(): without
      // it memory grows with each call and, past 2^15 blocks, calls fail with
      // "cannot assign to this block" (extism/js-sdk#70).
      await plugin.reset();
      return text;
    };
  }
  return { filters, close: () => plugin.close() };
}

async function withoutWasiWarning(load) {
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes('WASI')) emitWarning.call(process, warning, ...rest);
  };
  try {
    return await load();
  } finally {
    process.emitWarning = emitWarning;
  }
}

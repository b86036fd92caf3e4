// Where a build's main-thread time goes, from a V8 CPU profile (node
// --cpu-prof): self time summed by what the code belongs to. Worker threads
// (the alloy-wasm host's, which run the adapter's async calls and hooks) are
// not in the profile: their work shows as the main thread's idle time.
import { readFileSync } from 'node:fs';

const CATEGORIES = [
  ['markdown-it', /node_modules\/(markdown-it|linkify-it|mdurl|uc\.micro|entities|punycode)\//],
  ['WebAssembly (V8)', /^wasm:\/\//],
  ['Liquid', /node_modules\/liquidjs\//],
  ['Nunjucks', /node_modules\/nunjucks\//],
  ['Eleventy', /node_modules\/@11ty\//],
  ['alloy-wasm (JS side and native calls)', /\/js\/[a-z-]+\.js$|alloy-wasm|v8-wasm\.mjs/],
  ['other packages', /node_modules\//],
  ['Node.js', /^node:|^internal\//],
];

/** { total, byCategory: { name: ms } } of one .cpuprofile. */
export function summarizeProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byCategory = {};
  let total = 0;
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const name = categoryOf(callFrame);
    byCategory[name] = (byCategory[name] ?? 0) + us / 1000;
    total += us / 1000;
  }
  return { total, byCategory };
}

function categoryOf({ url, functionName }) {
  if (functionName === '(idle)') return 'idle (waiting: I/O, worker threads)';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 (compiling, runtime)';
  if (!url) return functionName.startsWith('js-to-wasm') || functionName.startsWith('wasm-to-js') ? 'WebAssembly (V8)' : 'native (built-ins, the addon)';
  for (const [name, pattern] of CATEGORIES) if (pattern.test(url)) return name;
  return 'other';
}

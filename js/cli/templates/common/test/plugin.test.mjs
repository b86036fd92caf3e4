// The plugin, loaded and called the way a site build does (alloy-wasm's API).
// Run with `npm test` after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { PluginHost } from 'alloy-wasm';

const wasm = fileURLToPath(new URL('../dist/{{name}}.wasm', import.meta.url));

test('{{name}}: the filter upper-cases its input', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    const info = await host.add('{{name}}', wasm);
    assert.ok(info.exports.includes('filter'), `exports: ${info.exports.join(', ')}`);
    assert.equal(host.filterSync('{{name}}', 'hello, world'), 'HELLO, WORLD');
    assert.equal(await host.filter('{{name}}', ''), '');
    // Many calls on the same instances: the memory is reused, not leaked.
    const inputs = Array.from({ length: 200 }, (_, i) => `line ${i} `.repeat(i));
    assert.deepEqual(await host.filterMany('{{name}}', inputs), inputs.map((s) => s.toUpperCase()));
  } finally {
    await host.close();
  }
});

// The example site's Astro config. In your own site the plugins folder is
// usually `plugins/` beside this file: alloyWasm({ dir: 'plugins' }).
// Here it points at the example plugins that `npm run build:fixtures`
// builds, so they are never copied or stale.
import { defineConfig } from 'astro/config';
import alloyWasm from 'alloy-wasm/astro';

export default defineConfig({
  integrations: [alloyWasm({ dir: '../../build/fixtures/plugins', timeoutMs: 500 })],
});

// The adapters' side of plugin configuration and filter arguments (issue 13
// items 3 and 4): `plugins: { name: { config } }` reaches the plugin's
// `configure` export through PluginHost.load(dir, { plugins }), and template
// arguments reach its `filter_args` export. These need the host side
// (PluginHost.load's `plugins` option, filterSync/filter with `args`).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import astroIntegration, { filter as astroFilter } from '../js/astro.mjs';
import { build, buildFails } from './eleventy-helpers.mjs';
import { ErrorCodes, pluginsDir, assertPluginError } from './helpers.mjs';
import { writeWatPlugin } from './lifecycle-helpers.mjs';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'alloy-config-args-'));
after(() => fs.rmSync(temp, { recursive: true, force: true }));
let count = 0;

async function makeSite(files, wats, copies = []) {
  const dir = path.join(temp, `site-${++count}`);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', file), text);
  }
  fs.mkdirSync(path.join(dir, 'plugins'), { recursive: true });
  for (const [name, as] of wats) await writeWatPlugin(path.join(dir, 'plugins'), name, as);
  for (const name of copies) fs.copyFileSync(path.join(pluginsDir, `${name}.wasm`), path.join(dir, 'plugins', `${name}.wasm`));
  return dir;
}

const read = (dir, file) => fs.readFileSync(path.join(dir, '_site', file), 'utf8');

test('eleventy: plugins.<name>.config reaches the plugin\'s configure export; pages and priority stay with the adapter', async () => {
  const dir = await makeSite({ 'index.njk': '<p>home</p>', 'blog/a.njk': '<p>a</p>' }, [['config-echo', 'cfg']]);
  const seen = [];
  await build(dir, {
    plugins: { cfg: { config: { width: 40, label: 'é' }, pages: '/blog/**', priority: 10 } },
    hooks: [{ event: 'onContentTransformed', priority: 99, handler: (p) => { seen.push({ url: p.url, config: p.config }); } }],
  });
  seen.sort((a, b) => a.url.localeCompare(b.url));
  assert.deepEqual(seen, [{ url: '/', config: undefined }, { url: '/blog/a/', config: { width: 40, label: 'é' } }]);
});

test('eleventy: a config for a plugin without configure is INVALID_OPTIONS naming it', async () => {
  const dir = await makeSite({ 'index.njk': 'x' }, [], ['uppercase']);
  const err = await buildFails(dir, { plugins: { uppercase: { config: { a: 1 } } } });
  assertPluginError(err, ErrorCodes.INVALID_OPTIONS);
  assert.match(err.message, /uppercase/);
  assert.match(err.message, /configure/);
});

test('eleventy: template arguments reach filter_args as JSON values, in Liquid and Nunjucks', async () => {
  const dir = await makeSite({
    'liquid.liquid': '{{ "Title" | args-echo }}|{{ "Title" | args-echo: 40, "…", true }}',
    'njk.njk': '{{ "Title" | argsEcho(40, "…", null, [1, "two"]) | safe }}',
  }, [['args-echo', 'args-echo']]);
  await build(dir, {});
  assert.equal(read(dir, 'liquid/index.html'), '{"input":"Title","args":[]}|{"input":"Title","args":[40,"…",true]}');
  assert.equal(read(dir, 'njk/index.html'), '{"input":"Title","args":[40,"…",null,[1,"two"]]}');
});

test('eleventy: async filters pass arguments too; an argument JSON cannot carry is INVALID_INPUT naming the page', async () => {
  const dir = await makeSite({ 'a.liquid': '{{ "T" | args-echo: 1 }}' }, [['args-echo', 'args-echo']]);
  await build(dir, { async: true });
  assert.equal(read(dir, 'a/index.html'), '{"input":"T","args":[1]}');

  const bad = await makeSite({ 'bad.njk': '{{ "T" | argsEcho(missing) | safe }}' }, [['args-echo', 'args-echo']]);
  const err = await buildFails(bad, {});
  assertPluginError(err, ErrorCodes.INVALID_INPUT, { plugin: 'args-echo' });
  assert.match(err.message, /bad\.njk: .*filter argument #0 must be a JSON value, got undefined/);
});

test('astro: filter(name, input, args) passes the arguments; plugins.<name>.config reaches configure', async () => {
  const site = await makeSite({}, [['args-echo', 'args-echo'], ['config-echo', 'cfg']]);
  const integration = astroIntegration({ dir: 'plugins', cacheDir: null, plugins: { cfg: { config: ['a', 1] } } });
  const root = pathToFileURL(`${site}/`);
  const logger = { info() {}, warn() {}, error() {}, debug() {} };
  await integration.hooks['astro:config:setup']({ config: { root }, updateConfig() {}, logger });
  await integration.hooks['astro:build:start']({ logger });
  assert.equal(await astroFilter('args-echo', 'T', [40, '…']), '{"input":"T","args":[40,"…"]}');
  assert.equal(await astroFilter('args-echo', 'T'), '{"input":"T","args":[]}');
  const { getHost } = await import('../js/astro.mjs');
  const host = await getHost();
  assert.deepEqual((await host.runHook('onContentTransformed', { html: 'x' })).config, ['a', 1]);
  await integration.hooks['astro:build:done']({ dir: pathToFileURL(`${path.join(site, 'dist')}/`), assets: new Map(), pages: [], logger });
});

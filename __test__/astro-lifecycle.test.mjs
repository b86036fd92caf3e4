// Alloy's lifecycle events and the `plugins` option in the Astro
// integration: driven by hand one event at a time (Node 20), then one real
// Astro 7 build under Node 22 (`bash scripts/astro.sh setup`). The plugins
// are echo plugins (__test__/fixtures/lifecycle/echo-hooks.wat): each adds
// "seen_<name>" to the payload, holding the payload as it received it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ASTRO_FIXTURE, ASTRO_MODULES, ASTRO_SCRIPT, runAstroScript } from './astro-helpers.mjs';
import { root, ErrorCodes, expectCode } from './helpers.mjs';
import { writeEchoPlugin, collectWarnings } from './lifecycle-helpers.mjs';
import alloyWasm from '../js/astro.mjs';
import lifecycle from '../js/lifecycle-events.js';

const { WARNING_CODE } = lifecycle;
const tempDirs = [];
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

const logger = () => {
  const lines = [];
  const log = (level) => (message) => lines.push(`${level} ${message}`);
  return { lines, info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
};

/** A JS hook at priority 99 (after every plugin) that records each payload of `event`. */
function recorder(event) {
  const seen = [];
  return { seen, hook: { event, priority: 99, handler: (payload) => { seen.push(structuredClone(payload)); } } };
}

/** A site folder with echo plugins { name: [events] } in plugins/, and a built output in dist/. */
async function makeSite(plugins, output) {
  const site = tempDir('alloy-astro-life-');
  fs.mkdirSync(path.join(site, 'plugins'));
  for (const [name, events] of Object.entries(plugins)) await writeEchoPlugin(path.join(site, 'plugins'), name, events);
  const urls = [];
  for (const [relative, text] of Object.entries(output)) {
    const file = path.join(site, 'dist', relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    urls.push(pathToFileURL(file));
  }
  return { site, assets: new Map([['/[...all]', urls]]) };
}

const OUTPUT = {
  'index.html': '<p>home</p>',
  'blog/one/index.html': '<p>one</p>',
  'docs/two/index.html': '<p>two</p>',
  '_astro/main.abc.css': 'p { color: red }',
  '_astro/page.def.js': 'console.log(1)',
  'robots.txt': 'User-agent: *',
};

/** Runs the integration's hooks as `astro build` does, on the site made by makeSite. */
async function drive(options, { site, assets }) {
  const integration = alloyWasm({ dir: 'plugins', cacheDir: null, threads: 2, ...options });
  const root = pathToFileURL(`${site}/`);
  await integration.hooks['astro:config:setup']({ config: { root }, updateConfig() {}, logger: logger() });
  await integration.hooks['astro:config:done']({
    config: {
      root,
      srcDir: new URL('src/', root),
      publicDir: new URL('public/', root),
      outDir: new URL('dist/', root),
      site: 'https://example.com',
      base: '/',
      trailingSlash: 'ignore',
      output: 'static',
      build: { format: 'directory', assets: '_astro' },
    },
    logger: logger(),
  });
  integration.hooks['astro:routes:resolved']({ routes: [{ pattern: '/[...all]', entrypoint: 'src/pages/[...all].astro' }], logger: logger() });
  await integration.hooks['astro:build:start']({ logger: logger() });
  const log = logger();
  await integration.hooks['astro:build:done']({ dir: pathToFileURL(`${path.join(site, 'dist')}/`), assets, pages: [], logger: log });
  return log;
}

const read = (site, file) => fs.readFileSync(path.join(site, 'dist', file), 'utf8');

test('onConfig runs at astro:build:start with Astro\'s resolved config', async () => {
  const made = await makeSite({ config: ['onConfig'] }, OUTPUT);
  const { seen, hook } = recorder('onConfig');
  await drive({ hooks: [hook] }, made);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0].seen_config, {
    event: 'onConfig',
    root: made.site,
    srcDir: 'src',
    publicDir: 'public',
    outDir: 'dist',
    site: 'https://example.com',
    base: '/',
    trailingSlash: 'ignore',
    output: 'static',
    build: { format: 'directory', assets: '_astro' },
  });
});

test('onContentTransformed, then onPageRendered, on every built page; the last html is written', async () => {
  const made = await makeSite({ rendered: ['onPageRendered'] }, OUTPUT);
  const { seen, hook } = recorder('onPageRendered');
  const log = await drive({
    hooks: [
      { event: 'onContentTransformed', handler: (p) => ({ ...p, html: `${p.html}<!-- t -->` }) },
      { event: 'onPageRendered', priority: 90, handler: (p) => ({ ...p, html: `${p.html}<!-- r -->` }) },
      hook,
    ],
  }, made);
  assert.deepEqual(seen.map((p) => p.url).sort(), ['/', '/blog/one/', '/docs/two/']);
  const one = seen.find((p) => p.url === '/blog/one/');
  assert.deepEqual(one.seen_rendered, {
    event: 'onPageRendered',
    html: '<p>one</p><!-- t -->',
    url: '/blog/one/',
    inputPath: 'src/pages/[...all].astro',
    outputPath: 'dist/blog/one/index.html',
  });
  assert.equal(read(made.site, 'blog/one/index.html'), '<p>one</p><!-- t --><!-- r -->');
  assert.ok(log.lines.some((l) => /running onContentTransformed and onPageRendered hooks on 3 pages over 2 threads/.test(l)), log.lines.join('\n'));
});

test('onAssetProcess gets { path, content } for every CSS and JS file; a content string replaces the file', async () => {
  const made = await makeSite({ assets: ['onAssetProcess'] }, OUTPUT);
  const { seen, hook } = recorder('onAssetProcess');
  const log = await drive({
    hooks: [hook, { event: 'onAssetProcess', priority: 100, handler: (a) => (a.path.endsWith('.css') ? { content: `/* min */${a.content}` } : undefined) }],
  }, made);
  // The files run concurrently (two per worker thread): their order is not fixed.
  const payloads = seen.map((a) => a.seen_assets).sort((x, y) => x.path.localeCompare(y.path));
  assert.deepEqual(payloads, [
    { event: 'onAssetProcess', path: '_astro/main.abc.css', content: 'p { color: red }' },
    { event: 'onAssetProcess', path: '_astro/page.def.js', content: 'console.log(1)' },
  ]);
  assert.equal(read(made.site, '_astro/main.abc.css'), '/* min */p { color: red }');
  assert.equal(read(made.site, '_astro/page.def.js'), 'console.log(1)', 'no content: kept');
  assert.equal(read(made.site, 'robots.txt'), 'User-agent: *', 'not an asset Vite wrote');
  assert.ok(log.lines.some((l) => /onAssetProcess: 1 of 2 CSS and JS files changed and rewritten/.test(l)), log.lines.join('\n'));
});

test('onBuildComplete runs once, after the pass, with OutputDir, PageCount, PagesSkipped and Duration (ns)', async () => {
  const made = await makeSite({ complete: ['onBuildComplete'] }, OUTPUT);
  const { seen, hook } = recorder('onBuildComplete');
  await drive({ hooks: [hook] }, made);
  assert.equal(seen.length, 1);
  const got = seen[0].seen_complete;
  assert.deepEqual(Object.keys(got), ['event', 'OutputDir', 'PageCount', 'PagesSkipped', 'Duration']);
  assert.equal(got.OutputDir, path.join(made.site, 'dist'));
  assert.equal(got.PageCount, 3);
  assert.equal(got.PagesSkipped, 0);
  assert.ok(Number.isInteger(got.Duration) && got.Duration > 0);
});

test('an event with no Astro counterpart is a warning naming the plugin, the event and the adapter', async () => {
  const made = await makeSite({ mixed: ['onContentLoaded', 'onContentTransformed'] }, OUTPUT);
  const warnings = await collectWarnings(WARNING_CODE, () => drive({ hooks: [{ event: 'onFileChanged', handler() {} }] }, made));
  assert.deepEqual(warnings.map((w) => w.message), [
    '[alloy-wasm] astro: plugin "mixed" lists the hook event "onContentLoaded", which has no counterpart in Astro, so it never runs there (Astro runs onConfig, onContentTransformed, onPageRendered, onAssetProcess, onBuildComplete, onDevServerStart; see docs/lifecycle-events.md)',
    '[alloy-wasm] astro: JS hook #0 of the "hooks" option lists the hook event "onFileChanged", which has no counterpart in Astro, so it never runs there (Astro runs onConfig, onContentTransformed, onPageRendered, onAssetProcess, onBuildComplete, onDevServerStart; see docs/lifecycle-events.md)',
  ]);
});

test('plugins: pages and priority scope the hooks on the page pass', async () => {
  const made = await makeSite({ a: ['onContentTransformed'], b: ['onContentTransformed', 'onBuildComplete'] }, OUTPUT);
  const pages = recorder('onContentTransformed');
  const complete = recorder('onBuildComplete');
  await drive({ plugins: { a: { pages: ['/blog/**', '/'] }, b: { pages: '/docs/*', priority: 10 } }, hooks: [pages.hook, complete.hook] }, made);
  const ran = (tag) => pages.seen.filter((p) => p[`seen_${tag}`]).map((p) => p.url).sort();
  assert.deepEqual(ran('a'), ['/', '/blog/one/']);
  assert.deepEqual(ran('b'), ['/docs/two/']);
  assert.ok(complete.seen[0].seen_b, 'a build event ignores pages');

  // Both on every page: b (priority 10) before a (50), though a loads first.
  const both = await makeSite({ a: ['onContentTransformed'], b: ['onContentTransformed'] }, OUTPUT);
  const order = recorder('onContentTransformed');
  await drive({ plugins: { b: { priority: 10 } }, hooks: [order.hook] }, both);
  for (const page of order.seen) assert.ok(page.seen_a.seen_b, `${page.url}: b ran first`);
});

test('plugins: an unknown plugin name fails astro:build:start with INVALID_OPTIONS naming it', async () => {
  const made = await makeSite({ a: ['onContentTransformed'] }, OUTPUT);
  const err = await expectCode(() => drive({ plugins: { nope: { priority: 1 } } }, made), ErrorCodes.INVALID_OPTIONS);
  assert.match(err.message, /^\[alloy-wasm\] astro: option "plugins" names "nope", but there is no nope\.wasm in the plugins folder \(loaded: a\)/);
  assert.throws(() => alloyWasm({ plugins: { a: { pages: 'blog/**' } } }), /write "\/blog\/\*\*"/);
});

// ---- a real Astro 7 build under Node 22 -----------------------------------



before(async () => {
  const setup = await runAstroScript(['setup'], 15 * 60_000);
  assert.equal(setup.code, 0, setup.output);
}, { timeout: 15 * 60_000 + 10_000 });

// The fixture site's pages, with a config that records every event's payload to lifecycle.json.
const LIFECYCLE_CONFIG = `
import fs from 'node:fs';
import { defineConfig } from 'astro/config';
import alloyWasm from 'alloy-wasm/astro';

const seen = {};
const record = (event) => ({ event, priority: 99, handler: (payload) => { (seen[event] ??= []).push(payload); } });
export default defineConfig({
  cacheDir: './.cache/astro',
  vite: { cacheDir: './.cache/vite' },
  redirects: { '/old': '/plain' },
  build: { inlineStylesheets: 'never' },
  integrations: [alloyWasm({
    dir: 'plugins',
    timeoutMs: 5000,
    plugins: { echo: { pages: '/posts/**', priority: 10 } },
    hooks: [
      ...['onConfig', 'onContentTransformed', 'onPageRendered', 'onAssetProcess', 'onBuildComplete'].map(record),
      { event: 'onBuildComplete', priority: 100, handler: () => fs.writeFileSync('lifecycle.json', JSON.stringify(seen)) },
    ],
  })],
});
`;

test('astro build: every mapped event runs with its payload, pages and priority apply, an unmapped event warns', async () => {
  const site = tempDir('alloy-astro-life-site-');
  fs.cpSync(ASTRO_FIXTURE, site, { recursive: true });
  fs.symlinkSync(ASTRO_MODULES, path.join(site, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(site, 'astro.config.mjs'), LIFECYCLE_CONFIG);
  // A page with a stylesheet, which inlineStylesheets: 'never' writes to _astro/.
  fs.writeFileSync(path.join(site, 'src/pages/styled.astro'), '<html><body><p>styled</p></body></html>\n<style>p { color: rebeccapurple; }</style>\n');
  fs.mkdirSync(path.join(site, 'plugins'));
  await writeEchoPlugin(path.join(site, 'plugins'), 'echo', ['onConfig', 'onContentTransformed', 'onPageRendered', 'onAssetProcess', 'onBuildComplete', 'onDataFetched']);
  // The fixture's pages call these plugins from frontmatter.
  for (const name of ['uppercase', 'word-count', 'youtube']) fs.copyFileSync(path.join(root, 'build/fixtures/plugins', `${name}.wasm`), path.join(site, 'plugins', `${name}.wasm`));

  const run = await runAstroScript(['build', site], 90_000);
  assert.equal(run.killed, false, run.output);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /AlloyWasmWarning: \[alloy-wasm\] astro: plugin "echo" lists the hook event "onDataFetched", which has no counterpart in Astro/);

  const seen = JSON.parse(fs.readFileSync(path.join(site, 'lifecycle.json'), 'utf8'));
  assert.equal(seen.onConfig.length, 1);
  assert.equal(seen.onConfig[0].seen_echo.outDir, 'dist');
  const posts = seen.onContentTransformed.filter((p) => p.seen_echo).map((p) => p.url).sort();
  assert.deepEqual(posts, ['/posts/one/', '/posts/three/', '/posts/two/'], 'pages: "/posts/**"');
  assert.equal(seen.onContentTransformed.length, 8, 'the JS hook sees every page');
  assert.deepEqual(seen.onPageRendered.filter((p) => p.seen_echo).map((p) => p.url).sort(), posts);
  const one = seen.onPageRendered.find((p) => p.url === '/posts/one/');
  assert.deepEqual(Object.keys(one.seen_echo), ['event', 'html', 'url', 'inputPath', 'outputPath']);
  assert.equal(one.seen_echo.inputPath, 'src/pages/posts/[slug].astro');
  const css = seen.onAssetProcess.filter((a) => a.path.endsWith('.css'));
  assert.ok(css.length >= 1, JSON.stringify(seen.onAssetProcess.map((a) => a.path)));
  assert.match(css[0].seen_echo.content, /color:#639/);
  assert.equal(seen.onBuildComplete.length, 1);
  assert.equal(seen.onBuildComplete[0].seen_echo.PageCount, 8);
});

test('astro dev: onDevServerStart runs when the server starts, with the config and the server\'s address', async () => {
  const site = tempDir('alloy-astro-life-dev-');
  fs.cpSync(ASTRO_FIXTURE, site, { recursive: true });
  fs.symlinkSync(ASTRO_MODULES, path.join(site, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(site, 'astro.config.mjs'), `
import fs from 'node:fs';
import { defineConfig } from 'astro/config';
import alloyWasm from 'alloy-wasm/astro';

export default defineConfig({
  cacheDir: './.cache/astro',
  vite: { cacheDir: './.cache/vite' },
  integrations: [alloyWasm({
    dir: 'plugins',
    hooks: [{ event: 'onDevServerStart', priority: 99, handler: (payload) => { fs.writeFileSync('devserver.json', JSON.stringify(payload)); } }],
  })],
});
`);
  fs.mkdirSync(path.join(site, 'plugins'));
  await writeEchoPlugin(path.join(site, 'plugins'), 'echo', ['onDevServerStart']);
  const child = spawn('bash', [ASTRO_SCRIPT, 'dev', site, '--port', '4391', '--host', '127.0.0.1'], { cwd: root, detached: true, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const file = path.join(site, 'devserver.json');
  try {
    const until = Date.now() + 60_000;
    while (!fs.existsSync(file) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fs.existsSync(file), `no onDevServerStart within 60 s:\n${output}`);
    const got = JSON.parse(fs.readFileSync(file, 'utf8')).seen_echo;
    assert.equal(got.event, 'onDevServerStart');
    assert.equal(got.root, site);
    assert.equal(got.outDir, 'dist');
    assert.deepEqual(got.server, { address: '127.0.0.1', port: 4391, family: 'IPv4' });
  } finally {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('close', resolve)));
  }
});

test('a handler added through getHost().on() counts: its event runs in the pass', async () => {
  const made = await makeSite({}, OUTPUT);
  const integration = alloyWasm({ dir: 'plugins', cacheDir: null });
  const rootUrl = pathToFileURL(`${made.site}/`);
  await integration.hooks['astro:config:setup']({ config: { root: rootUrl }, updateConfig() {}, logger: logger() });
  await integration.hooks['astro:build:start']({ logger: logger() });
  const { getHost } = await import('../js/astro.mjs');
  const seen = [];
  (await getHost()).on('onPageRendered', (page) => { seen.push(page.url); });
  await integration.hooks['astro:build:done']({ dir: pathToFileURL(`${path.join(made.site, 'dist')}/`), assets: made.assets, pages: [], logger: logger() });
  assert.deepEqual(seen.sort(), ['/', '/blog/one/', '/docs/two/']);
});

test('astro:server:start: a plugin folder that does not load is logged, and the dev server goes on', async () => {
  const site = tempDir('alloy-astro-life-');
  const integration = alloyWasm({ dir: 'missing', cacheDir: null });
  await integration.hooks['astro:config:setup']({ config: { root: pathToFileURL(`${site}/`) }, updateConfig() {}, logger: logger() });
  const log = logger();
  await integration.hooks['astro:server:start']({ address: { address: '127.0.0.1', port: 4321, family: 'IPv4' }, logger: log });
  assert.equal(log.lines.length, 1, log.lines.join('\n'));
  assert.match(log.lines[0], /^error \[alloy-wasm\] astro: cannot load the plugins of \S+missing; set dir in alloyWasm\(\{ dir \}\)/);
  const { getHost } = await import('../js/astro.mjs');
  await expectCode(() => getHost(), ErrorCodes.IO_ERROR);
  await integration.hooks['astro:server:done']({ logger: logger() });
});

// alloy-wasm/astro: the integration's logic driven by hand (Node 20), then
// real Astro 7 builds of __test__/fixtures/astro-site under Node 22 (Astro 7
// needs Node >= 22.12; `bash scripts/astro.sh setup` installs both).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

import { ASTRO_FIXTURE, ASTRO_MODULES, runAstroScript } from './astro-helpers.mjs';
import { root, pluginsDir, brokenDir, ErrorCodes, PluginError, expectCode } from './helpers.mjs';
import alloyWasm, { getHost, filter, shortcode } from '../js/astro.mjs';

const require = createRequire(import.meta.url);
const { listPages, transformPages, urlOf } = require('../js/astro-pages.js');

// The first setup downloads Node 22 and Astro; later ones only check stamps.
const SETUP_LIMIT_MS = 15 * 60_000;
// A build that has not exited by then hangs: it is killed and the test fails.
const BUILD_LIMIT_MS = 90_000;
const SITE_PLUGINS = ['lazy-images', 'uppercase', 'word-count', 'youtube'];
const tempDirs = [];

function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A logger like Astro's integration logger that keeps what it was told. */
function recordingLogger() {
  const lines = [];
  const log = (level) => (message) => lines.push(`${level} ${message}`);
  return { lines, info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
}

/** Files (by relative path) of a folder, with their contents. */
function readTree(dir, base = dir, out = {}) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) readTree(file, base, out);
    else out[path.relative(base, file).split(path.sep).join('/')] = fs.readFileSync(file, 'utf8');
  }
  return out;
}

/** A fake build output: `pages` maps output paths to HTML. Returns Astro's astro:build:done arguments. */
function fakeOutput(outDir, pages, pattern = '/[slug]') {
  const urls = [];
  for (const [relative, html] of Object.entries(pages)) {
    const file = path.join(outDir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, html);
    urls.push(pathToFileURL(file));
  }
  return { dir: pathToFileURL(`${outDir}/`), assets: new Map([[pattern, urls]]) };
}

// ---- the integration without Astro -------------------------------------

test('alloyWasm() is an Astro integration, the same from import and require', () => {
  const integration = alloyWasm({ dir: 'plugins' });
  assert.equal(integration.name, 'alloy-wasm');
  assert.deepEqual(Object.keys(integration.hooks).sort(), [
    'astro:build:done', 'astro:build:start', 'astro:config:done', 'astro:config:setup', 'astro:routes:resolved', 'astro:server:done', 'astro:server:start',
  ]);
  const cjs = require('../js/astro.js');
  assert.equal(cjs, alloyWasm);
  assert.equal(cjs.default, alloyWasm);
  assert.equal(cjs.getHost, getHost);
  assert.equal(alloyWasm().name, 'alloy-wasm');
});

test('alloyWasm() checks its options at once and names every problem and the fix', () => {
  const err = thrown(() => alloyWasm({ dri: 'plugins', timeoutMs: -1 }));
  assert.ok(err instanceof PluginError, String(err));
  assert.equal(err.code, ErrorCodes.INVALID_OPTIONS);
  assert.match(err.message, /^\[alloy-wasm\] astro: /);
  assert.match(err.message, /unknown option "dri"; known options: dir, /);
  assert.match(err.message, /timeoutMs/);
  assert.match(thrown(() => alloyWasm({ dir: '' })).message, /option "dir" must be a folder path/);
  assert.match(thrown(() => alloyWasm({ hooks: [{ event: 'onContentTransformed' }] })).message, /option "hooks" must be an array of \{ event, priority, handler \}.*entry #0 needs a handler function/);
  assert.match(thrown(() => alloyWasm('plugins')).message, /options must be an object, like \{ dir: 'plugins' \}/);
});

function thrown(call) {
  try {
    call();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

test('getHost() outside a build names the fix', async () => {
  await assert.rejects(getHost(), /\[alloy-wasm\] astro: getHost\(\) found no running alloy-wasm integration; add it to astro\.config\.mjs: integrations: \[alloyWasm\(\{ dir: 'plugins' \}\)\]/);
  await assert.rejects(filter('uppercase', 'x'), /found no running alloy-wasm integration/);
});

test('driven by hand: dir against Astro root, frontmatter access, every page hooked with the JS hooks option, host closed', async () => {
  const site = tempDir('alloy-astro-unit-');
  fs.mkdirSync(path.join(site, 'my-plugins'));
  for (const name of SITE_PLUGINS) fs.copyFileSync(path.join(pluginsDir, `${name}.wasm`), path.join(site, 'my-plugins', `${name}.wasm`));
  const seen = [];
  const integration = alloyWasm({
    dir: 'my-plugins',
    threads: 2,
    hooks: [{ event: 'onContentTransformed', priority: 90, handler: ({ url, inputPath, outputPath }) => { seen.push({ url, inputPath, outputPath }); } }],
  });
  const logger = recordingLogger();
  let viteConfig;
  // The working directory is not the site: `dir` must be resolved against Astro's root.
  await integration.hooks['astro:config:setup']({
    config: { root: pathToFileURL(`${site}/`) },
    command: 'build',
    updateConfig: (config) => { viteConfig = config.vite; },
    logger,
  });
  assert.deepEqual(viteConfig.ssr.external, ['alloy-wasm']);
  assert.deepEqual(viteConfig.environments.prerender.resolve.external, ['alloy-wasm']);
  integration.hooks['astro:routes:resolved']({
    routes: [{ pattern: '/', entrypoint: 'src/pages/index.astro' }, { pattern: '/blog/[slug]', entrypoint: 'src/pages/blog/[slug].astro' }],
    logger,
  });
  await integration.hooks['astro:build:start']({ logger });

  // What .astro frontmatter does while pages render.
  const host = await getHost();
  assert.equal(host, await getHost(), 'one host per build');
  assert.equal(await filter('uppercase', 'frontmatter'), 'FRONTMATTER');
  assert.match(await shortcode('youtube', ['abc123']), /embed\/abc123/);

  const outDir = path.join(site, 'dist');
  const home = fakeOutput(outDir, { 'index.html': '<p><img src="a.png"></p>', 'data.json': '{"html":"<img src=x>"}' }, '/');
  const notFound = fakeOutput(outDir, { '404.html': '<img src="lost.png">' }, '/404');
  const blog = fakeOutput(outDir, { 'blog/one/index.html': '<img src="1.png">', 'blog/plain/index.html': '<p>no image</p>' }, '/blog/[slug]');
  const assets = new Map([...home.assets, ...notFound.assets, ...blog.assets]);
  const plainBefore = fs.statSync(path.join(outDir, 'blog/plain/index.html')).ino;
  await integration.hooks['astro:build:done']({ dir: home.dir, assets, pages: [], logger });

  assert.deepEqual(readTree(outDir), {
    '404.html': '<img loading="lazy" src="lost.png">',
    'blog/one/index.html': '<img loading="lazy" src="1.png">',
    'blog/plain/index.html': '<p>no image</p>',
    'data.json': '{"html":"<img src=x>"}',
    'index.html': '<p><img loading="lazy" src="a.png"></p>',
  });
  assert.equal(fs.statSync(path.join(outDir, 'blog/plain/index.html')).ino, plainBefore, 'an unchanged page is not rewritten');
  assert.deepEqual(seen.sort((a, b) => (a.url < b.url ? -1 : 1)), [
    { url: '/', inputPath: 'src/pages/index.astro', outputPath: 'dist/index.html' },
    { url: '/404.html', inputPath: '', outputPath: 'dist/404.html' },
    { url: '/blog/one/', inputPath: 'src/pages/blog/[slug].astro', outputPath: 'dist/blog/one/index.html' },
    { url: '/blog/plain/', inputPath: 'src/pages/blog/[slug].astro', outputPath: 'dist/blog/plain/index.html' },
  ]);
  assert.ok(logger.lines.some((l) => /running onContentTransformed hooks on 4 pages over 2 threads/.test(l)), logger.lines.join('\n'));
  assert.ok(logger.lines.some((l) => /3 of 4 pages changed and rewritten/.test(l)), logger.lines.join('\n'));

  assert.equal(host.closed, true, 'astro:build:done closes the host');
  await expectCode(() => getHost(), ErrorCodes.HOST_CLOSED);
});

test('driven by hand: a plugin folder that cannot be read fails astro:build:start with the fix', async () => {
  const site = tempDir('alloy-astro-unit-');
  const integration = alloyWasm({ dir: 'missing' });
  await integration.hooks['astro:config:setup']({ config: { root: pathToFileURL(`${site}/`) }, updateConfig() {}, logger: recordingLogger() });
  const err = await expectCode(() => integration.hooks['astro:build:start']({ logger: recordingLogger() }), ErrorCodes.IO_ERROR);
  assert.ok(err.message.startsWith(`[alloy-wasm] astro: cannot load the plugins of ${path.join(site, 'missing')}; set dir in alloyWasm({ dir })`), err.message);
  await integration.hooks['astro:server:done']({ logger: recordingLogger() });
});

test('driven by hand: a relative memoize.dir is the site\'s folder, like cacheDir', async () => {
  const site = tempDir('alloy-astro-unit-');
  fs.mkdirSync(path.join(site, 'plugins'));
  fs.copyFileSync(path.join(pluginsDir, 'uppercase.wasm'), path.join(site, 'plugins', 'uppercase.wasm'));
  const integration = alloyWasm({ cacheDir: null, memoize: { dir: 'memo-folder' } });
  await integration.hooks['astro:config:setup']({ config: { root: pathToFileURL(`${site}/`) }, updateConfig() {}, logger: recordingLogger() });
  await integration.hooks['astro:build:start']({ logger: recordingLogger() });
  try {
    const host = await getHost();
    assert.equal(host.filterSync('uppercase', 'memo'), 'MEMO');
    assert.ok(fs.statSync(path.join(site, 'memo-folder')).isDirectory(), 'the memo folder is made under the site root');
    assert.equal(fs.existsSync(path.join(process.cwd(), 'memo-folder')), false, 'not under the working directory');
  } finally {
    await integration.hooks['astro:server:done']({ logger: recordingLogger() });
  }
});

test('page URLs come from output paths', () => {
  assert.equal(urlOf('index.html'), '/');
  assert.equal(urlOf('blog/post/index.html'), '/blog/post/');
  assert.equal(urlOf('404.html'), '/404.html');
  assert.equal(urlOf('about.html'), '/about.html');
  const out = tempDir('alloy-astro-unit-');
  const { assets } = fakeOutput(out, { 'b/index.html': '', 'a.html': '', 'style.css': '' });
  assert.deepEqual(listPages(assets, new Map(), out, path.dirname(out)).map((p) => [p.relative, p.url, p.inputPath]), [
    ['a.html', '/a.html', ''],
    ['b/index.html', '/b/', ''],
  ]);
});

test('a failing hook stops the pass and names the first failing page, the plugin and the code; no page is half-written', async () => {
  const { PluginHost } = await import('./helpers.mjs');
  const host = await PluginHost.create({ cacheDir: null, threads: 2 });
  await host.add('bad-hook-json', path.join(brokenDir, 'bad-hook-json.wasm'));
  const out = tempDir('alloy-astro-unit-');
  const pages = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`p${String(i).padStart(2, '0')}/index.html`, `<img src="${i}.png">`]));
  const { assets } = fakeOutput(out, pages);
  const before = readTree(out);
  const err = await expectCode(() => transformPages(host, listPages(assets, new Map(), out, out), 4), ErrorCodes.INVALID_JSON, { plugin: 'bad-hook-json', export: 'hook' });
  assert.match(err.message, /^\[alloy-wasm\] astro: onContentTransformed failed on p00\/index\.html \(\d+ more pages? failed too\): plugin "bad-hook-json" hook\(\): /);
  assert.equal(err.file, 'p00/index.html');
  assert.deepEqual(readTree(out), before, 'no page changed, no temp file left');
  await host.close();
});

test('a JS handler that throws is named with the page', async () => {
  const { PluginHost } = await import('./helpers.mjs');
  const host = await PluginHost.create({ cacheDir: null });
  host.on('onContentTransformed', (payload) => {
    if (payload.url === '/b/') throw new Error('boom');
  });
  const out = tempDir('alloy-astro-unit-');
  const { assets } = fakeOutput(out, { 'a/index.html': 'a', 'b/index.html': 'b' });
  await assert.rejects(transformPages(host, listPages(assets, new Map(), out, out), 2), (err) => {
    assert.equal(err.message, '[alloy-wasm] astro: onContentTransformed failed on b/index.html: a JS onContentTransformed handler threw: boom');
    assert.equal(err.cause.message, 'boom');
    return true;
  });
  await host.close();
});

test('a JS hook that drops the html fails with BAD_RESULT, naming the page', async () => {
  const { PluginHost } = await import('./helpers.mjs');
  const host = await PluginHost.create({ cacheDir: null });
  host.on('onContentTransformed', ({ url }) => ({ url }));
  const out = tempDir('alloy-astro-unit-');
  const { assets } = fakeOutput(out, { 'index.html': '<p>x</p>' });
  const err = await expectCode(() => transformPages(host, listPages(assets, new Map(), out, out), 2), ErrorCodes.BAD_RESULT);
  assert.match(err.message, /^\[alloy-wasm\] astro: onContentTransformed failed on index\.html: the onContentTransformed hooks must leave an "html" string/);
  assert.equal(fs.readFileSync(path.join(out, 'index.html'), 'utf8'), '<p>x</p>');
  await host.close();
});

// ---- real Astro 7 builds under Node 22 ----------------------------------


/** A copy of the fixture site whose plugins/ holds the given fixture plugins (paths). */
function fixtureSite(plugins) {
  const site = tempDir('alloy-astro-site-');
  fs.cpSync(ASTRO_FIXTURE, site, { recursive: true });
  fs.symlinkSync(ASTRO_MODULES, path.join(site, 'node_modules'), 'dir');
  if (plugins !== null) {
    fs.mkdirSync(path.join(site, 'plugins'));
    for (const plugin of plugins) fs.copyFileSync(plugin, path.join(site, 'plugins', path.basename(plugin)));
  }
  return site;
}

/** Asserts the build exited by itself, with `code`. */
function assertExited(run, code) {
  assert.equal(run.killed, false, `the build did not exit by itself within ${BUILD_LIMIT_MS} ms:\n${run.output}`);
  assert.equal(run.signal, null, run.output);
  assert.equal(run.code, code, run.output);
}

before(async () => {
  const setup = await runAstroScript(['setup'], SETUP_LIMIT_MS);
  assert.equal(setup.code, 0, `bash scripts/astro.sh setup failed:\n${setup.output}`);
}, { timeout: SETUP_LIMIT_MS + 10_000 });

test('astro build: hooks on every page, frontmatter filters and shortcodes, host closed, process exits', async () => {
  const site = fixtureSite(SITE_PLUGINS.map((name) => path.join(pluginsDir, `${name}.wasm`)));
  const run = await runAstroScript(['build', site], BUILD_LIMIT_MS);
  assertExited(run, 0);
  assert.match(run.output, /\[alloy-wasm\] running onContentTransformed hooks on 7 pages/);
  assert.match(run.output, /\[alloy-wasm\] 5 of 7 pages changed and rewritten/);

  const dist = readTree(path.join(site, 'dist'));
  assert.deepEqual(Object.keys(dist).sort(), [
    '404.html', 'data.json', 'index.html', 'old/index.html', 'plain/index.html', 'posts/one/index.html', 'posts/three/index.html', 'posts/two/index.html',
  ]);
  for (const [file, html] of Object.entries(dist)) {
    if (!file.endsWith('.html')) continue;
    const images = html.match(/<img [^>]*>/g) ?? [];
    for (const img of images) assert.match(img, /^<img loading="lazy" /, `${file}: ${img}`);
    if (file !== 'plain/index.html' && file !== 'old/index.html') assert.ok(images.length > 0, `${file} has images`);
  }
  assert.equal(dist['data.json'], '{"html":"<img src=\\"/x.png\\">"}', 'the endpoint is not hooked');
  assert.match(dist['index.html'], /<h1 id="heading">FRONTMATTER HEADING<\/h1>/);
  assert.match(dist['index.html'], /<p id="words">4 words<\/p>/);
  assert.match(dist['index.html'], /<div class="youtube"><iframe src="https:\/\/www\.youtube-nocookie\.com\/embed\/abc123" [^>]*><\/iframe><p class="caption">A caption<\/p><\/div>/);

  const beforeHooks = JSON.parse(fs.readFileSync(path.join(site, 'probe-before.json'), 'utf8'));
  const afterHooks = JSON.parse(fs.readFileSync(path.join(site, 'probe-after.json'), 'utf8'));
  assert.equal(afterHooks.hostAfterBuild, ErrorCodes.HOST_CLOSED, 'the host is closed when astro:build:done ends');
  for (const file of Object.keys(dist)) {
    const rewritten = beforeHooks.inodes[file] !== afterHooks.inodes[file];
    assert.equal(rewritten, file.endsWith('.html') && !['plain/index.html', 'old/index.html'].includes(file), `${file} rewritten: ${rewritten}`);
  }
  assert.deepEqual(afterHooks.payloads, [
    { url: '/', inputPath: 'src/pages/index.astro', outputPath: 'dist/index.html', lazy: true },
    { url: '/404.html', inputPath: 'src/pages/404.astro', outputPath: 'dist/404.html', lazy: true },
    { url: '/old/', inputPath: '', outputPath: 'dist/old/index.html', lazy: false },
    { url: '/plain/', inputPath: 'src/pages/plain.astro', outputPath: 'dist/plain/index.html', lazy: false },
    { url: '/posts/one/', inputPath: 'src/pages/posts/[slug].astro', outputPath: 'dist/posts/one/index.html', lazy: true },
    { url: '/posts/three/', inputPath: 'src/pages/posts/[slug].astro', outputPath: 'dist/posts/three/index.html', lazy: true },
    { url: '/posts/two/', inputPath: 'src/pages/posts/[slug].astro', outputPath: 'dist/posts/two/index.html', lazy: true },
  ]);
});

test('astro build with a failing hook plugin fails, naming the page, the plugin and the code', async () => {
  const plugins = SITE_PLUGINS.map((name) => path.join(pluginsDir, `${name}.wasm`));
  // bad-hook-json sorts before lazy-images, so its hook runs first on every page.
  const site = fixtureSite([...plugins, path.join(brokenDir, 'bad-hook-json.wasm')]);
  const run = await runAstroScript(['build', site], BUILD_LIMIT_MS);
  assertExited(run, 1);
  assert.match(run.output, /\[alloy-wasm\] astro: onContentTransformed failed on 404\.html \(\d+ more pages? failed too\): plugin "bad-hook-json" hook\(\): [^\n]*\[INVALID_JSON\]/);
  const dist = readTree(path.join(site, 'dist'));
  for (const [file, html] of Object.entries(dist)) {
    assert.doesNotMatch(html, /loading="lazy"/, `${file} was not rewritten`);
    assert.doesNotMatch(file, /alloy-tmp/, 'no temp file left');
  }
});

test('astro build without the plugin folder fails before rendering, naming the folder and the fix', async () => {
  const site = fixtureSite(null);
  const run = await runAstroScript(['build', site], BUILD_LIMIT_MS);
  assertExited(run, 1);
  assert.match(run.output, /\[alloy-wasm\] astro: cannot load the plugins of \S+plugins; set dir in alloyWasm\(\{ dir \}\) to the folder of your \.wasm plugins \(relative to the project root\): cannot read the plugin folder [^\n]*\[IO_ERROR\]/);
  assert.equal(fs.existsSync(path.join(site, 'dist/index.html')), false, 'no page was rendered');
});

// ---------------------------------------------------------------- careless and hostile use (issue 11, item 12)

test('a hook result 500,000 levels deep fails the pass naming that plugin, on one line; a normal pass follows', async () => {
  const { PluginHost } = await import('./helpers.mjs');
  const host = await PluginHost.create({ cacheDir: null, threads: 2 });
  await host.add('hostile', path.join(brokenDir, 'hostile-hooks.wasm'));
  await host.add('lazy-images', path.join(pluginsDir, 'lazy-images.wasm'));
  const out = tempDir('alloy-astro-unit-');
  const { assets } = fakeOutput(out, { 'a/index.html': '<img src="a.png">', 'b/index.html': '<img src="b.png">' });
  const pages = listPages(assets, new Map(), out, out);
  // hostile-hooks handles its own events only: a JS handler runs its "deep" one on each page.
  host.on('onContentTransformed', { priority: 10 }, async (payload) => ({ ...(await host.runHook('deep', {})), html: payload.html }));
  const err = await expectCode(() => transformPages(host, pages, 4), ErrorCodes.INVALID_JSON, { plugin: 'hostile', export: 'hook' });
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, /^\[alloy-wasm\] astro: onContentTransformed failed on a\/index\.html.*: plugin "hostile" hook\(\): returned JSON nested more than 127 levels/);
  const fresh = await PluginHost.create({ cacheDir: null, threads: 2 });
  await fresh.add('lazy-images', path.join(pluginsDir, 'lazy-images.wasm'));
  assert.deepEqual(await transformPages(fresh, pages, 4), { pages: 2, rewritten: 2 });
  assert.equal(fs.readFileSync(path.join(out, 'a/index.html'), 'utf8'), '<img loading="lazy" src="a.png">');
  await Promise.all([host.close(), fresh.close()]);
});

test('an invalid module fails astro:build:start with a one-line message (its cause too)', async () => {
  const site = tempDir('alloy-astro-unit-');
  fs.mkdirSync(path.join(site, 'plugins'));
  fs.copyFileSync(path.join(brokenDir, 'not-wasm.wasm'), path.join(site, 'plugins', 'bad.wasm'));
  const integration = alloyWasm({ cacheDir: null });
  await integration.hooks['astro:config:setup']({ config: { root: pathToFileURL(`${site}/`) }, updateConfig() {}, logger: recordingLogger() });
  const err = await expectCode(() => integration.hooks['astro:build:start']({ logger: recordingLogger() }), ErrorCodes.INVALID_MODULE, { plugin: 'bad' });
  for (let e = err; e; e = e.cause) assert.doesNotMatch(e.message, /\n/, e.message);
  assert.match(err.message, /is not a WebAssembly module: it does not start with the WebAssembly magic number/);
  await integration.hooks['astro:server:done']({ logger: recordingLogger() });
});

test('a build that failed before astro:build:done has its host closed by the next configuration', async () => {
  const site = tempDir('alloy-astro-unit-');
  fs.mkdirSync(path.join(site, 'plugins'));
  fs.copyFileSync(path.join(pluginsDir, 'uppercase.wasm'), path.join(site, 'plugins', 'uppercase.wasm'));
  const config = { config: { root: pathToFileURL(`${site}/`) }, updateConfig() {}, logger: recordingLogger() };
  const failed = alloyWasm({ cacheDir: null });
  await failed.hooks['astro:config:setup'](config);
  await failed.hooks['astro:build:start']({ logger: recordingLogger() });
  const failedHost = await getHost();
  assert.equal(await failedHost.filter('uppercase', 'x'), 'X');
  // ...the build fails while rendering: no astro:build:done. A new build starts in this process.
  const next = alloyWasm({ cacheDir: null });
  await next.hooks['astro:config:setup'](config);
  assert.equal(failedHost.closed, true, 'the failed build\'s host is closed');
  await next.hooks['astro:build:start']({ logger: recordingLogger() });
  assert.equal(await filter('uppercase', 'y'), 'Y');
  await next.hooks['astro:build:done']({ dir: pathToFileURL(`${path.join(site, 'dist')}/`), assets: new Map(), pages: [], logger: recordingLogger() });
  await expectCode(() => getHost(), ErrorCodes.HOST_CLOSED);
});

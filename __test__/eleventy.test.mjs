// The Eleventy adapter, proven on real Eleventy 3 builds through its
// programmatic API: each test writes a small site into a temp folder, builds
// it with `new Eleventy(input, output, { config })` and reads the output HTML.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Eleventy from '@11ty/eleventy';
import alloyWasm from 'alloy-wasm/eleventy';
import alloyWasmCjs from '../js/eleventy.js';
import { build, buildFails, errorChain } from './eleventy-helpers.mjs';
import { PluginError, ErrorCodes, root, pluginsDir, brokenDir, assertPluginError, alloyThreadCount } from './helpers.mjs';

const temp = mkdtempSync(path.join(os.tmpdir(), 'alloy-eleventy-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let siteCount = 0;

/**
 * Writes a site: `files` under src/, and a plugins/ folder holding the named
 * fixture plugins (`name` or `name=fixture` to copy one under another name).
 */
function makeSite(files, plugins) {
  const dir = path.join(temp, `site-${++siteCount}`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
    writeFileSync(path.join(dir, 'src', file), text);
  }
  mkdirSync(path.join(dir, 'plugins'), { recursive: true });
  for (const spec of plugins) putPlugin(dir, spec);
  return dir;
}

/** Copies a fixture plugin into the site's plugins/ ('name' or 'name=fixture'; broken fixtures too). */
function putPlugin(dir, spec) {
  const [name, fixture = name] = spec.split('=');
  const from = existsSync(path.join(pluginsDir, `${fixture}.wasm`))
    ? path.join(pluginsDir, `${fixture}.wasm`)
    : path.join(brokenDir, `${fixture}.wasm`);
  copyFileSync(from, path.join(dir, 'plugins', `${name}.wasm`));
}

/** The page's inputPath as Eleventy writes it (relative to the working directory). */
function inputPathOf(dir, file) {
  const relative = path.relative(process.cwd(), path.join(dir, 'src', file));
  return relative.startsWith('..') ? relative : `./${relative}`;
}

function read(dir, file) {
  return readFileSync(path.join(dir, '_site', file), 'utf8');
}

const IFRAME = (id) => `<div class="youtube"><iframe src="https://www.youtube-nocookie.com/embed/${id}" title="YouTube video" allowfullscreen></iframe></div>`;
const ALL = ['uppercase', 'word-count', 'youtube', 'callout', 'lazy-images'];

const TEMPLATES = {
  'njk.njk': [
    '---\ntitle: hello wasm world\n---',
    // Nunjucks: a plain name, and the camelCase alias of a hyphenated one.
    '<p>{{ title | uppercase }}|{{ title | wordCount }}|{{ 42 | uppercase }}</p>',
    '{% youtube "abc123" %}',
    '{% callout "warning", "Careful <3" %}<p>{{ title }}</p>{% endcallout %}',
    '<img src="a.png">',
  ].join('\n'),
  'liquid.liquid': [
    // Liquid: the hyphenated name and the alias.
    '<p>{{ "liquid" | uppercase }}|{{ "a b c" | word-count }}|{{ "a b" | wordCount }}</p>',
    '{% youtube "xyz" %}',
    '{% callout "tip" %}inner {{ "text" | uppercase }}{% endcallout %}',
    '<img src="b.png">',
  ].join('\n'),
  'post.md': '# Post\n\n![alt](c.png)\n',
};

const EXPECTED = {
  'njk/index.html': [
    '<p>HELLO WASM WORLD|3|42</p>',
    IFRAME('abc123'),
    '<aside class="callout callout-warning"><p class="callout-title">Careful &lt;3</p><p>hello wasm world</p></aside>',
    '<img loading="lazy" src="a.png">',
  ].join('\n'),
  'liquid/index.html': [
    '<p>LIQUID|3|2</p>',
    IFRAME('xyz'),
    '<aside class="callout callout-tip">inner TEXT</aside>',
    '<img loading="lazy" src="b.png">',
  ].join('\n'),
  'post/index.html': '<h1>Post</h1>\n<p><img loading="lazy" src="c.png" alt="alt"></p>\n',
};

test('sync (default): filters under both names, shortcodes, the paired shortcode and the hook, in Nunjucks, Liquid and Markdown', async () => {
  const dir = makeSite(TEMPLATES, ALL);
  const { eleventyConfig } = await build(dir, { paired: ['callout'] });
  for (const [file, html] of Object.entries(EXPECTED)) assert.equal(read(dir, file), html, file);
  // Sync registrations: Nunjucks has them as plain filters and tags.
  assert.ok(eleventyConfig.nunjucks.filters.wordCount && !eleventyConfig.nunjucks.asyncFilters.wordCount);
  assert.ok(eleventyConfig.nunjucks.pairedShortcodes.callout && !eleventyConfig.nunjucks.shortcodes.callout);
});

test('async: true registers async functions that give the same pages (Nunjucks included)', async () => {
  const dir = makeSite(TEMPLATES, ALL);
  const { eleventyConfig } = await build(dir, { paired: ['callout'], async: true });
  for (const [file, html] of Object.entries(EXPECTED)) assert.equal(read(dir, file), html, file);
  for (const name of ['uppercase', 'word-count', 'wordCount']) assert.ok(eleventyConfig.nunjucks.asyncFilters[name], name);
  assert.ok(eleventyConfig.nunjucks.asyncPairedShortcodes.callout);
  assert.ok(eleventyConfig.nunjucks.asyncShortcodes.youtube);
});

test('async: [names] makes only the named plugins async', async () => {
  const dir = makeSite({ 'a.njk': '{{ "x" | uppercase }}{{ "a b" | wordCount }}' }, ['uppercase', 'word-count']);
  const { eleventyConfig } = await build(dir, { async: ['word-count'] });
  assert.equal(read(dir, 'a/index.html'), 'X2');
  assert.ok(eleventyConfig.nunjucks.asyncFilters.wordCount);
  assert.ok(eleventyConfig.nunjucks.filters.uppercase && !eleventyConfig.nunjucks.asyncFilters.uppercase);
});

test('onContentTransformed runs once on every output HTML page, JS hooks mixed in by priority', async () => {
  const dir = makeSite({
    'one.njk': '<img src="1.png">',
    'two.liquid': '<img src="2.png">',
    'nested/three.md': '![x](3.png)',
    'hidden.njk': '---\npermalink: false\n---\n<img src="hidden.png">',
    'feed.njk': '---\npermalink: /feed.xml\n---\n<img src="feed.png">',
  }, ['lazy-images']);
  const early = [];
  const late = [];
  await build(dir, {
    hooks: [
      // Registered first but runs last: priority 90 > 50 (the WASM hook).
      { event: 'onContentTransformed', priority: 90, handler: (page) => { late.push(page); return { ...page, html: `${page.html}<!-- ${page.url} -->` }; } },
      { event: 'onContentTransformed', priority: 10, handler: async (page) => { early.push(page); } },
    ],
  });
  const pages = [
    ['/one/', 'one.njk', 'one/index.html', '1.png'],
    ['/two/', 'two.liquid', 'two/index.html', '2.png'],
    ['/nested/three/', 'nested/three.md', 'nested/three/index.html', '3.png'],
  ];
  const byUrl = (a, b) => a.url.localeCompare(b.url);
  assert.deepEqual(early.map((p) => p.url).sort(), pages.map(([url]) => url).sort(), 'every HTML page once; no permalink:false page, no .xml');
  for (const [url, input, output, img] of pages) {
    const seen = early.find((p) => p.url === url);
    assert.equal(seen.event, 'onContentTransformed');
    assert.equal(seen.inputPath, inputPathOf(dir, input));
    assert.equal(path.resolve(seen.outputPath), path.join(dir, '_site', output));
    assert.ok(!seen.html.includes('loading='), 'priority 10 runs before the WASM hook');
    const last = late.find((p) => p.url === url);
    assert.ok(last.html.includes(`<img loading="lazy" src="${img}"`), 'priority 90 runs after it');
    assert.ok(read(dir, output).includes(`loading="lazy"`) && read(dir, output).endsWith(`<!-- ${url} -->`), 'the last handler\'s html is the page');
  }
  assert.equal(early.sort(byUrl).length, 3);
  assert.equal(read(dir, 'feed.xml'), '<img src="feed.png">', 'non-HTML output is left alone');
});

test('a filter error fails the build, naming the plugin, the page and the code', async () => {
  const dir = makeSite({ 'ok.njk': '{{ "fine" | fails }}', 'bad.njk': '<p>{{ "!boom" | fails }}</p>' }, ['fails']);
  const err = await buildFails(dir);
  assertPluginError(err, ErrorCodes.PLUGIN_ERROR, { plugin: 'fails', export: 'filter' });
  const page = inputPathOf(dir, 'bad.njk');
  assert.equal(err.inputPath, page);
  assert.ok(err.message.startsWith(`[alloy-wasm] ${page}: plugin "fails" filter(): fails: the input was rejected`), err.message);
});

test('a shortcode error (Liquid) and a hook error fail the build the same way', async () => {
  const liquid = makeSite({ 'video.liquid': '{% youtube "not an id!" %}' }, ['youtube']);
  const err = await buildFails(liquid);
  assertPluginError(err, ErrorCodes.PLUGIN_ERROR, { plugin: 'youtube', export: 'shortcode' });
  assert.match(err.message, /video\.liquid: plugin "youtube" shortcode\(\): youtube: expected a video id/);

  const hook = makeSite({ 'page.njk': '<p>hi</p>' }, ['bad-hook-json']);
  const hookErr = await buildFails(hook);
  assertPluginError(hookErr, ErrorCodes.INVALID_JSON, { plugin: 'bad-hook-json', export: 'hook' });
  assert.match(hookErr.message, /page\.njk: plugin "bad-hook-json" hook\(\)/);
});

test('a JS hook that drops the html fails the build with BAD_RESULT, naming the page', async () => {
  const dir = makeSite({ 'page.njk': '<p>hi</p>' }, []);
  const err = await buildFails(dir, { hooks: [{ event: 'onContentTransformed', handler: () => ({ url: '/x/' }) }] });
  assertPluginError(err, ErrorCodes.BAD_RESULT);
  assert.match(err.message, /page\.njk: the onContentTransformed hooks must leave an "html" string in the payload, but one of them returned a payload whose "html" is missing/);
});

test('template values that are not text are INVALID_INPUT, naming the page', async () => {
  const dir = makeSite({ 'undef.njk': '{{ missing | uppercase }}' }, ['uppercase']);
  const err = await buildFails(dir);
  assertPluginError(err, ErrorCodes.INVALID_INPUT, { plugin: 'uppercase' });
  assert.match(err.message, /undef\.njk: plugin "uppercase" filter\(\): the filter input must be a string, got undefined/);

  // Template arguments go to the host, which refuses them for a plugin without filter_args
  // (the host's check: needs helper abi's filterSync(name, input, args)).
  const args = makeSite({ 'args.liquid': '{{ "x" | uppercase: "extra" }}' }, ['uppercase']);
  const argsErr = await buildFails(args);
  assertPluginError(argsErr, ErrorCodes.INVALID_INPUT, { plugin: 'uppercase' });
  assert.match(argsErr.message, /args\.liquid: .*filter_args/);
});

test('options are validated once: prefixed messages that name the fix', async () => {
  const fake = { addFilter() {}, versionCheck() {} }; // validation happens before Eleventy is used
  const cases = [
    [{ dri: 'plugins' }, /unknown option "dri"; known options: dir, paired, async, hooks, plugins, parallel, cacheDir/],
    [{ dir: '' }, /option "dir" must be a folder path/],
    [{ paired: 'callout' }, /option "paired" must be an array of plugin names, like \["callout"\]/],
    [{ async: 'yes' }, /option "async" must be true, false or an array of plugin names/],
    [{ hooks: [{ event: 'onContentTransformed' }] }, /option "hooks" .*entry #0 needs a handler function/],
    [{ hooks: [{ event: 'x', handler() {}, priority: 'high' }] }, /entry #0 needs a finite number as priority/],
    [{ timeoutMs: -1 }, /option "timeoutMs" must be a number of milliseconds above 0/],
    ['plugins', /options must be an object/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => alloyWasm(fake, options), (err) => {
      assertPluginError(err, ErrorCodes.INVALID_OPTIONS);
      assert.ok(err.message.startsWith('[alloy-wasm] eleventy: '), err.message);
      assert.match(err.message, message);
      return true;
    });
  }
  // Names that need the loaded folder are checked at configuration time, in a real build.
  const dir = makeSite({ 'a.njk': 'a' }, ['uppercase']);
  const missing = await buildFails(dir, { paired: ['callout'] });
  assert.match(missing.message, /option "paired" names "callout", but there is no callout\.wasm in the plugins folder \(loaded: uppercase\)/);
  const noShortcode = await buildFails(dir, { paired: ['uppercase'] });
  assert.match(noShortcode.message, /option "paired" names "uppercase", but that plugin has no shortcode export/);
});

test('a missing plugins folder fails the build with IO_ERROR and the fix', async () => {
  const dir = makeSite({ 'a.njk': 'a' }, []);
  const err = await buildFails(dir, { dir: path.join(dir, 'nope') });
  assertPluginError(err, ErrorCodes.IO_ERROR);
  assert.match(err.message, /^\[alloy-wasm\] eleventy: cannot load the plugins of .*nope: .*create the folder .* or set the "dir" option/);
});

test('Eleventy older than 3 gets a clear error before anything runs', () => {
  const eleventy2 = {
    addFilter() {},
    // What Eleventy 2's versionCheck throws for an unmet range.
    versionCheck(range) {
      throw new Error(`We found Eleventy version '2.0.1' which does not meet the required version range: '${range}'.`);
    },
  };
  assert.throws(() => alloyWasm(eleventy2, {}), /^PluginError: \[alloy-wasm\] eleventy: alloy-wasm needs Eleventy 3 or newer, found 2\.0\.1; upgrade with `npm install --save-dev @11ty\/eleventy@3`/);
  assert.throws(() => alloyWasm({ addFilter() {} }, {}), /needs Eleventy 3 or newer, found an older version/);
  assert.throws(() => alloyWasm(undefined, {}), /the first argument must be Eleventy's configuration/);
});

test('a relative dir resolves against the working directory; require() and import give the same function', async () => {
  assert.equal(alloyWasm, alloyWasmCjs);
  const dir = makeSite({ 'a.njk': '{{ "rel" | uppercase }}' }, ['uppercase']);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const eleventy = new Eleventy('src', '_site', {
      quietMode: true,
      configPath: false,
      config: (config) => config.addPlugin(alloyWasmCjs, { cacheDir: null }), // dir defaults to 'plugins'
    });
    await eleventy.write();
  } finally {
    process.chdir(cwd);
  }
  assert.equal(read(dir, 'a/index.html'), 'REL');
});

test('the host is closed when a build ends, and the next build loads it again', async () => {
  const dir = makeSite({ 'a.njk': '{{ "once" | uppercase }}' }, ['uppercase']);
  const { eleventy, eleventyConfig } = await build(dir);
  assert.throws(() => eleventyConfig.getFilter('uppercase')('x'), (err) => assertPluginError(err, ErrorCodes.HOST_CLOSED));
  rmSync(path.join(dir, '_site'), { recursive: true });
  await eleventy.write(); // same Eleventy, same configuration: a second build
  assert.equal(read(dir, 'a/index.html'), 'ONCE');
  assert.throws(() => eleventyConfig.getFilter('uppercase')('x'), (err) => assertPluginError(err, ErrorCodes.HOST_CLOSED));
});

/** Runs `node args...` and resolves to { code, signal, stdout, stderr }; kills it after `ms`. */
function run(args, ms) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('the 2,000-page example site builds (npm run example:eleventy) and its process exits by itself', async () => {
  const out = path.join(temp, 'example-site');
  const { code, signal, stdout, stderr } = await run(['examples/eleventy-site/build.mjs', '--output', out], 120_000);
  assert.equal(signal, null, `killed: the build process did not exit by itself\n${stdout}\n${stderr}`);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /Wrote 2001 files/);
  const articles = readdirSync(path.join(out, 'articles'));
  assert.equal(articles.length, 2000);
  for (const slug of articles) {
    const html = readFileSync(path.join(out, 'articles', slug, 'index.html'), 'utf8');
    const n = slug.slice('article-'.length);
    assert.ok(html.includes(`<h1>ARTICLE ${n}: `), `${slug}: the uppercase filter`);
    assert.ok(html.includes(IFRAME(`vid${n}`)), `${slug}: the youtube shortcode`);
    assert.ok(html.includes('<aside class="callout callout-note"><p class="callout-title">About this page</p><p>'), `${slug}: the paired callout`);
    assert.equal(html.match(/<img /g).length, 5);
    assert.equal(html.match(/<img loading="lazy" /g).length, 5, `${slug}: the lazy-images hook`);
  }
});

test('a failed build\'s process exits by itself too, with the plugin, page and code in its log', async () => {
  const dir = makeSite({ 'bad.njk': '{{ "!x" | fails }}' }, ['fails']);
  const script = path.join(dir, 'build.mjs');
  writeFileSync(script, [
    // The script lives outside the repository, so it imports by URL.
    `import Eleventy from ${JSON.stringify(import.meta.resolve('@11ty/eleventy'))};`,
    `import alloyWasm from ${JSON.stringify(import.meta.resolve('alloy-wasm/eleventy'))};`,
    `process.chdir(${JSON.stringify(dir)});`,
    `const eleventy = new Eleventy('src', '_site', { configPath: false, config: (c) => c.addPlugin(alloyWasm, { cacheDir: null }) });`,
    `await eleventy.write().catch(() => { process.exitCode = 1; });`,
  ].join('\n'));
  const { code, signal, stdout, stderr } = await run([script], 60_000);
  assert.equal(signal, null, 'killed: the process did not exit by itself');
  assert.equal(code, 1, stdout + stderr);
  assert.match(stdout + stderr, /\[alloy-wasm\] \.\/src\/bad\.njk: plugin "fails" filter\(\): fails: the input was rejected \[PLUGIN_ERROR\]/);
});

/** Resolves once `check()` is true; fails after `ms`. */
async function waitFor(what, check, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    let ok = false;
    try {
      ok = check();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test('--watch: a changed, added or removed .wasm is reloaded before the next build', async () => {
  const dir = makeSite({ 'a.njk': '<p>{{ "abc def" | shout }}</p><img src="x.png">' }, ['shout=uppercase', 'lazy-images']);
  const page = () => read(dir, 'a/index.html');
  const eleventy = new Eleventy(path.join(dir, 'src'), path.join(dir, '_site'), {
    quietMode: true,
    configPath: false,
    runMode: 'watch',
    config: (config) => config.addPlugin(alloyWasm, { dir: path.join(dir, 'plugins'), cacheDir: null }),
  });
  await eleventy.init();
  await eleventy.watch(); // the first build, then chokidar watches
  try {
    assert.equal(page(), '<p>ABC DEF</p><img loading="lazy" src="x.png">');
    await sleep(500); // chokidar misses changes made right after it reports ready

    // Changed: shout.wasm becomes the word-count plugin.
    putPlugin(dir, 'shout=word-count');
    await waitFor('the changed plugin', () => page() === '<p>2</p><img loading="lazy" src="x.png">');
    // Added: a new plugin gets its filter (Eleventy resets the configuration).
    // Wait for that build before editing the page: a change saved during a
    // build gets a rebuild without the configuration reset (Eleventy 3.1).
    const before = statSync(path.join(dir, '_site/a/index.html')).mtimeMs;
    putPlugin(dir, 'loud=uppercase');
    await waitFor('the build after the added plugin', () => statSync(path.join(dir, '_site/a/index.html')).mtimeMs > before);
    writeFileSync(path.join(dir, 'src/a.njk'), '<p>{{ "abc def" | shout }} {{ "new" | loud }}</p><img src="x.png">');
    await waitFor('the added plugin', () => page() === '<p>2 NEW</p><img loading="lazy" src="x.png">');
    // Removed: Eleventy starts no build for a deleted file, but the next build
    // (here: a template edit) no longer runs the removed hook.
    rmSync(path.join(dir, 'plugins/lazy-images.wasm'));
    await sleep(500);
    writeFileSync(path.join(dir, 'src/a.njk'), '<p>{{ "abc def" | shout }}!</p><img src="x.png">');
    await waitFor('the removed plugin', () => page() === '<p>2!</p><img src="x.png">');
  } finally {
    await eleventy.stopWatch();
  }
});

// ---------------------------------------------------------------- careless and hostile use (issue 11, item 12)

/** The OS threads of this process. */

test('an invalid module fails the build with one line per error in the log, and no stack trace', async () => {
  const dir = makeSite({ 'a.njk': 'a' }, ['bad=not-wasm']);
  const err = await buildFails(dir);
  assertPluginError(err, ErrorCodes.INVALID_MODULE, { plugin: 'bad' });
  for (const e of errorChain(err)) assert.doesNotMatch(e.message, /\n/, `one line: ${e.message}`);
  assert.match(err.message, /is not a WebAssembly module: it does not start with the WebAssembly magic number/);

  // As the eleventy command logs it.
  writeFileSync(path.join(dir, 'eleventy.config.mjs'), [
    `import alloyWasm from ${JSON.stringify(import.meta.resolve('alloy-wasm/eleventy'))};`,
    `export default (c) => { c.addPlugin(alloyWasm, { cacheDir: null }); };`,
    `export const config = { dir: { input: 'src', output: '_site' } };`,
  ].join('\n'));
  const script = path.join(dir, 'eleventy.cjs');
  writeFileSync(script, `process.chdir(${JSON.stringify(dir)});\nrequire(${JSON.stringify(path.join(root, 'node_modules/@11ty/eleventy/cmd.cjs'))});\n`);
  const { code, signal, stdout, stderr } = await run([script], 60_000);
  assert.equal(signal, null, 'killed: the process did not exit by itself');
  assert.equal(code, 1, stdout + stderr);
  const log = (stdout + stderr).split('\n');
  const errorLines = log.filter((line) => line.includes('INVALID_MODULE'));
  assert.ok(errorLines.length >= 1, log.join('\n'));
  for (const line of errorLines) assert.match(line, /is not a WebAssembly module: .*\[INVALID_MODULE\]/);
  assert.ok(!log.some((line) => /^\s*(\[11ty\]\s*)?0x[0-9a-f]+,?\s*$/.test(line)), `no line of one byte:\n${log.join('\n')}`);
  assert.ok(!log.some((line) => /^\s*(\[11ty\]\s*)?at /.test(line)), `no stack trace:\n${log.join('\n')}`);

  // The same site with a good plugin builds.
  const good = makeSite({ 'a.njk': '{{ "ok" | uppercase }}' }, ['uppercase']);
  await build(good);
  assert.equal(read(good, 'a/index.html'), 'OK');
});

test('big pages enter the hooks a few at a time (2 per worker thread), so their copies do not pile up', async () => {
  const files = {};
  for (let i = 0; i < 24; i++) files[`p${i}.njk`] = `<p>page ${i}</p><img src="${i}.png">`;
  const dir = makeSite(files, ['lazy-images']);
  let inside = 0;
  let most = 0;
  const hooks = [
    {
      event: 'onContentTransformed',
      priority: 10,
      handler: async (page) => {
        most = Math.max(most, ++inside);
        await sleep(2);
        return page;
      },
    },
    { event: 'onContentTransformed', priority: 90, handler: (page) => { inside--; return page; } },
  ];
  await build(dir, { threads: 1, hooks });
  assert.ok(most >= 1 && most <= 2, `at most 2 pages in the hooks at once with 1 thread, saw ${most}`);
  for (let i = 0; i < 24; i++) assert.equal(read(dir, `p${i}/index.html`), `<p>page ${i}</p><img loading="lazy" src="${i}.png">`);
});

test('hosts of failed builds do not pile up: a new configuration closes them; a normal build follows', async () => {
  const files = {};
  for (let i = 0; i < 8; i++) files[`p${i}.njk`] = `<p>${i}</p>`;
  const dir = makeSite(files, ['bad-hook-json']);
  const kept = []; // as a dev tool would keep them: nothing is garbage-collected
  const counts = [];
  for (let i = 0; i < 4; i++) {
    let caught = null;
    const eleventy = new Eleventy(path.join(dir, 'src'), path.join(dir, '_site'), {
      quietMode: true,
      configPath: false,
      config: (config) => config.addPlugin(alloyWasm, { dir: path.join(dir, 'plugins'), cacheDir: null, threads: 2 }),
    });
    kept.push(eleventy);
    await eleventy.write().catch((err) => { caught = err; });
    assert.ok(caught, 'the build fails (INVALID_JSON)');
    counts.push(alloyThreadCount());
  }
  // Each failed build started 2 worker threads; without closing they would add up (+6).
  assert.ok(counts[0] >= 1, `the failed build's hooks ran on worker threads: ${counts.join(', ')}`);
  assert.ok(counts[3] <= counts[0] + 1, `threads after each failed build: ${counts.join(', ')}`);

  const good = makeSite({ 'a.njk': '<img src="a.png">' }, ['lazy-images']);
  await build(good, { threads: 2 });
  assert.equal(read(good, 'a/index.html'), '<img loading="lazy" src="a.png">');
  assert.ok(alloyThreadCount() <= counts[0], `the last failed build's host is closed too: ${alloyThreadCount()} > ${counts[0]}`);
});

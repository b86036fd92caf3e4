// The Eleventy adapter's `parallel` option (issue 14 item 2): the per-page
// hooks run after the build over every written page at once, spread over the
// worker threads, with the same output as the transform path and errors that
// still name the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Eleventy from '@11ty/eleventy';
import alloyWasm from '../js/eleventy.js';
import { build } from './eleventy-helpers.mjs';
import { PluginError, ErrorCodes, pluginsDir, brokenDir, assertPluginError } from './helpers.mjs';
import { writeEchoPlugin } from './lifecycle-helpers.mjs';

const temp = mkdtempSync(path.join(os.tmpdir(), 'alloy-eleventy-parallel-'));
after(() => rmSync(temp, { recursive: true, force: true }));
let count = 0;

// 60 pages from one paginated template (Eleventy renders those one at a
// time), plus a few single templates and a non-HTML output.
const FILES = {
  '_data/items.json': JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ slug: `p${i}`, title: `Item ${i}` }))),
  'items.njk': '---\npagination:\n  data: items\n  size: 1\n  alias: item\npermalink: "/items/{{ item.slug }}/"\n---\n<h1>{{ item.title }}</h1><img src="{{ item.slug }}.png">',
  'index.njk': '<p>home</p><img src="home.png">',
  'about.md': '# About\n\n![x](about.png)',
  'feed.njk': '---\npermalink: /feed.xml\n---\n<img src="feed.png">',
};

async function makeSite(plugins, echo = {}) {
  const dir = path.join(temp, `site-${++count}`);
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
    writeFileSync(path.join(dir, 'src', file), text);
  }
  mkdirSync(path.join(dir, 'plugins'));
  for (const [name, from] of plugins) copyFileSync(path.join(from, `${name}.wasm`), path.join(dir, 'plugins', `${name}.wasm`));
  for (const [name, events] of Object.entries(echo)) await writeEchoPlugin(path.join(dir, 'plugins'), name, events);
  return dir;
}

function readTree(dir, base = dir, out = {}) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) readTree(file, base, out);
    else out[path.relative(base, file)] = readFileSync(file, 'utf8');
  }
  return out;
}

/**
 * JS hooks that change the page and count how many pages are in the hooks
 * at once. With `barrier`, the first `barrier` pages wait in the hook until
 * that many are there (so the count does not depend on timing).
 */
function hooks(stats, barrier = 0) {
  let waiting = [];
  return [
    { event: 'onContentTransformed', priority: 10, handler: async (page) => {
      stats.inFlight++;
      stats.most = Math.max(stats.most, stats.inFlight);
      if (barrier > 0) {
        await new Promise((resolve) => {
          waiting.push(resolve);
          if (waiting.length === barrier) {
            for (const go of waiting) go();
            barrier = 0;
            waiting = [];
          }
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
      stats.inFlight--;
      return { ...page, html: `${page.html}<!-- ${page.url} -->` };
    } },
    { event: 'onPageRendered', priority: 90, handler: (page) => ({ ...page, html: page.html.replace('<h1>', '<h1 class="t">') }) },
  ];
}

test('parallel: true gives the same output as the transform path, with pages in the hooks at once', async () => {
  const serial = await makeSite([['lazy-images', pluginsDir]], { echo: ['onPageRendered'] });
  const parallel = await makeSite([['lazy-images', pluginsDir]], { echo: ['onPageRendered'] });
  const serialStats = { inFlight: 0, most: 0 };
  const parallelStats = { inFlight: 0, most: 0 };
  await build(serial, { hooks: hooks(serialStats), threads: 4 });
  await build(parallel, { hooks: hooks(parallelStats, 8), threads: 4, parallel: true });
  const expected = readTree(path.join(serial, '_site'));
  assert.equal(Object.keys(expected).length, 63);
  assert.equal(expected[path.join('items', 'p7', 'index.html')], '<h1 class="t">Item 7</h1><img loading="lazy" src="p7.png"><!-- /items/p7/ -->');
  assert.equal(expected['feed.xml'], '<img src="feed.png">');
  assert.deepEqual(readTree(path.join(parallel, '_site')), expected);
  // The transform path: one page per template at a time (a paginated template's pages in turn).
  assert.ok(serialStats.most <= 3, `transform path: ${serialStats.most} pages at once`);
  // The pass: 2 pages per worker thread (8 reached the barrier together), never more.
  assert.equal(parallelStats.most, 8, `parallel: pages in the hooks at once: ${parallelStats.most}`);
  assert.equal(readdirSync(path.join(parallel, '_site', 'items', 'p7')).length, 1, 'no temp file left');
});

test('parallel: a failing page fails the build, naming the page, its template, the plugin and the code', async () => {
  const dir = await makeSite([['bad-hook-json', brokenDir]]);
  let caught;
  try {
    await build(dir, { parallel: true, threads: 2 });
  } catch (err) {
    caught = err;
  }
  let err;
  for (let e = caught; e; e = e.originalError ?? e.cause) if (e instanceof PluginError) { err = e; break; }
  assert.ok(err, String(caught));
  assertPluginError(err, ErrorCodes.INVALID_JSON, { plugin: 'bad-hook-json', export: 'hook' });
  assert.match(err.message, /^\[alloy-wasm\] eleventy: onContentTransformed failed on \S+_site\/about\/index\.html \(\S+about\.md\) \(\d+ more pages failed too\): plugin "bad-hook-json" hook\(\)/);
  assert.match(err.inputPath, /about\.md$/);
});

test('parallel: the option is a boolean', () => {
  assert.throws(() => alloyWasm({ addFilter() {}, versionCheck() {} }, { parallel: 'yes' }), /option "parallel" must be true or false/);
});

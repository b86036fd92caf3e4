// The site-build benchmark (npm run bench:sites): its Markdown pages, the
// markdown-it vs pulldown-cmark comparison the README quotes, and a --quick
// Eleventy run, which checks that (b) and every (c) write byte-identical
// sites. No timings are asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import markdownIt from 'markdown-it';

import { PluginHost, root } from './helpers.mjs';
import { markdownPages } from '../benchmark/sites/content.mjs';
import { compareMarkup, DIFFERENCES } from '../benchmark/sites/markup.mjs';

test('the pages: 2,000 deterministic Markdown documents of 2 to 7 KB with headings, lists, tables and code', () => {
  const pages = markdownPages();
  assert.equal(pages.length, 2000);
  assert.deepEqual(markdownPages(3), pages.slice(0, 3), 'the same pages on every run');
  for (const { markdown } of pages) {
    const bytes = Buffer.byteLength(markdown);
    assert.ok(bytes >= 2000 && bytes <= 7000, `${bytes} bytes`);
    assert.match(markdown, /^# /);
    assert.match(markdown, /^```[a-z]+\n/m);
    assert.match(markdown, /^- /m);
    // Nothing Liquid would read, nothing that ends the hook's element, no indented code.
    assert.doesNotMatch(markdown, /\{\{|\{%|<\/script>|\n\n {4}/);
  }
  assert.equal(pages.filter((p) => /^\|:-----\|/m.test(p.markdown)).length, 1000, 'every other page has a table');
});

test('markdown-it and markdown.wasm differ on the pages only in the listed ways', async () => {
  const md = markdownIt({ html: true });
  md.disable('code'); // as Eleventy sets it up
  const host = await PluginHost.create({ cacheDir: null });
  try {
    await host.add('markdown', path.join(root, 'build/fixtures/bench/markdown.wasm'));
    const pages = markdownPages(60);
    const theirs = new Map(pages.map((p) => [p.slug, md.render(p.markdown)]));
    const ours = new Map(pages.map((p) => [p.slug, host.filterSync('markdown', p.markdown)]));
    const result = compareMarkup(theirs, ours);
    assert.equal(result.identical, 0);
    assert.equal(result.stillDifferent, 0, JSON.stringify(result.examples));
    assert.equal(result.equalAfterRewrites, 60);
    assert.deepEqual(result.differences.map((d) => d.pages), [60, 60, 30, 30, 60]);
    assert.equal(result.differences.length, DIFFERENCES.length);
  } finally {
    await host.close();
  }
});

test('a --quick Eleventy run: every WebAssembly variant writes the same site, and the report says so', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'alloy-site-bench-test-'));
  try {
    const json = path.join(dir, 'sites.json');
    const md = path.join(dir, 'sites.md');
    await promisify(execFile)(process.execPath, ['benchmark/site-builds.mjs', '--quick', '--sites', 'eleventy', '--json', json, '--md', md], {
      cwd: root,
      timeout: 300_000,
    });
    const results = JSON.parse(readFileSync(json, 'utf8'));
    const { checks, summary, runs } = results.sites.eleventy;
    assert.deepEqual(checks.identical, ['b', 'c-sync', 'c', 'c-hook', 'c-par']);
    assert.equal(checks.files, 201);
    assert.equal(checks.markup.equalAfterRewrites, 201);
    assert.deepEqual(Object.keys(summary), ['a', 'b', 'c-sync', 'c', 'c-hook', 'c-par']);
    for (const list of Object.values(runs)) assert.equal(list[0].files, 201);
    const report = readFileSync(md, 'utf8');
    assert.match(report, /## Eleventy, 200 Markdown pages/);
    assert.match(report, /Command: `node benchmark\/site-builds\.mjs --quick --sites eleventy`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

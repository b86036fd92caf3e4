// The benchmark (npm run bench) compares implementations that must compute the
// same thing. These tests run its output check (benchmark/lib/verify.mjs, the
// code the benchmark itself runs first) and its --quick smoke run. No timings
// are asserted: timing goals live in benchmark/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { root } from './helpers.mjs';
import { loadImplementations, FILTERS } from '../benchmark/lib/implementations.mjs';
import { verifyOutputs, OutputMismatch } from '../benchmark/lib/verify.mjs';
import { benchInputs, makePages, makePage, TITLE, PAGE_BYTES } from '../benchmark/lib/inputs.mjs';
import { JS_FILTERS } from '../benchmark/lib/js-filters.mjs';

let impls;
before(async () => {
  impls = await loadImplementations();
});
after(async () => {
  await impls?.close();
});

test('the benchmark inputs: a 40-byte title and deterministic 50 KB pages with non-ASCII text and images', () => {
  assert.equal(Buffer.byteLength(TITLE), 40);
  const page = makePage(1);
  assert.equal(Buffer.byteLength(page), PAGE_BYTES);
  assert.equal(makePage(1), page, 'the same seed gives the same page');
  assert.notEqual(makePage(2), page);
  assert.match(page, /[^\x00-\x7f]/, 'has non-ASCII text');
  assert.ok(page.split('<img ').length > 5, 'has several <img tags');
});

test('every implementation gives plain JavaScript\'s output on the benchmark inputs and pages', async () => {
  const pages = makePages(16, 4);
  const compared = await verifyOutputs(impls, benchInputs(), pages);
  // per filter: 2 inputs x 5 implementations, then 16 pages x 3 batch calls
  assert.equal(compared, FILTERS.length * (2 * 5 + 16 * 3));
});

test('the filters follow the issue\'s definitions, in every implementation', async () => {
  const cases = {
    empty: ['', { 'word-count': '0', slugify: '', 'lazy-images': '' }],
    title: [TITLE, { 'word-count': '7', slugify: 'ten-tips-for-faster-static-site-builds', 'lazy-images': TITLE }],
    unicode: [
      '  Ünï -- 2024: Hello,\tWörld! 🚀 ',
      { 'word-count': '6', slugify: 'n-2024-hello-w-rld', 'lazy-images': '  Ünï -- 2024: Hello,\tWörld! 🚀 ' },
    ],
    // toLowerCase() would turn the Kelvin sign into an ASCII 'k'; a slug keeps ASCII only.
    kelvin: ['K\u212Aelvin', { 'word-count': '1', slugify: 'k-elvin', 'lazy-images': 'K\u212Aelvin' }],
    images: [
      '<p><img src=a><img\tsrc=b><IMG src=c><img  d> <img',
      {
        'word-count': '6',
        slugify: 'p-img-src-a-img-src-b-img-src-c-img-d-img',
        'lazy-images': '<p><img loading="lazy" src=a><img\tsrc=b><IMG src=c><img loading="lazy"  d> <img',
      },
    ],
  };
  for (const [label, [input, expected]] of Object.entries(cases)) {
    for (const filter of FILTERS) assert.equal(JS_FILTERS[filter](input), expected[filter], `${filter} on ${label}`);
    await verifyOutputs(impls, { [label]: input }, []);
  }
});

test('the output check fails, naming the implementation, when one output differs', async () => {
  const wrong = { ...impls, v8: { ...impls.v8, slugify: (text) => `${impls.v8.slugify(text)}-` } };
  await assert.rejects(verifyOutputs(wrong, benchInputs(), []), (err) => {
    assert.ok(err instanceof OutputMismatch, err.stack);
    assert.equal(err.implementation, 'V8 WebAssembly');
    assert.equal(err.filter, 'slugify');
    assert.match(err.message, /first difference at UTF-16 offset 38/);
    return true;
  });
  const host = impls.alloy;
  const dropsOne = {
    ...impls,
    alloy: {
      filterSync: (name, input) => host.filterSync(name, input),
      filter: (name, input) => host.filter(name, input),
      filterMany: async (name, pages) => (await host.filterMany(name, pages)).slice(1),
    },
  };
  await assert.rejects(verifyOutputs(dropsOne, {}, makePages(2)), (err) => {
    assert.ok(err instanceof OutputMismatch, err.stack);
    assert.equal(err.implementation, 'alloy filterMany');
    assert.match(err.message, /expected 2 outputs, got 1/);
    return true;
  });
});

test('npm run bench -- --quick runs every case and writes the table as JSON', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'alloy-bench-json-'));
  try {
    const json = path.join(dir, 'results.json');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'benchmark/compare.mjs'), '--quick', '--json', json], { cwd: root });
    const results = JSON.parse(readFileSync(json, 'utf8'));
    // per filter: 2 inputs x 7 per-call implementations + 3 batch implementations
    assert.equal(results.rows.length, FILTERS.length * (2 * 7 + 3));
    for (const row of results.rows) {
      assert.ok(Number.isFinite(row.nsPerCall) && row.nsPerCall > 0, JSON.stringify(row));
      assert.ok(row.vsPlainJs > 0 && row.vsV8Wasm > 0, JSON.stringify(row));
      assert.ok(stdout.includes(`| ${row.filter} | ${row.input} | ${row.implementation} |`), `the table shows ${row.implementation}`);
    }
    assert.ok(results.load.bytes > 100_000 && results.load.coldMs > 0 && results.load.warmMs > 0);
    // goals 1, 2a, 2b, 3, 4, 5a, 5b, 6, 7 and 8 of the benchmark's issue
    assert.equal(results.goals.length, 10);
    for (const goal of results.goals) assert.match(stdout, new RegExp(`(PASS|MISS) ${escape(goal.goal)}`));
    assert.equal(results.versions.node, process.version);
    assert.equal(results.machine.cores > 0, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

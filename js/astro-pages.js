'use strict';
// The page pass of the Astro adapter (and of the Eleventy adapter's
// `parallel` option): after a build, runs the per-page
// events (onContentTransformed, then onPageRendered) on every built HTML
// page, and onAssetProcess on every CSS and JS file Vite wrote, many files
// in flight at once so the host's worker threads stay busy, and rewrites in
// place (temp file + rename) each file whose content changed.

const fs = require('node:fs/promises');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { PluginError, ErrorCodes, pluginError, reworded } = require('./errors');
const { PREFIX, oneLine, oneLineError } = require('./adapter-options');

const EVENT = 'onContentTransformed';
const ASSET_EVENT = 'onAssetProcess';
/** The assets onAssetProcess gets: the text files Vite writes. */
const ASSET_EXTENSIONS = /\.(css|js|mjs)$/;

/**
 * The HTML pages of a build, sorted by output path.
 *
 * @param {Map<string, URL[]>} assets  astro:build:done's output files by route pattern
 * @param {Map<string, string>} entrypoints  route pattern -> source file (root-relative)
 * @param {string} outDir  the folder the pages were written to (astro:build:done's `dir`)
 * @param {string} root  Astro's root, which outputPath is relative to
 * @returns {{file: string, relative: string, url: string, inputPath: string, outputPath: string}[]}
 */
function listPages(assets, entrypoints, outDir, root) {
  const pages = new Map();
  for (const [pattern, urls] of assets) {
    for (const url of urls) {
      const file = fileURLToPath(url);
      if (!file.endsWith('.html') || pages.has(file)) continue;
      const relative = toPosix(path.relative(outDir, file));
      pages.set(file, {
        file,
        relative,
        url: urlOf(relative),
        inputPath: entrypoints.get(pattern) ?? '',
        outputPath: toPosix(path.relative(root, file)),
      });
    }
  }
  return [...pages.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The site URL of a page from its path in the output folder: `blog/post/index.html` -> `/blog/post/`. */
function urlOf(relative) {
  const url = `/${relative}`;
  return url.endsWith('/index.html') ? url.slice(0, -'index.html'.length) : url;
}

/**
 * Runs `events` (in order) on every page with at most `concurrency` pages
 * in flight. On the first failure no new page starts; the pages in flight
 * settle, and the error of the first failing page (in output-path order) is
 * thrown, naming the event.
 *
 * @returns {Promise<{pages: number, rewritten: number}>}
 */
async function transformPages(host, pages, concurrency, events = [EVENT], adapter = 'astro') {
  return runPass(pages, concurrency, (page) => transformPage(host, page, events), adapter);
}

/**
 * Runs onAssetProcess on every asset ({ file, relative }) like
 * transformPages does on pages: `{ path, content }` in, and a `content`
 * string out replaces the file's content (anything else keeps it).
 */
async function processAssets(host, assets, concurrency) {
  return runPass(assets, concurrency, (asset) => processAsset(host, asset));
}

/** Runs `one(item)` on every item, `concurrency` at a time; counts the rewritten ones. */
async function runPass(items, concurrency, one, adapter = 'astro') {
  const failures = [];
  let next = 0;
  let rewritten = 0;
  async function worker() {
    while (next < items.length && failures.length === 0) {
      const index = next++;
      try {
        if (await one(items[index])) rewritten++;
      } catch (err) {
        failures.push({ index, err });
      }
    }
  }
  const lanes = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    const { index, err } = failures[0];
    const failure = err instanceof EventFailure ? err : new EventFailure(EVENT, err);
    throw pageError(items[index], failure.cause, failures.length - 1, failure.event, adapter);
  }
  return { pages: items.length, rewritten };
}

/** A failure of one event on one file (the pass names both). */
class EventFailure extends Error {
  constructor(event, cause) {
    super(`${event} failed`, { cause });
    this.event = event;
  }
}

/** Runs the events on one page; rewrites it if its HTML changed. Resolves to whether it did. */
async function transformPage(host, page, events) {
  let original;
  try {
    original = await fs.readFile(page.file, 'utf8');
  } catch (err) {
    throw new EventFailure(events[0] ?? EVENT, err);
  }
  const { url, inputPath, outputPath } = page;
  let html = original;
  for (const event of events) {
    try {
      const result = await host.runHook(event, { html, url, inputPath, outputPath });
      if (result === null || typeof result !== 'object' || typeof result.html !== 'string') {
        throw pluginError(ErrorCodes.BAD_RESULT, `the ${event} hooks must leave an "html" string in the payload; a JS hook returned something else`);
      }
      html = result.html;
    } catch (err) {
      throw new EventFailure(event, err);
    }
  }
  if (html === original) return false;
  try {
    await writeAtomically(page.file, html);
  } catch (err) {
    throw new EventFailure(events[events.length - 1], err);
  }
  return true;
}

/** Runs onAssetProcess on one asset file; rewrites it if its content changed. */
async function processAsset(host, asset) {
  try {
    const content = await fs.readFile(asset.file, 'utf8');
    const result = await host.runHook(ASSET_EVENT, { path: asset.relative, content });
    const next = result !== null && typeof result === 'object' && typeof result.content === 'string' ? result.content : content;
    if (next === content) return false;
    await writeAtomically(asset.file, next);
    return true;
  } catch (err) {
    throw new EventFailure(ASSET_EVENT, err);
  }
}

/** The text assets Vite wrote under `outDir/assetsDir` (CSS and JS), sorted, as { file, relative }. */
async function listAssets(outDir, assetsDir) {
  const base = path.join(outDir, assetsDir);
  let entries;
  try {
    entries = await fs.readdir(base, { recursive: true, withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((entry) => entry.isFile() && ASSET_EXTENSIONS.test(entry.name))
    .map((entry) => {
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      return { file, relative: toPosix(path.relative(outDir, file)) };
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

let tempSequence = 0;

/** Writes `text` to a temp file beside `file`, then renames it over `file`, so readers never see half a page. */
async function writeAtomically(file, text) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${tempSequence++}.alloy-tmp`);
  try {
    await fs.writeFile(temp, text);
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** The build-failing error for a page: names the file, and the plugin and code where there are some. */
function pageError(page, original, others, event = EVENT, adapter = 'astro') {
  const err = oneLineError(original);
  const what = event === ASSET_EVENT ? 'file' : 'page';
  const also = others > 0 ? ` (${others} more ${what}${others === 1 ? '' : 's'} failed too)` : '';
  const source = page.inputPath ? ` (${page.inputPath})` : '';
  const where = adapter === 'astro'
    ? `${PREFIX} astro: ${event} failed on ${page.relative}${also}`
    : `${PREFIX} ${adapter}: ${event} failed on ${page.relative}${source}${also}`;
  if (err instanceof PluginError) {
    return withFile(reworded(err, `${where}: ${err.message}`), page.relative, page.inputPath);
  }
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const detail = `cannot ${err.syscall} the ${what}: ${err.message} [${ErrorCodes.IO_ERROR}]`;
    return withFile(new PluginError(`${where}: ${detail}`, { code: ErrorCodes.IO_ERROR, cause: err }), page.relative, page.inputPath);
  }
  const detail = oneLine(err instanceof Error ? err.message : String(err));
  return withFile(new Error(`${where}: a JS ${event} handler threw: ${detail}`, { cause: err }), page.relative, page.inputPath);
}

function withFile(err, file, inputPath) {
  err.file = file;
  if (inputPath) err.inputPath = inputPath;
  return err;
}

function toPosix(p) {
  return p.split(path.sep).join('/');
}

module.exports = { listPages, listAssets, transformPages, processAssets, urlOf, EVENT, ASSET_EVENT };

'use strict';
// The Astro adapter's page pass: after `astro build`, runs the
// onContentTransformed hooks on every built HTML page, many pages in flight
// at once so the host's worker threads stay busy, and rewrites in place
// (temp file + rename) each page whose HTML changed.

const fs = require('node:fs/promises');
const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { PluginError, ErrorCodes, pluginError } = require('./errors');
const { PREFIX, oneLine, oneLineError } = require('./adapter-options');

const EVENT = 'onContentTransformed';

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
 * Runs the hooks on every page with at most `concurrency` pages in flight.
 * On the first failure no new page starts; the pages in flight settle, and
 * the error of the first failing page (in output-path order) is thrown.
 *
 * @returns {Promise<{pages: number, rewritten: number}>}
 */
async function transformPages(host, pages, concurrency) {
  const failures = [];
  let next = 0;
  let rewritten = 0;
  async function worker() {
    while (next < pages.length && failures.length === 0) {
      const index = next++;
      try {
        if (await transformPage(host, pages[index])) rewritten++;
      } catch (err) {
        failures.push({ index, err });
      }
    }
  }
  const lanes = Math.max(1, Math.min(concurrency, pages.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    throw pageError(pages[failures[0].index], failures[0].err, failures.length - 1);
  }
  return { pages: pages.length, rewritten };
}

/** Runs the hooks on one page; rewrites it if its HTML changed. Resolves to whether it did. */
async function transformPage(host, page) {
  const html = await fs.readFile(page.file, 'utf8');
  const { url, inputPath, outputPath } = page;
  const result = await host.runHook(EVENT, { html, url, inputPath, outputPath });
  if (result === null || typeof result !== 'object' || typeof result.html !== 'string') {
    throw pluginError(ErrorCodes.BAD_RESULT, `the ${EVENT} hooks must leave an "html" string in the payload; a JS hook returned something else`);
  }
  if (result.html === html) return false;
  await writeAtomically(page.file, result.html);
  return true;
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
function pageError(page, original, others) {
  const err = oneLineError(original);
  const also = others > 0 ? ` (${others} more page${others === 1 ? '' : 's'} failed too)` : '';
  const where = `${PREFIX} astro: ${EVENT} failed on ${page.relative}${also}`;
  if (err instanceof PluginError) {
    const fields = { code: err.code, plugin: err.plugin, export: err.export, cause: err };
    return withFile(new PluginError(`${where}: ${err.message}`, fields), page.relative);
  }
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    const detail = `cannot ${err.syscall} the page: ${err.message} [${ErrorCodes.IO_ERROR}]`;
    return withFile(new PluginError(`${where}: ${detail}`, { code: ErrorCodes.IO_ERROR, cause: err }), page.relative);
  }
  const detail = oneLine(err instanceof Error ? err.message : String(err));
  return withFile(new Error(`${where}: a JS ${EVENT} handler threw: ${detail}`, { cause: err }), page.relative);
}

function withFile(err, file) {
  err.file = file;
  return err;
}

function toPosix(p) {
  return p.split(path.sep).join('/');
}

module.exports = { listPages, transformPages, urlOf, EVENT };

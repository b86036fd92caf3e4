// The Eleventy side of the site-build benchmark: writes the 2,000 Markdown
// pages as an Eleventy site, and builds it (in the calling process) one of
// the ways the benchmark compares. Every variant renders the same .md files
// through Eleventy's Markdown engine (Liquid first, as Eleventy does by
// default) into the same Nunjucks layout; only the Markdown renderer differs:
//
//   a       markdown-it, Eleventy's own (the default library: html on, indented code off)
//   b       markdown.wasm through V8's WebAssembly (benchmark/lib/v8-wasm.mjs), as the
//           Markdown library: eleventyConfig.setLibrary('md', { render })
//   c-sync  markdown.wasm through the alloy-wasm Eleventy adapter: its filter as the
//           Markdown library, called on Eleventy's thread (the adapter's default)
//   c       the same with `async: ['markdown']`: each page's call runs on the host's
//           worker threads, and Eleventy renders pages concurrently
//   c-hook  the adapter's onContentTransformed hook: the library only wraps the
//           Markdown in <script type="text/markdown">, which the plugin's hook renders
//   c-par   the same hook with the adapter's `parallel: true`: one pass over the
//           written pages at eleventy.after, spread over the worker threads
//   none    no Markdown rendering at all (the text as it is): Eleventy's own cost,
//           for the profile (--profile)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { markdownPages } from './content.mjs';

export const ELEVENTY_VARIANTS = ['a', 'b', 'c-sync', 'c', 'c-hook', 'c-par', 'none'];
const ADAPTER = new Set(['c-sync', 'c', 'c-hook', 'c-par']);

/** Writes the site's sources into `src`. */
export function writeEleventySite(src, count) {
  mkdirSync(path.join(src, 'posts'), { recursive: true });
  mkdirSync(path.join(src, '_includes'), { recursive: true });
  writeFileSync(path.join(src, '_includes/layout.njk'), `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{ title }}</title>
</head>
<body>
  <header><a href="/">All articles</a></header>
  <main>
{{ content | safe }}
  </main>
</body>
</html>
`);
  writeFileSync(path.join(src, 'index.njk'), `---
layout: layout.njk
title: Markdown site
---
<ul>
{%- for post in collections.posts %}
  <li><a href="{{ post.url }}">{{ post.data.title }}</a></li>
{%- endfor %}
</ul>
`);
  for (const { slug, title, markdown } of markdownPages(count)) {
    writeFileSync(path.join(src, 'posts', `${slug}.md`), `---\nlayout: layout.njk\ntags: posts\ntitle: ${JSON.stringify(title)}\n---\n${markdown}`);
  }
}

/**
 * Builds the site once, in this process. Resolves to what the benchmark
 * records: the build's time (from `new Eleventy()` to the end of `write()`),
 * the process's CPU time, the pages written and, for the variants whose
 * renderer runs on Eleventy's thread, the time spent in it.
 */
export async function buildEleventy({ variant, src, out, pluginDir, cacheDir, memoDir, wasm }) {
  if (!ELEVENTY_VARIANTS.includes(variant)) throw new Error(`unknown Eleventy variant ${variant}`);
  const { default: Eleventy } = await import('@11ty/eleventy');
  const library = await markdownLibrary(variant, wasm);
  const alloyWasm = ADAPTER.has(variant) ? (await import('alloy-wasm/eleventy')).default : null;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const eleventy = new Eleventy(src, out, {
    quietMode: true,
    configPath: false,
    config(eleventyConfig) {
      if (alloyWasm !== null) {
        const options = { dir: pluginDir, cacheDir };
        if (variant === 'c') options.async = ['markdown'];
        if (variant === 'c-par') options.parallel = true;
        if (memoDir) options.memoize = { dir: memoDir };
        eleventyConfig.addPlugin(alloyWasm, options);
      }
      if (variant === 'c-sync' || variant === 'c') {
        eleventyConfig.setLibrary('md', {
          render(text, data) {
            // The adapter's filter; `this` gives it the page to name in an error.
            return eleventyConfig.getFilter('markdown').call({ page: data?.page }, text);
          },
        });
      } else if (library !== null) {
        eleventyConfig.setLibrary('md', library);
      }
    },
  });
  const [, templates] = await eleventy.write();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  // The renderer's own time, where it runs on Eleventy's thread (a and b).
  const renderMs = variant === 'a' || variant === 'b' ? library.renderMs() : null;
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, files: templates.length, renderMs };
}

/** The Markdown library of a variant, timed; null for Eleventy's own markdown-it (timed by a wrapper too). */
async function markdownLibrary(variant, wasm) {
  let render;
  if (variant === 'a') {
    // Eleventy's own markdown-it, set up as Eleventy does (html: true, indented code off),
    // wrapped only to time it.
    const { default: markdownIt } = await import('markdown-it');
    const md = markdownIt({ html: true });
    md.disable('code');
    render = (text) => md.render(text);
  } else if (variant === 'b') {
    const { loadV8Filter } = await import('../lib/v8-wasm.mjs');
    render = await loadV8Filter(wasm);
  } else if (variant === 'c-hook' || variant === 'c-par') {
    render = (text) => `<script type="text/markdown">${text}</script>`;
  } else if (variant === 'none') {
    render = (text) => text;
  } else {
    return null; // c-sync, c: the adapter's filter (see buildEleventy)
  }
  let spent = 0;
  return {
    render(text) {
      const t = performance.now();
      const html = render(text);
      spent += performance.now() - t;
      return html;
    },
    renderMs: () => spent,
  };
}

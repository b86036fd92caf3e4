// Peak memory of an Eleventy build of big pages (issue 11, item 12): a JS
// hook makes every page about --mb MB before lazy-images.wasm runs on it,
// against the same edits as plain Eleventy transforms. Each build runs in
// its own process under /usr/bin/time -v; the report gives each one's
// maximum resident set size, its time, and the ratio wasm / js.
//
// Usage: node scripts/big-pages.mjs [--pages 200] [--mb 10] [--variant wasm|js|both] [--heap-mb 12000]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    pages: { type: 'string', default: '200' },
    mb: { type: 'string', default: '10' },
    variant: { type: 'string', default: 'both' },
    // V8's heap limit for both builds (Node's default, about 4 GB here, is too small for either at 200 pages).
    'heap-mb': { type: 'string', default: '12000' },
    child: { type: 'string' }, // internal: build one variant in this process
    work: { type: 'string' },
  },
});

/** What the JS hook does to a page: about `mb` MB of paragraphs with images, before </body>. */
function bloat(html, mb) {
  const block = '<p>Big page: some text, an image <img src="/a.png" alt="a"> and more text.</p>\n';
  return html.replace('</body>', `${block.repeat(Math.ceil((mb * 1e6) / block.length))}</body>`);
}

if (args.child) {
  await buildOnce(args.child, args.work, Number(args.mb));
} else {
  main();
}

async function buildOnce(variant, work, mb) {
  const { default: Eleventy } = await import('@11ty/eleventy');
  const { default: alloyWasm } = await import(path.join(root, 'js/eleventy.js'));
  const started = performance.now();
  const eleventy = new Eleventy(path.join(work, 'src'), path.join(work, `_site-${variant}`), {
    quietMode: true,
    configPath: false,
    config(eleventyConfig) {
      if (variant === 'wasm') {
        eleventyConfig.addPlugin(alloyWasm, {
          dir: path.join(work, 'plugins'),
          cacheDir: path.join(work, 'cache'),
          timeoutMs: 120_000, // a 10 MB page takes lazy-images about a second
          hooks: [{ event: 'onContentTransformed', priority: 10, handler: (page) => ({ ...page, html: bloat(page.html, mb) }) }],
        });
      } else {
        eleventyConfig.addTransform('bloat', function (content) {
          return this.page.outputPath.endsWith('.html') ? bloat(content, mb) : content;
        });
        eleventyConfig.addTransform('lazy-images', function (content) {
          return this.page.outputPath.endsWith('.html') ? content.replaceAll('<img ', '<img loading="lazy" ') : content;
        });
      }
    },
  });
  const [, templates] = await eleventy.write();
  process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, files: templates.length })}\n`);
}

function main() {
  const pages = Number(args.pages);
  const temp = mkdtempSync(path.join(os.tmpdir(), 'alloy-big-pages-'));
  try {
    mkdirSync(path.join(temp, 'src'));
    mkdirSync(path.join(temp, 'plugins'));
    copyFileSync(path.join(root, 'build/fixtures/plugins/lazy-images.wasm'), path.join(temp, 'plugins/lazy-images.wasm'));
    for (let i = 0; i < pages; i++) {
      writeFileSync(path.join(temp, 'src', `p${i}.html`), `<!doctype html><html><body><h1>Page ${i}</h1><img src="/p${i}.png"></body></html>\n`);
    }
    const variants = args.variant === 'both' ? ['js', 'wasm'] : [args.variant];
    const results = {};
    for (const variant of variants) {
      const run = spawnSync('/usr/bin/time', ['-v', process.execPath, `--max-old-space-size=${args['heap-mb']}`, fileURLToPath(import.meta.url), '--child', variant, '--work', temp, '--mb', args.mb], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      const out = `${run.stdout}${run.stderr}`;
      const status = run.status;
      const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(out)?.[1]);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      const build = line ? JSON.parse(line) : null;
      results[variant] = { rssMb: rssKb / 1024, ms: build?.ms ?? null, files: build?.files ?? 0, status };
      process.stderr.write(`${variant.padEnd(4)} max RSS ${(rssKb / 1024).toFixed(0)} MB, ${build ? `${(build.ms / 1000).toFixed(1)} s, ${build.files} pages` : `failed (status ${status})`}\n`);
      if (!build) process.stderr.write(`${out.split('\n').filter((l) => !/^\t/.test(l)).slice(-15).join('\n')}\n`);
    }
    if (results.js && results.wasm && results.js.files && results.wasm.files) {
      const digest = (variant) => createHash('sha256').update(readFileSync(path.join(temp, `_site-${variant}`, 'p0/index.html'))).digest('hex');
      const same = digest('js') === digest('wasm');
      process.stderr.write(`same output: ${same}; peak RSS wasm / js = ${(results.wasm.rssMb / results.js.rssMb).toFixed(2)}\n`);
    }
    process.stdout.write(`${JSON.stringify({ pages, mb: Number(args.mb), results })}\n`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

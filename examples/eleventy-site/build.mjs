// Builds the example site (`npm run example:eleventy`): copies the example
// plugins it uses from build/fixtures/plugins into plugins/, then runs
// Eleventy in this folder, the site root, with eleventy.config.mjs.
//
//   node examples/eleventy-site/build.mjs                 build into _site/
//   node examples/eleventy-site/build.mjs --output DIR    build into DIR instead
//   node examples/eleventy-site/build.mjs --serve         build, serve on :8080 and rebuild on changes
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const site = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(site, '../../build/fixtures/plugins');
const plugins = path.join(site, 'plugins');
// A filter, a shortcode, a paired shortcode and the onContentTransformed hook.
const USED = ['uppercase', 'youtube', 'callout', 'lazy-images'];

const missing = USED.filter((name) => !existsSync(path.join(fixtures, `${name}.wasm`)));
if (missing.length > 0) {
  console.error(`[alloy-wasm] example: ${missing.join(', ')} not found in ${fixtures}; build the example plugins with \`npm run build:fixtures\``);
  process.exit(1);
}
// Fresh copies, so a stale or extra plugin never lingers in the folder.
mkdirSync(plugins, { recursive: true });
for (const file of readdirSync(plugins)) if (file.endsWith('.wasm')) rmSync(path.join(plugins, file));
for (const name of USED) copyFileSync(path.join(fixtures, `${name}.wasm`), path.join(plugins, `${name}.wasm`));

// Eleventy resolves the site (and alloy-wasm its relative `dir`) against the working directory.
const cwd = process.cwd();
process.chdir(site);
const { default: Eleventy } = await import('@11ty/eleventy');
const serve = process.argv.includes('--serve');
const at = process.argv.indexOf('--output');
if (at > 0 && !process.argv[at + 1]) {
  console.error('[alloy-wasm] example: --output needs a folder, like --output /tmp/site');
  process.exit(1);
}
const output = at > 0 ? path.resolve(cwd, process.argv[at + 1]) : undefined; // undefined: the config's _site
const eleventy = new Eleventy(undefined, output, {
  configPath: path.join(site, 'eleventy.config.mjs'),
  runMode: serve ? 'serve' : 'build',
  quietMode: !serve, // one summary line instead of 2,001 "Writing ..." lines
  source: 'cli', // as the `eleventy` command: --output wins over the config's dir
});
await eleventy.init();
if (serve) {
  await eleventy.watch();
  eleventy.serve();
} else {
  await eleventy.write();
  summarize(output ?? path.join(site, '_site'));
}

/** Says what the build did: pages written, and what each WASM plugin left in them. */
function summarize(dir) {
  const pages = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.html')) pages.push(readFileSync(file, 'utf8'));
    }
  };
  walk(dir);
  const count = (re) => pages.reduce((n, html) => n + (html.match(re) || []).length, 0);
  const where = path.relative(cwd, dir) || '.';
  console.log(`[alloy-wasm] example: ${pages.length} pages in ${where}/, built through ${USED.length} WASM plugins:`);
  console.log(`  uppercase    (Rust filter)            ${count(/<h1>[^<a-z]*<\/h1>/g)} upper-cased <h1> titles`);
  console.log(`  youtube      (Rust shortcode)         ${count(/<div class="youtube">/g)} video embeds`);
  console.log(`  callout      (Rust paired shortcode)  ${count(/<aside class="callout/g)} callouts`);
  console.log(`  lazy-images  (Rust hook)              ${count(/<img loading="lazy"/g)} <img> tags given loading="lazy"`);
}

// The benchmark inputs: a 40-byte title and deterministic 50 KB HTML pages with
// some non-ASCII text and several <img> tags. The same seed always gives the same page.

export const TITLE = 'Ten Tips for Faster Static Site Builds!!';
export const PAGE_BYTES = 50_000;

const WORDS = [
  'static', 'site', 'build', 'template', 'layout', 'filter', 'shortcode', 'plugin', 'cache',
  'render', 'markdown', 'image', 'asset', 'bundle', 'deploy', 'preview', 'content', 'page',
  'the', 'a', 'of', 'and', 'to', 'in', 'is', 'for', 'with', 'on', 'fast', 'small', 'safe',
];
// Non-ASCII words (two-, three- and four-byte UTF-8): V8 keeps the page as a
// two-byte string, as it does for most real sites.
const FOREIGN = ['café', 'naïve', 'Straße', 'Ünïcödé', 'señor', '日本語', 'テキスト', '中文', 'Ελληνικά', 'emoji 🚀', '—', '“quoted”'];

/** A small deterministic PRNG (mulberry32): the same seed, the same page. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(next) {
  const count = 6 + Math.floor(next() * 14);
  const words = [];
  for (let i = 0; i < count; i++) {
    const list = next() < 0.08 ? FOREIGN : WORDS;
    words.push(list[Math.floor(next() * list.length)]);
  }
  const text = words.join(' ');
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function block(next, n) {
  const kind = next();
  if (kind < 0.12) return `<h2 id="section-${n}">${sentence(next)}</h2>\n`;
  if (kind < 0.27) {
    const w = 320 + Math.floor(next() * 960);
    return `<figure><img src="/img/photo-${n}.jpg" alt="${sentence(next)}" width="${w}"><figcaption>${sentence(next)}</figcaption></figure>\n`;
  }
  if (kind < 0.37) return `<ul><li>${sentence(next)}</li><li>${sentence(next)}</li></ul>\n`;
  return `<p>${sentence(next)} ${sentence(next)} <a href="/posts/${n}/">${sentence(next)}</a> ${sentence(next)}</p>\n`;
}

/** A `PAGE_BYTES`-byte (UTF-8) HTML page; `seed` picks the text. */
export function makePage(seed = 1) {
  const next = random(seed);
  const head = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${TITLE}</title></head>\n<body><main>\n`;
  const tail = '</main></body></html>\n';
  let body = '';
  let bytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  for (let n = 0; ; n++) {
    const html = block(next, n);
    const size = Buffer.byteLength(html);
    if (bytes + size > PAGE_BYTES) break;
    body += html;
    bytes += size;
  }
  // Pad to the exact size with newlines (whitespace: no word, no slug character).
  return head + body + '\n'.repeat(PAGE_BYTES - bytes) + tail;
}

/** `count` pages for batch calls: `variants` different pages, repeated in turn. */
export function makePages(count, variants = 16) {
  const distinct = Array.from({ length: Math.min(variants, count) }, (_, i) => makePage(i + 1));
  return Array.from({ length: count }, (_, i) => distinct[i % distinct.length]);
}

/** The inputs every filter is timed on, by label. */
export function benchInputs() {
  return { '40 B': TITLE, '50 KB': makePage(1) };
}

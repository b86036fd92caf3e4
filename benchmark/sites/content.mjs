// The Markdown pages of the site-build benchmark: the 2,000 articles of the
// Eleventy example (examples/eleventy-site/src/_data/articles.js: same seed,
// titles, words and images) written out as real Markdown documents of 2 to
// 5 KB each, with headings, emphasis, links, entities, UTF-8 text, lists
// (some nested), tables, fenced code blocks, quotes and images. The same on
// every run.
//
// Only syntax that markdown-it (as Eleventy sets it up) and pulldown-cmark
// both treat as Markdown: no indented code blocks (Eleventy turns them off),
// no single-tilde strikethrough, nothing Liquid would read as a tag
// (Eleventy runs .md files through Liquid first), no `</script>`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const articles = require('../../examples/eleventy-site/src/_data/articles.js');

const LANGUAGES = ['js', 'rust', 'css', 'html', 'sh'];
const UNICODE = ['naïve café', 'Straße', 'crème brûlée', '日本語のテキスト', 'Ωmega ≈ π', 'emoji 🦀 and 🚀', 'Zürich — Genève'];

/** The pages: `{ slug, title, markdown }`, `count` of them (at most 2,000). */
export function markdownPages(count = 2000) {
  return articles().slice(0, count).map((article, i) => ({
    slug: article.slug,
    title: article.title,
    markdown: page(article, i),
  }));
}

function page(article, i) {
  const [p1, p2, p3, p4] = article.paragraphs;
  const words = p1.split(' ');
  const blocks = [
    `# ${article.title}`,
    `${emphasize(p1, i)} See [the previous article](/posts/article-${pad(Math.max(1, i))}/ "Previous") ` +
      `&amp; the [spec](https://webassembly.github.io/spec/core/?page=${i}&lang=en). ${UNICODE[i % UNICODE.length]}, &copy; 2026.`,
    `## ${capital(words[3])} and ${words[7]}`,
    list(words, i),
    `${emphasize(p2, i + 1)}`,
  ];
  if (i % 2 === 0) blocks.push(`## Numbers for ${words[5]}`, table(words, i));
  blocks.push(`### ${capital(words[9])} in ${LANGUAGES[i % LANGUAGES.length]}`, code(words, i));
  if (i % 3 === 0) blocks.push(`> **Note:** ${p3.slice(0, 160 + (i % 7) * 20)}.\n> The ${words[2]} stays \`${words[4]}\`.`);
  blocks.push(`![${words[1]} diagram](${article.images[0]})`, emphasize(p4, i + 2));
  if (i % 4 === 1) blocks.push('---', `${emphasize(p3, i + 3)}  \nLast edited by the *${words[6]}* team.`);
  if (i % 5 === 2) blocks.push(`## More`, `${emphasize(p2, i + 4)} ${emphasize(p3, i + 5)}`, code(words.slice(10), i + 1));
  return `${blocks.join('\n\n')}\n`;
}

/** A paragraph with some words in *em*, **strong**, `code` and ~~struck~~. */
function emphasize(paragraph, seed) {
  return paragraph.split(' ').map((word, k) => {
    switch ((k * 7 + seed) % 23) {
      case 0: return `*${word}*`;
      case 5: return `**${word}**`;
      case 11: return `\`${word}()\``;
      case 17: return `~~${word}~~`;
      default: return word;
    }
  }).join(' ') + '.';
}

function list(words, i) {
  const items = [];
  const n = 3 + (i % 4);
  for (let k = 0; k < n; k++) {
    items.push(`- ${capital(words[(k * 5 + i) % words.length])} ${words[(k * 3 + 1) % words.length]} with [link ${k + 1}](#part-${k + 1})`);
    if (k === 1 && i % 2 === 1) {
      items.push(`  1. first ${words[k + 10]}`, `  2. then ${words[k + 11]} & ${words[k + 12]}`, `  3. done`);
    }
  }
  return items.join('\n');
}

function table(words, i) {
  const rows = ['| Name | Size (KB) | Status |', '|:-----|---------:|:------:|'];
  for (let k = 0; k < 3 + (i % 6); k++) {
    rows.push(`| \`${words[(k + i) % words.length]}\` | ${((k + 1) * (i % 97)) / 10} | ${k % 2 ? '✓ ok' : '**slow**'} |`);
  }
  return rows.join('\n');
}

function code(words, i) {
  const lang = LANGUAGES[i % LANGUAGES.length];
  const lines = [];
  for (let k = 0; k < 5 + (i % 11); k++) {
    const a = words[(k + i) % words.length];
    const b = words[(k * 3 + 2) % words.length];
    lines.push(`const ${a}_${k} = "${b}" < 10 && ${a}.length > 0 ? '<${b}>' : null; // ${b} & ${a}`);
  }
  return `\`\`\`${lang}\n${lines.join('\n')}\n\`\`\``;
}

function capital(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function pad(n) {
  return String(n).padStart(4, '0');
}

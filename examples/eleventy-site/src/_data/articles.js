// 2,000 generated articles, the data behind the pagination of src/article.njk
// (CommonJS, like the repository it sits in).
// A fixed seed, so every build makes the same site.

const COUNT = 2000;
const WORDS = ('webassembly plugin filter shortcode hook sandbox memory thread worker page site build ' +
  'module compile instance export import string buffer stream cache layout template render output').split(' ');

function* random(seed) {
  // A linear congruential generator: tiny, fast and deterministic.
  let state = seed;
  for (;;) {
    state = (state * 1103515245 + 12345) % 2147483648;
    yield state / 2147483648;
  }
}

function words(rng, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(WORDS[Math.floor(rng.next().value * WORDS.length)]);
  return out.join(' ');
}

module.exports = function articles() {
  const rng = random(42);
  return Array.from({ length: COUNT }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      slug: `article-${n}`,
      title: `Article ${n}: ${words(rng, 4)}`,
      video: `vid${n}`,
      paragraphs: Array.from({ length: 4 }, () => words(rng, 60)),
      images: Array.from({ length: 3 }, (_, k) => `/img/${n}-${k + 1}.png`),
    };
  });
};

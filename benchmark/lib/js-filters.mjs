// The three benchmark filters in plain JavaScript. V8 runs these functions;
// QuickJS evaluates their source text (filterSource()), so both run the same code.
// Each function must stay self-contained (no module-level references) for that.

/** The number of maximal runs of non-whitespace (space, \t \n \v \f \r), as decimal text. */
export function wordCount(text) {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return String(words);
}

/** ASCII letters lower-cased and digits kept; every other run becomes one '-', none at the ends. */
export function slugify(text) {
  // Replace before lower-casing: toLowerCase() would turn some non-ASCII
  // letters into ASCII ones ('\u212A' KELVIN SIGN becomes 'k').
  return text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

/** Every `<img ` becomes `<img loading="lazy" `. */
export function lazyImages(html) {
  return html.replaceAll('<img ', '<img loading="lazy" ');
}

/** The filters by benchmark name, with the global name QuickJS knows each one by. */
export const JS_FILTERS = {
  'word-count': wordCount,
  slugify,
  'lazy-images': lazyImages,
};

/** The source text of every filter, as function declarations for another engine to evaluate. */
export function filterSource() {
  return Object.values(JS_FILTERS).map((fn) => fn.toString()).join('\n\n');
}

// How markdown-it's HTML (as Eleventy sets it up) differs from
// pulldown-cmark's (examples/plugins/rust-markdown) for the same page: each
// known difference is a rewrite of pulldown-cmark's markup into
// markdown-it's; a page whose two renderings are equal after the rewrites
// differs only in those ways. The report counts the pages each rewrite
// changed and the pages still different after all of them.

/** [name, rewrite of pulldown-cmark's HTML into markdown-it's]. */
export const DIFFERENCES = [
  ['strikethrough is <del> (markdown-it: <s>)', (html) => html.replace(/<(\/?)del>/g, '<$1s>')],
  ['void elements end in " />" (markdown-it: ">")', (html) => html.replace(/<(hr|br|img)([^>]*?) \/>/g, '<$1$2>')],
  ['table rows on one line (markdown-it: one tag per line)', (html) =>
    html.replace(/<(\/?)(table|thead|tbody|tr|th|td)( [^>]*)?>\n?/g, (_, slash, tag, attrs = '') => {
      const open = `<${slash}${tag}${attrs}>`;
      // markdown-it puts a newline after every table tag but an opening th/td.
      return (!slash && (tag === 'th' || tag === 'td')) ? open : `${open}\n`;
    }).replace(/\n(<\/t[dh]>)/g, '$1')],
  ['alignment style="text-align: x" (markdown-it: "text-align:x")', (html) => html.replace(/style="text-align: /g, 'style="text-align:')],
  ['" in text is kept (markdown-it: &quot;)', (html) => html.replace(/(^|>)([^<]*)/g, (_, end, text) => end + text.replace(/"/g, '&quot;'))],
];

/**
 * Compares markdown-it's and pulldown-cmark's renderings of the same pages.
 * @param {Map<string, string>} markdownIt  page -> HTML
 * @param {Map<string, string>} pulldown    page -> HTML
 */
export function compareMarkup(markdownIt, pulldown) {
  const changed = DIFFERENCES.map(() => 0);
  let identical = 0;
  const remaining = [];
  for (const [page, theirs] of markdownIt) {
    let ours = pulldown.get(page);
    if (ours === undefined) throw new Error(`${page} is missing from the pulldown-cmark build`);
    if (ours === theirs) {
      identical++;
      continue;
    }
    DIFFERENCES.forEach(([, rewrite], k) => {
      const next = rewrite(ours);
      if (next !== ours) changed[k]++;
      ours = next;
    });
    if (ours !== theirs) remaining.push({ page, at: firstDifference(ours, theirs) });
  }
  return {
    pages: markdownIt.size,
    identical,
    differences: DIFFERENCES.map(([name], k) => ({ name, pages: changed[k] })),
    equalAfterRewrites: markdownIt.size - remaining.length,
    stillDifferent: remaining.length,
    examples: remaining.slice(0, 3),
  };
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return { pulldown: a.slice(Math.max(0, i - 40), i + 60), markdownIt: b.slice(Math.max(0, i - 40), i + 60) };
}

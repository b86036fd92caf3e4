// The site-build benchmark's Markdown report (benchmark/results/sites-latest.md).

const WHAT = {
  eleventy: {
    a: 'markdown-it (Eleventy\'s own Markdown library)',
    b: 'markdown.wasm through V8\'s WebAssembly, as the Markdown library',
    'c-sync': 'alloy-wasm adapter: the filter as the Markdown library, on Eleventy\'s thread',
    c: 'alloy-wasm adapter: the filter as the Markdown library, `async` (worker threads)',
    'c-hook': 'alloy-wasm adapter: the onContentTransformed hook renders each page',
    'c-par': 'alloy-wasm adapter: the same hook with `parallel: true` (one pass over the written pages, worker threads)',
    none: 'no Markdown rendering (Eleventy\'s own cost)',
  },
  astro: {
    a: 'markdown-it in the frontmatter',
    b: 'markdown.wasm through V8\'s WebAssembly, in the frontmatter',
    c: 'alloy-wasm integration: `filter()` in the frontmatter (worker threads)',
    'c-hook': 'alloy-wasm integration: the onContentTransformed pass after the build',
    none: 'no Markdown rendering (Astro\'s own cost)',
  },
};

const s = (ms) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(2)}`);
const msText = (ms) => (ms === null || ms === undefined ? '-' : `${Math.round(ms)}`);

export function siteReport(results, command) {
  const { machine, versions, date, commit, rounds } = results;
  const lines = [
    '# Site builds: Markdown with pulldown-cmark (WebAssembly) against markdown-it',
    '',
    `${date}, commit ${commit}; ${machine.cpu}, ${machine.cores} cores, ${machine.os}; Node ${versions.node}.`,
    `Load average (1, 5, 15 min) at the start ${machine.loadAverage.start.join(', ')}, at the end ${machine.loadAverage.end.join(', ')}` +
      ' (the machine is shared: the numbers are noisy).',
    `Command: \`${command}\`. markdown.wasm: ${results.wasmBytes.toLocaleString('en-US')} bytes (examples/plugins/rust-markdown).`,
    '',
    `Each build is a fresh process, timed from spawn to exit (seconds, median of ${rounds}); the variants alternate, a, b, c, ..., each round starting one later.` +
      ' The Eleventy builds also time themselves from `new Eleventy()` to the end of `write()` ("build").',
  ];
  for (const [name, site] of Object.entries(results.sites)) lines.push('', ...siteSection(name, site));
  if (results.cpuProfiles) lines.push('', ...profileSection(results.cpuProfiles));
  return `${lines.join('\n')}\n`;
}

function siteSection(name, site) {
  const title = name === 'eleventy' ? `Eleventy, ${site.pages.toLocaleString('en-US')} Markdown pages` : `Astro, the example site with ${site.pages} Markdown posts`;
  const lines = [
    `## ${title}`,
    '',
    'Medians; "fastest" is the fastest of the builds (on a busy machine, the closest to the build\'s own cost).',
    '',
    '| variant | renderer | whole build, s | fastest, s | build, s | CPU, s | fastest CPU, s | rendering, ms | hook pass, ms | builds, s (1-min load avg) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const [variant, sum] of Object.entries(site.summary)) {
    const list = site.runs[variant];
    const each = list.map((r) => `${s(r.wallMs)} (${r.load})`).join(', ');
    const fastest = (key) => (list.every((r) => typeof r[key] === 'number') ? Math.min(...list.map((r) => r[key])) : null);
    lines.push(`| ${variant} | ${WHAT[name][variant]} | ${s(sum.wallMs)} | ${s(fastest('wallMs'))} | ${s(sum.buildMs)} | ${s(sum.cpuMs)} | ${s(fastest('cpuMs'))} | ${msText(sum.renderMs)} | ${msText(sum.hookPassMs)} | ${each} |`);
  }
  const a = site.summary.a?.wallMs;
  const b = site.summary.b?.wallMs;
  const best = Math.min(a, b);
  lines.push('');
  const faster = a <= b ? 'a' : 'b';
  const bestCpu = site.summary[faster].cpuMs;
  for (const variant of Object.keys(site.summary).filter((v) => v.startsWith('c'))) {
    const ratio = site.summary[variant].wallMs / best;
    const cpu = bestCpu && site.summary[variant].cpuMs ? ` (CPU time ${(site.summary[variant].cpuMs / bestCpu).toFixed(2)}x)` : '';
    lines.push(`- ${variant} / the faster of a and b (${faster}): ${ratio.toFixed(2)}x whole build${cpu}; goal at most 0.6x: ${ratio <= 0.6 ? 'PASS' : 'MISS'}`);
  }
  if (site.summary.none) {
    lines.push(`- No Markdown rendering at all (none): ${(site.summary.none.wallMs / best).toFixed(2)}x the faster of a and b: the floor for any renderer.`);
  }
  if (site.memo) {
    const { variant, firstMs, secondMs } = site.memo;
    const speedup = firstMs / secondMs;
    lines.push(`- ${variant} with the disk memo: first build ${s(firstMs)} s, second (unchanged site) ${s(secondMs)} s: ${speedup.toFixed(2)}x faster; goal at least 2x: ${speedup >= 2 ? 'PASS' : 'MISS'}`);
  }
  const { checks } = site;
  const m = checks.markup;
  lines.push(
    `- Checked: ${checks.identical.join(', ')} wrote byte-identical sites (${checks.files} files).`,
    `- markdown-it (a) against pulldown-cmark (b), page by page: ${m.identical} of ${m.pages} identical; ${m.equalAfterRewrites} equal after rewriting these differences of pulldown-cmark's markup into markdown-it's:`,
    ...m.differences.map((d) => `  - ${d.name}: ${d.pages} pages`),
  );
  if (m.stillDifferent > 0) lines.push(`  - still different: ${m.stillDifferent} pages, e.g. ${JSON.stringify(m.examples[0])}`);
  return lines;
}

/** The --cpu-prof table: main-thread milliseconds by category, one column per variant. */
export function profileSection(profiles) {
  const variants = Object.keys(profiles);
  const categories = [...new Set(variants.flatMap((v) => Object.keys(profiles[v].byCategory)))]
    .sort((x, y) => (profiles.a?.byCategory[y] ?? 0) - (profiles.a?.byCategory[x] ?? 0));
  const lines = [
    '## Where the Eleventy build\'s main thread spends its time (one build each under `node --cpu-prof`)',
    '',
    `Self time in ms by what the code belongs to (load average ${variants.map((v) => `${v} ${profiles[v].load}`).join(', ')}).` +
      ' The host\'s worker threads are not profiled: their work is the main thread\'s idle time.',
    '',
    `| | ${variants.join(' | ')} |`,
    `|---|${variants.map(() => '---:').join('|')}|`,
  ];
  for (const category of categories) lines.push(`| ${category} | ${variants.map((v) => Math.round(profiles[v].byCategory[category] ?? 0)).join(' | ')} |`);
  lines.push(`| total | ${variants.map((v) => Math.round(profiles[v].total)).join(' | ')} |`);
  return lines;
}

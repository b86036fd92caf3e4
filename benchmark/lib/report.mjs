// The benchmark's printed report: Markdown tables (pasted into the README as is).

/** 1234567.8 -> "1,234,568". */
function ns(value) {
  return Math.round(value).toLocaleString('en-US');
}

function ratio(value) {
  if (value === null) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** rows: [{ filter, input, implementation, nsPerCall, vsPlainJs, vsV8Wasm }]. */
export function rowsTable(rows) {
  const lines = [
    '| filter | input | implementation | ns per call | vs plain JS | vs V8 WebAssembly |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.filter} | ${r.input} | ${r.implementation} | ${ns(r.nsPerCall)} | ${ratio(r.vsPlainJs)} | ${ratio(r.vsV8Wasm)} |`);
  }
  return lines.join('\n');
}

export function loadTable(load) {
  const ms = (value) => (value === null ? '-' : value.toFixed(2));
  const compileRatio = load.cold.compileMs !== null && load.warm.compileMs
    ? `${ratio(load.cold.compileMs / load.warm.compileMs)}x`
    : '-';
  return [
    `| load of ${load.plugin} (${(load.bytes / 1024).toFixed(0)} KB) | create + add, ms | add, ms | compileMs reported | cache |`,
    '|---|---:|---:|---:|---|',
    `| cold: empty cache folder | ${ms(load.coldMs)} | ${ms(load.cold.addMs)} | ${ms(load.cold.compileMs)} | ${load.cold.cache ?? '-'} |`,
    `| warm: the folder the cold load filled | ${ms(load.warmMs)} | ${ms(load.warm.addMs)} | ${ms(load.warm.compileMs)} | ${load.warm.cache ?? '-'} |`,
    `| cold / warm | ${ratio(load.speedup)}x | ${ratio(load.cold.addMs / load.warm.addMs)}x | ${compileRatio} | |`,
  ].join('\n');
}

export function goalsList(goals) {
  return goals.map((g) => `- ${g.pass ? 'PASS' : 'MISS'} ${g.goal}: ${g.measured}`).join('\n');
}

export function machineLine({ machine, versions, date }) {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}; ` +
    `Node ${versions.node} (V8 ${versions.v8}), alloy-wasm ${versions['alloy-wasm']} (wasmtime ${versions.wasmtime}), ` +
    `quickjs-emscripten ${versions['quickjs-emscripten']}, @extism/extism ${versions['@extism/extism']} ` +
    `(plugin: @extism/as-pdk ${versions['@extism/as-pdk']}, AssemblyScript ${versions.assemblyscript}); ${date.slice(0, 10)}`;
}

// Builds the lifecycle tests' WAT plugins: __test__/fixtures/lifecycle/echo-hooks.wat
// with the events its hooks() lists and its tag filled in, compiled by the
// npm package wabt (a devDependency, as scripts/build-fixtures.sh uses).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, watToWasm } from './helpers.mjs';

const TEMPLATE = readFileSync(path.join(root, '__test__/fixtures/lifecycle/echo-hooks.wat'), 'utf8');

/** A WAT string literal's body for `text` (ASCII only). */
function watString(text) {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * The bytes of an echo plugin whose hooks() lists `events` and whose hook
 * adds the key "seen_<tag>" holding the payload it received.
 */
export async function echoPlugin(events, tag = 'a') {
  const list = JSON.stringify(events);
  const key = `,"seen_${tag}":`;
  const wat = TEMPLATE
    .replace('"__EVENTS__"', `"${watString(list)}"`)
    .replace('"__KEY__"', `"${watString(key)}"`)
    .replaceAll('__EVENTS_LEN__', String(Buffer.byteLength(list)))
    .replaceAll('__KEY_LEN__', String(Buffer.byteLength(key)));
  return watToWasm(wat, 'echo-hooks.wat');
}

/** Writes an echo plugin as `dir/name.wasm`. */
export async function writeEchoPlugin(dir, name, events, tag = name) {
  writeFileSync(path.join(dir, `${name}.wasm`), await echoPlugin(events, tag));
}

/** Collects the warnings emitted while `run` runs (process 'warning' events with `code`). */
export async function collectWarnings(code, run) {
  const seen = [];
  const listener = (warning) => {
    if (warning.code === code) seen.push(warning);
  };
  process.on('warning', listener);
  try {
    await run();
    // emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

/** Compiles __test__/fixtures/lifecycle/<name>.wat and writes it as `dir/<as>.wasm`. */
export async function writeWatPlugin(dir, name, as = name) {
  const text = readFileSync(path.join(root, `__test__/fixtures/lifecycle/${name}.wat`), 'utf8');
  writeFileSync(path.join(dir, `${as}.wasm`), await watToWasm(text, `${name}.wat`));
}

#!/usr/bin/env node
// wat2wasm from npm (the `wabt` package, WABT compiled to WebAssembly), so the
// WAT fixtures need no system package.
//
//   node scripts/wat2wasm.mjs [--no-check] -o OUT.wasm IN.wat
//
// --no-check writes the module without validating it (for fixtures that must
// fail validation). Multi-value results are on by default in WABT.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import initWabt from 'wabt';

const args = process.argv.slice(2);
let check = true;
let out;
let input;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-check') check = false;
  else if (args[i] === '-o') out = args[++i];
  else if (input === undefined) input = args[i];
  else usage(`unexpected argument ${args[i]}`);
}
if (!input || !out) usage('an input .wat and -o OUT.wasm are required');

function usage(message) {
  process.stderr.write(`wat2wasm: ${message}\nusage: node scripts/wat2wasm.mjs [--no-check] -o OUT.wasm IN.wat\n`);
  process.exit(2);
}

const wabt = await initWabt();
const text = await readFile(input, 'utf8');
let module;
try {
  // The file name only labels error messages: keep it relative so no machine path leaks.
  module = wabt.parseWat(path.basename(input), text);
  if (check) module.validate();
  const { buffer } = module.toBinary({ log: false, write_debug_names: false });
  await writeFile(out, buffer);
} catch (err) {
  process.stderr.write(`wat2wasm: ${input}: ${err.message}\n`);
  process.exit(1);
} finally {
  module?.destroy();
}

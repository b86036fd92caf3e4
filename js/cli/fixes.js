'use strict';
// What to fix, per error code: the one place the command line turns a
// PluginError into advice for the plugin's author (see docs/writing-plugins.md).

/**
 * Advice per code. A code maps to a string, or to a list of
 * [pattern, advice] pairs tried against the error's message (the last pair,
 * with the pattern null, is the fallback).
 */
const FIXES = {
  MISSING_EXPORT: [
    [/"memory"/, 'Export the linear memory as "memory" (Rust, AssemblyScript and clang do by default; check your linker flags).'],
    [/"alloc"/, 'Export alloc(size i32) -> i32 returning a buffer of size bytes that stays valid until the export reads it (docs/writing-plugins.md).'],
    [/with type|signature/, 'Give the export the ABI signature: filter/shortcode/hook (i32, i32) -> i64 or -> (i32, i32); hooks and last_error () -> i64 or -> (i32, i32); alloc (i32) -> i32.'],
    [/"hooks"|"hook"/, 'Export hooks() and hook(ptr, len) together, or neither.'],
    [null, 'Export the function the call needs (filter, shortcode, or hooks + hook), with its ABI signature.'],
  ],
  INVALID_MODULE: 'Pass a compiled .wasm file (not .wat, not a JS wrapper). Rust: --target wasm32-unknown-unknown; C: clang --target=wasm32-wasi; TinyGo: -target wasi; AssemblyScript: asc.',
  UNSUPPORTED_IMPORT: 'A plugin may import only WASI preview 1 (wasi_snapshot_preview1.*) and env.abort. Remove the code that needs the import (JS glue from wasm-bindgen, emscripten\'s env.*, host functions), or build without it.',
  PLUGIN_ERROR: [
    [/alloc/, 'alloc returned 0: return a real buffer for every size, alloc(0) included.'],
    [/\(0, 0\)/, 'The export returned (0, 0), which means "error", without a message: export last_error() so the error says why. If no error was meant, return a non-zero pointer even for an empty result.'],
    // Otherwise the message is the plugin's own (from last_error): nothing to add.
    [null, null],
  ],
  BAD_RESULT: 'Return a (ptr, len) inside the exported memory that holds UTF-8, packed as (ptr << 32) | len (pointer in the high half), and keep that buffer alive until the next call.',
  INVALID_HOOKS: 'hooks() must return a JSON array of strings, like ["onContentTransformed"].',
  INVALID_JSON: 'hook() must return the payload as JSON text; return its input unchanged when there is nothing to do.',
  TRAP: [
    [/exited with status/, 'Its _start (main) exited with a non-zero status: end main normally or with exit(0); report errors from the calls, not from main.'],
    [/stack overflow/, 'The call overflowed the stack: look for deep or endless recursion, or make it iterative.'],
    [/abort:/, 'AssemblyScript aborted (a throw or a failed assertion): return (0, 0) with a last_error message for input you refuse.'],
    [null, 'The plugin trapped: a Rust panic (it aborts on wasm32: return an error through last_error instead), unreachable, or an out-of-bounds access. Make sure alloc(0) works.'],
  ],
  TIMEOUT: 'The call ran past the time limit: look for an endless loop, or raise --timeout-ms for heavy inputs.',
  MEMORY_LIMIT: 'The plugin grew its memory past the cap: free (or reuse) the previous call\'s input and output buffers, or raise --memory-limit-mb.',
  IO_ERROR: 'Check the path: the file must exist and be readable.',
};

/** The advice for `error` (a PluginError or { code, message }), or null. */
function fixFor(error) {
  const advice = FIXES[error.code];
  if (advice === undefined) return null;
  if (typeof advice === 'string') return advice;
  const message = error.message ?? '';
  for (const [pattern, text] of advice) {
    if (pattern === null || pattern.test(message)) return text;
  }
  return null;
}

module.exports = { fixFor, FIXES };

'use strict';
// What to fix, per error code: the one place a PluginError is turned into
// advice for the plugin's author (see docs/writing-plugins.md). js/errors.js
// gives every error that comes from the native layer its `fix` (and appends
// it to the message, so a site generator's build log shows it); the command
// line prints it on a line of its own.

/**
 * Advice per code. A code maps to a string, or to a list of
 * [pattern, advice] pairs tried against the error's message (the last pair,
 * with the pattern null, is the fallback). The advice is for every caller:
 * options are named by their API name and their command-line flag.
 */
const FIXES = {
  MISSING_EXPORT: [
    [/with type|signature/, 'Give the export the ABI signature: filter/shortcode/hook/filter_args/configure (ptr i32, len i32) -> i64 or -> (i32, i32), or TinyGo\'s (retptr i32, ptr i32, len i32) with no result; hooks and last_error () -> i64, -> (i32, i32) or (retptr i32); alloc (i32) -> i32.'],
    [/"memory"/, 'Export the linear memory as "memory" (Rust, AssemblyScript and clang do by default; check your linker flags).'],
    [/"alloc"/, 'Export alloc(size i32) -> i32 returning a buffer of size bytes that stays valid until the export reads it; Rust: #[no_mangle] pub extern "C" fn alloc, C: __attribute__((export_name("alloc"))) (docs/writing-plugins.md).'],
    [/"hooks"|"hook"/, 'Export hooks() and hook(ptr, len) together, or neither.'],
    [null, 'Export the function the call needs (filter, shortcode, or hooks + hook) with its ABI signature; Rust: #[no_mangle] pub extern "C" fn.'],
  ],
  INVALID_MODULE: 'Pass a compiled .wasm file (not .wat, not a JS wrapper). Rust: --target wasm32-unknown-unknown; C: clang --target=wasm32-wasi; TinyGo: -target wasi; AssemblyScript: asc.',
  UNSUPPORTED_IMPORT: 'A plugin may import only WASI preview 1 (wasi_snapshot_preview1.*) and env.abort. Remove the code that needs the import (JS glue from wasm-bindgen, emscripten\'s env.*, host functions), or build without it.',
  PLUGIN_ERROR: [
    [/alloc\(\d+\) returned 0 /, 'alloc returned 0: return a real buffer for every size, alloc(0) included.'],
    [/\(0, 0\)/, 'The export returned (0, 0), which means "error", without a message: export last_error() so the error says why. If no error was meant, return a non-zero pointer even for an empty result.'],
    // Otherwise the message is the plugin's own (from last_error): nothing to add.
    [null, null],
  ],
  BAD_RESULT: [
    [/alloc\(\d+\) returned 0x/, 'alloc(size) must return a pointer to size bytes inside the exported memory: grow the memory (memory.grow) when it is full.'],
    [null, 'Return a (ptr, len) inside the exported memory that holds UTF-8, packed as (ptr << 32) | len (pointer in the high half), and keep that buffer alive until the next call (not a stack buffer, not a freed one).'],
  ],
  INVALID_HOOKS: 'hooks() must return a JSON array of strings, like ["onContentTransformed"].',
  INVALID_JSON: 'hook() must return the payload as JSON text; return its input unchanged when there is nothing to do.',
  TRAP: [
    [/exited with status/, 'Its _start (main) exited with a non-zero status: end main normally or with exit(0); report errors from the calls, not from main.'],
    [/stack overflow/, 'The call overflowed the stack: look for deep or endless recursion, or make it iterative.'],
    [/abort:/, 'AssemblyScript aborted (a throw or a failed assertion): return (0, 0) with a last_error message for input you refuse.'],
    [/`unreachable`/, 'The plugin trapped at `unreachable`, which is what a Rust panic becomes on wasm32: return an error through last_error instead of panicking (no unwrap, expect or out-of-range indexing on input).'],
    [null, 'The plugin trapped: a Rust panic (it aborts on wasm32: return an error through last_error instead), unreachable, or an out-of-bounds access. Make sure alloc(0) works.'],
  ],
  TIMEOUT: 'The call ran past the time limit: look for an endless loop, or raise the limit for heavy inputs (option timeoutMs; --timeout-ms on the command line).',
  MEMORY_LIMIT: 'The plugin grew its memory past the cap: free (or reuse) the previous call\'s input and output buffers, or raise the cap (option memoryLimitMb; --memory-limit-mb on the command line).',
  IO_ERROR: 'Check the path: it must exist and be readable.',
};

/** How the advice is appended to a message: `DETAIL [CODE] (fix: ADVICE)`. */
const FIX_PREFIX = ' (fix: ';

/**
 * The advice for `error` (a PluginError or { code, message }), or null. An
 * error that already carries its `fix` (every native one) keeps it.
 */
function fixFor(error) {
  if (error.fix !== undefined) return error.fix;
  const advice = FIXES[error.code];
  if (advice === undefined) return null;
  if (typeof advice === 'string') return advice;
  const message = error.message ?? '';
  for (const [pattern, text] of advice) {
    if (pattern === null || pattern.test(message)) return text;
  }
  return null;
}

/** `message` with `fix` appended (unchanged when `fix` is null). */
function withFix(message, fix) {
  return fix ? `${message}${FIX_PREFIX}${fix})` : message;
}

/** The message of `error` without the advice withFix appended (for who shows the fix apart). */
function messageWithoutFix(error) {
  const message = String(error.message ?? '');
  const suffix = error.fix ? `${FIX_PREFIX}${error.fix})` : null;
  return suffix && message.endsWith(suffix) ? message.slice(0, -suffix.length) : message;
}

module.exports = { fixFor, withFix, messageWithoutFix, FIXES };

'use strict';
// What V8 can tell about a .wasm file on its own: whether it compiles, its
// exports and its imports. `check` shows this even when the alloy host
// refuses the plugin, so the author sees what the module really has.

/** Every function of WASI preview 1; the host defines all of them (src/wasi.rs). */
const WASI_MODULE = 'wasi_snapshot_preview1';
const WASI_FUNCTIONS = new Set([
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
]);

/** The ABI exports in contract order, with the kind each must be and whether it is required. */
const ABI_EXPORTS = [
  { name: 'memory', kind: 'memory', required: true, signature: 'linear memory' },
  { name: 'alloc', kind: 'function', required: true, signature: '(size i32) -> ptr i32' },
  { name: 'filter', kind: 'function', required: false, signature: '(ptr i32, len i32) -> (ptr, len)' },
  { name: 'filter_args', kind: 'function', required: false, signature: '(ptr i32, len i32) -> (ptr, len); {"input", "args"} in' },
  { name: 'shortcode', kind: 'function', required: false, signature: '(ptr i32, len i32) -> (ptr, len)' },
  { name: 'hooks', kind: 'function', required: false, signature: '() -> (ptr, len); with hook' },
  { name: 'hook', kind: 'function', required: false, signature: '(ptr i32, len i32) -> (ptr, len); with hooks' },
  { name: 'last_error', kind: 'function', required: false, signature: '() -> (ptr, len)' },
  { name: 'configure', kind: 'function', required: false, signature: '(ptr i32, len i32) -> (ptr, len); the config\'s JSON in' },
];

/** The start functions the host runs once per instance. */
const START_EXPORTS = ['_initialize', '_start'];

/** Whether the host provides the import `{ module, name, kind }`. */
function importAllowed({ module, name, kind }) {
  if (kind !== 'function') return false;
  if (module === WASI_MODULE) return WASI_FUNCTIONS.has(name);
  return module === 'env' && name === 'abort';
}

/**
 * Compiles `bytes` with V8. Returns { compiles, error, exports, imports }:
 * exports as [{ name, kind }], imports as [{ module, name, kind, allowed }];
 * both empty when it does not compile.
 */
function describeModule(bytes) {
  let module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (err) {
    return { compiles: false, error: err.message.replace(/^WebAssembly\.Module\(\): /, ''), exports: [], imports: [] };
  }
  const imports = WebAssembly.Module.imports(module).map((imp) => ({ ...imp, allowed: importAllowed(imp) }));
  return { compiles: true, error: null, exports: WebAssembly.Module.exports(module), imports };
}

module.exports = { describeModule, importAllowed, ABI_EXPORTS, START_EXPORTS, WASI_MODULE };

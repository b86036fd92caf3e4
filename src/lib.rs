//! alloy-wasm: runs Alloy-ABI WebAssembly plugins for Node.js site
//! generators. The core (everything but `binding`) has no Node.js
//! dependency and is tested with plain `cargo test`; the binding is built by
//! `npm run build` with the `napi-binding` feature.
//!
//! Modules, from the bottom of the dependency chain up:
//! `error`, `settings`, `files` (reading paths that may not be plain
//! files) and `sealed` (checksummed entry files, written atomically); `wasi`
//! and `store` (what a store carries, the
//! limit and abort errors); `imports`, `trap`, `exports`, `instance` and `abi`
//! (one instance and the call protocol); `cache` and `compiled` (a compiled
//! plugin, shared); `pool`, `memo` with `disk_memo`, `output` and `plugin` (a
//! live plugin);
//! `workers`, `completions` and `host`; then `binding`. `validate` (the
//! structural checks before compiling) depends only on `error`;
//! `filter_args` (the input JSON of `filter_args`) on nothing.
//!
//! # Call paths
//!
//! Every call reaches a plugin by one of four paths. All of them run the same
//! ABI code (`abi::call_export_with`) on an instance made by the same
//! `CompiledPlugin::instantiate`, with the same time limit, memory cap,
//! recycling, memo and output capture; they differ only in which thread runs
//! the instance and how the strings cross.
//!
//! * **Sync** (`filterSync`, `shortcodeSync`): on the JS thread, on that
//!   thread's own instance of the plugin (`pool::InstancePool::run_in_slot`:
//!   no lock, taken from the idle pool when it has to be made). The JS layer
//!   (js/calls.js) writes the input as UTF-8 into a native input buffer
//!   (`TextEncoder.encodeInto` under 1,024 characters, `Buffer#utf8Write`
//!   above: 57-105 ns against 85-99 ns for a 40-character title, 30 us
//!   against 67 us for a 48,000-character page), then calls a per-plugin
//!   native function (`js_plugin`) with two numbers: no string, name lookup,
//!   class unwrap or mutex crosses Node-API. The output becomes a JS string
//!   straight from guest memory: Latin-1 when ASCII, else validated and
//!   transcoded to UTF-16 in one pass (`js_string`). Before this path,
//!   napi-rs's string conversion, the class unwrap and the name lookup made
//!   a 40 B call 2.3-2.6x the V8-direct glue; the measured ratios are in the
//!   README's "Performance".
//! * **Inline** (`filter`, `shortcode`, a WASM hook in `runHook`): the same
//!   instance and function, but stopped after a short deadline (2 ms,
//!   `INLINE_DEADLINE_MS` in js/calls.js) and only while this event-loop
//!   turn has spent less than 4 ms inline. Settled inline, the call returns
//!   an already-settled promise: one awaited 40 B call went from 24-54 us (two
//!   cross-thread wake-ups) to about 1.5 us. A call that runs past the
//!   deadline is stopped (its instance discarded) and run again on a worker
//!   with the whole `timeoutMs`; a timer is thus late by a few milliseconds
//!   at most, whatever the plugin does (the benchmark's goal 7 measures it).
//! * **Worker** (an async call that is not inline): the input bytes are
//!   copied and the call runs on the host's own worker threads (`workers`;
//!   started on the first such call) on a pooled instance; the result comes
//!   back through the completion queue (`completions`), which settles every
//!   call finished meanwhile with one wake-up of the JS thread. libuv's
//!   thread pool (napi's AsyncTask) is not used: it serves the site
//!   generator's file I/O, and a slow plugin there stalled reads for its
//!   whole time limit (benchmark goal 8: 309 ms before, prompt after).
//! * **Batch** (`filterMany`): the JS thread only copies each input's UTF-16
//!   units (`js_string::JsUtf16`, what V8 holds); every worker takes the next
//!   index (`batch`), transcodes that input to UTF-8, calls the plugin on one
//!   checked-out instance, and prepares the output as Latin-1 or UTF-16, so
//!   the JS thread only copies the results in. The JS layer hands the inputs
//!   over in chunks so the workers start while later chunks are copied.

pub mod abi;
pub mod about;
pub mod batch;
pub mod cache;
pub mod compiled;
pub mod completions;
pub mod disk_memo;
pub mod engine;
pub mod error;
pub mod exports;
pub mod files;
pub mod filter_args;
pub mod hook_output;
pub mod host;
pub mod imports;
pub mod instance;
pub mod memo;
pub mod output;
pub mod plugin;
pub mod pool;
pub mod sealed;
pub mod settings;
pub mod store;
pub mod ticks;
pub mod trap;
pub mod validate;
pub mod wasi;
pub mod workers;

#[cfg(feature = "napi-binding")]
mod binding;
#[cfg(feature = "napi-binding")]
mod binding_about;
#[cfg(feature = "napi-binding")]
mod js_plugin;
#[cfg(feature = "napi-binding")]
mod js_string;

pub use error::{ErrorCode, PluginError};
pub use exports::{AbiExport, ResultForm};
pub use host::{AddOptions, Host};
pub use plugin::PluginInfo;
pub use settings::{Memoize, Settings};

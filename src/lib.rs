//! alloy-wasm: runs Alloy-ABI WebAssembly plugins for Node.js site
//! generators. The core (everything but `binding`) has no Node.js
//! dependency and is tested with plain `cargo test`; the binding is built by
//! `npm run build` with the `napi-binding` feature.
//!
//! Modules, from the bottom of the dependency chain up:
//! `error` and `settings`; `wasi` and `store` (what a store carries, the
//! limit and abort errors); `imports`, `trap`, `exports`, `instance` and `abi`
//! (one instance and the call protocol); `cache` and `compiled` (a compiled
//! plugin, shared); `pool`, `memo`, `output` and `plugin` (a live plugin);
//! `workers`, `completions` and `host`; then `binding`.
//!
//! The call paths are described in one place: `calls.md` beside this file.

pub mod abi;
pub mod about;
pub mod cache;
pub mod compiled;
pub mod completions;
pub mod engine;
pub mod error;
pub mod exports;
pub mod host;
pub mod imports;
pub mod instance;
pub mod memo;
pub mod output;
pub mod plugin;
pub mod pool;
pub mod settings;
pub mod store;
pub mod trap;
pub mod wasi;
pub mod workers;

#[cfg(feature = "napi-binding")]
mod binding;
#[cfg(feature = "napi-binding")]
mod binding_about;
#[cfg(feature = "napi-binding")]
mod js_string;

pub use error::{ErrorCode, PluginError};
pub use exports::{AbiExport, ResultForm};
pub use host::Host;
pub use plugin::PluginInfo;
pub use settings::{Memoize, Settings};

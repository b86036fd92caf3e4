//! alloy-wasm: runs Alloy-ABI WebAssembly plugins for Node.js site
//! generators. The core (everything but `binding`) has no Node.js
//! dependency and is tested with plain `cargo test`; the binding is built by
//! `npm run build` with the `napi-binding` feature.

pub mod abi;
pub mod about;
pub mod cache;
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
pub use host::{Host, HostOptions};
pub use plugin::PluginInfo;

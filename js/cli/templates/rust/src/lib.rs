//! `{{name}}`: an Alloy plugin for alloy-wasm, written with the alloy_plugin crate.
//!
//! One plugin is one .wasm file, and its file name is its name: this one is
//! `{{name}}.wasm`, so its filter is `{{name}}` (`{{ title | {{name}} }}`).
//!
//! The crate's other macros add the other exports, each one function:
//! `alloy_plugin::shortcode!`, `alloy_plugin::hooks!`, `alloy_plugin::filter_args!`
//! (a filter with arguments) and `alloy_plugin::configure!` (the site's
//! configuration). Return an `Err` for bad input instead of panicking: the
//! site then gets your message as a PLUGIN_ERROR.

alloy_plugin::filter!(|input: &str| -> Result<String, String> { Ok(input.to_uppercase()) });

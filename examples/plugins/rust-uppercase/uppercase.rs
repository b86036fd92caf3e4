//! `uppercase`: an Alloy filter plugin that upper-cases its input.
//!
//! Full Unicode case mapping via `str::to_uppercase`, so "straße" becomes
//! "STRASSE". Invalid UTF-8 input is an error, reported through `last_error`.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown
//!
//! The whole plugin is the one macro call below: `alloy_plugin` defines the
//! `alloc`, `filter` and `last_error` exports, checks that the input is UTF-8
//! and keeps the result alive until the host has read it. The ABI underneath,
//! written by hand, is in docs/writing-plugins.md ("The ABI").

alloy_plugin::filter!(|input: &str| input.to_uppercase());

//! `text-stats`: an Alloy filter plugin that describes a text as JSON, used by
//! the benchmark to time loading (compiling) a plugin of a realistic size.
//!
//! `filter(text)` returns
//! `{"characters":..,"words":..,"sentences":..,"letters":..,"uppercase":..,
//!   "digits":..,"shouting":..,"numbers":..,"numberSum":..,"readingMinutes":..,
//!   "wordLengths":{"1":..,..},"top":[["word",count],..]}`:
//! Unicode-aware counts, words written in capitals, the numbers found in the
//! text and their sum, the reading time at 238 words a minute, how many words
//! have each length (in characters) and the ten most frequent words
//! (lower-cased, letters and digits only; ties in alphabetical order).
//!
//! It leans on std's Unicode tables, hashing, sorting and float parsing and
//! formatting, as real plugins do, which makes it a few hundred KB of code.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown
//! (scripts/build-fixtures.sh builds it into build/fixtures/bench/text-stats.wasm)

// alloy_plugin (crates/alloy-plugin) defines `alloc` and `last_error`.
use alloy_plugin as abi;
use alloy_plugin::json;

#[path = "../shared/text-stats-core.rs"]
mod text_stats_core;

/// `filter(ptr, len) -> (ptr << 32) | len`: the statistics as JSON.
#[no_mangle]
pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
    let result = match std::str::from_utf8(unsafe { abi::input(ptr, len) }) {
        Ok(text) => Ok(text_stats_core::stats(text).into_bytes()),
        Err(_) => Err("text-stats: input is not valid UTF-8".to_string()),
    };
    abi::finish(result)
}

//! `markdown-page`: an Alloy filter plugin that renders a Markdown page to HTML
//! (CommonMark with tables, footnotes, strikethrough, task lists, smart
//! punctuation, heading attributes, math and definition lists, by
//! pulldown-cmark) and appends the text statistics of the source as JSON:
//!
//! ```text
//! <rendered HTML>
//! <script type="application/json" id="text-stats">{"characters":..}</script>
//! ```
//!
//! The benchmark (benchmark/lib/load.mjs) times loading it: a real-world
//! plugin of a few hundred KB of code (a Markdown renderer is the classic site
//! generator plugin). Built by benchmark/build-plugins.sh.

// abi.rs predates the 2024 lint on `static mut` references; wasm is single-threaded.
#![allow(static_mut_refs)]

// alloy_plugin (crates/alloy-plugin) defines `alloc` and `last_error`.
use alloy_plugin as abi;
use alloy_plugin::json;
#[path = "../../shared/text-stats-core.rs"]
mod text_stats_core;

use pulldown_cmark::{html, Options, Parser};

fn render(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2 + 256);
    html::push_html(&mut out, Parser::new_ext(markdown, Options::all()));
    // Inside <script>, "</" would end the element early; JSON allows "<\/".
    let stats = text_stats_core::stats(markdown).replace("</", "<\\/");
    out.push_str("<script type=\"application/json\" id=\"text-stats\">");
    out.push_str(&stats);
    out.push_str("</script>\n");
    out
}

/// `filter(ptr, len) -> (ptr << 32) | len`: the page as HTML, then its statistics.
#[no_mangle]
pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
    let result = match std::str::from_utf8(unsafe { abi::input(ptr, len) }) {
        Ok(text) => Ok(render(text).into_bytes()),
        Err(_) => Err("markdown-page: input is not valid UTF-8".to_string()),
    };
    abi::finish(result)
}

//! `reading-time`: an Alloy plugin written with the `alloy_plugin` helper crate
//! (crates/alloy-plugin). Each export is one macro call around one function.
//!
//! - filter: text or HTML in, "N min read" out, at 200 words a minute.
//! - shortcode: `{% reading-time "250" %}...{% endreading-time %}` (paired):
//!   `<span class="reading-time">N min read</span>` for the inner content, at
//!   the words-a-minute rate of its first argument (default 200). A rate that
//!   is not a whole number from 1 to 10000 is an error, which the host
//!   reports as PLUGIN_ERROR with this plugin's message.
//! - hook onContentTransformed: replaces every `<!-- reading-time -->` in the
//!   page's html with the page's reading time. Pages without the marker come
//!   back as they were, without being parsed.
//!
//! A word is a run of characters that are not whitespace, outside HTML tags.
//! The time is rounded up, and is at least 1 minute.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

use alloy_plugin::json::{self, Value};
use alloy_plugin::Shortcode;

const DEFAULT_WORDS_PER_MINUTE: u32 = 200;
const MARKER: &str = "<!-- reading-time -->";

alloy_plugin::filter!(|text: &str| reading_time(text, DEFAULT_WORDS_PER_MINUTE));

alloy_plugin::shortcode!(|call: Shortcode| -> Result<String, String> {
    let rate = match call.arg(0) {
        None => DEFAULT_WORDS_PER_MINUTE,
        Some(arg) => parse_rate(arg)?,
    };
    Ok(format!(
        "<span class=\"reading-time\">{}</span>",
        reading_time(&call.content, rate)
    ))
});

alloy_plugin::hooks!(
    ["onContentTransformed"],
    |payload: &str| -> Result<String, String> {
        if !payload.contains(MARKER) {
            return Ok(payload.to_string()); // nothing to fill in: skip parsing
        }
        let mut page =
            json::parse(payload).map_err(|e| format!("the payload is not JSON ({})", e))?;
        if let Some(Value::String(html)) = page.get_mut("html") {
            let time = reading_time(&html.replace(MARKER, ""), DEFAULT_WORDS_PER_MINUTE);
            *html = html.replace(MARKER, &time);
        }
        Ok(json::to_string(&page))
    }
);

/// "N min read" for `text` at `rate` words a minute.
fn reading_time(text: &str, rate: u32) -> String {
    let words = count_words(text);
    let minutes = words.div_ceil(rate as usize).max(1);
    format!("{} min read", minutes)
}

/// The words of `text`, skipping everything between `<` and `>`.
fn count_words(text: &str) -> usize {
    let mut words = 0;
    let mut in_word = false;
    let mut in_tag = false;
    for c in text.chars() {
        if in_tag {
            in_tag = c != '>';
        } else if c == '<' {
            in_tag = true;
            in_word = false; // a tag ends a word
        } else if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
        }
    }
    words
}

fn parse_rate(arg: &str) -> Result<u32, String> {
    match arg.trim().parse::<u32>() {
        Ok(rate) if (1..=10_000).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "reading-time: the words-a-minute argument must be a whole number from 1 to 10000, got {:?}",
            arg
        )),
    }
}

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
//! Build: /usr/bin/rustc --target wasm32-unknown-unknown --crate-type cdylib \
//!          -O --edition 2021 -C strip=debuginfo -o text-stats.wasm text-stats.rs

#[path = "../../examples/plugins/rust-shared/abi.rs"]
pub mod abi;
#[path = "../../examples/plugins/rust-shared/json.rs"]
mod json;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

const WORDS_PER_MINUTE: f64 = 238.0;
const TOP: usize = 10;

fn stats(text: &str) -> String {
    let (mut characters, mut letters, mut uppercase, mut digits) = (0u64, 0u64, 0u64, 0u64);
    for c in text.chars() {
        characters += 1;
        letters += c.is_alphabetic() as u64;
        uppercase += c.is_uppercase() as u64;
        digits += c.is_numeric() as u64;
    }

    // A sentence ends with . ! or ? before whitespace or the end ("3.5" is no end).
    let mut sentences = 0u64;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '.' | '!' | '?') && chars.peek().map_or(true, |next| next.is_whitespace()) {
            sentences += 1;
        }
    }

    let mut words = 0u64;
    let mut shouting = 0u64;
    let mut lengths: BTreeMap<usize, u64> = BTreeMap::new();
    let mut frequency: HashMap<String, u64> = HashMap::new();
    for word in text.split_whitespace() {
        words += 1;
        *lengths.entry(word.chars().count()).or_insert(0) += 1;
        if word.chars().count() > 1 && word.chars().any(char::is_alphabetic) && word.to_uppercase() == word {
            shouting += 1;
        }
        let key: String = word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        if !key.is_empty() {
            *frequency.entry(key).or_insert(0) += 1;
        }
    }
    let mut top: Vec<(&String, &u64)> = frequency.iter().collect();
    top.sort_unstable_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    top.truncate(TOP);

    let numbers: Vec<f64> = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|token| token.parse::<f64>().ok())
        .collect();
    let sum: f64 = numbers.iter().sum();

    let mut out = String::with_capacity(256);
    let _ = write!(
        out,
        "{{\"characters\":{},\"words\":{},\"sentences\":{},\"letters\":{},\"uppercase\":{},\"digits\":{},\"shouting\":{},\"numbers\":{},\"numberSum\":{},\"readingMinutes\":{:.2},\"wordLengths\":{{",
        characters,
        words,
        sentences,
        letters,
        uppercase,
        digits,
        shouting,
        numbers.len(),
        if sum.is_finite() { sum } else { 0.0 },
        words as f64 / WORDS_PER_MINUTE,
    );
    for (i, (length, count)) in lengths.iter().enumerate() {
        let _ = write!(out, "{}\"{}\":{}", if i > 0 { "," } else { "" }, length, count);
    }
    out.push_str("},\"top\":[");
    for (i, (word, count)) in top.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        json::write_string(word, &mut out);
        let _ = write!(out, ",{}]", count);
    }
    out.push_str("]}");
    out
}

/// `filter(ptr, len) -> (ptr << 32) | len`: the statistics as JSON.
#[no_mangle]
pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
    let result = match std::str::from_utf8(unsafe { abi::input(ptr, len) }) {
        Ok(text) => Ok(stats(text).into_bytes()),
        Err(_) => Err("text-stats: input is not valid UTF-8".to_string()),
    };
    abi::finish(result)
}

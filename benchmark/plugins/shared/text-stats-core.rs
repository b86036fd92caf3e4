//! The text statistics behind the `text-stats` plugin (benchmark/plugins/text-stats/)
//! and the `markdown-page` plugin (benchmark/plugins/markdown-page/): `stats(text)`
//! describes a text as JSON (see text-stats.rs). Needs `crate::json`
//! (alloy_plugin::json).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

const WORDS_PER_MINUTE: f64 = 238.0;
const TOP: usize = 10;

pub fn stats(text: &str) -> String {
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
        if matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|next| next.is_whitespace()) {
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
        crate::json::write_string(word, &mut out);
        let _ = write!(out, ",{}]", count);
    }
    out.push_str("]}");
    out
}

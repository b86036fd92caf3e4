//! `truncate`: an Alloy filter that takes arguments, through the `filter_args`
//! export: `{{ title | truncate(40, "…") }}`.
//!
//! - `length` (first argument, default 80): the most characters kept, a whole
//!   number from 0 to 1000000. Characters are Unicode scalar values, so a
//!   multi-byte character is never cut in half.
//! - `ellipsis` (second argument, default "…"): appended when the text was cut.
//!
//! Text of at most `length` characters comes back unchanged. Cut text loses its
//! trailing whitespace before the ellipsis ("Hello world" at 6 is "Hello…").
//! A wrong argument is an error that names it.
//!
//! It has no plain `filter` export: the host calls `filter_args` with
//! `"args": []` when a template passes no arguments.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

use alloy_plugin::json::Value;

const DEFAULT_LENGTH: u64 = 80;
const MAX_LENGTH: u64 = 1_000_000;

alloy_plugin::filter_args!(truncate);

fn truncate(input: &str, args: &[Value]) -> Result<String, String> {
    if args.len() > 2 {
        return Err(format!(
            "truncate: takes at most 2 arguments (length, ellipsis), got {}",
            args.len()
        ));
    }
    let length = match args.first() {
        None | Some(Value::Null) => DEFAULT_LENGTH,
        Some(value) => value.as_u64().filter(|n| *n <= MAX_LENGTH).ok_or_else(|| {
            format!(
                "truncate: the length (first argument) must be a whole number from 0 to {}, got {}",
                MAX_LENGTH,
                alloy_plugin::json::to_string(value)
            )
        })?,
    } as usize;
    let ellipsis = match args.get(1) {
        None | Some(Value::Null) => "…",
        Some(Value::String(text)) => text.as_str(),
        Some(value) => {
            return Err(format!(
                "truncate: the ellipsis (second argument) must be a string, got {}",
                alloy_plugin::json::to_string(value)
            ))
        }
    };
    match input.char_indices().nth(length) {
        None => Ok(input.to_string()), // at most `length` characters
        Some((cut, _)) => Ok(format!("{}{}", input[..cut].trim_end(), ellipsis)),
    }
}

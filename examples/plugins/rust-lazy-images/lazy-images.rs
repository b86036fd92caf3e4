//! `lazy-images`: an Alloy hook plugin that adds `loading="lazy"` to images.
//!
//! `hooks()` returns ["onContentTransformed"]. `hook(payload)` replaces every
//! `<img ` in the payload's "html" string with `<img loading="lazy" ` and returns
//! the payload re-serialized, every other key kept in its original order with
//! its value unchanged. Payloads for other events come back as they were.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

// alloy_plugin defines `alloc` and `last_error`; `input` reads the call's
// input and `finish` hands the result (or the error) to the host.
use alloy_plugin as abi;
use alloy_plugin::json;

use json::Value;

const EVENT: &str = "onContentTransformed";

fn transform(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut payload = json::parse_bytes(input)
        .map_err(|e| format!("lazy-images: input is not valid JSON ({})", e))?;
    if payload.get("event").and_then(Value::as_str) != Some(EVENT) {
        return Ok(input.to_vec()); // not ours: unchanged
    }
    let added = match payload.get_mut("html") {
        Some(Value::String(html)) => {
            let count = html.matches("<img ").count();
            if count > 0 {
                *html = html.replace("<img ", "<img loading=\"lazy\" ");
            }
            count * "loading=\\\"lazy\\\" ".len()
        }
        _ => return Ok(input.to_vec()), // no html string: nothing to do
    };
    // Re-serializing yields about the input's length plus what was added.
    let mut out = String::with_capacity(input.len() + added + 64);
    json::write_value(&payload, &mut out);
    Ok(out.into_bytes())
}

/// `hooks() -> (ptr << 32) | len`: the events this plugin handles, as JSON.
#[no_mangle]
pub extern "C" fn hooks() -> i64 {
    abi::finish(Ok(format!("[\"{}\"]", EVENT).into_bytes()))
}

/// `hook(ptr, len) -> (ptr << 32) | len`: the (possibly changed) payload, as JSON.
#[no_mangle]
pub extern "C" fn hook(ptr: i32, len: i32) -> i64 {
    let result = transform(unsafe { abi::input(ptr, len) });
    abi::finish(result)
}

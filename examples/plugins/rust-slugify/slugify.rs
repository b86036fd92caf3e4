//! `slugify`: an Alloy filter plugin that turns text into a URL slug.
//!
//! ASCII letters are lower-cased and kept, ASCII digits are kept, and every run
//! of anything else (spaces, punctuation, every byte of a non-ASCII character)
//! becomes one `-`; there is no `-` at either end.
//! "Ten Tips for Faster Builds!!" -> "ten-tips-for-faster-builds", "Ünï 2024" -> "n-2024".
//!
//! One pass over the UTF-8 bytes, nothing decoded: every byte of a multi-byte
//! character is >= 0x80, so it is a separator like any other non-alphanumeric
//! byte. The output is ASCII, so it is valid UTF-8 whatever the input.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

// alloy_plugin defines `alloc` and `last_error`; `input` reads the call's
// input and `finish` hands the result (or the error) to the host.
use alloy_plugin as abi;

fn slugify(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    // A separator seen since the last kept byte; written only before the next
    // kept byte, which trims both ends and collapses runs in one go.
    let mut separator = false;
    for &byte in input {
        let lower = byte.to_ascii_lowercase();
        if lower.is_ascii_lowercase() || lower.is_ascii_digit() {
            if separator && !out.is_empty() {
                out.push(b'-');
            }
            separator = false;
            out.push(lower);
        } else {
            separator = true;
        }
    }
    out
}

/// `filter(ptr, len) -> (ptr << 32) | len`: the slug of the input.
#[no_mangle]
pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
    let slug = slugify(unsafe { abi::input(ptr, len) });
    abi::finish(Ok(slug))
}

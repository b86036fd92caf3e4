//! `lazy-images-filter`: an Alloy filter plugin that adds `loading="lazy"` to images.
//!
//! Every `<img ` in the input becomes `<img loading="lazy" `; everything else is
//! copied unchanged. The same transformation as the `lazy-images` hook, as a
//! plain filter over an HTML string (no JSON payload).
//!
//! One pass over the UTF-8 bytes: find each `<`, check the 4 bytes after it,
//! and copy the text between matches in blocks. The matches are found before
//! the output is built, so it is allocated once at its exact size. Inserting
//! ASCII between whole characters keeps valid UTF-8 valid.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

// alloy_plugin defines `alloc` and `last_error`; `input` reads the call's
// input and `finish` hands the result (or the error) to the host.
use alloy_plugin as abi;

const TAG: &[u8] = b"<img ";
const ATTRIBUTE: &[u8] = b"loading=\"lazy\" ";

/// The offsets just past each `<img ` in `html`.
fn tag_ends(html: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut from = 0;
    while let Some(offset) = html[from..].iter().position(|&b| b == b'<') {
        let at = from + offset;
        if html[at..].starts_with(TAG) {
            ends.push(at + TAG.len());
            from = at + TAG.len();
        } else {
            from = at + 1;
        }
    }
    ends
}

fn lazy_images(html: &[u8]) -> Vec<u8> {
    let ends = tag_ends(html);
    let mut out = Vec::with_capacity(html.len() + ends.len() * ATTRIBUTE.len());
    let mut copied = 0;
    for end in ends {
        out.extend_from_slice(&html[copied..end]);
        out.extend_from_slice(ATTRIBUTE);
        copied = end;
    }
    out.extend_from_slice(&html[copied..]);
    out
}

/// `filter(ptr, len) -> (ptr << 32) | len`: the HTML with lazy images.
#[no_mangle]
pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
    let html = lazy_images(unsafe { abi::input(ptr, len) });
    abi::finish(Ok(html))
}

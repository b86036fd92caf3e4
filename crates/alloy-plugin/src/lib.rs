//! `alloy_plugin`: write an Alloy-ABI WebAssembly plugin for alloy-wasm as one
//! Rust function per export.
//!
//! The crate defines the two exports every plugin needs, `alloc` and
//! `last_error`, and the macros below define the rest, so a whole filter
//! plugin is:
//!
//! ```ignore
//! alloy_plugin::filter!(|input: &str| -> Result<String, String> {
//!     Ok(input.to_uppercase())
//! });
//! ```
//!
//! | macro | defines | the handler gets | and returns |
//! |---|---|---|---|
//! | [`filter!`] | `filter` | the input text, `&str` | an [`Output`] |
//! | [`shortcode!`] | `shortcode` | a parsed [`Shortcode`] | an [`Output`] (HTML) |
//! | [`hooks!`] | `hooks` and `hook` | the payload's JSON text, `&str` | an [`Output`] (JSON) |
//!
//! An [`Output`] is a `String`, a `&'static str`, a [`json::Value`], or a
//! `Result` of one of those whose error implements `Display`. An `Err` makes
//! the export return `(0, 0)`, and `last_error` returns the error's text, so
//! the host reports it as a `PLUGIN_ERROR` with your message.
//!
//! Do not panic: on `wasm32-unknown-unknown` a panic aborts, which the host
//! reports as a `TRAP` without your message. Return an `Err` instead.
//!
//! # Memory
//!
//! The ABI has `alloc` but no `free`: the host never says when it is done
//! with a buffer. This crate relies on the order of every call instead
//! (`alloc`, write the input, call the export, read the result) and keeps
//! exactly one buffer of each kind:
//!
//! - the input buffer that `alloc` returns is reused by the next `alloc`
//!   (grown when an input is bigger, given back when it is far bigger than
//!   the current input), so it is valid until the next call starts;
//! - a call's result lives until the next call replaces it, long enough for
//!   the host to read it;
//! - the last error's text lives until the next call.
//!
//! So an instance holds at most its largest input and its latest result,
//! however many calls it serves. See [`alloc`] for the details.
//!
//! # Building
//!
//! With Cargo: depend on this crate, set `crate-type = ["cdylib"]` in your
//! plugin, and `cargo build --release --target wasm32-unknown-unknown`.
//! Without Cargo (as `scripts/build-fixtures.sh` does):
//!
//! ```text
//! rustc --target wasm32-unknown-unknown --crate-type rlib --edition 2021 -O \
//!   --crate-name alloy_plugin crates/alloy-plugin/src/lib.rs -o out/liballoy_plugin.rlib
//! rustc --target wasm32-unknown-unknown --crate-type cdylib --edition 2021 -O \
//!   --extern alloy_plugin=out/liballoy_plugin.rlib -L out -o my-plugin.wasm my_plugin.rs
//! ```

mod memory;
mod output;
mod shortcode;

/// A small JSON parser and serializer (key order and number text kept), for
/// shortcode input and hook payloads. Shared with the repository's other Rust
/// example plugins.
#[path = "../../../examples/plugins/rust-shared/json.rs"]
pub mod json;

pub use memory::{alloc, finish, input, last_error, pack};
pub use output::Output;
pub use shortcode::Shortcode;

/// Runs `handler` on the UTF-8 text at `(ptr, len)` and hands its output to
/// the host: the body of the `filter` export that [`filter!`] defines.
///
/// # Safety
/// `(ptr, len)` must be the host's input: `len` bytes written at a pointer
/// that [`alloc`] returned.
pub unsafe fn run_filter<F, R>(ptr: i32, len: i32, handler: F) -> i64
where
    F: FnOnce(&str) -> R,
    R: Output,
{
    finish(match text(input(ptr, len)) {
        Ok(text) => handler(text).into_output(),
        Err(message) => Err(message),
    })
}

/// Parses the shortcode call at `(ptr, len)`, runs `handler` on it and hands
/// its HTML to the host: the body of the `shortcode` export of [`shortcode!`].
///
/// # Safety
/// As for [`run_filter`].
pub unsafe fn run_shortcode<F, R>(ptr: i32, len: i32, handler: F) -> i64
where
    F: FnOnce(Shortcode) -> R,
    R: Output,
{
    let call = text(input(ptr, len)).and_then(Shortcode::parse);
    finish(match call {
        Ok(call) => handler(call).into_output(),
        Err(message) => Err(message),
    })
}

/// Answers `hooks()` with `events` as a JSON array of strings: the body of the
/// `hooks` export of [`hooks!`].
pub fn run_hooks(events: &[&str]) -> i64 {
    let mut out = String::from("[");
    for (k, event) in events.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        json::write_string(event, &mut out);
    }
    out.push(']');
    finish(Ok(out.into_bytes()))
}

/// Runs `handler` on the hook payload's JSON text at `(ptr, len)` and hands
/// its output (which must be JSON) to the host: the body of the `hook` export
/// of [`hooks!`].
///
/// # Safety
/// As for [`run_filter`].
pub unsafe fn run_hook<F, R>(ptr: i32, len: i32, handler: F) -> i64
where
    F: FnOnce(&str) -> R,
    R: Output,
{
    run_filter(ptr, len, handler)
}

fn text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes)
        .map_err(|e| format!("the input is not valid UTF-8 (at byte {})", e.valid_up_to()))
}

/// Defines the `filter` export: `filter!(handler)`, where `handler` is a
/// closure or function taking the input `&str` and returning an [`Output`].
///
/// ```ignore
/// alloy_plugin::filter!(|input: &str| -> Result<String, String> {
///     if input.is_empty() {
///         return Err("nothing to shout".to_string());
///     }
///     Ok(input.to_uppercase())
/// });
/// ```
#[macro_export]
macro_rules! filter {
    ($handler:expr $(,)?) => {
        /// `filter(ptr, len) -> (ptr << 32) | len`, defined by `alloy_plugin::filter!`.
        #[no_mangle]
        pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
            // SAFETY: the host calls this export with the buffer `alloc` returned.
            unsafe { $crate::run_filter(ptr, len, $handler) }
        }
    };
}

/// Defines the `shortcode` export: `shortcode!(handler)`, where `handler`
/// takes a [`Shortcode`] (`name`, `args`, `content`) and returns HTML as an
/// [`Output`].
///
/// ```ignore
/// use alloy_plugin::Shortcode;
/// alloy_plugin::shortcode!(|call: Shortcode| -> Result<String, String> {
///     let id = call.arg(0).ok_or("youtube needs a video id")?;
///     Ok(format!("<iframe src=\"https://www.youtube.com/embed/{}\"></iframe>", id))
/// });
/// ```
#[macro_export]
macro_rules! shortcode {
    ($handler:expr $(,)?) => {
        /// `shortcode(ptr, len) -> (ptr << 32) | len`, defined by `alloy_plugin::shortcode!`.
        #[no_mangle]
        pub extern "C" fn shortcode(ptr: i32, len: i32) -> i64 {
            // SAFETY: the host calls this export with the buffer `alloc` returned.
            unsafe { $crate::run_shortcode(ptr, len, $handler) }
        }
    };
}

/// Defines the `hooks` and `hook` exports: `hooks!([events...], handler)`.
/// `hooks()` returns the events; `handler` gets each payload's JSON text
/// (with its `"event"` key) and returns the payload as JSON, for example a
/// [`json::Value`] or the input text unchanged.
///
/// ```ignore
/// use alloy_plugin::json;
/// alloy_plugin::hooks!(["onContentTransformed"], |payload: &str| -> Result<json::Value, String> {
///     let mut value = json::parse(payload).map_err(|e| e.to_string())?;
///     // ... change `value` ...
///     Ok(value)
/// });
/// ```
#[macro_export]
macro_rules! hooks {
    ([$($event:expr),* $(,)?], $handler:expr $(,)?) => {
        /// `hooks() -> (ptr << 32) | len`, defined by `alloy_plugin::hooks!`.
        #[no_mangle]
        pub extern "C" fn hooks() -> i64 {
            $crate::run_hooks(&[$($event),*])
        }

        /// `hook(ptr, len) -> (ptr << 32) | len`, defined by `alloy_plugin::hooks!`.
        #[no_mangle]
        pub extern "C" fn hook(ptr: i32, len: i32) -> i64 {
            // SAFETY: the host calls this export with the buffer `alloc` returned.
            unsafe { $crate::run_hook(ptr, len, $handler) }
        }
    };
}

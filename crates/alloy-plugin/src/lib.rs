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
//! | [`filter_args!`] | `filter_args` | the input `&str` and the template's arguments, `&[json::Value]` | an [`Output`] |
//! | [`configure!`] | `configure` | the site's configuration, `&json::Value` | `Result<(), E>` |
//!
//! The configuration a [`configure!`] handler accepted stays readable for the
//! instance's life through [`config`] and [`with_config`].
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
//! In the plugin's `Cargo.toml`:
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! alloy-plugin = { path = "path/to/alloy-plugin" }
//! ```
//!
//! then, with Rust from rustup:
//!
//! ```text
//! rustup target add wasm32-unknown-unknown
//! cargo build --release --target wasm32-unknown-unknown
//! ```

mod config;
mod filter_args;
pub mod json;
mod memory;
mod output;
mod shortcode;

pub use config::{apply_config, config, with_config};
pub use filter_args::FilterArgs;
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

/// Parses the `filter_args` input at `(ptr, len)`, runs `handler` on the
/// input text and the arguments and hands its output to the host: the body
/// of the `filter_args` export that [`filter_args!`] defines.
///
/// # Safety
/// As for [`run_filter`].
pub unsafe fn run_filter_args<F, R>(ptr: i32, len: i32, handler: F) -> i64
where
    F: FnOnce(&str, &[json::Value]) -> R,
    R: Output,
{
    finish(call_filter_args(text(input(ptr, len)), handler))
}

/// Parses the configuration's JSON at `(ptr, len)` and applies it with
/// [`apply_config`]: the body of the `configure` export that [`configure!`]
/// defines. An accepted configuration returns an empty result; a rejected one
/// returns `(0, 0)` with the handler's message for `last_error`, which fails
/// the plugin's load with a `PLUGIN_ERROR`.
///
/// # Safety
/// As for [`run_filter`].
pub unsafe fn run_configure<F, E>(ptr: i32, len: i32, handler: F) -> i64
where
    F: FnOnce(&json::Value) -> Result<(), E>,
    E: std::fmt::Display,
{
    finish(
        text(input(ptr, len))
            .and_then(|text| apply_config(text, handler))
            .map(|()| Vec::new()),
    )
}

/// [`run_filter_args`] without the memory handling: the handler's output for
/// the `filter_args` input `text`.
pub fn call_filter_args<F, R>(text: Result<&str, String>, handler: F) -> Result<Vec<u8>, String>
where
    F: FnOnce(&str, &[json::Value]) -> R,
    R: Output,
{
    let call = FilterArgs::parse(text?)?;
    handler(&call.input, &call.args).into_output()
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

/// Defines the `filter_args` export: `filter_args!(handler)`, where `handler`
/// takes the input `&str` and the template's arguments as
/// `&[json::Value]` and returns an [`Output`]. For
/// `{{ title | truncate(40, "…") }}` it gets the title and `[40, "…"]`; with
/// no arguments, an empty slice. The host calls `filter_args` whenever a
/// template passes arguments, and also without arguments when the plugin has
/// no plain `filter` export.
///
/// ```ignore
/// use alloy_plugin::json::Value;
/// alloy_plugin::filter_args!(|input: &str, args: &[Value]| -> Result<String, String> {
///     let times = match args.first() {
///         None => 2,
///         Some(n) => n.as_u64().ok_or("repeat: the count must be a whole number")?,
///     };
///     Ok(input.repeat(times as usize))
/// });
/// ```
#[macro_export]
macro_rules! filter_args {
    ($handler:expr $(,)?) => {
        /// `filter_args(ptr, len) -> (ptr << 32) | len`, defined by `alloy_plugin::filter_args!`.
        #[no_mangle]
        pub extern "C" fn filter_args(ptr: i32, len: i32) -> i64 {
            // SAFETY: the host calls this export with the buffer `alloc` returned.
            unsafe { $crate::run_filter_args(ptr, len, $handler) }
        }
    };
}

/// Defines the `configure` export: `configure!(handler)`, where `handler`
/// gets the site's configuration for this plugin (any JSON value) and
/// returns `Ok(())` to accept it or `Err(message)` to fail the plugin's load
/// (a `PLUGIN_ERROR` with the message). The host calls it once per instance,
/// before any other call, and only when the site gives a configuration.
/// `configure!()` accepts any configuration.
///
/// The accepted configuration stays readable for the instance's life
/// through [`config`] and [`with_config`].
///
/// ```ignore
/// use alloy_plugin::json::Value;
/// alloy_plugin::configure!(|config: &Value| -> Result<(), String> {
///     match config.get("loading").map(|v| v.as_str()) {
///         None | Some(Some("lazy" | "eager")) => Ok(()),
///         _ => Err("lazy-images: \"loading\" must be \"lazy\" or \"eager\"".to_string()),
///     }
/// });
/// ```
#[macro_export]
macro_rules! configure {
    () => {
        $crate::configure!(
            |_config: &$crate::json::Value| -> ::core::result::Result<(), &'static str> { Ok(()) }
        );
    };
    ($handler:expr $(,)?) => {
        /// `configure(ptr, len) -> (ptr << 32) | len`, defined by `alloy_plugin::configure!`.
        #[no_mangle]
        pub extern "C" fn configure(ptr: i32, len: i32) -> i64 {
            // SAFETY: the host calls this export with the buffer `alloc` returned.
            unsafe { $crate::run_configure(ptr, len, $handler) }
        }
    };
}

//! Strings across the napi boundary, the cheapest ways measured here
//! (README "Performance"; Node 20, 50 KB page):
//!
//! * **In:** one `napi_get_value_string_utf8` into a buffer sized from the
//!   string's UTF-16 length (at most 3 UTF-8 bytes per UTF-16 unit), where
//!   napi-rs's `String` asks V8 twice (once for the length, once to copy)
//!   into a zeroed buffer.
//! * **Out:** ASCII (most site text) as Latin-1, which V8 copies into a
//!   one-byte string; anything else transcoded to UTF-16 by `encoding_rs`
//!   (SIMD) and copied in, where `napi_create_string_utf8` decodes UTF-8
//!   several times slower.

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Status, ValueType};

use crate::error::{ErrorCode, PluginError};

/// A JS string argument as UTF-8 (lone surrogates become U+FFFD).
pub struct JsInput(pub String);

impl FromNapiValue for JsInput {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut units = 0usize;
        // SAFETY (both calls): `env` and `value` come from napi-rs for this
        // call. With a null buffer, napi_get_value_string_utf16 only reports
        // the length in UTF-16 units.
        check(unsafe {
            sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut units)
        })?;
        let capacity = units * 3 + 1; // +1: napi always leaves room for a NUL
        let mut bytes: Vec<u8> = Vec::with_capacity(capacity);
        let mut written = 0usize;
        // SAFETY: the buffer has `capacity` bytes of room, and napi writes at
        // most `capacity - 1` bytes of UTF-8 (invalid UTF-16 is replaced by
        // U+FFFD) plus a NUL, reporting in `written` how many it wrote
        // before the NUL.
        check(unsafe {
            sys::napi_get_value_string_utf8(
                env,
                value,
                bytes.as_mut_ptr().cast(),
                capacity,
                &mut written,
            )
        })?;
        // SAFETY: napi initialised the first `written` bytes just above.
        unsafe { bytes.set_len(written) };
        // Valid UTF-8 by construction (V8 replaces what it cannot encode);
        // checked anyway, since this is the boundary untrusted text crosses.
        String::from_utf8(bytes)
            .map(JsInput)
            .map_err(|_| napi::Error::new(Status::InvalidArg, "a string that is not valid UTF-8"))
    }
}

impl TypeName for JsInput {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for JsInput {}

/// A string handed to JS (its length already checked with [`check_length`]).
pub struct JsText(pub String);

impl ToNapiValue for JsText {
    unsafe fn to_napi_value(env: sys::napi_env, text: Self) -> napi::Result<sys::napi_value> {
        let mut units = Vec::new();
        create_js_string(env, text.0.as_bytes(), &mut units).map_err(|err| match err {
            OutputError::Plugin(err) => napi::Error::new(Status::GenericFailure, err.to_string()),
            OutputError::Napi(status) => check(status).unwrap_err(),
        })
    }
}

impl TypeName for JsText {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

/// The most UTF-16 units V8 allows in a string (`v8::String::kMaxLength` on
/// 64-bit platforms).
pub const MAX_JS_STRING_UNITS: usize = (1 << 29) - 24;

/// BAD_RESULT when `text` is longer than V8 allows in a string.
pub fn check_length(text: &str) -> Result<(), PluginError> {
    // UTF-16 never needs more units than UTF-8 bytes; count exactly only
    // when the byte length alone does not settle it.
    if text.len() <= MAX_JS_STRING_UNITS {
        return Ok(());
    }
    let units = text.chars().map(char::len_utf16).sum::<usize>();
    if units <= MAX_JS_STRING_UNITS {
        return Ok(());
    }
    Err(too_long(units))
}

fn too_long(units: usize) -> PluginError {
    PluginError::new(
        ErrorCode::BadResult,
        format!(
            "returned {units} characters (UTF-16 units), more than a JavaScript string can hold ({MAX_JS_STRING_UNITS})"
        ),
    )
}

/// Why an output could not become a JS string.
pub enum OutputError {
    /// Not UTF-8, or too long for V8: the plugin's fault (BAD_RESULT).
    Plugin(PluginError),
    /// Node-API failed.
    Napi(sys::napi_status),
}

/// A JS string with the characters of the UTF-8 `bytes`, checked and
/// converted in one pass: ASCII (most site text) becomes a one-byte string
/// (a copy); anything else is validated and transcoded into `units` (kept by
/// the caller so its allocation is reused) and copied in as UTF-16. Bytes that
/// are not UTF-8, or more characters than V8 allows, are BAD_RESULT.
pub fn create_js_string(
    env: sys::napi_env,
    bytes: &[u8],
    units: &mut Vec<u16>,
) -> Result<sys::napi_value, OutputError> {
    let mut result = ptr::null_mut();
    let ascii = encoding_rs::mem::is_ascii(bytes);
    let status = if ascii {
        if bytes.len() > MAX_JS_STRING_UNITS {
            return Err(OutputError::Plugin(too_long(bytes.len())));
        }
        // SAFETY: ASCII bytes are the same characters in Latin-1; napi
        // copies `bytes.len()` bytes from the pointer.
        unsafe {
            sys::napi_create_string_latin1(
                env,
                bytes.as_ptr().cast(),
                bytes.len() as isize,
                &mut result,
            )
        }
    } else {
        // UTF-16 never needs more units than UTF-8 bytes.
        if units.len() < bytes.len() {
            units.resize(bytes.len(), 0);
        }
        let mut decoder = encoding_rs::UTF_8.new_decoder_without_bom_handling();
        let (outcome, _, written) =
            decoder.decode_to_utf16_without_replacement(bytes, &mut units[..bytes.len()], true);
        if !matches!(outcome, encoding_rs::DecoderResult::InputEmpty) {
            let err = crate::abi::decode_output(bytes).err().unwrap_or_else(|| {
                PluginError::new(ErrorCode::BadResult, "returned output that is not UTF-8")
            });
            return Err(OutputError::Plugin(err));
        }
        if written > MAX_JS_STRING_UNITS {
            return Err(OutputError::Plugin(too_long(written)));
        }
        // SAFETY: napi copies `written` UTF-16 units from the pointer.
        unsafe { sys::napi_create_string_utf16(env, units.as_ptr(), written as isize, &mut result) }
    };
    if status == sys::Status::napi_ok {
        Ok(result)
    } else {
        Err(OutputError::Napi(status))
    }
}
fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else if status == sys::Status::napi_string_expected {
        Err(napi::Error::new(
            Status::StringExpected,
            "expected a string",
        ))
    } else {
        Err(napi::Error::new(
            Status::GenericFailure,
            format!("string conversion failed (napi status {status})"),
        ))
    }
}

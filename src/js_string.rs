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

/// A string handed to JS.
pub struct JsText(pub String);

impl ToNapiValue for JsText {
    unsafe fn to_napi_value(env: sys::napi_env, text: Self) -> napi::Result<sys::napi_value> {
        let text = text.0;
        let mut result = ptr::null_mut();
        if text.is_ascii() {
            // SAFETY: ASCII bytes are the same characters in Latin-1; napi
            // copies `text.len()` bytes from the pointer.
            check(unsafe {
                sys::napi_create_string_latin1(
                    env,
                    text.as_ptr().cast(),
                    text.len() as isize,
                    &mut result,
                )
            })?;
        } else {
            let mut units = vec![0u16; text.len()]; // UTF-16 never needs more units than UTF-8 bytes
            let used = encoding_rs::mem::convert_str_to_utf16(&text, &mut units);
            // SAFETY: napi copies `used` UTF-16 units from the pointer.
            check(unsafe {
                sys::napi_create_string_utf16(env, units.as_ptr(), used as isize, &mut result)
            })?;
        }
        Ok(result)
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

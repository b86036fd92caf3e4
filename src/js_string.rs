//! Strings across the napi boundary (measured on Node 20; crate docs,
//! "Call paths"):
//!
//! * **In, one call:** the JS layer writes UTF-8 itself into the input
//!   buffer (`js_plugin`); no string crosses.
//! * **In, a batch:** [`JsUtf16`] copies what V8 holds (UTF-16 units, a
//!   memcpy); the workers transcode to UTF-8.
//! * **Out:** ASCII (most site text) as Latin-1, which V8 copies into a
//!   one-byte string; anything else validated and transcoded to UTF-16 by
//!   `encoding_rs` (SIMD) in one pass and copied in, where
//!   `napi_create_string_utf8` decodes UTF-8 several times slower. A batch's
//!   outputs are prepared so on the workers ([`Prepared`]).

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Status, ValueType};

use crate::error::{ErrorCode, PluginError};

/// A JS string argument as its UTF-16 units, copied as they are (a memcpy
/// for V8; transcoding to UTF-8 is left to whichever thread runs the call).
pub struct JsUtf16(pub Vec<u16>);

impl FromNapiValue for JsUtf16 {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut units = 0usize;
        // SAFETY (both calls): `env` and `value` come from napi-rs for this
        // call. With a null buffer, napi only reports the length; then it
        // copies at most `units` units plus a NUL into a buffer of
        // `units + 1`, reporting in `written` how many it copied.
        check(unsafe {
            sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut units)
        })?;
        let mut buffer: Vec<u16> = Vec::with_capacity(units + 1);
        let mut written = 0usize;
        check(unsafe {
            sys::napi_get_value_string_utf16(
                env,
                value,
                buffer.as_mut_ptr(),
                units + 1,
                &mut written,
            )
        })?;
        // SAFETY: napi initialised the first `written` units just above.
        unsafe { buffer.set_len(written) };
        Ok(JsUtf16(buffer))
    }
}

impl TypeName for JsUtf16 {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for JsUtf16 {}

/// UTF-16 units as UTF-8 in `into` (lone surrogates become U+FFFD, as V8's
/// own UTF-8 conversion does).
pub fn utf16_to_utf8(units: &[u16], into: &mut Vec<u8>) {
    into.clear();
    into.resize(units.len() * 3, 0);
    let written = encoding_rs::mem::convert_utf16_to_utf8(units, into);
    into.truncate(written);
}

/// An output made ready to become a JS string with one copy: its bytes when
/// ASCII (a one-byte string), else its UTF-16 units. Made on a worker.
pub enum Prepared {
    Latin1(Vec<u8>),
    Utf16(Vec<u16>),
}

/// `text` as a [`Prepared`] string; BAD_RESULT when V8 could not hold it.
pub fn prepare(text: String) -> Result<Prepared, PluginError> {
    check_length(&text)?;
    if text.is_ascii() {
        return Ok(Prepared::Latin1(text.into_bytes()));
    }
    let mut units = vec![0u16; text.len()];
    let used = encoding_rs::mem::convert_str_to_utf16(&text, &mut units);
    units.truncate(used);
    Ok(Prepared::Utf16(units))
}

impl TypeName for Prepared {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ToNapiValue for Prepared {
    unsafe fn to_napi_value(env: sys::napi_env, text: Self) -> napi::Result<sys::napi_value> {
        let mut result = ptr::null_mut();
        // SAFETY: napi copies the given number of bytes / units from the
        // pointer; ASCII bytes are the same characters in Latin-1.
        check(unsafe {
            match &text {
                Prepared::Latin1(bytes) => sys::napi_create_string_latin1(
                    env,
                    bytes.as_ptr().cast(),
                    bytes.len() as isize,
                    &mut result,
                ),
                Prepared::Utf16(units) => sys::napi_create_string_utf16(
                    env,
                    units.as_ptr(),
                    units.len() as isize,
                    &mut result,
                ),
            }
        })?;
        Ok(result)
    }
}

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

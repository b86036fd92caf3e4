//! What a handler may return: anything that becomes the call's UTF-8 output,
//! or an error message.

use std::fmt::Display;

use crate::json;

/// A handler's return value: the call's output text, or an error.
///
/// Implemented for `String`, `&'static str`, [`json::Value`] (serialized as
/// compact JSON), and `Result<T, E>` of any of those with an error that
/// implements `Display` (its text becomes `last_error`'s message).
pub trait Output {
    /// The output's UTF-8 bytes, or the error message.
    fn into_output(self) -> Result<Vec<u8>, String>;
}

impl Output for String {
    fn into_output(self) -> Result<Vec<u8>, String> {
        Ok(self.into_bytes())
    }
}

impl Output for &'static str {
    fn into_output(self) -> Result<Vec<u8>, String> {
        Ok(self.as_bytes().to_vec())
    }
}

impl Output for json::Value {
    fn into_output(self) -> Result<Vec<u8>, String> {
        Ok(json::to_string(&self).into_bytes())
    }
}

impl<T: Output, E: Display> Output for Result<T, E> {
    fn into_output(self) -> Result<Vec<u8>, String> {
        match self {
            Ok(value) => value.into_output(),
            Err(error) => Err(error.to_string()),
        }
    }
}

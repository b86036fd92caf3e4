//! What a hook's output must be: the next payload, so a JSON object, nested
//! at most [`MAX_DEPTH`] levels deep.
//!
//! Every call path (sync, worker, batch) checks a hook's output here before
//! it reaches JavaScript, so a hostile or broken plugin cannot hand the next
//! handler `null`, an array, or a document so deep that `JSON.stringify`
//! overflows the stack: it fails with INVALID_JSON naming the plugin that
//! returned it.
//!
//! The check walks the document once with serde_json's own parser and
//! recursion limit (at most 127 nested arrays and objects, the document
//! itself being the first level), without building a copy of it: strings are looked at,
//! not kept, so a 10 MB page costs no extra memory.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The deepest nesting of arrays and objects a hook's output may have, the
/// top-level object counting as 1: serde_json's recursion limit (128)
/// refuses the 128th level.
pub const MAX_DEPTH: usize = 127;

/// Why a hook's output was refused (the message of an INVALID_JSON error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutputError {
    /// Not JSON at all, or nested past [`MAX_DEPTH`]: serde_json's message.
    NotJson(String),
    /// Valid JSON of depth at most [`MAX_DEPTH`], but not an object.
    NotAnObject(&'static str),
}

impl fmt::Display for HookOutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HookOutputError::NotJson(reason) if reason.starts_with("recursion limit exceeded") => {
                write!(
                    f,
                    "returned JSON nested more than {MAX_DEPTH} levels deep ({reason}); a hook must return the payload object"
                )
            }
            HookOutputError::NotJson(reason) => {
                write!(f, "returned output that is not JSON ({reason})")
            }
            HookOutputError::NotAnObject(kind) => write!(
                f,
                "returned {kind}, not a JSON object; a hook must return the payload object (its input, changed or not)"
            ),
        }
    }
}

/// Checks that `text` is one JSON object nested at most [`MAX_DEPTH`] levels
/// deep. Never overflows the stack, whatever the input.
pub fn check_hook_output(text: &str) -> Result<(), HookOutputError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let top = TopLevel::deserialize(&mut deserializer)
        .and_then(|top| deserializer.end().map(|()| top))
        .map_err(|e| HookOutputError::NotJson(e.to_string()))?;
    match top {
        TopLevel::Object => Ok(()),
        TopLevel::Other(kind) => Err(HookOutputError::NotAnObject(kind)),
    }
}

/// The kind of the top-level value; everything inside it is only walked.
enum TopLevel {
    Object,
    Other(&'static str),
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(KindVisitor)
            .map(|kind| match kind {
                "an object" => TopLevel::Object,
                other => TopLevel::Other(other),
            })
    }
}

/// Any JSON value, walked through `deserialize_any` (which counts depth),
/// unlike [`IgnoredAny`], whose serde_json implementation skips values
/// without a depth limit.
struct Walked;

impl<'de> Deserialize<'de> for Walked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor).map(|_| Walked)
    }
}

/// Walks one value (its elements through [`Walked`]) and names its kind.
struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok("a boolean")
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok("a number")
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok("a number")
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok("a number")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok("a string")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok("null")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Walked>()?.is_some() {}
        Ok("an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // Keys are strings (serde_json checks that); IgnoredAny skips one
        // without keeping it.
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value::<Walked>()?;
        }
        Ok("an object")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
    }

    #[test]
    fn accepts_objects() {
        for ok in [
            "{}",
            " {\"event\":\"e\",\"html\":\"<p>\\u00e9\\\"</p>\"} ",
            "{\"a\":[1,2.5,-3,true,false,null,{\"b\":\"c\"}],\"\":{}}",
        ] {
            assert_eq!(check_hook_output(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_values_that_are_not_objects() {
        for (text, kind) in [
            ("null", "null"),
            ("[]", "an array"),
            ("[{\"html\":\"x\"}]", "an array"),
            ("\"{}\"", "a string"),
            ("42", "a number"),
            ("-1.5e3", "a number"),
            ("true", "a boolean"),
        ] {
            assert_eq!(
                check_hook_output(text),
                Err(HookOutputError::NotAnObject(kind)),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_text_that_is_not_json() {
        for text in [
            "",
            "<html>",
            "{",
            "{\"a\":1}}",
            "{} {}",
            "{\"a\":01}",
            "{'a':1}",
        ] {
            let err = check_hook_output(text).unwrap_err();
            assert!(
                matches!(err, HookOutputError::NotJson(_)),
                "{text}: {err:?}"
            );
            assert!(err
                .to_string()
                .starts_with("returned output that is not JSON"));
        }
    }

    #[test]
    fn the_depth_limit_is_127_levels_counting_the_top_object() {
        let at_limit = nested("{\"a\":", "}", MAX_DEPTH, "1");
        assert_eq!(check_hook_output(&at_limit), Ok(()));
        let arrays = format!("{{\"a\":{}}}", nested("[", "]", MAX_DEPTH - 1, ""));
        assert_eq!(check_hook_output(&arrays), Ok(()));

        let past = format!("{{\"a\":{}}}", nested("[", "]", MAX_DEPTH, ""));
        let err = check_hook_output(&past).unwrap_err();
        assert!(
            err.to_string().contains("nested more than 127 levels"),
            "{err}"
        );
    }

    #[test]
    fn a_500000_deep_document_is_refused_without_overflowing_the_stack() {
        // On a small stack, to be sure the walk stops at the limit.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let arrays = nested("[", "]", 500_000, "");
                let objects = nested("{\"a\":", "}", 500_000, "null");
                let in_object = format!("{{\"html\":{arrays}}}");
                [arrays, objects, in_object].map(|text| check_hook_output(&text))
            })
            .unwrap();
        for result in handle.join().unwrap() {
            let err = result.unwrap_err();
            assert!(err.to_string().contains("nested more than 127"), "{err}");
        }
    }

    #[test]
    fn an_unclosed_deep_document_is_refused_too() {
        let err = check_hook_output(&"[".repeat(500_000)).unwrap_err();
        assert!(matches!(err, HookOutputError::NotJson(_)));
    }
}

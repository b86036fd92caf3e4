//! The parsed input of a `filter_args` call: the filtered text and the
//! template's arguments.

use crate::json::{self, Value};

/// One `filter_args` call: `{"input": "Some title", "args": [40, "…"]}`.
///
/// For `{{ title | truncate(40, "…") }}` the host passes the title as
/// `input` and `[40, "…"]` as `args`, each argument as its JSON value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterArgs {
    /// The text the filter is applied to.
    pub input: String,
    /// The template's arguments, in order; empty when there are none.
    pub args: Vec<Value>,
}

impl FilterArgs {
    /// Parses the host's JSON: an object whose `"input"` is a string and whose
    /// `"args"`, when present and not `null`, is an array.
    pub fn parse(text: &str) -> Result<FilterArgs, String> {
        let value = json::parse(text)
            .map_err(|e| format!("the filter_args input is not valid JSON ({})", e))?;
        let pairs = match value {
            Value::Object(pairs) => pairs,
            _ => return Err("the filter_args input is not a JSON object".to_string()),
        };
        let mut input = None;
        let mut args = Vec::new();
        for (key, value) in pairs {
            match (key.as_str(), value) {
                ("input", Value::String(text)) => input = Some(text),
                ("input", _) => {
                    return Err("the filter_args input's \"input\" is not a string".to_string())
                }
                ("args", Value::Array(items)) => args = items,
                ("args", Value::Null) => args = Vec::new(),
                ("args", _) => {
                    return Err("the filter_args input's \"args\" is not an array".to_string())
                }
                _ => {}
            }
        }
        match input {
            Some(input) => Ok(FilterArgs { input, args }),
            None => Err("the filter_args input has no \"input\" string".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_input_and_arguments_as_json_values() {
        let call =
            FilterArgs::parse(r#"{"input":"Hello \"you\"","args":[40,"…",true,null,{"a":[1]}]}"#)
                .unwrap();
        assert_eq!(call.input, "Hello \"you\"");
        assert_eq!(call.args.len(), 5);
        assert_eq!(call.args[0].as_u64(), Some(40));
        assert_eq!(call.args[1].as_str(), Some("…"));
        assert_eq!(call.args[2].as_bool(), Some(true));
        assert!(call.args[3].is_null());
        assert_eq!(json::to_string(&call.args[4]), r#"{"a":[1]}"#);
    }

    #[test]
    fn no_arguments_is_an_empty_list() {
        for text in [
            r#"{"input":"x"}"#,
            r#"{"input":"x","args":[]}"#,
            r#"{"args":null,"input":"x"}"#,
        ] {
            assert_eq!(
                FilterArgs::parse(text).unwrap(),
                FilterArgs {
                    input: "x".to_string(),
                    args: vec![]
                }
            );
        }
    }

    #[test]
    fn rejects_what_the_host_never_sends() {
        for (text, message) in [
            (
                "",
                "the filter_args input is not valid JSON (unexpected end of input at byte 0)",
            ),
            ("[]", "the filter_args input is not a JSON object"),
            (
                r#"{"args":[]}"#,
                "the filter_args input has no \"input\" string",
            ),
            (
                r#"{"input":1}"#,
                "the filter_args input's \"input\" is not a string",
            ),
            (
                r#"{"input":"x","args":"y"}"#,
                "the filter_args input's \"args\" is not an array",
            ),
        ] {
            assert_eq!(FilterArgs::parse(text).unwrap_err(), message, "{}", text);
        }
    }
}

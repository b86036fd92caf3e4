//! The parsed input of a `shortcode` call.

use crate::json::{self, Value};

/// One shortcode call: `{"name": "youtube", "args": ["abc123"], "content": ""}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shortcode {
    /// The name the shortcode was called under (the plugin's name).
    pub name: String,
    /// The shortcode's arguments, in order.
    pub args: Vec<String>,
    /// The inner content of a paired shortcode; empty otherwise.
    pub content: String,
}

impl Shortcode {
    /// Parses the host's JSON. A missing key counts as empty; a key of the
    /// wrong type, or input that is not a JSON object, is an error.
    pub fn parse(input: &str) -> Result<Shortcode, String> {
        let value = json::parse(input)
            .map_err(|e| format!("the shortcode input is not valid JSON ({})", e))?;
        if !matches!(value, Value::Object(_)) {
            return Err("the shortcode input is not a JSON object".to_string());
        }
        let mut call = Shortcode::default();
        if let Some(name) = value.get("name") {
            call.name = string_field(name, "name")?;
        }
        if let Some(content) = value.get("content") {
            call.content = string_field(content, "content")?;
        }
        match value.get("args") {
            None => {}
            Some(Value::Array(items)) => {
                for item in items {
                    call.args.push(string_field(item, "args")?);
                }
            }
            Some(_) => {
                return Err("the shortcode input's \"args\" is not an array of strings".to_string())
            }
        }
        Ok(call)
    }

    /// The argument at `index`, if there is one.
    pub fn arg(&self, index: usize) -> Option<&str> {
        self.args.get(index).map(String::as_str)
    }
}

fn string_field(value: &Value, key: &str) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        _ => Err(format!(
            "the shortcode input's \"{}\" holds something other than a string",
            key
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_call_and_defaults_missing_keys() {
        let call =
            Shortcode::parse(r#"{"name":"callout","args":["warning","Hot"],"content":"<p>x</p>"}"#)
                .unwrap();
        assert_eq!(call.name, "callout");
        assert_eq!(call.arg(1), Some("Hot"));
        assert_eq!(call.arg(2), None);
        assert_eq!(call.content, "<p>x</p>");
        assert_eq!(Shortcode::parse("{}").unwrap(), Shortcode::default());
    }

    #[test]
    fn rejects_wrong_types() {
        assert!(Shortcode::parse("[]").is_err());
        assert!(Shortcode::parse(r#"{"args":[1]}"#).is_err());
        assert!(Shortcode::parse(r#"{"content":null}"#).is_err());
    }
}

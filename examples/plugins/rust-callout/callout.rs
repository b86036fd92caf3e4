//! `callout`: an Alloy shortcode plugin meant for the paired form, so the
//! inner content of `{% callout "warning", "Careful" %}...{% endcallout %}`
//! arrives as `content`.
//!
//! Input:  {"name":"callout","args":["warning","Careful"],"content":"<p>Hot.</p>"}
//! Output: <aside class="callout callout-warning"><p class="callout-title">Careful</p><p>Hot.</p></aside>
//! - args[0], the kind, is optional (default "note"); letters, digits and '-' only,
//!   because it goes into a class attribute.
//! - args[1], the title, is optional; it is escaped as HTML text.
//! - `content` is HTML and is inserted as-is; an empty callout is an error.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

// alloy_plugin defines `alloc` and `last_error`; `input` reads the call's
// input and `finish` hands the result (or the error) to the host.
use alloy_plugin as abi;
use alloy_plugin::json;

use json::Value;

const BAD_KIND: &str = "callout: the kind (first argument) may hold only letters, digits and '-'";
const NO_CONTENT: &str = "callout: needs content between {% callout %} and {% endcallout %}";

fn valid_kind(kind: &str) -> bool {
    !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Appends `text` escaped for use as HTML text content.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// The string argument at `index`, `None` when absent; an error when it is not a string.
fn arg(args: &[Value], index: usize) -> Result<Option<&str>, String> {
    match args.get(index) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("callout: argument #{} must be a string", index)),
    }
}

fn render(input: &[u8]) -> Result<Vec<u8>, String> {
    let call =
        json::parse_bytes(input).map_err(|_| "callout: input is not valid JSON".to_string())?;
    let args: &[Value] = match call.get("args") {
        None | Some(Value::Null) => &[],
        Some(Value::Array(args)) => args,
        Some(_) => return Err("callout: \"args\" must be an array".to_string()),
    };
    let kind = arg(args, 0)?.unwrap_or("note");
    if !valid_kind(kind) {
        return Err(BAD_KIND.to_string());
    }
    let title = arg(args, 1)?.unwrap_or("");
    let content = match call.get("content") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.as_str(),
        Some(Value::String(_)) | None | Some(Value::Null) => return Err(NO_CONTENT.to_string()),
        Some(_) => return Err("callout: \"content\" must be a string".to_string()),
    };
    let mut html = String::with_capacity(96 + kind.len() + title.len() + content.len());
    html.push_str("<aside class=\"callout callout-");
    html.push_str(kind);
    html.push_str("\">");
    if !title.is_empty() {
        html.push_str("<p class=\"callout-title\">");
        push_escaped(&mut html, title);
        html.push_str("</p>");
    }
    html.push_str(content);
    html.push_str("</aside>");
    Ok(html.into_bytes())
}

/// `shortcode(ptr, len) -> (ptr << 32) | len`.
#[no_mangle]
pub extern "C" fn shortcode(ptr: i32, len: i32) -> i64 {
    let result = render(unsafe { abi::input(ptr, len) });
    abi::finish(result)
}

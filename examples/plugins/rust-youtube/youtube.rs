//! `youtube`: an Alloy shortcode plugin that embeds a YouTube video.
//!
//! Input:  {"name":"youtube","args":["abc123"],"content":""}
//! Output: <div class="youtube"><iframe src="https://www.youtube-nocookie.com/embed/abc123"
//!         title="YouTube video" allowfullscreen></iframe></div>
//! (on one line). A non-empty `content` (HTML, inserted as-is) becomes a caption:
//! ...</iframe><p class="caption">CONTENT</p></div>.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

// alloy_plugin defines `alloc` and `last_error`; `input` reads the call's
// input and `finish` hands the result (or the error) to the host.
use alloy_plugin as abi;
use alloy_plugin::json;

use json::Value;

const BAD_ID: &str =
    "youtube: expected a video id (letters, digits, '-' or '_') as the first argument";

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn render(input: &[u8]) -> Result<Vec<u8>, String> {
    let call =
        json::parse_bytes(input).map_err(|_| "youtube: input is not valid JSON".to_string())?;
    if !matches!(call, Value::Object(_)) {
        return Err("youtube: input is not a JSON object".to_string());
    }
    let id = call
        .get("args")
        .and_then(Value::as_array)
        .and_then(|args| args.first())
        .and_then(Value::as_str)
        .filter(|id| valid_id(id))
        .ok_or_else(|| BAD_ID.to_string())?;
    let content = match call.get("content") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("youtube: \"content\" must be a string".to_string()),
    };
    let mut html = String::with_capacity(160 + content.len());
    html.push_str("<div class=\"youtube\"><iframe src=\"https://www.youtube-nocookie.com/embed/");
    html.push_str(id);
    html.push_str("\" title=\"YouTube video\" allowfullscreen></iframe>");
    if !content.is_empty() {
        html.push_str("<p class=\"caption\">");
        html.push_str(content);
        html.push_str("</p>");
    }
    html.push_str("</div>");
    Ok(html.into_bytes())
}

/// `shortcode(ptr, len) -> (ptr << 32) | len`.
#[no_mangle]
pub extern "C" fn shortcode(ptr: i32, len: i32) -> i64 {
    let result = render(unsafe { abi::input(ptr, len) });
    abi::finish(result)
}

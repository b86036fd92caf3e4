//! `markdown`: Markdown to HTML with [pulldown-cmark], as an Alloy plugin.
//!
//! - `filter`: a Markdown document in, its HTML out.
//! - hook `onContentTransformed`: renders, in the page's `html`, every
//!   `<script type="text/markdown">...</script>` element to HTML (the element
//!   is replaced by the rendering of its text). A page without one comes back
//!   as it was, without being parsed.
//!
//! The syntax is CommonMark with the two extensions markdown-it enables by
//! default (markdown-it is what Eleventy renders Markdown with): GFM tables
//! and strikethrough. Raw HTML passes through, as with Eleventy's markdown-it
//! (`html: true`). The README next to this file lists where the output
//! differs from markdown-it's.
//!
//! [pulldown-cmark]: https://crates.io/crates/pulldown-cmark

use alloy_plugin::json::{self, Value};
use pulldown_cmark::{html, Options, Parser};

const OPEN: &str = "<script type=\"text/markdown\">";
const CLOSE: &str = "</script>";

alloy_plugin::filter!(|markdown: &str| -> String { render(markdown) });

alloy_plugin::hooks!(
    ["onContentTransformed"],
    |payload: &str| -> Result<String, String> {
        if !payload.contains("<script type=\\\"text/markdown\\\">") {
            return Ok(payload.to_string()); // nothing to render: skip parsing
        }
        let mut page = json::parse(payload)
            .map_err(|e| format!("markdown: the payload is not JSON ({})", e))?;
        if let Some(Value::String(html)) = page.get_mut("html") {
            *html = render_islands(html)?;
        }
        Ok(json::to_string(&page))
    }
);

/// The options: CommonMark plus tables and strikethrough, as markdown-it's default preset.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// `markdown` as HTML.
pub fn render(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2 + 64);
    html::push_html(&mut out, Parser::new_ext(markdown, options()));
    out
}

/// `html` with each `<script type="text/markdown">` element replaced by the HTML of its text.
fn render_islands(html: &str) -> Result<String, String> {
    let mut out = String::with_capacity(html.len() + html.len() / 2);
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let body = &rest[start + OPEN.len()..];
        let end = body
            .find(CLOSE)
            .ok_or_else(|| format!("markdown: a {} element has no {}", OPEN, CLOSE))?;
        html::push_html(&mut out, Parser::new_ext(&body[..end], options()));
        rest = &body[end + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

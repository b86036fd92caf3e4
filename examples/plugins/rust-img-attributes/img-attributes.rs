//! `img-attributes`: an Alloy filter the site configures, through the
//! `configure` export: it adds `loading` and `decoding` attributes to every
//! `<img ` in the HTML it gets.
//!
//! Configuration (optional; without one: `{"loading": "lazy"}`):
//!
//! ```json
//! { "loading": "lazy" | "eager", "decoding": "async" | "sync" | "auto" }
//! ```
//!
//! Both keys are optional. An unknown key or value fails the plugin's load
//! (a `PLUGIN_ERROR` naming it), so a typo in the site's configuration is
//! caught at startup, not on the first page.
//!
//! `{"loading": "eager", "decoding": "async"}` turns `<img src="a.png">` into
//! `<img loading="eager" decoding="async" src="a.png">`.
//!
//! Build: cargo build --release --target wasm32-unknown-unknown

use alloy_plugin::json::Value;

alloy_plugin::configure!(check_config);

alloy_plugin::filter!(|html: &str| {
    let attributes = alloy_plugin::with_config(attributes);
    html.replace("<img ", &format!("<img {}", attributes))
});

/// Accepts a configuration only when every key and value is known.
fn check_config(config: &Value) -> Result<(), String> {
    let pairs = match config {
        Value::Object(pairs) => pairs,
        _ => return Err("img-attributes: the configuration must be an object".to_string()),
    };
    for (key, value) in pairs {
        let allowed: &[&str] = match key.as_str() {
            "loading" => &["lazy", "eager"],
            "decoding" => &["async", "sync", "auto"],
            _ => {
                return Err(format!(
                    "img-attributes: unknown configuration key {:?} (known: loading, decoding)",
                    key
                ))
            }
        };
        if !value.as_str().is_some_and(|v| allowed.contains(&v)) {
            return Err(format!(
                "img-attributes: {:?} must be one of {:?}, got {}",
                key,
                allowed,
                alloy_plugin::json::to_string(value)
            ));
        }
    }
    Ok(())
}

/// The attributes to add, each followed by a space, from the configuration
/// `configure` accepted (`None`: no configuration was given).
fn attributes(config: Option<&Value>) -> String {
    let get = |key: &str| config.and_then(|c| c.get(key)).and_then(Value::as_str);
    let mut out = format!("loading=\"{}\" ", get("loading").unwrap_or("lazy"));
    if let Some(decoding) = get("decoding") {
        out.push_str(&format!("decoding=\"{}\" ", decoding));
    }
    out
}

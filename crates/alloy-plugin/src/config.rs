//! Plugin configuration: the JSON value the host passes to the `configure`
//! export once per instance, before any other call, kept for the instance's
//! whole life.

use std::cell::RefCell;
use std::fmt::Display;

use crate::json::{self, Value};

thread_local! {
    // A wasm instance has one thread, so this is one global state.
    static CONFIG: RefCell<Option<Value>> = const { RefCell::new(None) };
}

/// A copy of the configuration the host gave this instance, or `None` when
/// it gave none (the host calls `configure` only when the site configures
/// the plugin). See [`with_config`] to read it without copying.
pub fn config() -> Option<Value> {
    with_config(|config| config.cloned())
}

/// Runs `f` on the configuration the host gave this instance (`None` when it
/// gave none) and returns what `f` returns.
///
/// ```ignore
/// let loading = alloy_plugin::with_config(|config| {
///     config.and_then(|c| c.get("loading")).and_then(|v| v.as_str()).unwrap_or("lazy").to_string()
/// });
/// ```
pub fn with_config<R>(f: impl FnOnce(Option<&Value>) -> R) -> R {
    CONFIG.with(|config| f(config.borrow().as_ref()))
}

/// Parses the configuration's JSON text, runs `handler` on it (to check it,
/// or to derive settings), and keeps it for [`config`] and [`with_config`]
/// when the handler accepts it: the body of the `configure` export that
/// [`configure!`](crate::configure!) defines, without the memory handling.
/// A rejected configuration is not kept.
pub fn apply_config<F, E>(text: &str, handler: F) -> Result<(), String>
where
    F: FnOnce(&Value) -> Result<(), E>,
    E: Display,
{
    let value =
        json::parse(text).map_err(|e| format!("the configuration is not valid JSON ({})", e))?;
    handler(&value).map_err(|e| e.to_string())?;
    CONFIG.with(|config| *config.borrow_mut() = Some(value));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_an_accepted_configuration() {
        let mut seen = None;
        apply_config(r#"{"loading":"eager"}"#, |config| -> Result<(), String> {
            seen = config
                .get("loading")
                .and_then(Value::as_str)
                .map(str::to_string);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.as_deref(), Some("eager"));
        let kept = config().unwrap();
        assert_eq!(json::to_string(&kept), r#"{"loading":"eager"}"#);
        assert!(with_config(|c| c.is_some()));
    }

    #[test]
    fn a_rejected_or_broken_configuration_is_an_error_and_not_kept() {
        let err = apply_config("[1]", |_| Err("needs an object")).unwrap_err();
        assert_eq!(err, "needs an object");
        assert_eq!(config(), None);
        let err = apply_config("{", |_| -> Result<(), String> { Ok(()) }).unwrap_err();
        assert_eq!(
            err,
            "the configuration is not valid JSON (expected a string key at byte 1)"
        );
        assert_eq!(config(), None);
    }
}

//! Every macro expands in a plugin crate, and the functions they call give
//! the outputs the host reads. (The exports themselves take wasm32 pointers,
//! so the host-target tests call what is behind them.)

use alloy_plugin::json::{self, Value};
use alloy_plugin::{call_filter_args, Output, Shortcode};

alloy_plugin::filter!(|input: &str| input.to_uppercase());
alloy_plugin::shortcode!(|call: Shortcode| format!("<b>{}</b>", call.content));
alloy_plugin::hooks!(
    ["onContentTransformed", "onPageRendered"],
    |payload: &str| payload.to_string()
);
alloy_plugin::filter_args!(truncate);
alloy_plugin::configure!(|config: &Value| -> Result<(), String> {
    match config.get("max") {
        None => Ok(()),
        Some(max) if max.as_u64().is_some() => Ok(()),
        Some(_) => Err("\"max\" must be a whole number".to_string()),
    }
});

fn truncate(input: &str, args: &[Value]) -> Result<String, String> {
    let n = match args.first() {
        None => 10,
        Some(n) => n.as_u64().ok_or("the length must be a whole number")? as usize,
    };
    let ellipsis = args.get(1).and_then(Value::as_str).unwrap_or("…");
    if input.chars().count() <= n {
        return Ok(input.to_string());
    }
    Ok(input.chars().take(n).collect::<String>() + ellipsis)
}

fn run(text: &str) -> Result<String, String> {
    call_filter_args(Ok(text), truncate).map(|bytes| String::from_utf8(bytes).unwrap())
}

#[test]
fn filter_args_gets_the_input_and_each_argument() {
    assert_eq!(
        run(r#"{"input":"Hello world","args":[5,"..."]}"#).unwrap(),
        "Hello..."
    );
    assert_eq!(
        run(r#"{"input":"Hello world","args":[5]}"#).unwrap(),
        "Hello…"
    );
    assert_eq!(
        run(r#"{"input":"Hello world","args":[]}"#).unwrap(),
        "Hello worl…"
    );
    assert_eq!(run(r#"{"input":"Hi","args":[5]}"#).unwrap(), "Hi");
}

#[test]
fn filter_args_errors_reach_last_error_text() {
    assert_eq!(
        run(r#"{"input":"x","args":["five"]}"#).unwrap_err(),
        "the length must be a whole number"
    );
    assert_eq!(
        run(r#"{"args":[1]}"#).unwrap_err(),
        "the filter_args input has no \"input\" string"
    );
    assert_eq!(
        call_filter_args(Err("not UTF-8".to_string()), truncate).unwrap_err(),
        "not UTF-8"
    );
}

#[test]
fn configure_keeps_what_its_handler_accepts() {
    // The same handler as the configure! above, through apply_config.
    let handler = |config: &Value| -> Result<(), String> {
        match config.get("max") {
            Some(max) if max.as_u64().is_none() => {
                Err("\"max\" must be a whole number".to_string())
            }
            _ => Ok(()),
        }
    };
    assert_eq!(
        alloy_plugin::apply_config(r#"{"max":"x"}"#, handler).unwrap_err(),
        "\"max\" must be a whole number"
    );
    assert_eq!(alloy_plugin::config(), None);
    alloy_plugin::apply_config(r#"{"max":3}"#, handler).unwrap();
    let max = alloy_plugin::with_config(|c| c.and_then(|c| c.get("max")).and_then(Value::as_u64));
    assert_eq!(max, Some(3));
}

#[test]
fn outputs_convert_as_documented() {
    assert_eq!("x".into_output(), Ok(b"x".to_vec()));
    assert_eq!(
        json::parse("[1, 2]").unwrap().into_output(),
        Ok(b"[1,2]".to_vec())
    );
    let failed: Result<String, &str> = Err("nope");
    assert_eq!(failed.into_output(), Err("nope".to_string()));
}

#[test]
fn the_macros_define_the_exports() {
    // Taking each export's address proves the macro defined it with the ABI's signature.
    let _: extern "C" fn(i32, i32) -> i64 = filter;
    let _: extern "C" fn(i32, i32) -> i64 = shortcode;
    let _: extern "C" fn() -> i64 = hooks;
    let _: extern "C" fn(i32, i32) -> i64 = hook;
    let _: extern "C" fn(i32, i32) -> i64 = filter_args;
    let _: extern "C" fn(i32, i32) -> i64 = configure;
    let _: extern "C" fn(i32) -> i32 = alloy_plugin::alloc;
    let _: extern "C" fn() -> i64 = alloy_plugin::last_error;
}

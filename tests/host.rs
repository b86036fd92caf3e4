//! The core host without Node.js: plugins written in WAT, called through
//! `Host` the way the binding calls it.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_wasm::{AbiExport, ErrorCode, Host, Settings};

mod common;

use common::echo_plugin;

fn host(options: Settings) -> Arc<Host> {
    Arc::new(
        Host::new(&Settings {
            cache_dir: None,
            ..options
        })
        .unwrap(),
    )
}

fn default_host() -> Arc<Host> {
    host(Settings::default())
}

/// Adds an echo plugin that runs `misbehave` on "!", checks that "!" fails
/// with `code`, and that the next call is served. Returns the error.
fn fails_then_recovers(
    options: Settings,
    form: &str,
    misbehave: &str,
    code: ErrorCode,
) -> alloy_wasm::PluginError {
    let host = host(options);
    host.add_bytes("p", &echo_plugin(form, misbehave, ""), None)
        .unwrap();
    let err = host.call("p", AbiExport::Filter, "!").unwrap_err();
    assert_eq!(err.code, code, "{err}");
    assert_eq!(host.call("p", AbiExport::Filter, "next").unwrap(), "next");
    err
}

#[test]
fn both_result_forms_round_trip_utf8() {
    let host = default_host();
    host.add_bytes("packed", &echo_plugin("packed", "nop", ""), None)
        .unwrap();
    let info = host
        .add_bytes("pair", &echo_plugin("pair", "nop", ""), None)
        .unwrap();
    assert_eq!(info.results, Some("multi-value"));
    for input in ["", "héllo 😀 日本", "\u{feff}bom", "nul\0byte"] {
        assert_eq!(
            host.call("packed", AbiExport::Filter, input).unwrap(),
            input
        );
        assert_eq!(host.call("pair", AbiExport::Filter, input).unwrap(), input);
    }
}

#[test]
fn zero_zero_is_the_plugins_error_with_last_error_text() {
    let host = default_host();
    let wasm = echo_plugin(
        "packed",
        "(return (i64.const 0))",
        r#"(data (i32.const 64) "rejected: bad input")
           (func (export "last_error") (result i32 i32) (i32.const 64) (i32.const 19))"#,
    );
    host.add_bytes("fails", &wasm, None).unwrap();
    let err = host.call("fails", AbiExport::Filter, "!x").unwrap_err();
    assert_eq!(err.code, ErrorCode::PluginError);
    assert_eq!(err.detail, "rejected: bad input");
    assert_eq!(err.plugin.as_deref(), Some("fails"));
    assert_eq!(err.export.as_deref(), Some("filter"));
    assert_eq!(host.call("fails", AbiExport::Filter, "ok").unwrap(), "ok");
}

#[test]
fn results_outside_memory_are_bad_results_even_when_they_wrap() {
    let wraps = "(return (i32.const -16) (i32.const 32))";
    fails_then_recovers(Settings::default(), "pair", wraps, ErrorCode::BadResult);
}

#[test]
fn a_runaway_call_times_out_and_the_plugin_recovers() {
    let options = Settings {
        timeout_ms: 30,
        ..Settings::default()
    };
    let started = Instant::now();
    fails_then_recovers(options, "packed", "(loop br 0)", ErrorCode::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn growing_past_the_cap_is_memory_limit() {
    let options = Settings {
        memory_limit_mb: 2,
        ..Settings::default()
    };
    let bomb = "(loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))) unreachable";
    let err = fails_then_recovers(options, "packed", bomb, ErrorCode::MemoryLimit);
    assert!(err.detail.contains("2 MiB limit"), "{err}");
}

#[test]
fn batches_keep_input_order_and_report_the_lowest_failing_index() {
    let host = host(Settings {
        threads: 2,
        ..Settings::default()
    });
    host.add_bytes("trap", &echo_plugin("packed", "unreachable", ""), None)
        .unwrap();
    let inputs: Vec<String> = (0..500).map(|i| format!("input {i}")).collect();
    let (tx, rx) = mpsc::channel();
    host.spawn_many("trap", AbiExport::Filter, inputs.clone(), move |r| {
        tx.send(r).unwrap()
    });
    assert_eq!(rx.recv().unwrap().unwrap(), inputs);

    let mut failing = inputs.clone();
    failing[123] = "!a".into();
    failing[400] = "!b".into();
    let (tx, rx) = mpsc::channel();
    host.spawn_many("trap", AbiExport::Filter, failing, move |r| {
        tx.send(r).unwrap()
    });
    let err = rx.recv().unwrap().unwrap_err();
    assert_eq!((err.code, err.index), (ErrorCode::Trap, Some(123)));
}

#[test]
fn hook_output_must_be_json() {
    let host = default_host();
    let hooks = r#"(data (i32.const 64) "[\"onX\"]")
        (func (export "hooks") (result i64) (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 7)))
        (func (export "hook") (param i32 i32) (result i64) (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 3)))"#;
    let info = host
        .add_bytes("h", &echo_plugin("packed", "nop", hooks), None)
        .unwrap();
    assert_eq!(info.hooks, vec!["onX".to_string()]);
    // hook() returns `["on`, a truncated array: not JSON.
    let err = host
        .call("h", AbiExport::Hook, r#"{"event":"onX"}"#)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidJson);
}

#[test]
fn after_close_every_call_is_host_closed() {
    let host = default_host();
    host.add_bytes("echo", &echo_plugin("packed", "nop", ""), None)
        .unwrap();
    host.close();
    host.close();
    assert_eq!(
        host.call("echo", AbiExport::Filter, "x").unwrap_err().code,
        ErrorCode::HostClosed
    );
    let (tx, rx) = mpsc::channel();
    host.spawn_call("echo".into(), AbiExport::Filter, "x".into(), move |r| {
        tx.send(r).unwrap()
    });
    assert_eq!(rx.recv().unwrap().unwrap_err().code, ErrorCode::HostClosed);
}

#[test]
fn a_replaced_or_closed_plugin_stops_serving_through_old_handles() {
    let host = default_host();
    host.add_bytes("p", &echo_plugin("packed", "unreachable", ""), None)
        .unwrap();
    let old = host.plugin("p").unwrap();
    assert_eq!(
        host.call_plugin(&old, AbiExport::Filter, b"x").unwrap(),
        "x"
    );
    host.replace_bytes("p", &echo_plugin("pair", "unreachable", ""), None)
        .unwrap();
    let err = host.call_plugin(&old, AbiExport::Filter, b"x").unwrap_err();
    assert_eq!(err.code, ErrorCode::PluginNotFound, "{err}");
    assert!(err.detail.contains("replaced"), "{err}");
    assert_eq!(host.plugins().len(), 1);
    let new = host.plugin("p").unwrap();
    assert_eq!(host.call("p", AbiExport::Filter, "y").unwrap(), "y");
    host.close();
    let err = host.call_plugin(&new, AbiExport::Filter, b"x").unwrap_err();
    assert_eq!(err.code, ErrorCode::HostClosed, "{err}");
}

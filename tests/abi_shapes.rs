//! The three result shapes (i64, multi-value, TinyGo's result pointer) side
//! by side, and the exports `configure` and `filter_args`, through `Host`.
//! The plugins are __test__/fixtures/abi-src/shapes-*.wat: one plugin in
//! three shapes.

use std::collections::BTreeMap;
use std::sync::Arc;

use alloy_wasm::{AbiExport, AddOptions, ErrorCode, Host, Memoize, Settings};

mod common;

const SHAPES: [(&str, &str, &str); 3] = [
    (
        "i64",
        include_str!("../__test__/fixtures/abi-src/shapes-i64.wat"),
        "i64",
    ),
    (
        "mv",
        include_str!("../__test__/fixtures/abi-src/shapes-mv.wat"),
        "multi-value",
    ),
    (
        "retptr",
        include_str!("../__test__/fixtures/abi-src/shapes-retptr.wat"),
        "retptr",
    ),
];

fn host(settings: Settings) -> Arc<Host> {
    Arc::new(
        Host::new(&Settings {
            cache_dir: None,
            ..settings
        })
        .unwrap(),
    )
}

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("valid WAT")
}

fn configured(config: &str) -> AddOptions {
    AddOptions {
        replace: false,
        config: Some(config.to_owned()),
    }
}

#[test]
fn every_export_works_in_all_three_result_shapes() {
    let host = host(Settings::default());
    for (name, wat, results) in SHAPES {
        let info = host.add_bytes(name, &wasm(wat), None).unwrap();
        assert_eq!(info.results, Some(results));
        assert_eq!(info.hooks, vec!["onContentTransformed"], "{name}");
        assert_eq!(
            info.exports,
            vec![
                "memory",
                "alloc",
                "filter",
                "filter_args",
                "shortcode",
                "hooks",
                "hook",
                "last_error",
                "configure"
            ]
        );
        assert!(!info.configured);
        for input in ["", "héllo 😀", "x".repeat(5000).as_str()] {
            assert_eq!(host.call(name, AbiExport::Filter, input).unwrap(), input);
        }
        let json = r#"{"input":"a","args":[1]}"#;
        assert_eq!(host.call(name, AbiExport::FilterArgs, json).unwrap(), json);
        let json = r#"{"name":"s","args":[],"content":""}"#;
        assert_eq!(host.call(name, AbiExport::Shortcode, json).unwrap(), json);
        let json = r#"{"event":"onContentTransformed","content":"<p>"}"#;
        assert_eq!(host.call(name, AbiExport::Hook, json).unwrap(), json);
        // (0, 0), and last_error's text, through the same shape.
        let err = host.call(name, AbiExport::Filter, "!no").unwrap_err();
        assert_eq!(err.code, ErrorCode::PluginError);
        assert_eq!(
            err.detail,
            format!("{results} plugin: the input was refused"),
            "{name}"
        );
        assert_eq!(err.export.as_deref(), Some("filter"));
        assert_eq!(host.call(name, AbiExport::Filter, "next").unwrap(), "next");
    }
}

#[test]
fn the_result_slot_does_not_overlap_an_input_in_a_reused_buffer() {
    // The plugin's alloc hands out the same buffer every time: a slot from a
    // second alloc (or one allocated once per instance) would be the input.
    let host = host(Settings::default());
    host.add_bytes("retptr", &wasm(SHAPES[2].1), None).unwrap();
    for len in [0usize, 1, 7, 8, 9, 299_985] {
        let input = "y".repeat(len);
        assert_eq!(
            host.call("retptr", AbiExport::Filter, &input).unwrap(),
            input
        );
    }
    // alloc refuses more than 300,000 bytes: the input plus the slot's room.
    let err = host
        .call("retptr", AbiExport::Filter, &"z".repeat(299_990))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::PluginError, "{err}");
}

#[test]
fn configure_runs_once_on_every_new_instance_before_any_call() {
    // Every call on a new instance: recycled after each one.
    let settings = Settings {
        recycle_after_calls: 1,
        ..Settings::default()
    };
    let host = host(settings);
    for (name, wat, _) in SHAPES {
        let info = host
            .add_with(name, &wasm(wat), None, configured(r#"{"k":"v"}"#))
            .unwrap();
        assert!(info.configured);
        for _ in 0..3 {
            assert_eq!(
                host.call(name, AbiExport::Filter, "in").unwrap(),
                r#"{"k":"v"}#1:in"#,
                "{name}"
            );
        }
        assert!(host.pool_stats(name).unwrap().recycled >= 3);
        assert_eq!(
            host.plugin(name).unwrap().config_json(),
            Some(r#"{"k":"v"}"#)
        );
    }
}

#[test]
fn a_refused_config_fails_the_load_with_last_errors_text() {
    let host = host(Settings::default());
    for (name, wat, results) in SHAPES {
        let err = host
            .add_with(name, &wasm(wat), None, configured(r#""!nope""#))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::PluginError, "{err}");
        assert_eq!(
            err.detail,
            format!("{results} plugin: the config was refused")
        );
        assert_eq!(err.export.as_deref(), Some("configure"));
        assert_eq!(err.plugin.as_deref(), Some(name));
        assert!(host.plugin(name).is_err(), "not added");
    }
}

#[test]
fn a_config_for_a_plugin_without_configure_is_invalid_options() {
    let host = host(Settings::default());
    let echo = common::echo_plugin("packed", "nop", "");
    let err = host
        .add_with("echo", &echo, None, configured("{}"))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidOptions, "{err}");
    assert!(err.detail.contains("configure"), "{}", err.detail);
    // Without a config it loads, and configure is never called.
    host.add_bytes("plain", &wasm(SHAPES[0].1), None).unwrap();
    assert_eq!(host.call("plain", AbiExport::Filter, "in").unwrap(), "in");
}

#[test]
fn replacing_with_a_new_config_applies_it_and_the_memo_keeps_them_apart() {
    let settings = Settings {
        memoize: Memoize::All,
        ..Settings::default()
    };
    let host = host(settings);
    let bytes = wasm(SHAPES[2].1);
    host.add_with("p", &bytes, None, configured("1")).unwrap();
    assert_eq!(host.call("p", AbiExport::Filter, "in").unwrap(), "1#1:in");
    let options = AddOptions {
        replace: true,
        config: Some("2".to_owned()),
    };
    host.add_with("p", &bytes, None, options).unwrap();
    assert_eq!(host.call("p", AbiExport::Filter, "in").unwrap(), "2#1:in");
}

#[test]
fn load_dir_configures_by_name_and_refuses_unknown_names() {
    let dir = std::env::temp_dir().join(format!("alloy-abi-shapes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.wasm"), wasm(SHAPES[1].1)).unwrap();
    std::fs::write(dir.join("b.wasm"), wasm(SHAPES[2].1)).unwrap();
    let host = host(Settings::default());
    let mut configs = BTreeMap::new();
    configs.insert("b".to_owned(), Some("[true]".to_owned()));
    configs.insert("nope".to_owned(), None);
    let err = host.load_dir_configured(&dir, &configs).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidOptions);
    assert!(err.detail.contains("\"nope\""), "{}", err.detail);
    assert!(host.plugins().is_empty());
    configs.remove("nope");
    let infos = host.load_dir_configured(&dir, &configs).unwrap();
    assert_eq!(
        infos.iter().map(|i| i.configured).collect::<Vec<_>>(),
        [false, true]
    );
    assert_eq!(host.call("a", AbiExport::Filter, "x").unwrap(), "x");
    assert_eq!(
        host.call("b", AbiExport::Filter, "x").unwrap(),
        "[true]#1:x"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

//! A hook's output becomes the next payload: it must be a JSON object of
//! bounded depth, on the sync path and on a worker alike, and the plugin
//! keeps serving normal calls after refusing one.

use std::path::Path;
use std::sync::{mpsc, Arc};

use alloy_wasm::{AbiExport, ErrorCode, Host, Settings};

/// `__test__/fixtures/broken-src/hostile-hooks.wat`: the event picks what
/// hook() returns; "echo" returns its input.
fn hostile_host() -> Arc<Host> {
    let wat = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("__test__/fixtures/broken-src/hostile-hooks.wat");
    let wasm = wat::parse_file(wat).expect("valid WAT");
    let host = Host::new(&Settings {
        cache_dir: None,
        ..Settings::default()
    })
    .unwrap();
    host.add_bytes("hostile", &wasm, None).unwrap();
    Arc::new(host)
}

fn payload(event: &str) -> String {
    format!(r#"{{"event":"{event}","html":"<p>x</p>"}}"#)
}

const REFUSED: [(&str, &str); 5] = [
    ("null", "returned null, not a JSON object"),
    ("array", "returned an array, not a JSON object"),
    ("string", "returned a string, not a JSON object"),
    ("deep", "nested more than 127 levels"),
    ("in-object", "nested more than 127 levels"),
];

#[test]
fn sync_calls_refuse_hook_results_that_are_not_bounded_objects() {
    let host = hostile_host();
    for (event, message) in REFUSED {
        let err = host
            .call("hostile", AbiExport::Hook, &payload(event))
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson, "{event}: {err}");
        assert_eq!(err.plugin.as_deref(), Some("hostile"));
        assert!(err.to_string().contains(message), "{event}: {err}");
        assert!(!err.to_string().contains('\n'), "one line: {err}");
        let echoed = host
            .call("hostile", AbiExport::Hook, &payload("echo"))
            .unwrap();
        assert_eq!(echoed, payload("echo"));
    }
}

#[test]
fn worker_calls_refuse_them_too() {
    let host = hostile_host();
    for (event, message) in REFUSED {
        for (input, refused) in [(payload(event), true), (payload("echo"), false)] {
            let (tx, rx) = mpsc::channel();
            host.spawn_call("hostile".into(), AbiExport::Hook, input.clone(), move |r| {
                tx.send(r).unwrap()
            });
            let result = rx.recv().unwrap();
            if refused {
                let err = result.unwrap_err();
                assert_eq!(err.code, ErrorCode::InvalidJson, "{event}: {err}");
                assert!(err.to_string().contains(message), "{event}: {err}");
            } else {
                assert_eq!(result.unwrap(), input);
            }
        }
    }
}

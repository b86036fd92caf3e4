//! The disk memo through `Host`: outputs found again by the next host, and
//! hosts on several threads sharing one folder at once.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;

use alloy_wasm::settings::MemoDisk;
use alloy_wasm::{AbiExport, Host, Memoize, Settings};

mod common;

use common::echo_plugin;

/// A filter whose output is its number of calls so far (one digit): a
/// memoized answer is told apart from a new call.
const COUNTER: &str = r#"(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "filter") (param i32 i32) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store8 (i32.const 0) (i32.add (i32.const 48) (i32.rem_u (global.get $calls) (i32.const 10))))
    (i64.const 1)))"#;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alloy-disk-memo-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn host(dir: &Path, mb: u64, threads: usize) -> Arc<Host> {
    Arc::new(
        Host::new(&Settings {
            cache_dir: None,
            threads,
            memoize: Memoize::All,
            memoize_disk: Some(MemoDisk {
                dir: dir.to_path_buf(),
                mb,
            }),
            ..Settings::default()
        })
        .unwrap(),
    )
}

fn many(host: &Arc<Host>, name: &str, inputs: Vec<String>) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    host.spawn_many(name, AbiExport::Filter, inputs, move |r| {
        tx.send(r).unwrap()
    });
    rx.recv().unwrap().unwrap()
}

#[test]
fn the_next_host_answers_from_the_folder_without_calling() {
    let dir = temp_dir("next");
    let counter = wat::parse_str(COUNTER).unwrap();
    let first = host(&dir, 16, 1);
    first.add_bytes("count", &counter, None).unwrap();
    assert_eq!(first.call("count", AbiExport::Filter, "a").unwrap(), "1");
    assert_eq!(first.call("count", AbiExport::Filter, "b").unwrap(), "2");
    first.close(); // waits for the writes
    drop(first);

    let second = host(&dir, 16, 1);
    second.add_bytes("count", &counter, None).unwrap();
    assert_eq!(second.call("count", AbiExport::Filter, "new").unwrap(), "1");
    assert_eq!(
        second.call("count", AbiExport::Filter, "a").unwrap(),
        "1",
        "from the folder: a call would say 2"
    );
    assert_eq!(
        many(&second, "count", vec!["b".into()]),
        vec!["2".to_owned()],
        "on a worker too"
    );
    let stats = second.memo_stats().unwrap();
    assert_eq!((stats.disk.hits, stats.disk.misses), (2, 1));
    assert_eq!(stats.disk.writes, 1);
    second.close();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hosts_on_several_threads_share_one_folder() {
    let dir = temp_dir("shared");
    let echo = echo_plugin("packed", "unreachable", "");
    let inputs: Vec<String> = (0..300)
        .map(|i| format!("page {i} {}", "x".repeat(3000)))
        .collect();
    // 300 pages of 3 KB in a 1 MiB folder: every host evicts while the
    // others write and read.
    let builds: Vec<_> = (0..4)
        .map(|_| {
            let (dir, echo, inputs) = (dir.clone(), echo.clone(), inputs.clone());
            std::thread::spawn(move || {
                let host = host(&dir, 1, 2);
                host.add_bytes("echo", &echo, None).unwrap();
                for _ in 0..2 {
                    assert_eq!(many(&host, "echo", inputs.clone()), inputs);
                    for input in &inputs {
                        assert_eq!(&host.call("echo", AbiExport::Filter, input).unwrap(), input);
                    }
                }
                let stats = host.memo_stats().unwrap();
                assert_eq!(stats.disk.errors, 0, "{:?}", stats.disk.last_error);
                host.close();
            })
        })
        .collect();
    for build in builds {
        build.join().unwrap();
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(
            name.to_string_lossy().ends_with(".memo"),
            "{name:?} left behind"
        );
    }
    // Every entry left is whole and right.
    let reader = host(&dir, 16, 1);
    reader.add_bytes("echo", &echo, None).unwrap();
    let listed = reader.memo_stats().unwrap().disk.entries;
    assert!(listed > 0);
    for input in &inputs {
        assert_eq!(
            &reader.call("echo", AbiExport::Filter, input).unwrap(),
            input
        );
    }
    let stats = reader.memo_stats().unwrap();
    assert_eq!(stats.disk.hits, listed);
    assert!(stats.disk.bytes <= 16 << 20);
    reader.close();
    std::fs::remove_dir_all(&dir).unwrap();
}

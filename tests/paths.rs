//! Plugin paths that are not plain files (issue 11, item 3), through the
//! core `Host`: `add_file` fails at once with a clear code, and `load_dir`
//! passes such entries over, listing them in `Host::skipped`.

use std::fs;
use std::path::{Path, PathBuf};

use alloy_wasm::{AbiExport, ErrorCode, Host, Settings};

/// A plugin whose `filter` echoes its input.
fn echo_wasm() -> Vec<u8> {
    wat::parse_str(
        r#"(module
          (memory (export "memory") 1)
          (func (export "alloc") (param i32) (result i32) i32.const 1024)
          (func (export "filter") (param $p i32) (param $l i32) (result i64)
            (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
                    (i64.extend_i32_u (local.get $l)))))"#,
    )
    .unwrap()
}

fn host(max_plugin_file_mb: u64) -> Host {
    Host::new(&Settings {
        cache_dir: None,
        threads: 1,
        max_plugin_file_mb,
        ..Settings::default()
    })
    .unwrap()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alloy-paths-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success());
}

#[cfg(unix)]
#[test]
fn add_file_refuses_what_is_not_a_regular_file() {
    let dir = temp_dir("add");
    let fifo = dir.join("pipe.wasm");
    mkfifo(&fifo);
    fs::create_dir(dir.join("folder.wasm")).unwrap();
    let host = host(64);
    for (path, what) in [
        (Path::new("/dev/zero"), "a character device"),
        (fifo.as_path(), "a FIFO (named pipe)"),
        (&dir.join("folder.wasm"), "a folder"),
    ] {
        let err = host.add_file("p", path).unwrap_err();
        assert_eq!(err.code, ErrorCode::IoError, "{err}");
        assert_eq!(err.plugin.as_deref(), Some("p"));
        assert!(
            err.detail.contains(&format!("{what}, not a regular file")),
            "{err}"
        );
    }
    let good = dir.join("good.wasm");
    fs::write(&good, echo_wasm()).unwrap();
    host.add_file("p", &good).unwrap();
    assert_eq!(host.call("p", AbiExport::Filter, "ok").unwrap(), "ok");
    host.close();
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn add_file_refuses_a_file_over_the_size_limit() {
    let dir = temp_dir("size");
    let big = dir.join("big.wasm");
    let file = fs::File::create(&big).unwrap();
    file.set_len((1 << 20) + 1).unwrap();
    let host = host(1);
    let err = host.add_file("big", &big).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidModule, "{err}");
    assert!(err.detail.contains("maxPluginFileMb"), "{err}");
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn load_dir_skips_what_is_not_a_regular_file_and_lists_it() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("load");
    fs::write(dir.join("good.wasm"), echo_wasm()).unwrap();
    mkfifo(&dir.join("a-pipe.wasm"));
    fs::create_dir(dir.join("b-folder.wasm")).unwrap();
    symlink("/dev/zero", dir.join("c-zero.wasm")).unwrap();
    symlink(dir.join("missing"), dir.join("d-dangling.wasm")).unwrap();
    fs::write(dir.join("notes.txt"), "not a plugin").unwrap();
    let host = host(64);
    let loaded = host.load_dir(&dir).unwrap();
    let names: Vec<&str> = loaded.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["good"]);
    let skipped: Vec<(String, String)> = host
        .skipped()
        .into_iter()
        .map(|s| {
            let name = s.path.file_name().unwrap().to_string_lossy().into_owned();
            (name, s.reason)
        })
        .collect();
    let expected = [
        (
            "a-pipe.wasm",
            "it is a FIFO (named pipe), not a regular file",
        ),
        ("b-folder.wasm", "it is a folder, not a regular file"),
        (
            "c-zero.wasm",
            "it is a character device, not a regular file",
        ),
        ("d-dangling.wasm", "it cannot be read ("),
    ];
    assert_eq!(skipped.len(), expected.len(), "{skipped:?}");
    for ((name, reason), (want_name, want_reason)) in skipped.iter().zip(expected) {
        assert_eq!(name, want_name);
        assert!(reason.starts_with(want_reason), "{name}: {reason}");
    }
    assert_eq!(host.call("good", AbiExport::Filter, "ok").unwrap(), "ok");
    host.close();
    fs::remove_dir_all(&dir).unwrap();
}

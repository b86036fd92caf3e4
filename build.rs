//! Sets up the napi-rs link flags, and records what `src/about.rs` reports:
//! the target triple and the wasmtime version the core is built with.

use std::path::Path;

fn main() {
    napi_build::setup();

    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=ALLOY_TARGET={target}");

    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let lock = Path::new(&manifest_dir).join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let version = std::fs::read_to_string(&lock)
        .ok()
        .and_then(|text| locked_version(&text, "wasmtime"))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=ALLOY_WASMTIME_VERSION={version}");
}

/// The version of `name` in a Cargo.lock: the `version` line right after its
/// `name = "..."` line.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}

//! What this build of the core is, for bug reports: its own version, the
//! wasmtime version it runs plugins with, and the target it was compiled for.
//! `build.rs` records the last two.

/// This crate's version (the version of the `.node` binary).
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of wasmtime the core is built with, as locked in Cargo.lock.
pub const WASMTIME_VERSION: &str = env!("ALLOY_WASMTIME_VERSION");

/// The Rust target triple the core was compiled for, e.g. `x86_64-unknown-linux-gnu`.
pub const TARGET: &str = env!("ALLOY_TARGET");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasmtime_version_is_the_pinned_one() {
        // Cargo.toml pins wasmtime with `version = "=X.Y.Z"`; the lock must agree.
        let manifest = include_str!("../Cargo.toml");
        let pin = manifest
            .lines()
            .find(|line| line.starts_with("wasmtime = "))
            .and_then(|line| line.split("version = \"=").nth(1))
            .and_then(|rest| rest.split('"').next())
            .expect("Cargo.toml pins wasmtime");
        assert_eq!(WASMTIME_VERSION, pin);
    }

    #[test]
    fn target_is_a_triple() {
        assert!(TARGET.split('-').count() >= 3, "{TARGET}");
        assert!(TARGET.contains(std::env::consts::ARCH), "{TARGET}");
    }
}

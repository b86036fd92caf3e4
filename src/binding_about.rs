//! The binding's `about()`: what `src/about.rs` reports, for the JS API's
//! `versions` and `alloy-wasm --version`.

use napi_derive::napi;

use crate::about;

/// The answer of `about()`.
#[napi(object)]
pub struct About {
    /// The version of the Rust core (the `.node` file).
    pub core: String,
    /// The wasmtime version plugins run on.
    pub wasmtime: String,
    /// The Rust target triple the binary was compiled for.
    pub target: String,
}

/// What this native binary is: its version, its engine and its target.
#[napi]
pub fn about() -> About {
    About {
        core: about::CORE_VERSION.to_string(),
        wasmtime: about::WASMTIME_VERSION.to_string(),
        target: about::TARGET.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_reports_the_core() {
        let about = about();
        assert_eq!(about.core, env!("CARGO_PKG_VERSION"));
        assert_eq!(about.wasmtime, about::WASMTIME_VERSION);
        assert_eq!(about.target, about::TARGET);
    }
}

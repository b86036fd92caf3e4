//! Turns what wasmtime reports when a guest fails into a coded `PluginError`.

use wasmtime::Trap;

use crate::error::{ErrorCode, PluginError};
use crate::store::{GuestAbort, Limits, MemoryLimitExceeded};
use crate::wasi::GuestExit;

/// The code and detail for an error from instantiating or calling a guest.
pub fn classify(err: wasmtime::Error, limits: &Limits) -> PluginError {
    if let Some(limit) = err.downcast_ref::<MemoryLimitExceeded>() {
        return PluginError::new(ErrorCode::MemoryLimit, limit.to_string());
    }
    if let Some(abort) = err.downcast_ref::<GuestAbort>() {
        return PluginError::new(ErrorCode::Trap, abort.to_string());
    }
    if let Some(GuestExit(status)) = err.downcast_ref::<GuestExit>() {
        return PluginError::new(
            ErrorCode::Trap,
            format!("the plugin exited with status {status}"),
        );
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginError::new(
            ErrorCode::Timeout,
            format!(
                "the call ran past the {} ms time limit (timeoutMs) and was stopped",
                limits.timeout_ms
            ),
        ),
        Some(Trap::StackOverflow) => PluginError::new(ErrorCode::Trap, "stack overflow"),
        Some(trap) => PluginError::new(ErrorCode::Trap, format!("wasm trap: {trap}")),
        None => PluginError::new(ErrorCode::Trap, format!("{err:#}")),
    }
}

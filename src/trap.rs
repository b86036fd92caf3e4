//! Turns what wasmtime reports when a guest fails into a coded `PluginError`
//! whose detail is one clean line; the wasm backtrace, when wasmtime has
//! one, goes into the error's `backtrace` field instead of the message.

use wasmtime::{Trap, WasmBacktrace};

use crate::error::{one_line, ErrorCode, PluginError};
use crate::store::{GuestAbort, Limits, MemoryLimitExceeded};
use crate::wasi::GuestExit;

/// The longest detail kept of a guest's failure (an AssemblyScript abort
/// message is the plugin's own text and could be megabytes).
const MAX_DETAIL_CHARS: usize = 500;

/// The code and detail for an error from instantiating or calling a guest.
pub fn classify(err: wasmtime::Error, limits: &Limits) -> PluginError {
    let (code, detail) = code_and_detail(&err, limits);
    PluginError::new(code, one_line(&detail, MAX_DETAIL_CHARS)).with_backtrace(backtrace(&err))
}

fn code_and_detail(err: &wasmtime::Error, limits: &Limits) -> (ErrorCode, String) {
    if let Some(limit) = err.downcast_ref::<MemoryLimitExceeded>() {
        return (ErrorCode::MemoryLimit, limit.to_string());
    }
    if let Some(abort) = err.downcast_ref::<GuestAbort>() {
        return (ErrorCode::Trap, abort.to_string());
    }
    if let Some(GuestExit(status)) = err.downcast_ref::<GuestExit>() {
        return (
            ErrorCode::Trap,
            format!("the plugin exited with status {status}"),
        );
    }
    match err.downcast_ref::<Trap>() {
        // Also what a WASI function returns when the call's deadline passes
        // while it works (see `wasi`).
        Some(Trap::Interrupt) => (
            ErrorCode::Timeout,
            format!(
                "the call ran past the {} ms time limit (timeoutMs) and was stopped",
                limits.timeout_ms
            ),
        ),
        Some(Trap::StackOverflow) => (ErrorCode::Trap, "stack overflow".to_owned()),
        // wasmtime's own text already starts with "wasm trap: ".
        Some(trap) => (ErrorCode::Trap, trap.to_string()),
        // Every message of the chain but the backtrace (which has its field;
        // it is context, not an error type, so it is known by its text).
        None => {
            let trace = err.downcast_ref::<WasmBacktrace>().map(ToString::to_string);
            let messages: Vec<String> = err
                .chain()
                .map(ToString::to_string)
                .filter(|message| Some(message) != trace.as_ref())
                .collect();
            (ErrorCode::Trap, messages.join(": "))
        }
    }
}

/// The wasm frames of `err`, one per line, without wasmtime's heading.
fn backtrace(err: &wasmtime::Error) -> Option<String> {
    let trace = err.downcast_ref::<WasmBacktrace>()?;
    if trace.frames().is_empty() {
        return None;
    }
    let text = trace.to_string();
    let frames = text
        .split_once('\n')
        .map_or(text.as_str(), |(_, rest)| rest);
    Some(
        frames
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::shared_engine;
    use wasmtime::{Linker, Module, Store};

    const LIMITS: Limits = Limits {
        timeout_ms: 100,
        memory_limit_bytes: 1 << 24,
    };

    /// Runs export `run` of `wat` (which may import `host.fail`, a host
    /// function returning an error that is not a trap) and classifies how
    /// it failed.
    fn fail(wat: &str) -> PluginError {
        let engine = shared_engine();
        let module = Module::new(engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut linker = Linker::new(engine);
        linker
            .func_wrap("host", "fail", || -> wasmtime::Result<()> {
                Err(wasmtime::Error::msg("first line\nsecond line"))
            })
            .unwrap();
        let mut store = Store::new(engine, ());
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance
            .get_typed_func::<(), ()>(&mut store, "run")
            .unwrap();
        classify(run.call(&mut store, ()).unwrap_err(), &LIMITS)
    }

    #[test]
    fn a_trap_is_one_clean_line_and_the_backtrace_a_field() {
        let err = fail(r#"(module (func $inner unreachable) (func (export "run") call $inner))"#);
        assert_eq!(err.code, ErrorCode::Trap);
        assert_eq!(
            err.detail,
            "wasm trap: wasm `unreachable` instruction executed"
        );
        let trace = err.backtrace.expect("a backtrace");
        assert_eq!(trace.lines().count(), 2, "{trace}");
        assert!(trace.lines().next().unwrap().contains("inner"), "{trace}");
        assert!(!trace.contains("error while executing"), "{trace}");
    }

    #[test]
    fn other_guest_failures_are_one_line_too() {
        let err = fail(
            r#"(module (import "host" "fail" (func $fail)) (func (export "run") call $fail))"#,
        );
        assert_eq!(err.code, ErrorCode::Trap);
        assert_eq!(err.detail, "first line second line");
        assert!(err.backtrace.is_some());
    }

    #[test]
    fn an_interrupt_is_a_timeout() {
        let err = classify(wasmtime::Error::new(Trap::Interrupt), &LIMITS);
        assert_eq!(err.code, ErrorCode::Timeout);
        assert!(err.detail.contains("100 ms"), "{}", err.detail);
        assert_eq!(err.backtrace, None);
    }
}

//! The one wasmtime `Engine` of the process and the clock that stops runaway
//! plugins.
//!
//! Every host shares the engine, so compiled code is made once per process
//! configuration. Time limits use epoch interruption: one background thread
//! bumps the engine's epoch every [`EPOCH_TICK`], and each store sets its
//! deadline in ticks before every call. When the deadline comes, the store
//! compares the thread's CPU time with the limit and either stops the call
//! or moves the deadline on (see `store::CallClock`), so the limit is CPU
//! time, checked at no cost per call.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wasmtime::{Config, Engine, OptLevel};

/// How often the epoch advances; a time limit is honoured to about this.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// The process-wide engine, created with its epoch thread on first use.
pub fn shared_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = Engine::new(&engine_config()).expect("the engine configuration is valid");
        start_epoch_ticker(&engine);
        engine
    })
}

/// The ticks to allow a call that may run for `timeout_ms`.
pub fn deadline_ticks(timeout_ms: u64) -> u64 {
    let tick_ms = EPOCH_TICK.as_millis().max(1) as u64;
    timeout_ms.div_ceil(tick_ms) + 1
}

/// The ticks to wait for `nanos` of wall-clock time to pass (at least one).
pub fn ticks_for_nanos(nanos: u64) -> u64 {
    let tick = EPOCH_TICK.as_nanos().max(1) as u64;
    nanos.div_ceil(tick).max(1)
}

fn engine_config() -> Config {
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        // What the ABI does not need and the memory cap could not see, off
        // (`validate` refuses it first, naming it; this is the backstop):
        // a second memory, the GC heap (GC types; exceptions, whose objects
        // live in it, cannot be turned on at all: wasmtime is built without
        // its `gc` feature), and 64-bit memories (the ABI passes i32s).
        .wasm_multi_memory(false)
        .wasm_gc(false)
        .wasm_memory64(false)
        .wasm_stack_switching(false);
    config
}

/// Advances the epoch once per tick of wall-clock time that has passed, not
/// once per wake-up: on a loaded machine the thread wakes late, and counting
/// wake-ups would let a runaway plugin run several times its time limit.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let tick_nanos = EPOCH_TICK.as_nanos().max(1);
    std::thread::Builder::new()
        .name("alloy-wasm-epoch".into())
        .spawn(move || {
            let started = Instant::now();
            let mut ticks: u128 = 0;
            while let Some(engine) = weak.upgrade() {
                let due = started.elapsed().as_nanos() / tick_nanos;
                while ticks < due {
                    engine.increment_epoch();
                    crate::ticks::advance();
                    ticks += 1;
                }
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_covers_the_timeout() {
        assert_eq!(deadline_ticks(0), 1);
        assert_eq!(deadline_ticks(1000), 1001);
        assert_eq!(ticks_for_nanos(0), 1);
        assert_eq!(ticks_for_nanos(1), 1);
        assert_eq!(ticks_for_nanos(1_000_001), 2);
    }

    #[test]
    fn engine_is_shared() {
        assert!(Engine::same(shared_engine(), shared_engine()));
    }
}

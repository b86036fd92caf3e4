//! The epoch ticker's count, readable without a clock: the engine's ticker
//! (`engine`) advances it with the engine's epoch, and code that must check
//! a call's deadline often and cheaply (long WASI host functions) compares
//! against it with one atomic load, where `Instant::now()` on every call
//! would cost a clock read on the fast path.

use std::sync::atomic::{AtomicU64, Ordering};

static TICKS: AtomicU64 = AtomicU64::new(0);

/// Ticks (milliseconds of wall time) since the engine started.
pub fn now() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Advances the count by one tick (the engine's ticker only).
pub(crate) fn advance() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

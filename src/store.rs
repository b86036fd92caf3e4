//! What every store carries, and the errors a guest raises through it: the
//! base of the module graph. `imports`, `instance` and `trap` depend on this
//! module; it depends only on `wasi`.

use std::fmt;
use std::time::Instant;

use wasmtime::ResourceLimiter;

use crate::wasi::WasiSandbox;

/// The limits every call of an instance runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout_ms: u64,
    pub memory_limit_bytes: u64,
}

/// The error raised when a guest's memory and table together would grow
/// past its cap, at instantiation (their initial sizes) or later
/// (`memory.grow`, `table.grow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimitExceeded {
    pub limit_bytes: u64,
    /// The instance's whole footprint had the growth been allowed.
    pub requested_bytes: u64,
    /// What was growing.
    pub what: Growing,
}

/// The kind of storage whose growth hit the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growing {
    Memory,
    Table,
}

impl fmt::Display for MemoryLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.what {
            Growing::Memory => "memory",
            Growing::Table => "a table",
        };
        write!(
            f,
            "tried to grow {what} to {} MiB of memory and tables in all, past the {} MiB limit (memoryLimitMb)",
            self.requested_bytes.div_ceil(1 << 20),
            self.limit_bytes >> 20
        )
    }
}

impl std::error::Error for MemoryLimitExceeded {}

/// The error `env.abort` raises: AssemblyScript's `abort(message, file, line, column)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestAbort {
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for GuestAbort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "abort: {}", self.message)?;
        if !self.file.is_empty() {
            write!(f, " at {}:{}:{}", self.file, self.line, self.column)?;
        }
        Ok(())
    }
}

impl std::error::Error for GuestAbort {}

/// Bytes a table element is counted as: a function reference is a pointer.
pub const TABLE_ELEMENT_BYTES: u64 = 8;

/// One budget for everything an instance allocates: its linear memory and
/// its table, summed (the loader refuses more than one of each, and the GC
/// heap is off: see `validate` and `engine`). wasmtime asks before creating
/// a memory or table (`current` = 0) and before every growth, so the sum of
/// the granted sizes is the instance's footprint. Going past the cap fails
/// with [`MemoryLimitExceeded`] (MEMORY_LIMIT) rather than `memory.grow`
/// returning -1, so a bomb is reported as what it is.
struct MemoryCap {
    limit_bytes: u64,
    /// Bytes of memory and table granted so far.
    used_bytes: u64,
    /// The last growth granted, taken back if wasmtime then fails it.
    last_grant: u64,
}

impl MemoryCap {
    fn grow(&mut self, current: u64, desired: u64, what: Growing) -> wasmtime::Result<bool> {
        let delta = desired.saturating_sub(current);
        let requested = self.used_bytes.saturating_add(delta);
        if requested > self.limit_bytes {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                limit_bytes: self.limit_bytes,
                requested_bytes: requested,
                what,
            }));
        }
        self.used_bytes = requested;
        self.last_grant = delta;
        Ok(true)
    }

    fn grow_failed(&mut self) {
        self.used_bytes -= std::mem::take(&mut self.last_grant);
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(current as u64, desired as u64, Growing::Memory)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.grow_failed();
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let bytes = |elements: usize| (elements as u64).saturating_mul(TABLE_ELEMENT_BYTES);
        self.grow(bytes(current), bytes(desired), Growing::Table)
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.grow_failed();
        Ok(())
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}

/// The time limit of the call in progress, counted in the CPU time of the
/// thread that runs it, so that a call preempted on a loaded machine is not
/// charged for the time it did not run.
///
/// Arming a call costs nothing but two stores: the clock is first read at
/// the first epoch tick the call lives to see (a call shorter than a tick
/// never reads it), and from then on only when the epoch deadline comes,
/// which wasmtime checks in the code it generates anyway. The time before
/// that first read (under one tick) is not counted, so a call runs at least
/// its limit and at most about a tick more.
#[derive(Debug, Clone, Copy)]
pub struct CallClock {
    limit_nanos: u64,
    /// The thread's CPU time at the first check of this call, and the wall
    /// clock then (used only if the CPU clock cannot be read).
    started: Option<(Option<u64>, Instant)>,
}

impl CallClock {
    fn new() -> Self {
        CallClock {
            limit_nanos: 0,
            started: None,
        }
    }

    /// Starts a call that may run `timeout_ms` of CPU time.
    pub fn arm(&mut self, timeout_ms: u64) {
        self.limit_nanos = timeout_ms.saturating_mul(1_000_000);
        self.started = None;
    }

    /// Called when the epoch deadline comes: `None` when the call has used
    /// up its time, or the nanoseconds of wall-clock time to wait before the
    /// next check (CPU time never runs faster than the wall clock, so the
    /// call cannot pass its limit before then).
    pub fn check(&mut self) -> Option<u64> {
        let Some((cpu_start, wall_start)) = self.started else {
            self.started = Some((thread_cpu_nanos(), Instant::now()));
            return Some(self.limit_nanos.max(1));
        };
        let used = match (cpu_start, thread_cpu_nanos()) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => wall_start.elapsed().as_nanos().min(u64::MAX as u128) as u64,
        };
        let left = self
            .limit_nanos
            .checked_sub(used)
            .filter(|left| *left > 0)?;
        Some(left)
    }
}

/// The CPU time the calling thread has used, in nanoseconds.
#[cfg(unix)]
fn thread_cpu_nanos() -> Option<u64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the duration of the
    // call, and CLOCK_THREAD_CPUTIME_ID only reads the calling thread's
    // accounting.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
}

/// Elsewhere the limit stays wall-clock time.
#[cfg(not(unix))]
fn thread_cpu_nanos() -> Option<u64> {
    None
}

/// What a store carries for its instance.
pub struct StoreState {
    cap: MemoryCap,
    /// The time limit of the call in progress.
    pub clock: CallClock,
    pub wasi: WasiSandbox,
}

impl StoreState {
    pub fn new(program_name: &str, capture_limit: Option<usize>, memory_limit_bytes: u64) -> Self {
        StoreState {
            cap: MemoryCap {
                limit_bytes: memory_limit_bytes,
                used_bytes: 0,
                last_grant: 0,
            },
            clock: CallClock::new(),
            wasi: WasiSandbox::new(program_name, capture_limit),
        }
    }

    /// The limiter a store installs with `Store::limiter`.
    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.cap
    }

    /// Bytes of linear memory and table the instance holds: what the
    /// memory cap counts, and what recycling looks at.
    pub fn footprint_bytes(&self) -> u64 {
        self.cap.used_bytes
    }
}

//! What every store carries, and the errors a guest raises through it: the
//! base of the module graph. `imports`, `instance` and `trap` depend on this
//! module; it depends only on `wasi`.

use std::fmt;

use wasmtime::ResourceLimiter;

use crate::wasi::WasiSandbox;

/// The limits every call of an instance runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout_ms: u64,
    pub memory_limit_bytes: u64,
}

/// The error raised when a guest grows memory past its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimitExceeded {
    pub limit_bytes: u64,
    pub requested_bytes: u64,
}

impl fmt::Display for MemoryLimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tried to grow memory to {} MiB, past the {} MiB limit (memoryLimitMb)",
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

/// Caps linear memory and tables; growing past the cap traps with
/// [`MemoryLimitExceeded`], so the call fails with MEMORY_LIMIT.
struct MemoryCap {
    limit_bytes: u64,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.limit_bytes {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                limit_bytes: self.limit_bytes,
                requested_bytes: desired as u64,
            }));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A table element costs a pointer; hold tables to the same budget.
        Ok((desired as u64).saturating_mul(8) <= self.limit_bytes)
    }
}

/// What a store carries for its instance.
pub struct StoreState {
    cap: MemoryCap,
    pub wasi: WasiSandbox,
}

impl StoreState {
    pub fn new(program_name: &str, capture_limit: Option<usize>, memory_limit_bytes: u64) -> Self {
        StoreState {
            cap: MemoryCap {
                limit_bytes: memory_limit_bytes,
            },
            wasi: WasiSandbox::new(program_name, capture_limit),
        }
    }

    /// The limiter a store installs with `Store::limiter`.
    pub fn limiter(&mut self) -> &mut dyn ResourceLimiter {
        &mut self.cap
    }
}

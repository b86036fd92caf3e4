//! A sandboxed, self-contained implementation of WASI preview 1
//! (`wasi_snapshot_preview1`) for untrusted plugins.
//!
//! Every one of the 46 preview-1 functions is defined, so modules built with
//! wasi-libc, Rust's `wasm32-wasip1` target or TinyGo `-target wasi` link
//! without extra stubs. What the sandbox allows and denies:
//!
//! * **Allowed:** writing to stdout (fd 1) and stderr (fd 2), which is
//!   discarded, or captured into a per-stream buffer capped at a fixed size;
//!   reading stdin (fd 0), which is always at end-of-file; one program
//!   argument (the program name); the realtime and monotonic clocks; a
//!   non-cryptographic pseudo-random source; `sched_yield`; `poll_oneoff`,
//!   which never blocks (clock timeouts fire at once); `proc_exit`, which
//!   unwinds the wasm call with a [`GuestExit`] error.
//! * **Denied:** every file and directory operation (there are no preopened
//!   directories and no fd other than 0, 1 and 2, so `path_*` and
//!   `fd_prestat_get` answer `EBADF`), the environment (always empty),
//!   sockets (`ENOSYS`), signals (`proc_raise` answers `ENOSYS`) and
//!   sleeping. No function here touches the host's filesystem, environment
//!   or network, and none of them blocks.
//!
//! Epoch interruption cannot stop a host function, so the functions whose
//! work a guest can make large (`random_get`, `fd_write` while capturing,
//! `poll_oneoff`) work in chunks and, between chunks, check the deadline of
//! the call in progress ([`WasiSandbox::set_deadline`]); once it has passed
//! they fail with [`Trap::Interrupt`], which the host reports as TIMEOUT,
//! as if the epoch had stopped the guest. Every other function does a small,
//! fixed amount of work.
//!
//! Guest memory is reached only through one private helper, whose single bounds
//! check turns every out-of-range pointer into `EFAULT`. The guest's linear
//! memory must be exported as `memory`; if it is not, every function that has
//! to read or write guest memory answers `EFAULT` (nothing traps or panics).
//! This file contains no `unsafe` code (enforced by `forbid(unsafe_code)`).

#![forbid(unsafe_code)]

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{Caller, Extern, Linker, Trap};

/// The import module name under which WASI preview 1 functions live.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// WASI preview 1 error numbers (`errno`), as the guest sees them.
mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
    pub const NOSYS: i32 = 52;
    pub const NOTDIR: i32 = 54;
    pub const NOTSUP: i32 = 58;
    pub const SPIPE: i32 = 70;
}

/// `filetype::character_device`.
const FILETYPE_CHARACTER_DEVICE: u8 = 2;
/// `rights::fd_read`.
const RIGHTS_FD_READ: u64 = 1 << 1;
/// `rights::fd_write`.
const RIGHTS_FD_WRITE: u64 = 1 << 6;
/// `rights::poll_fd_readwrite`.
const RIGHTS_POLL_FD_READWRITE: u64 = 1 << 27;

/// `eventtype::clock`.
const EVENTTYPE_CLOCK: u8 = 0;
/// `eventtype::fd_read`.
const EVENTTYPE_FD_READ: u8 = 1;
/// `eventtype::fd_write`.
const EVENTTYPE_FD_WRITE: u8 = 2;

/// Size of an `iovec` / `ciovec` (buf: u32, buf_len: u32).
const IOVEC_SIZE: u64 = 8;
/// Size of a `subscription`.
const SUBSCRIPTION_SIZE: u64 = 48;
/// Size of an `event`.
const EVENT_SIZE: u64 = 32;
/// Size of an `fdstat`.
const FDSTAT_SIZE: u64 = 24;
/// Size of a `filestat`.
const FILESTAT_SIZE: u64 = 64;
/// Most iovecs accepted in one read or write (wasi-libc's `IOV_MAX`); this
/// also bounds the work one host call can be made to do.
const IOV_MAX: u32 = 1024;

/// Clock resolution reported by `clock_res_get`, in nanoseconds.
const CLOCK_RESOLUTION_NS: u64 = 1_000;

/// Bytes a long host function handles between two deadline checks: small
/// enough that one chunk takes microseconds, large enough that the checks
/// cost nothing.
const CHUNK_BYTES: usize = 64 * 1024;
/// `poll_oneoff` subscriptions handled between two deadline checks.
const CHUNK_SUBSCRIPTIONS: u64 = 4096;

/// Per-instance WASI state, stored inside the Store's data.
///
/// Holds the program name (argv\[0\]), the optional capture buffers for
/// stdout and stderr, the pseudo-random generator and the origin of the
/// monotonic clock.
#[derive(Debug)]
pub struct WasiSandbox {
    program_name: Vec<u8>,
    capture_limit: Option<usize>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    stdout_dropped: u64,
    stderr_dropped: u64,
    rng_state: u64,
    monotonic_origin: Instant,
    /// The tick (`ticks::now()`) at which the call in progress must stop;
    /// `None` = no limit here (the epoch deadline still stops the guest's
    /// own code).
    deadline: Option<u64>,
}

impl WasiSandbox {
    /// `program_name` is argv\[0\]; `capture_limit` None = discard
    /// stdout/stderr, Some(n) = keep at most n bytes of each (excess silently
    /// dropped, but counted: see [`WasiSandbox::dropped_bytes`]).
    pub fn new(program_name: &str, capture_limit: Option<usize>) -> Self {
        Self {
            program_name: program_name.as_bytes().to_vec(),
            capture_limit,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdout_dropped: 0,
            stderr_dropped: 0,
            rng_state: seed(),
            monotonic_origin: Instant::now(),
            deadline: None,
        }
    }

    /// Sets when the call about to start must stop (the host sets it with
    /// the store's epoch deadline, before every call). Long host functions
    /// check it between chunks of work.
    pub fn set_deadline(&mut self, deadline: Option<u64>) {
        self.deadline = deadline;
    }

    /// Whether the call in progress has run past its deadline.
    fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|at| crate::ticks::now() >= at)
    }

    /// Fills `out` from the generator, checking the deadline between
    /// chunks.
    fn fill_random(&mut self, out: &mut [u8]) -> Result<(), Fail> {
        for (i, chunk) in out.chunks_mut(CHUNK_BYTES).enumerate() {
            if i > 0 && self.past_deadline() {
                return Err(Fail::Interrupt);
            }
            for word in chunk.chunks_mut(8) {
                let bytes = self.next_random().to_le_bytes();
                word.copy_from_slice(&bytes[..word.len()]);
            }
        }
        Ok(())
    }

    /// The captured stdout bytes (empty when capture is off).
    pub fn stdout(&self) -> &[u8] {
        &self.stdout
    }

    /// The captured stderr bytes (empty when capture is off).
    pub fn stderr(&self) -> &[u8] {
        &self.stderr
    }

    /// Drains both buffers, returning `(stdout, stderr)`, and resets the
    /// dropped-byte counters, so the cap applies afresh to what follows.
    pub fn take_output(&mut self) -> (Vec<u8>, Vec<u8>) {
        self.stdout_dropped = 0;
        self.stderr_dropped = 0;
        (
            std::mem::take(&mut self.stdout),
            std::mem::take(&mut self.stderr),
        )
    }

    /// How many bytes of `(stdout, stderr)` were dropped because the capture
    /// buffer was full, since creation or the last [`take_output`]. Always
    /// `(0, 0)` when capture is off (then everything is discarded by design).
    ///
    /// [`take_output`]: WasiSandbox::take_output
    pub fn dropped_bytes(&self) -> (u64, u64) {
        (self.stdout_dropped, self.stderr_dropped)
    }

    /// Appends `data` to the capture buffer of fd 1 or 2, honouring the cap.
    fn capture(&mut self, fd: u32, data: &[u8]) {
        let Some(limit) = self.capture_limit else {
            return;
        };
        let (buf, dropped) = if fd == 1 {
            (&mut self.stdout, &mut self.stdout_dropped)
        } else {
            (&mut self.stderr, &mut self.stderr_dropped)
        };
        let room = limit.saturating_sub(buf.len());
        let take = room.min(data.len());
        buf.extend_from_slice(&data[..take]);
        *dropped = dropped.saturating_add((data.len() - take) as u64);
    }

    /// Next output of the xorshift64* generator.
    ///
    /// This is NOT a cryptographic generator: it only gives plugins varied
    /// bytes (hash seeds and the like). Plugins must not rely on it for
    /// secrets.
    fn next_random(&mut self) -> u64 {
        let mut x = self.rng_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng_state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The current time of clock `id` in nanoseconds, or None for an unknown
    /// clock. The CPU-time clocks report the monotonic clock.
    fn clock_now(&self, id: u32) -> Option<u64> {
        match id {
            0 => Some(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
                    .unwrap_or(0),
            ),
            1..=3 => {
                Some(u64::try_from(self.monotonic_origin.elapsed().as_nanos()).unwrap_or(u64::MAX))
            }
            _ => None,
        }
    }
}

/// Seed for the per-sandbox generator: the wall clock mixed with a process-wide
/// counter (so two sandboxes made in the same nanosecond still differ), run
/// through the splitmix64 finaliser. Never zero (xorshift would stay at zero).
fn seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut z = nanos ^ count.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    if z == 0 {
        0x853C_49E6_748F_EA9B
    } else {
        z
    }
}

/// The error a guest's proc_exit raises (returned as the host function's Err,
/// so it unwinds the wasm call). Implements Display ("plugin exited with
/// status N") and std::error::Error; the host finds it with
/// `err.downcast_ref::<GuestExit>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestExit(pub i32);

impl std::fmt::Display for GuestExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "plugin exited with status {}", self.0)
    }
}

impl std::error::Error for GuestExit {}

/// Bounds-checked view of the guest's linear memory. Every guest pointer
/// access in this module goes through [`GuestMemory::range`].
struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl GuestMemory<'_> {
    /// The host range for `len` bytes at guest address `addr`, or `EFAULT`
    /// if any of it lies outside memory. The sum is done in checked `u64`
    /// arithmetic, so `addr + len` wrapping past 4 GiB is caught too.
    fn range(&self, addr: u64, len: u64) -> Result<Range<usize>, i32> {
        let end = addr.checked_add(len).ok_or(errno::FAULT)?;
        let size = u64::try_from(self.bytes.len()).unwrap_or(u64::MAX);
        if end > size {
            return Err(errno::FAULT);
        }
        let start = usize::try_from(addr).map_err(|_| errno::FAULT)?;
        let end = usize::try_from(end).map_err(|_| errno::FAULT)?;
        Ok(start..end)
    }

    fn slice(&self, addr: u64, len: u64) -> Result<&[u8], i32> {
        let range = self.range(addr, len)?;
        Ok(&self.bytes[range])
    }

    fn slice_mut(&mut self, addr: u64, len: u64) -> Result<&mut [u8], i32> {
        let range = self.range(addr, len)?;
        Ok(&mut self.bytes[range])
    }

    fn read<const N: usize>(&self, addr: u64) -> Result<[u8; N], i32> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.slice(addr, N as u64)?);
        Ok(out)
    }

    fn read_u8(&self, addr: u64) -> Result<u8, i32> {
        Ok(self.read::<1>(addr)?[0])
    }

    fn read_u32(&self, addr: u64) -> Result<u32, i32> {
        Ok(u32::from_le_bytes(self.read(addr)?))
    }

    fn read_u64(&self, addr: u64) -> Result<u64, i32> {
        Ok(u64::from_le_bytes(self.read(addr)?))
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), i32> {
        self.slice_mut(addr, data.len() as u64)?
            .copy_from_slice(data);
        Ok(())
    }

    fn write_u32(&mut self, addr: u64, value: u32) -> Result<(), i32> {
        self.write(addr, &value.to_le_bytes())
    }

    fn write_u64(&mut self, addr: u64, value: u64) -> Result<(), i32> {
        self.write(addr, &value.to_le_bytes())
    }

    /// Checks an iovec array of `count` entries at `addr` and every buffer
    /// it names, returning the total length of the buffers.
    fn iovecs_total(&self, addr: u64, count: u32) -> Result<u64, i32> {
        if count > IOV_MAX {
            return Err(errno::INVAL);
        }
        self.range(addr, u64::from(count) * IOVEC_SIZE)?;
        let mut total = 0u64;
        for (buf, len) in self.iovecs(addr, count) {
            self.range(buf, len)?;
            total += len;
        }
        Ok(total)
    }

    /// The `(buf, buf_len)` pairs of an iovec array already checked by
    /// [`GuestMemory::iovecs_total`]; unreadable entries are skipped.
    fn iovecs(&self, addr: u64, count: u32) -> impl Iterator<Item = (u64, u64)> + '_ {
        (0..u64::from(count)).filter_map(move |i| {
            let entry = addr + i * IOVEC_SIZE;
            let buf = self.read_u32(entry).ok()?;
            let len = self.read_u32(entry + 4).ok()?;
            Some((u64::from(buf), u64::from(len)))
        })
    }
}

/// How a host function that works in chunks fails: with an errno for the
/// guest, or by stopping the call because its deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Errno(i32),
    Interrupt,
}

impl From<i32> for Fail {
    fn from(errno: i32) -> Self {
        Fail::Errno(errno)
    }
}

/// A guest pointer or size argument, reinterpreted as the unsigned 32-bit
/// value it is and widened, so later arithmetic cannot overflow silently.
fn addr(value: i32) -> u64 {
    u64::from(value as u32)
}

/// Runs `f` with the guest's exported `memory` and the sandbox state; the
/// result is the errno to return to the guest. A module without a `memory`
/// export gets `EFAULT`.
fn with_memory<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiSandbox,
    f: impl FnOnce(&mut GuestMemory<'_>, &mut WasiSandbox) -> Result<(), i32>,
) -> i32 {
    let Some(memory) = caller.get_export("memory").and_then(Extern::into_memory) else {
        return errno::FAULT;
    };
    let (bytes, data) = memory.data_and_store_mut(&mut *caller);
    let mut mem = GuestMemory { bytes };
    match f(&mut mem, get(data)) {
        Ok(()) => errno::SUCCESS,
        Err(e) => e,
    }
}

/// [`with_memory`] for the functions that may stop the call: a
/// [`Fail::Interrupt`] becomes the [`Trap::Interrupt`] error that unwinds it.
fn with_memory_timed<T: 'static>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiSandbox,
    f: impl FnOnce(&mut GuestMemory<'_>, &mut WasiSandbox) -> Result<(), Fail>,
) -> wasmtime::Result<i32> {
    let mut interrupted = false;
    let errno = with_memory(caller, get, |mem, wasi| {
        f(mem, wasi).map_err(|fail| match fail {
            Fail::Errno(errno) => errno,
            Fail::Interrupt => {
                interrupted = true;
                errno::SUCCESS
            }
        })
    });
    if interrupted {
        return Err(wasmtime::Error::new(Trap::Interrupt));
    }
    Ok(errno)
}

/// Whether `fd` is one of the three standard streams, the only fds there are.
fn is_stdio(fd: i32) -> bool {
    (0..=2).contains(&fd)
}

/// Defines a host function that ignores its arguments and returns a fixed
/// errno. The parameter types are the core-wasm types of the import.
macro_rules! fixed {
    ($linker:expr, $name:literal, $errno:expr, ($($ty:ty),*)) => {
        $linker.func_wrap(
            WASI_MODULE,
            $name,
            |$(_: $ty),*| -> wasmtime::Result<i32> { Ok($errno) },
        )?
    };
}

/// Defines a host function on an fd that returns `$stdio` for fds 0-2 and
/// `EBADF` for any other fd. The first parameter is the fd.
macro_rules! by_fd {
    ($linker:expr, $name:literal, $stdio:expr, ($($ty:ty),*)) => {
        $linker.func_wrap(
            WASI_MODULE,
            $name,
            |fd: i32, $(_: $ty),*| -> wasmtime::Result<i32> {
                Ok(if is_stdio(fd) { $stdio } else { errno::BADF })
            },
        )?
    };
}

/// Defines every wasi_snapshot_preview1 function in the linker.
///
/// `get` projects the store's data onto its [`WasiSandbox`]. Fails only if
/// the linker already defines one of these names (and does not allow
/// shadowing).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WasiSandbox,
) -> wasmtime::Result<()> {
    // ---- args and environment ----
    linker.func_wrap(
        WASI_MODULE,
        "args_get",
        move |mut caller: Caller<'_, T>, argv: i32, argv_buf: i32| -> wasmtime::Result<i32> {
            Ok(with_memory(&mut caller, get, |mem, wasi| {
                let name_len = wasi.program_name.len() as u64;
                mem.range(addr(argv_buf), name_len + 1)?;
                mem.write_u32(addr(argv), argv_buf as u32)?;
                mem.write(addr(argv_buf), &wasi.program_name)?;
                mem.write(addr(argv_buf) + name_len, &[0])
            }))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "args_sizes_get",
        move |mut caller: Caller<'_, T>, argc: i32, buf_size: i32| -> wasmtime::Result<i32> {
            Ok(with_memory(&mut caller, get, |mem, wasi| {
                let size = u32::try_from(wasi.program_name.len() + 1).map_err(|_| errno::INVAL)?;
                mem.range(addr(argc), 4)?;
                mem.range(addr(buf_size), 4)?;
                mem.write_u32(addr(argc), 1)?;
                mem.write_u32(addr(buf_size), size)
            }))
        },
    )?;
    // The environment is empty, so there is nothing to write.
    fixed!(linker, "environ_get", errno::SUCCESS, (i32, i32));
    linker.func_wrap(
        WASI_MODULE,
        "environ_sizes_get",
        move |mut caller: Caller<'_, T>, count: i32, buf_size: i32| -> wasmtime::Result<i32> {
            Ok(with_memory(&mut caller, get, |mem, _| {
                mem.range(addr(count), 4)?;
                mem.range(addr(buf_size), 4)?;
                mem.write_u32(addr(count), 0)?;
                mem.write_u32(addr(buf_size), 0)
            }))
        },
    )?;

    // ---- clocks ----
    linker.func_wrap(
        WASI_MODULE,
        "clock_res_get",
        move |mut caller: Caller<'_, T>, id: i32, out: i32| -> wasmtime::Result<i32> {
            if !(0..=3).contains(&id) {
                return Ok(errno::INVAL);
            }
            Ok(with_memory(&mut caller, get, |mem, _| {
                mem.write_u64(addr(out), CLOCK_RESOLUTION_NS)
            }))
        },
    )?;
    linker.func_wrap(
        WASI_MODULE,
        "clock_time_get",
        move |mut caller: Caller<'_, T>,
              id: i32,
              _precision: i64,
              out: i32|
              -> wasmtime::Result<i32> {
            Ok(with_memory(&mut caller, get, |mem, wasi| {
                let now = wasi.clock_now(id as u32).ok_or(errno::INVAL)?;
                mem.write_u64(addr(out), now)
            }))
        },
    )?;

    // ---- file descriptors ----
    // Advice on a character device is meaningless; Linux says ESPIPE.
    by_fd!(linker, "fd_advise", errno::SPIPE, (i64, i64, i32));
    by_fd!(linker, "fd_allocate", errno::NOTSUP, (i64, i64));
    // The standard streams stay open: closing them is a successful no-op.
    by_fd!(linker, "fd_close", errno::SUCCESS, ());
    // Nothing is buffered on the host side, so syncing trivially succeeds.
    by_fd!(linker, "fd_datasync", errno::SUCCESS, ());
    by_fd!(linker, "fd_sync", errno::SUCCESS, ());
    linker.func_wrap(
        WASI_MODULE,
        "fd_fdstat_get",
        move |mut caller: Caller<'_, T>, fd: i32, out: i32| -> wasmtime::Result<i32> {
            let rights = match fd {
                0 => RIGHTS_FD_READ | RIGHTS_POLL_FD_READWRITE,
                1 | 2 => RIGHTS_FD_WRITE | RIGHTS_POLL_FD_READWRITE,
                _ => return Ok(errno::BADF),
            };
            Ok(with_memory(&mut caller, get, |mem, _| {
                let mut stat = [0u8; FDSTAT_SIZE as usize];
                stat[0] = FILETYPE_CHARACTER_DEVICE;
                // fs_flags (u16 at 2) stay 0; fs_rights_inheriting stays 0.
                stat[8..16].copy_from_slice(&rights.to_le_bytes());
                mem.write(addr(out), &stat)
            }))
        },
    )?;
    // The standard streams never block, so any flags are accepted as a no-op.
    by_fd!(linker, "fd_fdstat_set_flags", errno::SUCCESS, (i32));
    // Rights can only ever be dropped; treating that as a no-op is harmless.
    by_fd!(linker, "fd_fdstat_set_rights", errno::SUCCESS, (i64, i64));
    linker.func_wrap(
        WASI_MODULE,
        "fd_filestat_get",
        move |mut caller: Caller<'_, T>, fd: i32, out: i32| -> wasmtime::Result<i32> {
            if !is_stdio(fd) {
                return Ok(errno::BADF);
            }
            Ok(with_memory(&mut caller, get, |mem, _| {
                let mut stat = [0u8; FILESTAT_SIZE as usize];
                stat[16] = FILETYPE_CHARACTER_DEVICE; // filetype
                stat[24..32].copy_from_slice(&1u64.to_le_bytes()); // nlink
                mem.write(addr(out), &stat)
            }))
        },
    )?;
    by_fd!(linker, "fd_filestat_set_size", errno::INVAL, (i64));
    by_fd!(
        linker,
        "fd_filestat_set_times",
        errno::NOTSUP,
        (i64, i64, i32)
    );
    by_fd!(linker, "fd_pread", errno::SPIPE, (i32, i32, i64, i32));
    // No fd is a preopened directory: wasi-libc stops scanning at EBADF.
    fixed!(linker, "fd_prestat_get", errno::BADF, (i32, i32));
    fixed!(linker, "fd_prestat_dir_name", errno::BADF, (i32, i32, i32));
    by_fd!(linker, "fd_pwrite", errno::SPIPE, (i32, i32, i64, i32));
    linker.func_wrap(
        WASI_MODULE,
        "fd_read",
        move |mut caller: Caller<'_, T>,
              fd: i32,
              iovs: i32,
              iovs_len: i32,
              nread: i32|
              -> wasmtime::Result<i32> {
            // Only stdin is readable, and it is always at end-of-file.
            if fd != 0 {
                return Ok(errno::BADF);
            }
            Ok(with_memory(&mut caller, get, |mem, _| {
                mem.iovecs_total(addr(iovs), iovs_len as u32)?;
                mem.write_u32(addr(nread), 0)
            }))
        },
    )?;
    by_fd!(linker, "fd_readdir", errno::NOTDIR, (i32, i32, i64, i32));
    linker.func_wrap(
        WASI_MODULE,
        "fd_renumber",
        |from: i32, to: i32| -> wasmtime::Result<i32> {
            Ok(if is_stdio(from) && is_stdio(to) {
                errno::NOTSUP
            } else {
                errno::BADF
            })
        },
    )?;
    by_fd!(linker, "fd_seek", errno::SPIPE, (i64, i32, i32));
    by_fd!(linker, "fd_tell", errno::SPIPE, (i32));
    linker.func_wrap(
        WASI_MODULE,
        "fd_write",
        move |mut caller: Caller<'_, T>,
              fd: i32,
              iovs: i32,
              iovs_len: i32,
              nwritten: i32|
              -> wasmtime::Result<i32> {
            if fd != 1 && fd != 2 {
                return Ok(errno::BADF);
            }
            with_memory_timed(&mut caller, get, |mem, wasi| {
                let (iovs, count) = (addr(iovs), iovs_len as u32);
                let total = mem.iovecs_total(iovs, count)?;
                let total = u32::try_from(total).map_err(|_| errno::INVAL)?;
                // Everything is checked before anything is captured, so a
                // failed call has no effect.
                mem.write_u32(addr(nwritten), total)?;
                if wasi.capture_limit.is_some() {
                    // Copying up to the capture cap (as much as 1 GiB) is
                    // the long part, so it goes in chunks.
                    let mut chunks = 0usize;
                    for (buf, len) in mem.iovecs(iovs, count) {
                        for chunk in mem.slice(buf, len)?.chunks(CHUNK_BYTES) {
                            if chunks > 0 && wasi.past_deadline() {
                                return Err(Fail::Interrupt);
                            }
                            wasi.capture(fd as u32, chunk);
                            chunks += 1;
                        }
                    }
                }
                Ok(())
            })
        },
    )?;

    // ---- paths: there is no directory fd, so every path call is EBADF ----
    fixed!(
        linker,
        "path_create_directory",
        errno::BADF,
        (i32, i32, i32)
    );
    fixed!(
        linker,
        "path_filestat_get",
        errno::BADF,
        (i32, i32, i32, i32, i32)
    );
    fixed!(
        linker,
        "path_filestat_set_times",
        errno::BADF,
        (i32, i32, i32, i32, i64, i64, i32)
    );
    fixed!(
        linker,
        "path_link",
        errno::BADF,
        (i32, i32, i32, i32, i32, i32, i32)
    );
    fixed!(
        linker,
        "path_open",
        errno::BADF,
        (i32, i32, i32, i32, i32, i64, i64, i32, i32)
    );
    fixed!(
        linker,
        "path_readlink",
        errno::BADF,
        (i32, i32, i32, i32, i32, i32)
    );
    fixed!(
        linker,
        "path_remove_directory",
        errno::BADF,
        (i32, i32, i32)
    );
    fixed!(
        linker,
        "path_rename",
        errno::BADF,
        (i32, i32, i32, i32, i32, i32)
    );
    fixed!(
        linker,
        "path_symlink",
        errno::BADF,
        (i32, i32, i32, i32, i32)
    );
    fixed!(linker, "path_unlink_file", errno::BADF, (i32, i32, i32));

    // ---- polling, process, randomness, scheduling ----
    linker.func_wrap(
        WASI_MODULE,
        "poll_oneoff",
        move |mut caller: Caller<'_, T>,
              subs: i32,
              events: i32,
              nsubscriptions: i32,
              nevents: i32|
              -> wasmtime::Result<i32> {
            with_memory_timed(&mut caller, get, |mem, wasi| {
                poll_oneoff(
                    mem,
                    wasi,
                    addr(subs),
                    addr(events),
                    nsubscriptions as u32,
                    addr(nevents),
                )
            })
        },
    )?;
    // The exit is an error so that it unwinds the wasm call. It is a
    // `wasmtime::Error` (host functions must return `wasmtime::Result`), which
    // keeps the concrete type: `downcast_ref::<GuestExit>()` finds it, also
    // after conversion into `anyhow::Error`.
    linker.func_wrap(
        WASI_MODULE,
        "proc_exit",
        |code: i32| -> wasmtime::Result<()> { Err(wasmtime::Error::new(GuestExit(code))) },
    )?;
    fixed!(linker, "proc_raise", errno::NOSYS, (i32));
    linker.func_wrap(
        WASI_MODULE,
        "random_get",
        move |mut caller: Caller<'_, T>, buf: i32, len: i32| -> wasmtime::Result<i32> {
            with_memory_timed(&mut caller, get, |mem, wasi| {
                wasi.fill_random(mem.slice_mut(addr(buf), addr(len))?)
            })
        },
    )?;
    fixed!(linker, "sched_yield", errno::SUCCESS, ());

    // ---- sockets: no network ----
    fixed!(linker, "sock_accept", errno::NOSYS, (i32, i32, i32));
    fixed!(
        linker,
        "sock_recv",
        errno::NOSYS,
        (i32, i32, i32, i32, i32, i32)
    );
    fixed!(linker, "sock_send", errno::NOSYS, (i32, i32, i32, i32, i32));
    fixed!(linker, "sock_shutdown", errno::NOSYS, (i32, i32));
    Ok(())
}

/// `poll_oneoff` that never blocks: every subscription fires at once.
///
/// Clock subscriptions fire immediately with no error (an unknown clock id
/// gives the event `EINVAL`); fd_read/fd_write subscriptions on fds 0-2 fire
/// with `nbytes` 0, and on any other fd their event carries `EBADF`. One
/// event is written per subscription, in order. Zero subscriptions, or an
/// unknown subscription tag, is `EINVAL` for the whole call. Up to 2^32
/// subscriptions can be asked for, so the deadline is checked every
/// [`CHUNK_SUBSCRIPTIONS`].
fn poll_oneoff(
    mem: &mut GuestMemory<'_>,
    wasi: &WasiSandbox,
    subs: u64,
    events: u64,
    count: u32,
    nevents: u64,
) -> Result<(), Fail> {
    let check = |i: u64| {
        if i > 0 && i.is_multiple_of(CHUNK_SUBSCRIPTIONS) && wasi.past_deadline() {
            Err(Fail::Interrupt)
        } else {
            Ok(())
        }
    };
    if count == 0 {
        return Err(errno::INVAL.into());
    }
    let count64 = u64::from(count);
    mem.range(subs, count64 * SUBSCRIPTION_SIZE)?;
    mem.range(events, count64 * EVENT_SIZE)?;
    mem.range(nevents, 4)?;
    // Validate every tag first so that an invalid call writes nothing.
    for i in 0..count64 {
        check(i)?;
        let tag = mem.read_u8(subs + i * SUBSCRIPTION_SIZE + 8)?;
        if tag > EVENTTYPE_FD_WRITE {
            return Err(errno::INVAL.into());
        }
    }
    // Each subscription is read completely before its event is written, and
    // event i never overlaps a later subscription unless the guest made the
    // arrays overlap on purpose, in which case it sees what it wrote.
    for i in 0..count64 {
        check(i)?;
        let sub = subs + i * SUBSCRIPTION_SIZE;
        let userdata = mem.read_u64(sub)?;
        let tag = mem.read_u8(sub + 8)?;
        let error = match tag {
            EVENTTYPE_CLOCK => {
                let id = mem.read_u32(sub + 16)?;
                if id <= 3 {
                    errno::SUCCESS
                } else {
                    errno::INVAL
                }
            }
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                let fd = mem.read_u32(sub + 16)?;
                if fd <= 2 {
                    errno::SUCCESS
                } else {
                    errno::BADF
                }
            }
            _ => return Err(errno::INVAL.into()),
        };
        let mut event = [0u8; EVENT_SIZE as usize];
        event[0..8].copy_from_slice(&userdata.to_le_bytes());
        event[8..10].copy_from_slice(&(error as u16).to_le_bytes());
        event[10] = tag;
        // fd_readwrite.nbytes (u64 at 16) and .flags (u16 at 24) stay 0.
        mem.write(events + i * EVENT_SIZE, &event)?;
    }
    Ok(mem.write_u32(nevents, count)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Instance, Module, Store};

    /// Instantiates `wat` with the sandbox as the whole store data.
    fn instantiate(wat: &str, capture: Option<usize>) -> (Store<WasiSandbox>, Instance) {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |s| s).unwrap();
        let mut store = Store::new(&engine, WasiSandbox::new("plugin.wasm", capture));
        let instance = linker.instantiate(&mut store, &module).unwrap();
        (store, instance)
    }

    fn call(
        store: &mut Store<WasiSandbox>,
        instance: &Instance,
        name: &str,
    ) -> wasmtime::Result<i32> {
        let f = instance
            .get_typed_func::<(), i32>(&mut *store, name)
            .unwrap();
        f.call(&mut *store, ())
    }

    fn memory(store: &mut Store<WasiSandbox>, instance: &Instance) -> Vec<u8> {
        let mem = instance.get_memory(&mut *store, "memory").unwrap();
        mem.data(&*store).to_vec()
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    }

    /// Writes "hello" to fd 1 and "oops" to fd 2 (two iovecs for stdout),
    /// storing nwritten at 200 and 204.
    const WRITE_WAT: &str = r#"
        (module
          (import "wasi_snapshot_preview1" "fd_write"
            (func $fd_write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "hello")
          (data (i32.const 8) "oops")
          ;; stdout iovecs at 100: "hel" + "lo"
          (data (i32.const 100) "\00\00\00\00\03\00\00\00\03\00\00\00\02\00\00\00")
          ;; stderr iovec at 120: "oops"
          (data (i32.const 120) "\08\00\00\00\04\00\00\00")
          (func (export "out") (result i32)
            (call $fd_write (i32.const 1) (i32.const 100) (i32.const 2) (i32.const 200)))
          (func (export "err") (result i32)
            (call $fd_write (i32.const 2) (i32.const 120) (i32.const 1) (i32.const 204)))
          (func (export "bad_fd") (result i32)
            (call $fd_write (i32.const 3) (i32.const 100) (i32.const 2) (i32.const 200)))
          (func (export "stdin") (result i32)
            (call $fd_write (i32.const 0) (i32.const 100) (i32.const 2) (i32.const 200))))
    "#;

    #[test]
    fn fd_write_capture_on() {
        let (mut store, instance) = instantiate(WRITE_WAT, Some(1024));
        assert_eq!(call(&mut store, &instance, "out").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "err").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "out").unwrap(), 0);
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 200), 5);
        assert_eq!(u32_at(&mem, 204), 4);
        assert_eq!(store.data().stdout(), b"hellohello");
        assert_eq!(store.data().stderr(), b"oops");
        assert_eq!(call(&mut store, &instance, "bad_fd").unwrap(), errno::BADF);
        assert_eq!(call(&mut store, &instance, "stdin").unwrap(), errno::BADF);
        let (out, err) = store.data_mut().take_output();
        assert_eq!(
            (out.as_slice(), err.as_slice()),
            (&b"hellohello"[..], &b"oops"[..])
        );
        assert!(store.data().stdout().is_empty());
        assert!(store.data().stderr().is_empty());
    }

    #[test]
    fn fd_write_capture_off_discards() {
        let (mut store, instance) = instantiate(WRITE_WAT, None);
        assert_eq!(call(&mut store, &instance, "out").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "err").unwrap(), 0);
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 200), 5, "nwritten reports the full length");
        assert_eq!(u32_at(&mem, 204), 4);
        assert!(store.data().stdout().is_empty());
        assert!(store.data().stderr().is_empty());
        assert_eq!(store.data().dropped_bytes(), (0, 0));
        assert_eq!(store.data_mut().take_output(), (vec![], vec![]));
    }

    #[test]
    fn fd_write_capture_cap() {
        let (mut store, instance) = instantiate(WRITE_WAT, Some(3));
        assert_eq!(call(&mut store, &instance, "out").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "out").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "err").unwrap(), 0);
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 200), 5, "dropped bytes still count as written");
        assert_eq!(store.data().stdout(), b"hel");
        assert_eq!(store.data().stderr(), b"oop");
        assert_eq!(store.data().dropped_bytes(), (7, 1));
        let (out, err) = store.data_mut().take_output();
        assert_eq!((out, err), (b"hel".to_vec(), b"oop".to_vec()));
        assert_eq!(store.data().dropped_bytes(), (0, 0));
        // After draining, the cap applies afresh.
        assert_eq!(call(&mut store, &instance, "out").unwrap(), 0);
        assert_eq!(store.data().stdout(), b"hel");
    }

    #[test]
    fn fd_write_out_of_bounds_is_efault() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "fd_write"
                (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              ;; iovec at 0 points past the end of the 64 KiB memory
              (data (i32.const 0) "\00\00\01\00\04\00\00\00")
              ;; iovec at 16 wraps: ptr 0xFFFFFFFF, len 2
              (data (i32.const 16) "\ff\ff\ff\ff\02\00\00\00")
              ;; iovec at 32 straddles the end: ptr 0xFFFE, len 4
              (data (i32.const 32) "\fe\ff\00\00\04\00\00\00")
              ;; iovec at 48 is valid: ptr 0, len 1
              (data (i32.const 48) "\00\00\00\00\01\00\00\00")
              (func (export "past_end") (result i32)
                (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 200)))
              (func (export "wraps") (result i32)
                (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 200)))
              (func (export "straddles") (result i32)
                (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 200)))
              (func (export "iovs_outside") (result i32)
                (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 200)))
              (func (export "iovs_negative") (result i32)
                (call $fd_write (i32.const 1) (i32.const -8) (i32.const 1) (i32.const 200)))
              (func (export "nwritten_outside") (result i32)
                (call $fd_write (i32.const 1) (i32.const 48) (i32.const 1) (i32.const 65534)))
              (func (export "too_many_iovs") (result i32)
                (call $fd_write (i32.const 1) (i32.const 48) (i32.const -1) (i32.const 200))))
        "#;
        let (mut store, instance) = instantiate(wat, Some(100));
        for name in [
            "past_end",
            "wraps",
            "straddles",
            "iovs_outside",
            "iovs_negative",
            "nwritten_outside",
        ] {
            assert_eq!(
                call(&mut store, &instance, name).unwrap(),
                errno::FAULT,
                "{name}"
            );
        }
        assert_eq!(
            call(&mut store, &instance, "too_many_iovs").unwrap(),
            errno::INVAL
        );
        assert!(
            store.data().stdout().is_empty(),
            "failed writes capture nothing"
        );
    }

    #[test]
    fn proc_exit_raises_guest_exit() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (func (export "exit0") (result i32) (call $exit (i32.const 0)) (i32.const 99))
              (func (export "exit3") (result i32) (call $exit (i32.const 3)) (i32.const 99)))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        for (name, code) in [("exit0", 0), ("exit3", 3)] {
            let err = call(&mut store, &instance, name).unwrap_err();
            assert_eq!(err.downcast_ref::<GuestExit>(), Some(&GuestExit(code)));
        }
        assert_eq!(GuestExit(3).to_string(), "plugin exited with status 3");
    }

    #[test]
    fn args_give_only_the_program_name() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "args_sizes_get"
                (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "args_get"
                (func $get (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "sizes") (result i32) (call $sizes (i32.const 0) (i32.const 4)))
              (func (export "get") (result i32) (call $get (i32.const 16) (i32.const 64)))
              (func (export "sizes_oob") (result i32) (call $sizes (i32.const 0) (i32.const 65533)))
              (func (export "get_oob") (result i32) (call $get (i32.const 16) (i32.const 65530))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        assert_eq!(call(&mut store, &instance, "sizes").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "get").unwrap(), 0);
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 0), 1, "argc");
        assert_eq!(
            u32_at(&mem, 4),
            12,
            "argv_buf_size = len(\"plugin.wasm\") + NUL"
        );
        assert_eq!(u32_at(&mem, 16), 64, "argv[0] points into argv_buf");
        assert_eq!(u32_at(&mem, 20), 0, "nothing written past argv[0]");
        assert_eq!(&mem[64..76], b"plugin.wasm\0");
        assert_eq!(
            call(&mut store, &instance, "sizes_oob").unwrap(),
            errno::FAULT
        );
        assert_eq!(
            call(&mut store, &instance, "get_oob").unwrap(),
            errno::FAULT
        );
    }

    #[test]
    fn environment_is_empty() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "environ_sizes_get"
                (func $sizes (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "environ_get"
                (func $get (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "\ff\ff\ff\ff\ff\ff\ff\ff")
              (func (export "sizes") (result i32) (call $sizes (i32.const 0) (i32.const 4)))
              (func (export "get") (result i32) (call $get (i32.const 16) (i32.const 32))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        assert_eq!(call(&mut store, &instance, "sizes").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "get").unwrap(), 0);
        let mem = memory(&mut store, &instance);
        assert_eq!((u32_at(&mem, 0), u32_at(&mem, 4)), (0, 0));
    }

    #[test]
    fn no_files_no_preopens() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "fd_prestat_get"
                (func $prestat (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_open"
                (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_get"
                (func $fdstat (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read"
                (func $read (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "/etc/passwd")
              (data (i32.const 32) "\00\01\00\00\10\00\00\00")
              (func (export "prestat3") (result i32) (call $prestat (i32.const 3) (i32.const 100)))
              (func (export "open") (result i32)
                (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 11)
                  (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 100)))
              (func (export "close1") (result i32) (call $close (i32.const 1)))
              (func (export "close3") (result i32) (call $close (i32.const 3)))
              (func (export "fdstat1") (result i32) (call $fdstat (i32.const 1) (i32.const 64)))
              (func (export "fdstat3") (result i32) (call $fdstat (i32.const 3) (i32.const 64)))
              (func (export "read0") (result i32)
                (call $read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 120)))
              (func (export "read1") (result i32)
                (call $read (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 120))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        assert_eq!(
            call(&mut store, &instance, "prestat3").unwrap(),
            errno::BADF
        );
        assert_eq!(call(&mut store, &instance, "open").unwrap(), errno::BADF);
        assert_eq!(call(&mut store, &instance, "close1").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "close3").unwrap(), errno::BADF);
        assert_eq!(call(&mut store, &instance, "fdstat1").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "fdstat3").unwrap(), errno::BADF);
        assert_eq!(call(&mut store, &instance, "read0").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "read1").unwrap(), errno::BADF);
        let mem = memory(&mut store, &instance);
        assert_eq!(mem[64], FILETYPE_CHARACTER_DEVICE);
        assert_eq!(u64_at(&mem, 72), RIGHTS_FD_WRITE | RIGHTS_POLL_FD_READWRITE);
        assert_eq!(u32_at(&mem, 120), 0, "stdin is at EOF");
        assert_eq!(u32_at(&mem, 100), 0, "path_open wrote no fd");
    }

    #[test]
    fn random_get_fills() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "random_get"
                (func $random (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "a") (result i32) (call $random (i32.const 0) (i32.const 61)))
              (func (export "b") (result i32) (call $random (i32.const 100) (i32.const 61)))
              (func (export "oob") (result i32) (call $random (i32.const 65500) (i32.const 100))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        assert_eq!(call(&mut store, &instance, "a").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "b").unwrap(), 0);
        assert_eq!(call(&mut store, &instance, "oob").unwrap(), errno::FAULT);
        let mem = memory(&mut store, &instance);
        let (a, b) = (&mem[0..61], &mem[100..161]);
        assert!(a.iter().filter(|&&x| x != 0).count() > 40);
        assert!(b.iter().filter(|&&x| x != 0).count() > 40);
        assert_ne!(a, b);
        assert_eq!(mem[61], 0, "nothing written past the buffer");
        assert!(
            mem[65500..].iter().all(|&x| x == 0),
            "failed call wrote nothing"
        );
    }

    /// Past the call's deadline, the functions that can be made to do a lot
    /// of work stop after their first chunk with `Trap::Interrupt`; small
    /// calls, and calls with no deadline, are unaffected.
    #[test]
    fn long_host_calls_stop_at_the_deadline() {
        // 16 pages = 1 MiB. fd_write's iovec at 0 covers 1 MiB - 64 KiB
        // from 64 KiB; poll_oneoff gets 8192 zeroed (clock) subscriptions
        // at 0 and writes their events from 448 KiB.
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "random_get"
                (func $random (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write"
                (func $write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "poll_oneoff"
                (func $poll (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 16)
              (func (export "small") (result i32) (call $random (i32.const 0) (i32.const 65536)))
              (func (export "big") (result i32) (call $random (i32.const 0) (i32.const 1048576)))
              (func (export "write") (result i32)
                (i32.store (i32.const 0) (i32.const 65536))
                (i32.store (i32.const 4) (i32.const 983040))
                (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
              (func (export "poll") (result i32)
                (memory.fill (i32.const 0) (i32.const 0) (i32.const 458752))
                (call $poll (i32.const 0) (i32.const 458752) (i32.const 8192) (i32.const 1048572))))
        "#;
        let interrupted = |result: wasmtime::Result<i32>| {
            result.err().and_then(|e| e.downcast_ref::<Trap>().copied()) == Some(Trap::Interrupt)
        };
        let (mut store, instance) = instantiate(wat, Some(1 << 20));
        store.data_mut().set_deadline(Some(crate::ticks::now()));
        assert_eq!(
            call(&mut store, &instance, "small").unwrap(),
            0,
            "one chunk"
        );
        for name in ["big", "write", "poll"] {
            assert!(interrupted(call(&mut store, &instance, name)), "{name}");
        }
        assert!(
            store.data().stdout().len() <= CHUNK_BYTES,
            "fd_write stopped after its first chunk"
        );
        let mem = memory(&mut store, &instance);
        assert!(
            mem[CHUNK_BYTES..].iter().all(|&b| b == 0),
            "random_get stopped after its first chunk"
        );
        store.data_mut().take_output();
        store.data_mut().set_deadline(None);
        for name in ["big", "write", "poll"] {
            assert_eq!(call(&mut store, &instance, name).unwrap(), 0, "{name}");
        }
        assert_eq!(store.data().stdout().len(), 983040);
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 1048572), 8192, "every event written");
    }

    #[test]
    fn poll_oneoff_clock_returns_at_once() {
        // Subscription 0 at 0: clock, userdata 7, monotonic, timeout 60 s.
        // Subscription 1 at 48: fd_read on fd 0, userdata 8.
        // Subscription 2 at 96: fd_write on fd 9, userdata 9.
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "poll_oneoff"
                (func $poll (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 0) "\07\00\00\00\00\00\00\00\00")
              (data (i32.const 16) "\01\00\00\00\00\00\00\00\00\58\47\f8\0d\00\00\00")
              (data (i32.const 48) "\08\00\00\00\00\00\00\00\01")
              (data (i32.const 64) "\00\00\00\00")
              (data (i32.const 96) "\09\00\00\00\00\00\00\00\02")
              (data (i32.const 112) "\09\00\00\00")
              (data (i32.const 144) "\00\00\00\00\00\00\00\00\05")
              (func (export "one") (result i32)
                (call $poll (i32.const 0) (i32.const 1000) (i32.const 1) (i32.const 2000)))
              (func (export "three") (result i32)
                (call $poll (i32.const 0) (i32.const 1000) (i32.const 3) (i32.const 2000)))
              (func (export "zero") (result i32)
                (call $poll (i32.const 0) (i32.const 1000) (i32.const 0) (i32.const 2000)))
              (func (export "bad_tag") (result i32)
                (call $poll (i32.const 144) (i32.const 1000) (i32.const 1) (i32.const 2000)))
              (func (export "oob") (result i32)
                (call $poll (i32.const 0) (i32.const 65520) (i32.const 1) (i32.const 2000))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        let start = Instant::now();
        assert_eq!(call(&mut store, &instance, "one").unwrap(), 0);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "must not sleep"
        );
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 2000), 1, "nevents");
        assert_eq!(u64_at(&mem, 1000), 7, "userdata");
        assert_eq!(&mem[1008..1011], &[0, 0, EVENTTYPE_CLOCK]);

        assert_eq!(call(&mut store, &instance, "three").unwrap(), 0);
        let mem = memory(&mut store, &instance);
        assert_eq!(u32_at(&mem, 2000), 3, "nevents");
        assert_eq!(u64_at(&mem, 1032), 8);
        assert_eq!(&mem[1040..1043], &[0, 0, EVENTTYPE_FD_READ]);
        assert_eq!(u64_at(&mem, 1048), 0, "nbytes");
        assert_eq!(u64_at(&mem, 1064), 9);
        assert_eq!(
            &mem[1072..1075],
            &[errno::BADF as u8, 0, EVENTTYPE_FD_WRITE]
        );

        assert_eq!(call(&mut store, &instance, "zero").unwrap(), errno::INVAL);
        assert_eq!(
            call(&mut store, &instance, "bad_tag").unwrap(),
            errno::INVAL
        );
        assert_eq!(call(&mut store, &instance, "oob").unwrap(), errno::FAULT);
    }

    #[test]
    fn clocks() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "clock_time_get"
                (func $time (param i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "clock_res_get"
                (func $res (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "realtime") (result i32)
                (call $time (i32.const 0) (i64.const 1) (i32.const 0)))
              (func (export "monotonic") (result i32)
                (call $time (i32.const 1) (i64.const 1) (i32.const 8)))
              (func (export "cputime") (result i32)
                (call $time (i32.const 2) (i64.const 1) (i32.const 16)))
              (func (export "unknown") (result i32)
                (call $time (i32.const 4) (i64.const 1) (i32.const 24)))
              (func (export "res") (result i32) (call $res (i32.const 1) (i32.const 32)))
              (func (export "res_unknown") (result i32) (call $res (i32.const 9) (i32.const 32)))
              (func (export "oob") (result i32)
                (call $time (i32.const 0) (i64.const 1) (i32.const 65530))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        for name in ["realtime", "monotonic", "cputime", "res"] {
            assert_eq!(call(&mut store, &instance, name).unwrap(), 0, "{name}");
        }
        assert_eq!(
            call(&mut store, &instance, "unknown").unwrap(),
            errno::INVAL
        );
        assert_eq!(
            call(&mut store, &instance, "res_unknown").unwrap(),
            errno::INVAL
        );
        assert_eq!(call(&mut store, &instance, "oob").unwrap(), errno::FAULT);
        let mem = memory(&mut store, &instance);
        assert!(
            u64_at(&mem, 0) > 1_600_000_000 * 1_000_000_000,
            "realtime is after 2020"
        );
        assert!(
            u64_at(&mem, 16) >= u64_at(&mem, 8),
            "monotonic does not go back"
        );
        assert_eq!(u64_at(&mem, 32), CLOCK_RESOLUTION_NS);
    }

    #[test]
    fn missing_memory_export_is_efault() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "fd_write"
                (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
              (memory 1)
              (func (export "write") (result i32)
                (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
              (func (export "yield") (result i32) (call $yield)))
        "#;
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |s| s).unwrap();
        let mut store = Store::new(&engine, WasiSandbox::new("p", Some(10)));
        let instance = linker.instantiate(&mut store, &module).unwrap();
        assert_eq!(call(&mut store, &instance, "write").unwrap(), errno::FAULT);
        assert_eq!(call(&mut store, &instance, "yield").unwrap(), 0);
    }

    /// The exact core-wasm signature of every wasi_snapshot_preview1 function,
    /// as in wasi-libc's `__wasilibc_real.c` (and the witx for `proc_raise`).
    const SIGNATURES: &[(&str, &str, &str)] = &[
        ("args_get", "i32 i32", "i32"),
        ("args_sizes_get", "i32 i32", "i32"),
        ("environ_get", "i32 i32", "i32"),
        ("environ_sizes_get", "i32 i32", "i32"),
        ("clock_res_get", "i32 i32", "i32"),
        ("clock_time_get", "i32 i64 i32", "i32"),
        ("fd_advise", "i32 i64 i64 i32", "i32"),
        ("fd_allocate", "i32 i64 i64", "i32"),
        ("fd_close", "i32", "i32"),
        ("fd_datasync", "i32", "i32"),
        ("fd_fdstat_get", "i32 i32", "i32"),
        ("fd_fdstat_set_flags", "i32 i32", "i32"),
        ("fd_fdstat_set_rights", "i32 i64 i64", "i32"),
        ("fd_filestat_get", "i32 i32", "i32"),
        ("fd_filestat_set_size", "i32 i64", "i32"),
        ("fd_filestat_set_times", "i32 i64 i64 i32", "i32"),
        ("fd_pread", "i32 i32 i32 i64 i32", "i32"),
        ("fd_prestat_get", "i32 i32", "i32"),
        ("fd_prestat_dir_name", "i32 i32 i32", "i32"),
        ("fd_pwrite", "i32 i32 i32 i64 i32", "i32"),
        ("fd_read", "i32 i32 i32 i32", "i32"),
        ("fd_readdir", "i32 i32 i32 i64 i32", "i32"),
        ("fd_renumber", "i32 i32", "i32"),
        ("fd_seek", "i32 i64 i32 i32", "i32"),
        ("fd_sync", "i32", "i32"),
        ("fd_tell", "i32 i32", "i32"),
        ("fd_write", "i32 i32 i32 i32", "i32"),
        ("path_create_directory", "i32 i32 i32", "i32"),
        ("path_filestat_get", "i32 i32 i32 i32 i32", "i32"),
        (
            "path_filestat_set_times",
            "i32 i32 i32 i32 i64 i64 i32",
            "i32",
        ),
        ("path_link", "i32 i32 i32 i32 i32 i32 i32", "i32"),
        ("path_open", "i32 i32 i32 i32 i32 i64 i64 i32 i32", "i32"),
        ("path_readlink", "i32 i32 i32 i32 i32 i32", "i32"),
        ("path_remove_directory", "i32 i32 i32", "i32"),
        ("path_rename", "i32 i32 i32 i32 i32 i32", "i32"),
        ("path_symlink", "i32 i32 i32 i32 i32", "i32"),
        ("path_unlink_file", "i32 i32 i32", "i32"),
        ("poll_oneoff", "i32 i32 i32 i32", "i32"),
        ("proc_exit", "i32", ""),
        ("proc_raise", "i32", "i32"),
        ("random_get", "i32 i32", "i32"),
        ("sched_yield", "", "i32"),
        ("sock_accept", "i32 i32 i32", "i32"),
        ("sock_recv", "i32 i32 i32 i32 i32 i32", "i32"),
        ("sock_send", "i32 i32 i32 i32 i32", "i32"),
        ("sock_shutdown", "i32 i32", "i32"),
    ];

    #[test]
    fn all_46_functions_link_with_exact_signatures() {
        assert_eq!(SIGNATURES.len(), 46);
        let imports: String = SIGNATURES
            .iter()
            .map(|(name, params, results)| {
                format!(
                    "(import \"wasi_snapshot_preview1\" \"{name}\" \
                     (func (param {params}) (result {results})))\n"
                )
            })
            .collect();
        let wat = format!("(module\n{imports}(memory (export \"memory\") 1))");
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
        let mut linker = Linker::new(&engine);
        add_to_linker(&mut linker, |s: &mut WasiSandbox| s).unwrap();
        let mut store = Store::new(&engine, WasiSandbox::new("p", None));
        linker.instantiate(&mut store, &module).unwrap();
        let defined = linker
            .iter(&mut store)
            .filter(|(module, _, _)| *module == WASI_MODULE)
            .count();
        assert_eq!(defined, 46);
    }

    #[test]
    fn stubs_answer_as_documented() {
        let wat = r#"
            (module
              (import "wasi_snapshot_preview1" "sock_accept"
                (func $accept (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_seek"
                (func $seek (param i32 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_symlink"
                (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "accept") (result i32)
                (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
              (func (export "raise") (result i32) (call $raise (i32.const 6)))
              (func (export "seek1") (result i32)
                (call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0)))
              (func (export "seek7") (result i32)
                (call $seek (i32.const 7) (i64.const 0) (i32.const 0) (i32.const 0)))
              (func (export "symlink") (result i32)
                (call $symlink
                  (i32.const 0) (i32.const 1) (i32.const 3) (i32.const 0) (i32.const 1))))
        "#;
        let (mut store, instance) = instantiate(wat, None);
        assert_eq!(call(&mut store, &instance, "accept").unwrap(), errno::NOSYS);
        assert_eq!(call(&mut store, &instance, "raise").unwrap(), errno::NOSYS);
        assert_eq!(call(&mut store, &instance, "seek1").unwrap(), errno::SPIPE);
        assert_eq!(call(&mut store, &instance, "seek7").unwrap(), errno::BADF);
        assert_eq!(call(&mut store, &instance, "symlink").unwrap(), errno::BADF);
    }
}

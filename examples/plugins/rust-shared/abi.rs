//! The Alloy plugin ABI plumbing shared by the Rust example plugins:
//! `alloc`, `last_error`, and helpers to read the input and hand back a result.
//!
//! Include it from a plugin with
//!
//! ```ignore
//! #[path = "../rust-shared/abi.rs"]
//! pub mod abi;
//! ```
//!
//! Memory: the host calls `alloc(len)` once per call, writes the input there and
//! then calls an export. `finish` frees every input buffer handed out by `alloc`
//! since the previous call and keeps the result alive in `OUTPUT` until the next
//! call, so an instance does not grow with every call it serves.
//!
//! Results are packed into one i64: `(ptr << 32) | len`; `(0, 0)` is an error,
//! whose message `last_error` returns.

#![allow(dead_code)]

use std::alloc::{alloc as raw_alloc, dealloc, Layout};

// Wasm instances are single-threaded, so plain `static mut`s are fine here.
static mut PENDING: Vec<(usize, usize)> = Vec::new();
static mut OUTPUT: Vec<u8> = Vec::new();
static mut ERROR: String = String::new();

/// `alloc(size) -> ptr`: a buffer of `size` bytes for the host to write input into.
#[no_mangle]
pub extern "C" fn alloc(size: i32) -> i32 {
    // Treat the size as unsigned and never ask the allocator for 0 bytes.
    let size = (size as u32 as usize).max(1);
    let layout = match Layout::from_size_align(size, 1) {
        Ok(layout) => layout,
        Err(_) => return 0,
    };
    let ptr = unsafe { raw_alloc(layout) };
    if ptr.is_null() {
        return 0;
    }
    unsafe { PENDING.push((ptr as usize, size)) };
    ptr as i32
}

/// `last_error() -> (ptr, len)`: the message of the last failed call, or (0, 0).
#[no_mangle]
pub extern "C" fn last_error() -> i64 {
    unsafe {
        if ERROR.is_empty() {
            0
        } else {
            pack(ERROR.as_ptr() as usize, ERROR.len())
        }
    }
}

/// `(ptr << 32) | len`.
pub fn pack(ptr: usize, len: usize) -> i64 {
    (((ptr as u64) << 32) | (len as u32 as u64)) as i64
}

/// The `len` input bytes the host wrote at `ptr`.
///
/// # Safety
/// `ptr`/`len` must describe memory the host filled (a buffer from `alloc`).
pub unsafe fn input<'a>(ptr: i32, len: i32) -> &'a [u8] {
    if len <= 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr as u32 as usize as *const u8, len as usize)
    }
}

/// Frees the input buffers, stores `result` and returns its packed (ptr, len),
/// or records the error and returns (0, 0).
pub fn finish(result: Result<Vec<u8>, String>) -> i64 {
    unsafe {
        for (ptr, size) in PENDING.drain(..) {
            dealloc(ptr as *mut u8, Layout::from_size_align_unchecked(size, 1));
        }
        match result {
            Ok(bytes) => {
                ERROR.clear();
                OUTPUT = bytes;
                // An empty Vec's pointer is dangling but non-zero, so "" is not (0, 0).
                pack(OUTPUT.as_ptr() as usize, OUTPUT.len())
            }
            Err(message) => {
                ERROR = message;
                OUTPUT = Vec::new();
                0
            }
        }
    }
}

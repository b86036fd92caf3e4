//! `uppercase`: an Alloy filter plugin that upper-cases its input.
//!
//! Full Unicode case mapping via `str::to_uppercase`, so "straße" becomes
//! "STRASSE". Invalid UTF-8 input is an error, reported through `last_error`.
//!
//! Build: rustc --target wasm32-unknown-unknown --crate-type cdylib \
//!          -O --edition 2021 -o uppercase.wasm uppercase.rs
//!
//! This file is self-contained on purpose: it shows the whole ABI in one place.

// The export below is called `alloc`, so std's `alloc` must be imported under
// another name (importing it as `alloc` and defining `fn alloc` is error E0255).
use std::alloc::{alloc as raw_alloc, dealloc, Layout};

// Wasm instances are single-threaded, so plain `static mut`s are fine here.
/// Buffers handed out by `alloc` and not yet consumed by a call.
static mut PENDING: Vec<(usize, usize)> = Vec::new();
/// The last result; it stays alive until the next call so the host can read it.
static mut OUTPUT: Vec<u8> = Vec::new();
/// The last error message ("" when the last call succeeded).
static mut ERROR: String = String::new();

fn pack(ptr: usize, len: usize) -> i64 {
    (((ptr as u64) << 32) | (len as u32 as u64)) as i64
}

/// `alloc(size) -> ptr`: a buffer for the host to write the input into.
#[no_mangle]
pub extern "C" fn alloc(size: i32) -> i32 {
    let size = (size as u32 as usize).max(1); // alloc(0) must still work
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

/// `filter(ptr, len) -> (ptr << 32) | len`.
#[no_mangle]
pub extern "C" fn filter(ptr: i32, len: i32) -> i64 {
    let input: &[u8] = if len <= 0 {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(ptr as u32 as usize as *const u8, len as usize) }
    };
    let result = match std::str::from_utf8(input) {
        Ok(text) => Ok(text.to_uppercase().into_bytes()),
        Err(_) => Err("uppercase: input is not valid UTF-8".to_string()),
    };
    unsafe {
        // The input has been consumed: free it (and any other unused buffer).
        for (p, size) in PENDING.drain(..) {
            dealloc(p as *mut u8, Layout::from_size_align_unchecked(size, 1));
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

/// `last_error() -> (ptr << 32) | len`: the last error's message, or (0, 0).
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

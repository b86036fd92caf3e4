//! The plugin's side of the memory protocol: `alloc`, the result kept alive
//! for the host, and `last_error`.
//!
//! The ABI has no `free`, so nothing here waits to be told a buffer is done
//! with. Every call runs in the same order on one instance (`alloc`, the host
//! writes the input, the export runs, the host reads the result), and the
//! host never runs two calls on one instance at once. So one input buffer,
//! one result and one error message are enough, each replaced by the next
//! call.

use std::cell::RefCell;

/// An input buffer whose capacity is over this many bytes, and over four
/// times what the current call needs, is given back to the allocator rather
/// than reused, so one huge page does not pin its memory for every later call.
const KEEP_AT_MOST: usize = 1 << 20;

struct Buffers {
    /// The buffer the last `alloc` returned; the host writes the input there.
    input: Vec<u8>,
    /// The last call's result; the host reads it after the call returns.
    output: Vec<u8>,
    /// The last error's message; empty when the last call succeeded.
    error: String,
}

thread_local! {
    // A wasm instance has one thread, so this is one global state.
    static BUFFERS: RefCell<Buffers> = const {
        RefCell::new(Buffers { input: Vec::new(), output: Vec::new(), error: String::new() })
    };
}

/// `alloc(size) -> ptr`: the buffer the host writes a call's input into.
///
/// The same buffer is handed out again by the next `alloc`, grown when the
/// input is bigger, so the returned pointer is valid until the next call
/// starts. `alloc(0)` returns a real 1-byte buffer, never a dangling pointer.
/// Returns 0 (which the host reports as a `PLUGIN_ERROR`) for a negative size
/// or when memory runs out.
#[no_mangle]
pub extern "C" fn alloc(size: i32) -> i32 {
    if size < 0 {
        return 0;
    }
    let need = (size as usize).max(1);
    BUFFERS.with(|buffers| {
        let input = &mut buffers.borrow_mut().input;
        let capacity = input.capacity();
        if capacity < need || capacity > KEEP_AT_MOST.max(need.saturating_mul(4)) {
            // Free the old buffer first, so the allocator can reuse its space.
            *input = Vec::new();
            if input.try_reserve_exact(need).is_err() {
                return 0;
            }
        }
        input.as_mut_ptr() as usize as i32
    })
}

/// `last_error() -> (ptr << 32) | len`: the last failed call's message, or
/// `(0, 0)` when the last call succeeded.
#[no_mangle]
pub extern "C" fn last_error() -> i64 {
    BUFFERS.with(|buffers| {
        let error = &buffers.borrow().error;
        if error.is_empty() {
            0
        } else {
            pack(error.as_ptr() as usize, error.len())
        }
    })
}

/// `(ptr << 32) | len`: the `i64` form of a `(ptr, len)` result.
pub fn pack(ptr: usize, len: usize) -> i64 {
    (((ptr as u64) << 32) | (len as u32 as u64)) as i64
}

/// The `len` bytes of input the host wrote at `ptr`.
///
/// # Safety
/// `(ptr, len)` must be the host's input: `len` bytes written at a pointer
/// that [`alloc`] returned, and no `alloc` since.
pub unsafe fn input<'a>(ptr: i32, len: i32) -> &'a [u8] {
    if len <= 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr as u32 as usize as *const u8, len as usize)
    }
}

/// Hands a call's result to the host: keeps `Ok` bytes alive until the next
/// call and returns their packed `(ptr, len)`, or keeps the `Err` message for
/// `last_error` and returns `(0, 0)`.
pub fn finish(result: Result<Vec<u8>, String>) -> i64 {
    BUFFERS.with(|buffers| {
        let mut buffers = buffers.borrow_mut();
        match result {
            Ok(bytes) => {
                buffers.error.clear();
                buffers.output = bytes;
                // An empty Vec's pointer is dangling but not 0, so "" is not (0, 0).
                pack(buffers.output.as_ptr() as usize, buffers.output.len())
            }
            Err(message) => {
                buffers.output = Vec::new();
                buffers.error = if message.is_empty() {
                    "the plugin failed without saying why".to_string()
                } else {
                    message
                };
                0
            }
        }
    })
}

//! The Alloy call protocol on one instance: `alloc(len)`, write the input,
//! call the export, read the `(ptr, len)` result in either form, and turn
//! `(0, 0)` into the plugin's `last_error`.

use crate::engine::deadline_ticks;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::instance::{BufferFunc, GetterFunc, PluginInstance};
use crate::trap::classify;

/// Calls a `(ptr, len) -> (ptr, len)` export with `input` and returns its
/// UTF-8 output. Errors carry the export's name, not the plugin's.
pub fn call_export(inst: &mut PluginInstance, export: AbiExport, input: &[u8]) -> Result<String> {
    let timeout_ms = inst.limits.timeout_ms;
    call_export_with(inst, export, input, timeout_ms, str::to_owned)
}

/// [`call_export`] stopped after `timeout_ms` (at most the instance's
/// limit), handing the output to `take` while it is still in guest memory
/// (so a caller that copies it elsewhere copies it once).
pub fn call_export_with<T>(
    inst: &mut PluginInstance,
    export: AbiExport,
    input: &[u8],
    timeout_ms: u64,
    take: impl FnOnce(&str) -> T,
) -> Result<T> {
    let name = export.name();
    if inst.funcs.buffer(export).is_none() {
        return Err(PluginError::new(
            ErrorCode::MissingExport,
            format!("does not export \"{name}\""),
        )
        .with_export(name));
    }
    arm_deadline(inst, timeout_ms.min(inst.limits.timeout_ms));
    let (ptr, len) = write_input(inst, input).map_err(|e| e.with_export(name))?;
    let limits = inst.limits;
    let result = match inst.funcs.buffer(export) {
        Some(BufferFunc::Packed(f)) => f.call(&mut inst.store, (ptr, len)).map(unpack),
        Some(BufferFunc::Pair(f)) => f.call(&mut inst.store, (ptr, len)),
        None => unreachable!("checked above"),
    };
    let (out_ptr, out_len) = result.map_err(|e| classify(e, &limits).with_export(name))?;
    finish(inst, out_ptr, out_len, take).map_err(|e| e.with_export(name))
}

/// Calls a `() -> (ptr, len)` export (`hooks`, `last_error`) and returns its
/// UTF-8 output.
pub fn call_getter(inst: &mut PluginInstance, export: AbiExport) -> Result<String> {
    let name = export.name();
    arm_deadline(inst, inst.limits.timeout_ms);
    let limits = inst.limits;
    let (out_ptr, out_len) = call_getter_func(inst, export)
        .ok_or_else(|| {
            PluginError::new(
                ErrorCode::MissingExport,
                format!("does not export \"{name}\""),
            )
            .with_export(name)
        })?
        .map_err(|e| classify(e, &limits).with_export(name))?;
    finish(inst, out_ptr, out_len, str::to_owned).map_err(|e| e.with_export(name))
}

/// Calls a getter export; `None` when the plugin does not have it.
fn call_getter_func(
    inst: &mut PluginInstance,
    export: AbiExport,
) -> Option<wasmtime::Result<(i32, i32)>> {
    Some(match inst.funcs.getter(export)? {
        GetterFunc::Packed(f) => f.call(&mut inst.store, ()).map(unpack),
        GetterFunc::Pair(f) => f.call(&mut inst.store, ()),
    })
}

fn arm_deadline(inst: &mut PluginInstance, timeout_ms: u64) {
    inst.store.set_epoch_deadline(deadline_ticks(timeout_ms));
}

/// `alloc(len)` and the input written at the returned pointer.
fn write_input(inst: &mut PluginInstance, input: &[u8]) -> Result<(i32, i32)> {
    let len = i32::try_from(input.len()).map_err(|_| {
        PluginError::new(
            ErrorCode::InvalidInput,
            format!(
                "input of {} bytes is over the 2 GiB the ABI can pass",
                input.len()
            ),
        )
    })?;
    let limits = inst.limits;
    let ptr = inst
        .alloc
        .call(&mut inst.store, len)
        .map_err(|e| classify(e, &limits))?;
    if ptr == 0 && len > 0 {
        let detail = last_error_text(inst)
            .unwrap_or_else(|| format!("alloc({len}) returned 0 (out of memory?)"));
        return Err(PluginError::new(ErrorCode::PluginError, detail));
    }
    let start = ptr as u32 as usize;
    inst.memory
        .write(&mut inst.store, start, input)
        .map_err(|_| {
            PluginError::new(
                ErrorCode::BadResult,
                format!(
                    "alloc({len}) returned 0x{start:x}, which does not leave room for the input in its {}-byte memory",
                    inst.memory.data_size(&inst.store)
                ),
            )
        })?;
    Ok((ptr, len))
}

/// Splits `(ptr << 32) | len`.
fn unpack(packed: i64) -> (i32, i32) {
    let bits = packed as u64;
    ((bits >> 32) as u32 as i32, bits as u32 as i32)
}

/// Reads a result: `(0, 0)` is the plugin's error; anything outside memory or
/// not UTF-8 is BAD_RESULT.
fn finish<T>(
    inst: &mut PluginInstance,
    ptr: i32,
    len: i32,
    take: impl FnOnce(&str) -> T,
) -> Result<T> {
    if ptr == 0 && len == 0 {
        let detail = last_error_text(inst)
            .unwrap_or_else(|| "returned (0, 0), the ABI's error result".to_owned());
        return Err(PluginError::new(ErrorCode::PluginError, detail));
    }
    let bytes = result_bytes(inst.memory.data(&inst.store), ptr, len)?;
    decode_output(bytes).map(take)
}

/// The `len` bytes at `ptr` in a guest memory `data`, or BAD_RESULT when any
/// of them lies outside it. `ptr` and `len` are the guest's unsigned i32s.
pub fn result_bytes(data: &[u8], ptr: i32, len: i32) -> Result<&[u8]> {
    let start = ptr as u32 as u64;
    let end = start + len as u32 as u64; // u64: cannot wrap
    if end > data.len() as u64 {
        return Err(PluginError::new(
            ErrorCode::BadResult,
            format!(
                "returned (ptr 0x{:x}, len {}), which is outside its {}-byte memory",
                start,
                len as u32,
                data.len()
            ),
        ));
    }
    Ok(&data[start as usize..end as usize])
}

/// A plugin's output as text, or BAD_RESULT when it is not UTF-8.
pub fn decode_output(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|e| {
        PluginError::new(
            ErrorCode::BadResult,
            format!(
                "returned output that is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// The text of `last_error()`, if the plugin exports it and it gives any.
/// When `last_error` itself fails, the error says so, and an instance it may
/// have broken (trap, timeout, memory cap, bad result) is marked for discard.
fn last_error_text(inst: &mut PluginInstance) -> Option<String> {
    let limits = inst.limits;
    let failed = match call_getter_func(inst, AbiExport::LastError)? {
        Ok((_, 0)) => return None,
        Ok((ptr, len)) => match result_bytes(inst.memory.data(&inst.store), ptr, len) {
            Ok(bytes) => return Some(String::from_utf8_lossy(bytes).into_owned()),
            Err(err) => err,
        },
        Err(err) => classify(err, &limits),
    };
    inst.broken |= failed.code.poisons_instance();
    Some(format!(
        "returned (0, 0), the ABI's error result, and last_error() then failed: {} [{}]",
        failed.detail, failed.code
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_high_pointer_and_length() {
        assert_eq!(unpack((8i64 << 32) | 3), (8, 3));
        let packed = ((0xFFFF_FFF0u64 << 32) | 0x20) as i64;
        assert_eq!(unpack(packed), (0xFFFF_FFF0u32 as i32, 0x20));
    }
}

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
    call_export_with(inst, export, input, timeout_ms, output_string)
}

/// An output as an owned string; BAD_RESULT when it is not UTF-8.
pub fn output_string(bytes: &[u8]) -> Result<String> {
    decode_output(bytes).map(str::to_owned)
}

/// [`call_export`] stopped after `timeout_ms` (at most the instance's
/// limit), handing the output bytes to `take` while they are still in guest
/// memory (so a caller that copies them elsewhere copies them once). `take`
/// must refuse bytes that are not UTF-8 (BAD_RESULT), as [`output_string`]
/// does.
pub fn call_export_with<T>(
    inst: &mut PluginInstance,
    export: AbiExport,
    input: &[u8],
    timeout_ms: u64,
    take: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<T> {
    let (ptr, len) = call_raw(inst, export, input, timeout_ms)?;
    result_bytes(inst.memory.data(&inst.store), ptr, len)
        .and_then(take)
        .map_err(|e| e.with_export(export.name()))
}

/// Calls `configure` with the plugin's config (JSON): `(0, 0)` is the
/// plugin's error (with `last_error`'s text); any other result is ignored.
pub fn configure(inst: &mut PluginInstance, config: &str) -> Result<()> {
    let timeout_ms = inst.limits.timeout_ms;
    call_raw(inst, AbiExport::Configure, config.as_bytes(), timeout_ms).map(drop)
}

/// `alloc`, the input written, the export called: its `(ptr, len)`, not
/// `(0, 0)` (which is the plugin's error, with `last_error`'s text).
fn call_raw(
    inst: &mut PluginInstance,
    export: AbiExport,
    input: &[u8],
    timeout_ms: u64,
) -> Result<(i32, i32)> {
    let name = export.name();
    // The handle is looked up again for the call rather than cloned: a
    // TypedFunc clone costs reference counts on every call.
    let with_slot = match inst.funcs.buffer(export) {
        Some(func) => matches!(func, BufferFunc::Retptr(_)),
        None => {
            return Err(PluginError::new(
                ErrorCode::MissingExport,
                format!("does not export \"{name}\""),
            )
            .with_export(name))
        }
    };
    arm_deadline(inst, timeout_ms.min(inst.limits.timeout_ms));
    let written = write_input(inst, input, with_slot).map_err(|e| e.with_export(name))?;
    let (ptr, len) = (written.ptr, written.len);
    let limits = inst.limits;
    let result = match inst.funcs.buffer(export) {
        Some(BufferFunc::Packed(f)) => f.call(&mut inst.store, (ptr, len)).map(unpack),
        Some(BufferFunc::Pair(f)) => f.call(&mut inst.store, (ptr, len)),
        Some(BufferFunc::Retptr(f)) => f
            .call(&mut inst.store, (written.slot, ptr, len))
            .map(|()| read_slot(inst, written.slot)),
        None => unreachable!("checked above"),
    };
    let (out_ptr, out_len) = result.map_err(|e| classify(e, &limits).with_export(name))?;
    check_not_error(
        inst,
        out_ptr,
        out_len,
        Some(written.slot).filter(|_| with_slot),
    )
    .map_err(|e| e.with_export(name))?;
    Ok((out_ptr, out_len))
}

/// Calls a `() -> (ptr, len)` export (`hooks`, `last_error`) and returns its
/// UTF-8 output.
pub fn call_getter(inst: &mut PluginInstance, export: AbiExport) -> Result<String> {
    let name = export.name();
    arm_deadline(inst, inst.limits.timeout_ms);
    let (out_ptr, out_len, slot) = call_getter_func(inst, export, None)
        .ok_or_else(|| {
            PluginError::new(
                ErrorCode::MissingExport,
                format!("does not export \"{name}\""),
            )
            .with_export(name)
        })?
        .map_err(|e| e.with_export(name))?;
    check_not_error(inst, out_ptr, out_len, slot).map_err(|e| e.with_export(name))?;
    result_bytes(inst.memory.data(&inst.store), out_ptr, out_len)
        .and_then(output_string)
        .map_err(|e| e.with_export(name))
}

/// Calls a getter export; `None` when the plugin does not have it. A getter
/// with a result pointer gets `slot`, or one allocated now; the slot used
/// comes back with the result.
fn call_getter_func(
    inst: &mut PluginInstance,
    export: AbiExport,
    slot: Option<i32>,
) -> Option<Result<(i32, i32, Option<i32>)>> {
    let limits = inst.limits;
    let classify = |e| classify(e, &limits);
    let slot = match inst.funcs.getter(export)? {
        GetterFunc::Retptr(_) => match slot {
            Some(slot) => Some(slot),
            None => match write_input(inst, &[], true) {
                Ok(written) => Some(written.slot),
                Err(err) => return Some(Err(err)),
            },
        },
        _ => None,
    };
    Some(match (inst.funcs.getter(export)?, slot) {
        (GetterFunc::Packed(f), _) => f
            .call(&mut inst.store, ())
            .map(|r| {
                let (p, l) = unpack(r);
                (p, l, None)
            })
            .map_err(classify),
        (GetterFunc::Pair(f), _) => f
            .call(&mut inst.store, ())
            .map(|(p, l)| (p, l, None))
            .map_err(classify),
        (GetterFunc::Retptr(f), Some(slot)) => match f.call(&mut inst.store, slot) {
            Ok(()) => {
                let (p, l) = read_slot(inst, slot);
                Ok((p, l, Some(slot)))
            }
            Err(e) => Err(classify(e)),
        },
        (GetterFunc::Retptr(_), None) => unreachable!("a slot was made above"),
    })
}

fn arm_deadline(inst: &mut PluginInstance, timeout_ms: u64) {
    inst.arm_deadline(timeout_ms);
    // Host functions cannot be interrupted by the epoch: the long WASI ones
    // check this (a tick count, no clock read) between chunks of work.
    let deadline = crate::ticks::now().saturating_add(deadline_ticks(timeout_ms));
    inst.store.data_mut().wasi.set_deadline(Some(deadline));
}

/// Room for a result slot after the input: 8 bytes, 8-aligned.
const SLOT_ROOM: i32 = 8 + 7;

/// Where an input went, and the result slot of a `retptr` export.
struct Written {
    ptr: i32,
    len: i32,
    /// 0 when no slot was asked for.
    slot: i32,
}

/// `alloc` and the input written at the returned pointer. With `with_slot`
/// (an export in TinyGo's result-pointer form) the block asked for is
/// [`SLOT_ROOM`] bytes longer, and the 8-aligned 8 bytes after the input
/// are the result slot, zeroed: one `alloc` per call as in the other forms,
/// and a slot that cannot overlap the input even when `alloc` hands out one
/// reused buffer (as many plugins' does), which a slot allocated once per
/// instance would.
fn write_input(inst: &mut PluginInstance, input: &[u8], with_slot: bool) -> Result<Written> {
    let too_long = || {
        PluginError::new(
            ErrorCode::InvalidInput,
            format!(
                "input of {} bytes is over the 2 GiB the ABI can pass",
                input.len()
            ),
        )
    };
    let len = i32::try_from(input.len()).map_err(|_| too_long())?;
    let size = if with_slot {
        len.checked_add(SLOT_ROOM).ok_or_else(too_long)?
    } else {
        len
    };
    let limits = inst.limits;
    let ptr = inst
        .alloc
        .call(&mut inst.store, size)
        .map_err(|e| classify(e, &limits))?;
    if ptr == 0 && size > 0 {
        let detail = last_error_text(inst, None)
            .unwrap_or_else(|| format!("alloc({size}) returned 0 (out of memory?)"));
        return Err(PluginError::new(ErrorCode::PluginError, detail));
    }
    let start = ptr as u32 as usize;
    let no_room = |inst: &PluginInstance| {
        PluginError::new(
            ErrorCode::BadResult,
            format!(
                "alloc({size}) returned 0x{start:x}, which does not leave room for the input in its {}-byte memory",
                inst.memory.data_size(&inst.store)
            ),
        )
    };
    inst.memory
        .write(&mut inst.store, start, input)
        .map_err(|_| no_room(inst))?;
    let slot = if with_slot {
        zeroed_slot(inst, start + input.len()).ok_or_else(|| no_room(inst))?
    } else {
        0
    };
    Ok(Written { ptr, len, slot })
}

/// The 8-aligned 8 bytes at or after `after`, zeroed; `None` when they are
/// not all in memory.
#[cold]
fn zeroed_slot(inst: &mut PluginInstance, after: usize) -> Option<i32> {
    let slot = after.checked_add(7)? & !7;
    inst.memory.write(&mut inst.store, slot, &[0; 8]).ok()?;
    // In memory, so below 4 GiB: the guest's unsigned i32.
    Some(slot as u32 as i32)
}

/// The two little-endian i32s at `slot` (written in bounds by `write_input`,
/// and memory never shrinks).
fn read_slot(inst: &PluginInstance, slot: i32) -> (i32, i32) {
    let mut bytes = [0u8; 8];
    let _ = inst
        .memory
        .read(&inst.store, slot as u32 as usize, &mut bytes);
    let [a, b, c, d, e, f, g, h] = bytes;
    (
        i32::from_le_bytes([a, b, c, d]),
        i32::from_le_bytes([e, f, g, h]),
    )
}

/// Splits `(ptr << 32) | len`.
fn unpack(packed: i64) -> (i32, i32) {
    let bits = packed as u64;
    ((bits >> 32) as u32 as i32, bits as u32 as i32)
}

/// `(0, 0)` is the plugin's error, with `last_error`'s text (called with
/// `slot` when it takes a result pointer).
fn check_not_error(inst: &mut PluginInstance, ptr: i32, len: i32, slot: Option<i32>) -> Result<()> {
    if ptr == 0 && len == 0 {
        let detail = last_error_text(inst, slot)
            .unwrap_or_else(|| "returned (0, 0), the ABI's error result".to_owned());
        return Err(PluginError::new(ErrorCode::PluginError, detail));
    }
    Ok(())
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
/// A `retptr` last_error gets `slot` (the failed call's); without one (when
/// `alloc` itself failed) it is not called.
fn last_error_text(inst: &mut PluginInstance, slot: Option<i32>) -> Option<String> {
    if slot.is_none()
        && matches!(
            inst.funcs.getter(AbiExport::LastError),
            Some(GetterFunc::Retptr(_))
        )
    {
        return None;
    }
    let failed = match call_getter_func(inst, AbiExport::LastError, slot)? {
        Ok((_, 0, _)) => return None,
        Ok((ptr, len, _)) => match result_bytes(inst.memory.data(&inst.store), ptr, len) {
            Ok(bytes) => return Some(String::from_utf8_lossy(bytes).into_owned()),
            Err(err) => err,
        },
        Err(err) => err,
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

//! What a guest may import: WASI preview 1 (sandboxed, see `wasi`) and
//! AssemblyScript's `env.abort`. Anything else is refused at load.

use std::sync::OnceLock;

use wasmtime::{Caller, Extern, Linker, Module, Store};

use crate::engine::shared_engine;
use crate::error::{ErrorCode, PluginError, Result};
use crate::store::{GuestAbort, StoreState};
use crate::wasi::{self, WASI_MODULE};

/// The linker every plugin is instantiated with.
pub fn shared_linker() -> &'static Linker<StoreState> {
    static LINKER: OnceLock<Linker<StoreState>> = OnceLock::new();
    LINKER.get_or_init(|| {
        let mut linker = Linker::new(shared_engine());
        wasi::add_to_linker(&mut linker, |state: &mut StoreState| &mut state.wasi)
            .expect("WASI functions are defined once");
        linker
            .func_wrap("env", "abort", as_abort)
            .expect("env.abort is defined once");
        linker
    })
}

/// Checks that every import of `module` is one the host provides. Returns
/// whether the module imports WASI.
pub fn check_imports(module: &Module) -> Result<bool> {
    let linker = shared_linker();
    let mut probe = Store::new(shared_engine(), StoreState::new("probe", None, u64::MAX));
    let mut wasi = false;
    for import in module.imports() {
        if linker
            .get(&mut probe, import.module(), import.name())
            .is_err()
        {
            return Err(PluginError::new(
                ErrorCode::UnsupportedImport,
                format!(
                    "imports \"{}.{}\", which alloy-wasm does not provide (allowed: {}.*, env.abort)",
                    import.module(),
                    import.name(),
                    WASI_MODULE
                ),
            ));
        }
        wasi |= import.module() == WASI_MODULE;
    }
    Ok(wasi)
}

/// AssemblyScript's `abort(message: string, file: string, line: u32, column: u32)`.
fn as_abort(
    mut caller: Caller<'_, StoreState>,
    message: i32,
    file: i32,
    line: i32,
    column: i32,
) -> wasmtime::Result<()> {
    let memory = caller.get_export("memory").and_then(Extern::into_memory);
    let (message, file) = match memory {
        Some(memory) => {
            let data = memory.data(&caller);
            (read_as_string(data, message), read_as_string(data, file))
        }
        None => (String::new(), String::new()),
    };
    Err(wasmtime::Error::new(GuestAbort {
        message: if message.is_empty() {
            "AssemblyScript abort".to_owned()
        } else {
            message
        },
        file,
        line: line as u32,
        column: column as u32,
    }))
}

/// Reads an AssemblyScript string: UTF-16LE, its byte length in the u32
/// just before the pointer. Anything out of bounds reads as empty.
fn read_as_string(data: &[u8], ptr: i32) -> String {
    let ptr = ptr as u32 as usize;
    if ptr < 4 || ptr > data.len() {
        return String::new();
    }
    let len_bytes: [u8; 4] = data[ptr - 4..ptr].try_into().unwrap_or_default();
    let len = u32::from_le_bytes(len_bytes) as usize;
    let Some(bytes) = ptr.checked_add(len).and_then(|end| data.get(ptr..end)) else {
        return String::new();
    };
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_string_at(ptr: usize, text: &str) -> Vec<u8> {
        let units: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut data = vec![0u8; ptr - 4];
        data.extend_from_slice(&(units.len() as u32).to_le_bytes());
        data.extend_from_slice(&units);
        data
    }

    #[test]
    fn reads_assemblyscript_strings() {
        let data = as_string_at(16, "boom 😀");
        assert_eq!(read_as_string(&data, 16), "boom 😀");
    }

    #[test]
    fn out_of_bounds_strings_read_as_empty() {
        let data = as_string_at(16, "boom");
        assert_eq!(read_as_string(&data, 0), "");
        assert_eq!(read_as_string(&data, 2), "");
        assert_eq!(read_as_string(&data, 1000), "");
        let mut bad_len = data.clone();
        bad_len[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(read_as_string(&bad_len, 16), "");
    }

    #[test]
    fn unknown_imports_are_named() {
        let wasm = wat::parse_str(
            r#"(module (import "env" "fetch" (func (param i32))) (memory (export "memory") 1))"#,
        )
        .unwrap();
        let module = Module::new(shared_engine(), wasm).unwrap();
        let err = check_imports(&module).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedImport);
        assert!(err.detail.contains("env.fetch"), "{}", err.detail);
    }

    #[test]
    fn wasi_and_abort_are_allowed() {
        let wasm = wat::parse_str(
            r#"(module
                 (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                 (import "env" "abort" (func (param i32 i32 i32 i32))))"#,
        )
        .unwrap();
        let module = Module::new(shared_engine(), wasm).unwrap();
        assert!(check_imports(&module).unwrap());
    }
}

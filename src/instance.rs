//! One live plugin instance: its store (with the memory cap, the WASI sandbox
//! and the epoch deadline) and typed handles to its ABI exports, looked up
//! once when the instance is made.

use wasmtime::{Instance, InstancePre, Memory, Store, TypedFunc};

use crate::engine::{deadline_ticks, shared_engine};
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::{AbiExport, ExportTable, ResultForm};
use crate::store::{Limits, StoreState};
use crate::trap::classify;
use crate::wasi::GuestExit;

/// A `(ptr, len)`-returning export taking `(ptr, len)`, in either result form.
#[derive(Clone)]
pub enum BufferFunc {
    Packed(TypedFunc<(i32, i32), i64>),
    Pair(TypedFunc<(i32, i32), (i32, i32)>),
}

/// A `(ptr, len)`-returning export taking nothing, in either result form.
#[derive(Clone)]
pub enum GetterFunc {
    Packed(TypedFunc<(), i64>),
    Pair(TypedFunc<(), (i32, i32)>),
}

/// A ready instance of one plugin.
pub struct PluginInstance {
    pub store: Store<StoreState>,
    pub memory: Memory,
    pub alloc: TypedFunc<i32, i32>,
    pub funcs: ExportFuncs,
    pub limits: Limits,
    /// Calls made on it so far (for recycling).
    pub calls: u64,
    /// Set when something it ran may have left it in a bad state without
    /// the call's own error saying so (a failing `last_error`).
    pub broken: bool,
}

impl PluginInstance {
    /// Instantiates, looks up the ABI exports, and runs `_initialize` or
    /// `_start` once (an exit status of 0 from `_start` is success).
    pub fn new(
        name: &str,
        pre: &InstancePre<StoreState>,
        exports: &ExportTable,
        limits: Limits,
        capture_limit: Option<usize>,
    ) -> Result<Self> {
        let state = StoreState::new(name, capture_limit, limits.memory_limit_bytes);
        let mut store = Store::new(shared_engine(), state);
        store.limiter(StoreState::limiter);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(deadline_ticks(limits.timeout_ms));

        let fail = |err: wasmtime::Error, export: &str| {
            classify(err, &limits).with_plugin(name).with_export(export)
        };
        let instance = pre
            .instantiate(&mut store)
            .map_err(|e| fail(e, "instantiate"))?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| {
            PluginError::new(ErrorCode::MissingExport, "does not export \"memory\"")
                .with_plugin(name)
        })?;
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut store, "alloc")
            .map_err(|_| {
                PluginError::new(ErrorCode::MissingExport, "does not export \"alloc\"")
                    .with_plugin(name)
            })?;
        let funcs = ExportFuncs {
            filter: buffer_func(&instance, &mut store, exports, AbiExport::Filter),
            shortcode: buffer_func(&instance, &mut store, exports, AbiExport::Shortcode),
            hook: buffer_func(&instance, &mut store, exports, AbiExport::Hook),
            hooks: getter_func(&instance, &mut store, exports, AbiExport::Hooks),
            last_error: getter_func(&instance, &mut store, exports, AbiExport::LastError),
        };

        if exports.has_initialize {
            let init = instance
                .get_typed_func::<(), ()>(&mut store, "_initialize")
                .map_err(|e| fail(e, "_initialize"))?;
            init.call(&mut store, ())
                .map_err(|e| fail(e, "_initialize"))?;
        }
        if exports.has_start {
            let start = instance
                .get_typed_func::<(), ()>(&mut store, "_start")
                .map_err(|e| fail(e, "_start"))?;
            if let Err(err) = start.call(&mut store, ()) {
                if err.downcast_ref::<GuestExit>() != Some(&GuestExit(0)) {
                    return Err(fail(err, "_start"));
                }
            }
        }

        Ok(PluginInstance {
            store,
            memory,
            alloc,
            funcs,
            limits,
            calls: 0,
            broken: false,
        })
    }
}

/// Typed handles to the ABI exports an instance has.
pub struct ExportFuncs {
    pub filter: Option<BufferFunc>,
    pub shortcode: Option<BufferFunc>,
    pub hook: Option<BufferFunc>,
    pub hooks: Option<GetterFunc>,
    pub last_error: Option<GetterFunc>,
}

impl ExportFuncs {
    /// The handle for a `(ptr, len) -> (ptr, len)` export, if the plugin has it.
    pub fn buffer(&self, export: AbiExport) -> Option<&BufferFunc> {
        match export {
            AbiExport::Filter => self.filter.as_ref(),
            AbiExport::Shortcode => self.shortcode.as_ref(),
            AbiExport::Hook => self.hook.as_ref(),
            AbiExport::Hooks | AbiExport::LastError => None,
        }
    }

    /// The handle for a `() -> (ptr, len)` export, if the plugin has it.
    pub fn getter(&self, export: AbiExport) -> Option<&GetterFunc> {
        match export {
            AbiExport::Hooks => self.hooks.as_ref(),
            AbiExport::LastError => self.last_error.as_ref(),
            _ => None,
        }
    }
}

fn buffer_func(
    instance: &Instance,
    store: &mut Store<StoreState>,
    exports: &ExportTable,
    export: AbiExport,
) -> Option<BufferFunc> {
    let name = export.name();
    match exports.form(export)? {
        ResultForm::Packed => instance
            .get_typed_func(&mut *store, name)
            .ok()
            .map(BufferFunc::Packed),
        ResultForm::Pair => instance
            .get_typed_func(&mut *store, name)
            .ok()
            .map(BufferFunc::Pair),
    }
}

fn getter_func(
    instance: &Instance,
    store: &mut Store<StoreState>,
    exports: &ExportTable,
    export: AbiExport,
) -> Option<GetterFunc> {
    let name = export.name();
    match exports.form(export)? {
        ResultForm::Packed => instance
            .get_typed_func(&mut *store, name)
            .ok()
            .map(GetterFunc::Packed),
        ResultForm::Pair => instance
            .get_typed_func(&mut *store, name)
            .ok()
            .map(GetterFunc::Pair),
    }
}

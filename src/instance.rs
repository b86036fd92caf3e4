//! One live plugin instance: its store (with the memory cap, the WASI sandbox
//! and the epoch deadline) and typed handles to its ABI exports, looked up
//! once when the instance is made.

use wasmtime::{Instance, InstancePre, Memory, Store, Trap, TypedFunc, UpdateDeadline};

use crate::engine::{shared_engine, ticks_for_nanos};
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::{AbiExport, ExportTable, ResultForm};
use crate::store::{Limits, StoreState};
use crate::trap::classify;
use crate::wasi::GuestExit;

/// A `(ptr, len)`-returning export taking `(ptr, len)`, in any result form.
#[derive(Clone)]
pub enum BufferFunc {
    Packed(TypedFunc<(i32, i32), i64>),
    Pair(TypedFunc<(i32, i32), (i32, i32)>),
    /// `(retptr, ptr, len)`, the result stored at `retptr`.
    Retptr(TypedFunc<(i32, i32, i32), ()>),
}

/// A `(ptr, len)`-returning export taking nothing, in any result form.
#[derive(Clone)]
pub enum GetterFunc {
    Packed(TypedFunc<(), i64>),
    Pair(TypedFunc<(), (i32, i32)>),
    /// `(retptr)`, the result stored at `retptr`.
    Retptr(TypedFunc<i32, ()>),
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
        store.epoch_deadline_callback(|mut store| match store.data_mut().clock.check() {
            Some(wait_nanos) => Ok(UpdateDeadline::Continue(ticks_for_nanos(wait_nanos))),
            // What `epoch_deadline_trap` raises, so the call is a TIMEOUT.
            None => Err(Trap::Interrupt.into()),
        });
        arm(&mut store, limits.timeout_ms);

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
        let mut funcs = ExportFuncs::default();
        for export in AbiExport::ALL {
            let at = export as usize;
            if export.takes_input() {
                funcs.buffers[at] = buffer_func(&instance, &mut store, exports, export);
            } else {
                funcs.getters[at] = getter_func(&instance, &mut store, exports, export);
            }
        }

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

/// Starts the time limit of a call: `timeout_ms` of the thread's CPU time.
fn arm(store: &mut Store<StoreState>, timeout_ms: u64) {
    store.data_mut().clock.arm(timeout_ms);
    // The first check at the next tick: it reads the CPU clock and sets the
    // real deadline (see `CallClock`).
    store.set_epoch_deadline(1);
}

impl PluginInstance {
    /// Arms the time limit of the next call: it is stopped with TIMEOUT
    /// once it has used `timeout_ms` of CPU time (any value, also one below
    /// the instance's `limits.timeout_ms`).
    pub fn arm_deadline(&mut self, timeout_ms: u64) {
        arm(&mut self.store, timeout_ms);
    }

    /// Bytes of memory and table it holds, as the memory cap counts them
    /// (every memory and table, not only the exported `memory`).
    pub fn footprint_bytes(&self) -> u64 {
        self.store.data().footprint_bytes()
    }
}

/// Typed handles to the ABI exports an instance has, by `AbiExport` index.
#[derive(Default)]
pub struct ExportFuncs {
    buffers: [Option<BufferFunc>; AbiExport::COUNT],
    getters: [Option<GetterFunc>; AbiExport::COUNT],
}

impl ExportFuncs {
    /// The handle for a `(ptr, len) -> (ptr, len)` export, if the plugin has it.
    pub fn buffer(&self, export: AbiExport) -> Option<&BufferFunc> {
        self.buffers[export as usize].as_ref()
    }

    /// The handle for a `() -> (ptr, len)` export, if the plugin has it.
    pub fn getter(&self, export: AbiExport) -> Option<&GetterFunc> {
        self.getters[export as usize].as_ref()
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
        ResultForm::Retptr => instance
            .get_typed_func(&mut *store, name)
            .ok()
            .map(BufferFunc::Retptr),
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
        ResultForm::Retptr => instance
            .get_typed_func(&mut *store, name)
            .ok()
            .map(GetterFunc::Retptr),
    }
}

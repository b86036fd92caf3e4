//! One plugin as the JavaScript thread calls it: plain JS functions made once
//! per plugin (`call`, `inline`, `start`), whose native data is this handle,
//! so a call crosses Node-API with two or three numbers and no string, name
//! lookup, class unwrap or lock. The input is UTF-8 that the JS layer wrote
//! into the host's [`InputBuffer`]; the output becomes a JS string straight
//! from guest memory. The call paths and the measurements behind them are in
//! the crate docs (`lib.rs`).

use std::cell::{RefCell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;

use napi::sys;

use crate::abi::decode_output;
use crate::binding::marked_message;
use crate::completions::CompletionQueue;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::filter_args::wrap_input;
use crate::host::{check_output, Host};
use crate::instance::PluginInstance;
use crate::js_string::{check_length, create_js_string, OutputError};
use crate::plugin::Plugin;
use crate::workers::run_caught;

/// The exports JS calls by number, in the order of [`callable_exports`].
pub const CALLABLE: [AbiExport; 4] = [
    AbiExport::Filter,
    AbiExport::Shortcode,
    AbiExport::Hook,
    AbiExport::FilterArgs,
];

/// The names of [`CALLABLE`], for the JS layer's numbering.
pub fn callable_exports() -> Vec<&'static str> {
    CALLABLE.iter().map(|e| e.name()).collect()
}

/// Memory the JS layer encodes inputs into: a Node Buffer over it is handed
/// to JS, and the plugin functions read `len` bytes of it. One per host; JS
/// asks for a larger one when an input does not fit.
pub struct InputMemory {
    bytes: Box<[UnsafeCell<u8>]>,
}

impl InputMemory {
    /// No memory yet: JS asks for a buffer before its first call.
    pub fn empty() -> Self {
        InputMemory::new(0)
    }

    fn new(len: usize) -> Self {
        let zeroed = vec![0u8; len.max(1)].into_boxed_slice();
        // SAFETY: UnsafeCell<u8> is repr(transparent) over u8, so the slice
        // has the same layout; the Box is rebuilt from the pointer it gave.
        let bytes = unsafe { Box::from_raw(Box::into_raw(zeroed) as *mut [UnsafeCell<u8>]) };
        InputMemory { bytes }
    }

    /// The first `len` bytes (what JS wrote for the call being made).
    ///
    /// # Safety
    /// Only on the JS thread, during a plugin function's call: JS does not
    /// run then, so nothing writes the memory while the slice lives.
    unsafe fn input(&self, len: usize) -> Option<&[u8]> {
        let cells = self.bytes.get(..len)?;
        // SAFETY: per this function's contract; UnsafeCell<u8> has u8's layout.
        Some(unsafe { std::slice::from_raw_parts(cells.as_ptr().cast::<u8>(), len) })
    }
}

/// The host's current [`InputMemory`], shared by its plugin handles.
pub type InputBuffer = Rc<RefCell<Rc<InputMemory>>>;

/// A new input buffer of `len` bytes, made the host's current one, and a
/// Node Buffer over it for JS (which keeps the memory alive while JS holds it).
///
/// # Safety
/// `env` must be the live environment of the current JS-thread call.
pub unsafe fn new_input_buffer(
    env: sys::napi_env,
    current: &InputBuffer,
    len: usize,
) -> napi::Result<sys::napi_value> {
    let memory = Rc::new(InputMemory::new(len));
    let data = memory.bytes.as_ptr() as *mut c_void;
    let hint = Rc::into_raw(Rc::clone(&memory)) as *mut c_void;
    let mut buffer = ptr::null_mut();
    // SAFETY: `data` points at `memory.bytes.len()` bytes that live as long
    // as the Rc in `hint`, which the finalizer releases.
    let status = unsafe {
        sys::napi_create_external_buffer(
            env,
            memory.bytes.len(),
            data,
            Some(release_input_memory),
            hint,
            &mut buffer,
        )
    };
    if status != sys::Status::napi_ok {
        // SAFETY: the finalizer was not registered; release the hint here.
        drop(unsafe { Rc::from_raw(hint as *const InputMemory) });
        return Err(napi::Error::from_reason(format!(
            "cannot create the input buffer (napi status {status})"
        )));
    }
    *current.borrow_mut() = memory;
    Ok(buffer)
}

unsafe extern "C" fn release_input_memory(
    _env: sys::napi_env,
    _data: *mut c_void,
    hint: *mut c_void,
) {
    // SAFETY: `hint` is the `Rc::into_raw` of `new_input_buffer`, released once.
    drop(unsafe { Rc::from_raw(hint as *const InputMemory) });
}

/// A `filter_args` input buffer grown past this is dropped after its call.
const KEEP_WRAPPED_BYTES: usize = 4 << 20;

pub struct JsPlugin {
    host: Arc<Host>,
    input: InputBuffer,
    /// How long an inline call may run before it is handed to a worker.
    inline_ms: u32,
    plugin: Arc<Plugin>,
    completions: Arc<CompletionQueue>,
    /// The JS thread's own instance, for sync and inline calls.
    local: RefCell<Option<PluginInstance>>,
    /// Reused for outputs that are not ASCII (see `create_js_string`).
    units: RefCell<Vec<u16>>,
    /// Reused for the input JSON of `filter_args` (see `Args::with_input`).
    wrapped: RefCell<Vec<u8>>,
}

impl JsPlugin {
    pub fn new(
        host: Arc<Host>,
        plugin: Arc<Plugin>,
        completions: Arc<CompletionQueue>,
        input: InputBuffer,
        inline_ms: u32,
    ) -> Self {
        JsPlugin {
            host,
            input,
            inline_ms,
            plugin,
            completions,
            local: RefCell::new(None),
            units: RefCell::new(Vec::new()),
            wrapped: RefCell::new(Vec::new()),
        }
    }

    /// `{ call, inline, start, hasFilter, hasFilterArgs }`: the functions
    /// bound to this handle, and which filter exports the plugin has (the
    /// JS layer picks `filter` or `filter_args` by them).
    ///
    /// # Safety
    /// `env` must be the live environment of the current JS-thread call.
    pub unsafe fn into_js(self, env: sys::napi_env) -> napi::Result<sys::napi_value> {
        let flags = [
            (c"hasFilter", self.plugin.has_export(AbiExport::Filter)),
            (
                c"hasFilterArgs",
                self.plugin.has_export(AbiExport::FilterArgs),
            ),
        ];
        let handle = Rc::new(self);
        let mut object = ptr::null_mut();
        // SAFETY: `env` is live (the caller's contract); each function gets
        // its own strong reference, released by its finalizer.
        unsafe {
            check(sys::napi_create_object(env, &mut object))?;
            for (name, callback) in [
                (c"call", call_callback as RawCallback),
                (c"inline", inline_callback as RawCallback),
                (c"start", start_callback as RawCallback),
            ] {
                let function = bound_function(env, name, callback, Rc::clone(&handle))?;
                check(sys::napi_set_named_property(
                    env,
                    object,
                    name.as_ptr(),
                    function,
                ))?;
            }
            for (name, flag) in flags {
                let mut value = ptr::null_mut();
                check(sys::napi_get_boolean(env, flag, &mut value))?;
                check(sys::napi_set_named_property(
                    env,
                    object,
                    name.as_ptr(),
                    value,
                ))?;
            }
        }
        Ok(object)
    }

    /// Runs `export` on the JS thread's instance, stopped after `budget_ms`
    /// (0 = the plugin's whole time limit). `Ok(None)` when the budget ran
    /// out before the plugin's own limit: the caller runs it on a worker.
    fn call(
        &self,
        env: sys::napi_env,
        export: AbiExport,
        input: &[u8],
        budget_ms: u32,
    ) -> Result<Option<sys::napi_value>> {
        let limit = self.plugin.limits().timeout_ms;
        let timeout_ms = if budget_ms == 0 {
            limit
        } else {
            u64::from(budget_ms).min(limit)
        };
        let mut slot = self.local.try_borrow_mut().map_err(|_| {
            PluginError::new(ErrorCode::Internal, "a plugin call re-entered its own call")
        })?;
        let mut units = self.units.try_borrow_mut().map_err(|_| {
            PluginError::new(ErrorCode::Internal, "a plugin call re-entered its own call")
        })?;
        let name = self.plugin.name();
        let made = self
            .plugin
            .call_in_slot(&mut slot, export, input, timeout_ms, |bytes| {
                if export == AbiExport::Hook {
                    check_output(name, export, decode_output(bytes)?)?;
                }
                create_js_string(env, bytes, &mut units).map_err(|err| match err {
                    OutputError::Plugin(err) => err.with_export(export.name()),
                    OutputError::Napi(status) => string_failure(name, export, status),
                })
            });
        match made {
            Ok(made) => Ok(Some(made)),
            Err(err) if err.code == ErrorCode::Timeout && timeout_ms < limit => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Runs `export` on a worker; the result reaches the completion queue
    /// under `id`, checked there to fit in a JS string (the JS thread then
    /// only copies it).
    fn start(&self, export: AbiExport, input: &[u8], id: u32) {
        let completions = Arc::clone(&self.completions);
        let plugin = Arc::clone(&self.plugin);
        self.host.spawn_plugin_call(
            Arc::clone(&self.plugin),
            export,
            input.to_vec(),
            move |result| {
                let result = result.and_then(|output| {
                    check_length(&output)
                        .map(|()| output)
                        .map_err(|e| e.with_plugin(plugin.name()).with_export(export.name()))
                });
                completions.push(id, result)
            },
        );
    }
}

fn string_failure(plugin: &str, export: AbiExport, status: sys::napi_status) -> PluginError {
    PluginError::new(
        ErrorCode::Internal,
        format!("cannot make a JS string of the output (napi status {status})"),
    )
    .with_plugin(plugin)
    .with_export(export.name())
}

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A JS function calling `callback` with `handle` as its data; the function's
/// finalizer releases the handle.
unsafe fn bound_function(
    env: sys::napi_env,
    name: &std::ffi::CStr,
    callback: RawCallback,
    handle: Rc<JsPlugin>,
) -> napi::Result<sys::napi_value> {
    let data = Rc::into_raw(handle) as *mut c_void;
    let mut function = ptr::null_mut();
    // SAFETY: `env` is live; `data` stays valid until `release_handle` runs
    // when the function is collected.
    unsafe {
        let made = sys::napi_create_function(
            env,
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(callback),
            data,
            &mut function,
        );
        if made != sys::Status::napi_ok {
            drop(Rc::from_raw(data as *const JsPlugin));
            return Err(napi::Error::from_reason("cannot create a plugin function"));
        }
        check(sys::napi_add_finalizer(
            env,
            function,
            data,
            Some(release_handle),
            ptr::null_mut(),
            ptr::null_mut(),
        ))?;
    }
    Ok(function)
}

unsafe extern "C" fn release_handle(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Rc::into_raw` of `bound_function`, released once.
    drop(unsafe { Rc::from_raw(data as *const JsPlugin) });
}

/// The arguments the plugin functions take: the input's length in the
/// input buffer, an export number, and for `start` a call id.
struct Args<'a> {
    handle: &'a JsPlugin,
    memory: Rc<InputMemory>,
    len: usize,
    export: AbiExport,
    id: u32,
    /// `filter_args`: the bytes of the arguments' JSON array, right after
    /// the input in the buffer; 0 = no arguments (`[]`).
    args_len: usize,
}

impl Args<'_> {
    fn input(&self) -> Result<&[u8]> {
        // SAFETY: on the JS thread during the call (see `InputMemory::input`).
        unsafe { self.memory.input(self.len) }
            .ok_or_else(|| bad_args("the input length is past the input buffer"))
    }

    /// The input, and for `filter_args` wrapped as its JSON
    /// `{"input": ..., "args": ...}` into `wrapped`, handed to `call`.
    #[inline]
    fn with_input<T>(&self, call: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        if self.export != AbiExport::FilterArgs {
            return call(self.input()?);
        }
        self.with_wrapped_input(call)
    }

    #[inline(never)]
    fn with_wrapped_input<T>(&self, call: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        let input = self.input()?;
        // SAFETY: as in `input`.
        let both = unsafe { self.memory.input(self.len + self.args_len) }
            .ok_or_else(|| bad_args("the arguments' length is past the input buffer"))?;
        let args = match &both[self.len..] {
            [] => "[]",
            json => std::str::from_utf8(json).map_err(|_| bad_args("arguments not UTF-8"))?,
        };
        let mut wrapped = self
            .handle
            .wrapped
            .try_borrow_mut()
            .map_err(|_| bad_args("re-entered"))?;
        wrap_input(&String::from_utf8_lossy(input), args, &mut wrapped);
        let result = call(&wrapped);
        if wrapped.capacity() > KEEP_WRAPPED_BYTES {
            *wrapped = Vec::new(); // grown for one big input
        }
        result
    }
}

fn bad_args(what: &str) -> PluginError {
    PluginError::new(ErrorCode::Internal, format!("plugin function: {what}"))
}

/// Reads `(len: number, export: number[, argsLen: number])` (`N` = 3: `call`,
/// `inline`) or `(len, export, id[, argsLen])` (`N` = 4: `start`). Asking
/// Node-API for no more arguments than the function takes keeps the no-args
/// call as cheap as before `argsLen`.
///
/// # Safety
/// `env` and `info` are those of the current callback, whose data is a live
/// `JsPlugin` (kept alive by the function being called).
unsafe fn read_args<'a, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<Args<'a>> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    let mut data = ptr::null_mut();
    // SAFETY: per this function's contract.
    unsafe {
        if sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            &mut data,
        ) != sys::Status::napi_ok
            || argc < 2
        {
            return Err(bad_args("expected (len, export)"));
        }
        let number = |value: sys::napi_value| {
            let mut n = 0u32;
            (!value.is_null()
                && sys::napi_get_value_uint32(env, value, &mut n) == sys::Status::napi_ok)
                .then_some(n)
        };
        let (Some(len), Some(export)) = (number(argv[0]), number(argv[1])) else {
            return Err(bad_args("expected numbers"));
        };
        let extra = |at: usize| {
            if argc > at {
                number(argv[at]).unwrap_or(0)
            } else {
                0
            }
        };
        let (id, args_len) = if N == 4 {
            (extra(2), extra(3))
        } else {
            (0, extra(2))
        };
        let export = *CALLABLE
            .get(export as usize)
            .ok_or_else(|| bad_args("unknown export number"))?;
        let handle = &*(data as *const JsPlugin);
        Ok(Args {
            handle,
            memory: Rc::clone(&handle.input.borrow()),
            len: len as usize,
            export,
            id,
            args_len: args_len as usize,
        })
    }
}

/// The most arguments `call` and `inline` take, and `start`.
const CALL_ARGS: usize = 3;
const START_ARGS: usize = 4;

/// `call(len, export[, argsLen])`: the output string, with the whole time limit;
/// throws a marked error.
unsafe extern "C" fn call_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    guarded(env, || {
        // SAFETY: the callback's own env and info.
        let args = unsafe { read_args::<CALL_ARGS>(env, info) }?;
        let made = args.with_input(|input| args.handle.call(env, args.export, input, 0))?;
        Ok(made.unwrap_or_else(|| undefined(env)))
    })
}

/// `inline(len, export)`: as `call`, but `undefined` when the inline time
/// budget runs out before the plugin's own limit (then `start` it).
unsafe extern "C" fn inline_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    guarded(env, || {
        // SAFETY: the callback's own env and info.
        let args = unsafe { read_args::<CALL_ARGS>(env, info) }?;
        let budget = args.handle.inline_ms.max(1);
        let made = args.with_input(|input| args.handle.call(env, args.export, input, budget))?;
        Ok(made.unwrap_or_else(|| undefined(env)))
    })
}

/// `start(len, export, id[, argsLen])`: queues the call on a worker.
unsafe extern "C" fn start_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    guarded(env, || {
        // SAFETY: the callback's own env and info.
        let args = unsafe { read_args::<START_ARGS>(env, info) }?;
        args.with_input(|input| {
            args.handle.start(args.export, input, args.id);
            Ok(())
        })?;
        Ok(undefined(env))
    })
}

/// Runs `body`; an error or a panic becomes a thrown marked error.
fn guarded(env: sys::napi_env, body: impl FnOnce() -> Result<sys::napi_value>) -> sys::napi_value {
    match run_caught(body) {
        Ok(value) => value,
        Err(err) => {
            throw(env, &marked_message(&err));
            ptr::null_mut()
        }
    }
}

fn throw(env: sys::napi_env, message: &str) {
    // SAFETY: `env` is the live env of the current callback; the message is
    // passed with its length, so NUL bytes in it are kept.
    unsafe {
        let mut text = ptr::null_mut();
        let mut error = ptr::null_mut();
        if sys::napi_create_string_utf8(
            env,
            message.as_ptr().cast(),
            message.len() as isize,
            &mut text,
        ) == sys::Status::napi_ok
            && sys::napi_create_error(env, ptr::null_mut(), text, &mut error)
                == sys::Status::napi_ok
        {
            sys::napi_throw(env, error);
        }
    }
}

fn undefined(env: sys::napi_env) -> sys::napi_value {
    let mut value = ptr::null_mut();
    // SAFETY: `env` is the live env of the current callback.
    unsafe { sys::napi_get_undefined(env, &mut value) };
    value
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!(
            "Node-API call failed: status {status}"
        )))
    }
}

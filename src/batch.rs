//! One batch call (`filterMany`): workers take the next index until the
//! inputs run out or one fails. Indices are handed out in order, so every
//! index below a failing one has been run, and the error kept is the lowest
//! failing index.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::plugin::Plugin;

pub struct Batch<I, P, O> {
    input_at: I,
    prepare: P,
    next: AtomicUsize,
    /// Inputs at or past this index are not started (lowered on failure).
    stop_at: AtomicUsize,
    outputs: Mutex<Vec<Option<O>>>,
    error: Mutex<Option<PluginError>>,
}

impl<I, P, O> Batch<I, P, O>
where
    I: Fn(usize, &mut Vec<u8>),
    P: Fn(usize, String) -> Result<O>,
{
    pub fn new(count: usize, input_at: I, prepare: P) -> Self {
        Batch {
            input_at,
            prepare,
            next: AtomicUsize::new(0),
            stop_at: AtomicUsize::new(count),
            outputs: Mutex::new((0..count).map(|_| None).collect()),
            error: Mutex::new(None),
        }
    }

    /// One worker's share: calls until the inputs run out or one fails.
    pub fn run(&self, plugin: &Plugin, export: AbiExport) {
        let next = || {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            (i < self.stop_at.load(Ordering::Acquire)).then_some(i)
        };
        let mut done = Vec::new();
        let mut failed = None;
        let result = plugin.call_each(export, &self.input_at, next, |i, out| {
            match (self.prepare)(i, out) {
                Ok(out) => done.push((i, out)),
                Err(err) => {
                    if failed.is_none() {
                        failed = Some(err.with_plugin(plugin.name()).with_index(i));
                    }
                }
            }
        });
        {
            let mut outputs = self.outputs.lock().unwrap_or_else(|p| p.into_inner());
            for (i, out) in done {
                outputs[i] = Some(out);
            }
        }
        for err in [result.err(), failed].into_iter().flatten() {
            self.fail(err);
        }
    }

    fn fail(&self, err: PluginError) {
        let index = err.index.unwrap_or(0);
        self.stop_at.fetch_min(index, Ordering::AcqRel);
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_none_or(|e| e.index.unwrap_or(0) > index) {
            *slot = Some(err);
        }
    }

    /// The outputs in input order, or the lowest failing index's error.
    pub fn finish(&self) -> Result<Vec<O>> {
        if let Some(err) = self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(err);
        }
        let outputs = std::mem::take(&mut *self.outputs.lock().unwrap_or_else(|p| p.into_inner()));
        outputs
            .into_iter()
            .enumerate()
            .map(|(i, out)| {
                out.ok_or_else(|| {
                    PluginError::new(ErrorCode::Internal, "a worker stopped before this input")
                        .with_index(i)
                })
            })
            .collect()
    }
}

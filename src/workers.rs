//! The worker threads that run async calls off the JavaScript thread: a
//! tokio runtime with one worker per core (or `threads`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use tokio::runtime::{Builder, Runtime};

use crate::error::{ErrorCode, PluginError, Result};

pub struct Workers {
    runtime: Mutex<Option<Runtime>>,
    threads: usize,
}

impl Workers {
    /// Starts `threads` workers; 0 means one per available core.
    pub fn new(threads: usize) -> Result<Self> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            threads
        };
        let runtime = Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("alloy-wasm-worker")
            .build()
            .map_err(|e| {
                PluginError::new(
                    ErrorCode::IoError,
                    format!("cannot start worker threads: {e}"),
                )
            })?;
        Ok(Workers {
            runtime: Mutex::new(Some(runtime)),
            threads,
        })
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `job` on a worker and hands its result to `done` there. `done`
    /// is always called exactly once: with HOST_CLOSED (on this thread) when
    /// the workers are stopped, and with an error if `job` panics.
    pub fn spawn<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T> + Send + 'static,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) {
        let guard = self.lock();
        match guard.as_ref() {
            Some(runtime) => drop(runtime.spawn(async move { done(run_caught(job)) })),
            None => done(Err(PluginError::host_closed())),
        }
    }

    /// Runs `job(0..parts)` on as many workers at once, then `done(Ok(()))`
    /// once all have returned; `done(Err(HOST_CLOSED))` when stopped.
    pub fn spawn_parallel(
        &self,
        parts: usize,
        job: Arc<dyn Fn(usize) + Send + Sync>,
        done: impl FnOnce(Result<()>) + Send + 'static,
    ) {
        let guard = self.lock();
        let Some(runtime) = guard.as_ref() else {
            return done(Err(PluginError::host_closed()));
        };
        let handles: Vec<_> = (0..parts)
            .map(|part| {
                let job = Arc::clone(&job);
                runtime.spawn(async move { job(part) })
            })
            .collect();
        runtime.spawn(async move {
            for handle in handles {
                // A panicking part has already recorded nothing; the caller
                // sees the missing results.
                let _ = handle.await;
            }
            done(Ok(()));
        });
    }

    /// Stops the workers. Calls already running finish on their threads;
    /// nothing new can start.
    pub fn shutdown(&self) {
        if let Some(runtime) = self.lock().take() {
            runtime.shutdown_background();
        }
    }

    pub fn is_shut_down(&self) -> bool {
        self.lock().is_none()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Runtime>> {
        self.runtime.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Runs `job`, turning a panic into an error.
pub fn run_caught<T>(job: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(PluginError::new(
            ErrorCode::Trap,
            format!("internal error in alloy-wasm (please report it): {what}"),
        ))
    })
}

//! The worker threads that run async and batch calls off the JavaScript
//! thread: `threads` OS threads (one per core by default) sharing one job
//! queue, started when the first job arrives, so a host that only makes sync
//! calls (or is never used) holds no threads. A plain queue and condition
//! variable: tokio's runtime measured slower here, and libuv's pool (napi's
//! AsyncTask) is not used because it serves the site generator's file I/O.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crate::error::{ErrorCode, PluginError, Result};

type Job = Box<dyn FnOnce() + Send>;

struct Queue {
    jobs: VecDeque<Job>,
    open: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // Jobs run outside the lock, so a poisoned lock still holds a
        // consistent queue.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `job`; gives it back when the pool is shut down.
    fn push(&self, job: Job) -> std::result::Result<(), Job> {
        let mut queue = self.lock();
        if !queue.open {
            return Err(job);
        }
        queue.jobs.push_back(job);
        drop(queue);
        self.ready.notify_one();
        Ok(())
    }

    /// A worker's loop: run jobs until the pool is shut down and drained.
    fn work(&self) {
        loop {
            let job = {
                let mut queue = self.lock();
                loop {
                    if let Some(job) = queue.jobs.pop_front() {
                        break job;
                    }
                    if !queue.open {
                        return;
                    }
                    queue = self.ready.wait(queue).unwrap_or_else(|p| p.into_inner());
                }
            };
            job();
        }
    }
}

pub struct Workers {
    shared: Arc<Shared>,
    threads: usize,
    /// Set once the threads were started (by the first job).
    started: OnceLock<Result<()>>,
}

impl Workers {
    /// `threads` workers (at least one), started when the first job comes.
    pub fn new(threads: usize) -> Self {
        Workers {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    jobs: VecDeque::new(),
                    open: true,
                }),
                ready: Condvar::new(),
            }),
            threads: threads.max(1),
            started: OnceLock::new(),
        }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Starts the threads the first time; the error of that start, if any,
    /// is every later job's error.
    fn start(&self) -> Result<()> {
        self.started
            .get_or_init(|| {
                for _ in 0..self.threads {
                    let shared = Arc::clone(&self.shared);
                    std::thread::Builder::new()
                        .name("alloy-wasm-worker".into())
                        .spawn(move || shared.work())
                        .map_err(|e| {
                            PluginError::new(
                                ErrorCode::IoError,
                                format!("cannot start worker threads: {e}"),
                            )
                        })?;
                }
                Ok(())
            })
            .clone()
    }

    /// Queues `job`, starting the threads first if needed; the reason when
    /// the pool is shut down or cannot start (the job is then dropped).
    fn push(&self, job: Job) -> Result<()> {
        self.start()?;
        self.shared
            .push(job)
            .map_err(|_| PluginError::host_closed())
    }

    /// Runs `job` on a worker and hands its result to `done` there. `done`
    /// is always called exactly once: with HOST_CLOSED (on this thread) when
    /// the workers are stopped, and with an error if `job` panics.
    pub fn spawn<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T> + Send + 'static,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) {
        // `done` is kept outside the queued job, so that a refused job can
        // still be answered.
        let done = Arc::new(Mutex::new(Some(done)));
        let answer = Arc::clone(&done);
        let queued = self.push(Box::new(move || answer_once(&answer, run_caught(job))));
        if let Err(err) = queued {
            answer_once(&done, Err(err));
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
        if parts == 0 {
            return done(Ok(()));
        }
        let remaining = Arc::new(AtomicUsize::new(parts));
        let done = Arc::new(Mutex::new(Some(done)));
        for part in 0..parts {
            let job = Arc::clone(&job);
            let remaining = Arc::clone(&remaining);
            let part_done = Arc::clone(&done);
            let queued = self.push(Box::new(move || {
                // A panicking part has recorded nothing; the caller sees the
                // missing results.
                let _ = run_caught(|| {
                    job(part);
                    Ok(())
                });
                if remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                    answer_once(&part_done, Ok(()));
                }
            }));
            if let Err(err) = queued {
                answer_once(&done, Err(err));
                return;
            }
        }
    }

    /// Stops the workers: jobs already queued still run, nothing new is
    /// accepted, and each thread exits once the queue is empty.
    pub fn shutdown(&self) {
        self.shared.lock().open = false;
        self.shared.ready.notify_all();
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Calls the callback in `slot` with `result`, unless it was called already.
fn answer_once<R, F: FnOnce(R)>(slot: &Mutex<Option<F>>, result: R) {
    let done = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(done) = done {
        done(result);
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
            ErrorCode::Internal,
            format!("a bug in alloy-wasm (please report it): {what}"),
        ))
    })
}

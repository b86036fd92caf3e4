//! Results of async calls, handed from worker threads to the JS thread in
//! batches.
//!
//! A worker pushes `(id, result)` and wakes the JS thread only when the
//! queue was empty; the JS thread drains everything queued at once. One
//! wake-up thus settles every call that finished meanwhile, which is what
//! makes many calls in flight cheap, and no per-call threadsafe function or
//! promise has to be made on the native side.

use std::sync::Mutex;

use crate::error::Result;

/// One finished call: the id the JS layer gave it, and its result.
pub type Completion = (u32, Result<String>);

pub struct CompletionQueue {
    queued: Mutex<Vec<Completion>>,
    /// Asks the JS thread to drain the queue; must not block.
    wake: Box<dyn Fn() + Send + Sync>,
}

impl CompletionQueue {
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Self {
        CompletionQueue {
            queued: Mutex::new(Vec::new()),
            wake: Box::new(wake),
        }
    }

    /// Queues a result; wakes the JS thread if nothing was queued before
    /// (otherwise a drain is already due and will take this one too).
    pub fn push(&self, id: u32, result: Result<String>) {
        let was_empty = {
            let mut queued = self.lock();
            let was_empty = queued.is_empty();
            queued.push((id, result));
            was_empty
        };
        if was_empty {
            (self.wake)();
        }
    }

    /// Everything queued so far.
    pub fn drain(&self) -> Vec<Completion> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Completion>> {
        self.queued.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn wakes_once_per_batch_and_drains_in_order() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let queue = CompletionQueue::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        queue.push(1, Ok("a".into()));
        queue.push(2, Ok("b".into()));
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
        let drained: Vec<u32> = queue.drain().into_iter().map(|(id, _)| id).collect();
        assert_eq!(drained, [1, 2]);
        queue.push(3, Ok("c".into()));
        assert_eq!(
            wakes.load(Ordering::SeqCst),
            2,
            "an empty queue wakes again"
        );
    }
}

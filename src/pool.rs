//! Ready instances of one plugin. A caller checks one out, and the guard
//! hands it back when dropped, unless the call left it broken or the
//! instance is due for recycling: the ABI has no `free`, so many plugins grow
//! their memory on every call, and an instance past the memory threshold or
//! the call count is dropped and replaced by a fresh one on the next call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::Result;
use crate::instance::PluginInstance;

/// When an instance is replaced by a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecyclePolicy {
    /// After this many calls; 0 = never.
    pub after_calls: u64,
    /// Once its memory and table together are larger than this many bytes.
    pub above_memory_bytes: u64,
}

impl RecyclePolicy {
    fn is_due(&self, instance: &PluginInstance) -> bool {
        (self.after_calls > 0 && instance.calls >= self.after_calls)
            || instance.footprint_bytes() > self.above_memory_bytes
    }
}

/// Counts of what happened to a pool's instances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Instances created (the first one at load included).
    pub created: u64,
    /// Dropped because they were due for recycling.
    pub recycled: u64,
    /// Dropped because a call left them possibly broken (trap, timeout, ...).
    pub discarded: u64,
    /// Idle now.
    pub idle: u64,
}

/// Idle instances of one plugin, kept for reuse.
pub struct InstancePool {
    idle: Mutex<Vec<PluginInstance>>,
    max_idle: usize,
    recycle: RecyclePolicy,
    created: AtomicU64,
    recycled: AtomicU64,
    discarded: AtomicU64,
}

impl InstancePool {
    pub fn new(max_idle: usize, recycle: RecyclePolicy) -> Self {
        InstancePool {
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
            recycle,
            created: AtomicU64::new(0),
            recycled: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
        }
    }

    /// An idle instance, or a new one from `make` when none is idle.
    pub fn checkout(&self, make: impl FnOnce() -> Result<PluginInstance>) -> Result<Checkout<'_>> {
        let idle = self.lock().pop();
        let instance = match idle {
            Some(instance) => instance,
            None => self.track_new(make()?),
        };
        Ok(Checkout {
            pool: self,
            instance: Some(instance),
        })
    }

    /// Counts an instance made outside `checkout` (the one made at load).
    pub fn track_new(&self, instance: PluginInstance) -> PluginInstance {
        self.created.fetch_add(1, Ordering::Relaxed);
        instance
    }

    /// Puts an instance back, or drops it when it is due for recycling or
    /// enough are idle.
    pub fn give_back(&self, instance: PluginInstance) {
        if self.recycle_if_due(&instance) {
            return;
        }
        let mut idle = self.lock();
        if idle.len() < self.max_idle {
            idle.push(instance);
        }
    }

    /// Counts `instance` as recycled when it is due; the caller then drops it.
    fn recycle_if_due(&self, instance: &PluginInstance) -> bool {
        let due = self.recycle.is_due(instance);
        if due {
            self.recycled.fetch_add(1, Ordering::Relaxed);
        }
        due
    }

    /// Runs `call` on the instance in `slot` (when empty, an idle one, or
    /// one made by `make`),
    /// and leaves the slot empty when the call may have broken the instance
    /// (see `ErrorCode::poisons_instance`) or it is due for recycling. This
    /// is how an instance owned by one thread (the JS thread's) is used,
    /// with the same accounting as checked-out ones.
    pub fn run_in_slot<T>(
        &self,
        slot: &mut Option<PluginInstance>,
        make: impl FnOnce() -> Result<PluginInstance>,
        call: impl FnOnce(&mut PluginInstance) -> Result<T>,
    ) -> Result<T> {
        if slot.is_none() {
            let idle = self.lock().pop();
            *slot = Some(match idle {
                Some(instance) => instance,
                None => self.track_new(make()?),
            });
        }
        let instance = slot.as_mut().expect("filled above");
        let result = run_counted(instance, call);
        // A broken instance is not also counted as recycled.
        if self.is_broken(instance, &result) || self.recycle_if_due(instance) {
            *slot = None;
        }
        result
    }

    /// Whether a call left `instance` unfit for another; counts it discarded.
    fn is_broken<T>(&self, instance: &PluginInstance, result: &Result<T>) -> bool {
        let broken = match result {
            Err(err) => err.code.poisons_instance() || instance.broken,
            Ok(_) => instance.broken,
        };
        if broken {
            self.discarded.fetch_add(1, Ordering::Relaxed);
        }
        broken
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            created: self.created.load(Ordering::Relaxed),
            recycled: self.recycled.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
            idle: self.lock().len() as u64,
        }
    }

    /// Drops every idle instance.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PluginInstance>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.idle
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// A checked-out instance; returns to its pool on drop unless discarded.
pub struct Checkout<'a> {
    pool: &'a InstancePool,
    instance: Option<PluginInstance>,
}

impl Checkout<'_> {
    /// Whether the instance should be replaced before the next call (a
    /// batch worker then drops this checkout and takes a new one).
    pub fn is_due_for_recycling(&self) -> bool {
        self.instance
            .as_ref()
            .is_none_or(|instance| self.pool.recycle.is_due(instance))
    }

    /// Runs `call` on the instance. An error that may have left the instance
    /// broken (see `ErrorCode::poisons_instance`) drops it instead of
    /// returning it to the pool; the checkout must not be used after that.
    pub fn run<T>(&mut self, call: impl FnOnce(&mut PluginInstance) -> Result<T>) -> Result<T> {
        let instance = self
            .instance
            .as_mut()
            .expect("a checkout is not used after a poisoning error");
        let result = run_counted(instance, call);
        if self.pool.is_broken(instance, &result) {
            self.instance = None;
        }
        result
    }
}

fn run_counted<T>(
    instance: &mut PluginInstance,
    call: impl FnOnce(&mut PluginInstance) -> Result<T>,
) -> Result<T> {
    instance.calls += 1;
    call(instance)
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(instance) = self.instance.take() {
            self.pool.give_back(instance);
        }
    }
}

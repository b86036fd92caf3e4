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
    /// Once its linear memory is larger than this many bytes.
    pub above_memory_bytes: u64,
}

impl RecyclePolicy {
    fn is_due(&self, instance: &PluginInstance) -> bool {
        (self.after_calls > 0 && instance.calls >= self.after_calls)
            || instance.memory.data_size(&instance.store) as u64 > self.above_memory_bytes
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
        if self.recycle.is_due(&instance) {
            self.recycled.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let mut idle = self.lock();
        if idle.len() < self.max_idle {
            idle.push(instance);
        }
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
        instance.calls += 1;
        let result = call(instance);
        let broken = match &result {
            Err(err) => err.code.poisons_instance() || instance.broken,
            Ok(_) => instance.broken,
        };
        if broken {
            self.instance = None;
            self.pool.discarded.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(instance) = self.instance.take() {
            self.pool.give_back(instance);
        }
    }
}

//! Ready instances of one plugin. A caller checks one out, and the guard
//! hands it back when dropped, unless the call left it broken.

use std::sync::Mutex;

use crate::error::Result;
use crate::instance::PluginInstance;

/// Idle instances of one plugin, kept for reuse.
pub struct InstancePool {
    idle: Mutex<Vec<PluginInstance>>,
    max_idle: usize,
}

impl InstancePool {
    pub fn new(max_idle: usize) -> Self {
        InstancePool {
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
        }
    }

    /// An idle instance, or a new one from `make` when none is idle.
    pub fn checkout(&self, make: impl FnOnce() -> Result<PluginInstance>) -> Result<Checkout<'_>> {
        let idle = self.lock().pop();
        let instance = match idle {
            Some(instance) => instance,
            None => make()?,
        };
        Ok(Checkout {
            pool: self,
            instance: Some(instance),
        })
    }

    /// Puts an instance back (or drops it when enough are idle).
    pub fn give_back(&self, instance: PluginInstance) {
        let mut idle = self.lock();
        if idle.len() < self.max_idle {
            idle.push(instance);
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
    /// Runs `call` on the instance. An error that may have left the instance
    /// broken (see `ErrorCode::poisons_instance`) drops it instead of
    /// returning it to the pool; the checkout must not be used after that.
    pub fn run<T>(&mut self, call: impl FnOnce(&mut PluginInstance) -> Result<T>) -> Result<T> {
        let instance = self
            .instance
            .as_mut()
            .expect("a checkout is not used after a poisoning error");
        let result = call(instance);
        if let Err(err) = &result {
            if err.code.poisons_instance() {
                self.instance = None;
            }
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

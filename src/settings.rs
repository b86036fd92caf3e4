//! The one settings type of a host: its defaults, its validation, and the
//! JSON shape JavaScript passes (`PluginHost.create(options)`), field for
//! field. JavaScript's `DEFAULT_OPTIONS` and `resolveOptions` come from here,
//! so Rust callers get the same validation and there is one list of options.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::error::{ErrorCode, PluginError, Result};
use crate::pool::RecyclePolicy;
use crate::store::Limits;

/// How a host runs its plugins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Worker threads for async and batch calls; 0 = one per available core.
    pub threads: usize,
    /// Time limit of one call in milliseconds.
    pub timeout_ms: u64,
    /// Memory cap of one instance in MiB.
    pub memory_limit_mb: u64,
    /// Replace an instance once its memory passes this many MiB; `None` =
    /// 32, or half of `memory_limit_mb` when that is smaller.
    pub recycle_memory_mb: Option<u64>,
    /// Replace an instance after this many calls; 0 = never.
    pub recycle_after_calls: u64,
    /// Keep at most this many bytes of each guest stream; `None` discards.
    pub capture_output: Option<usize>,
    /// Where compiled modules are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Which plugins' outputs are memoized.
    pub memoize: Memoize,
    /// Budget of the memo, in MiB, shared by the memoized plugins.
    pub memoize_mb: u64,
}

/// Which plugins are pure, so their outputs may be memoized.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Memoize {
    #[default]
    None,
    All,
    Only(Vec<String>),
}

impl Memoize {
    pub fn covers(&self, name: &str) -> bool {
        match self {
            Memoize::None => false,
            Memoize::All => true,
            Memoize::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

/// `captureOutput: true` keeps this many bytes of each stream.
pub const DEFAULT_CAPTURE_BYTES: usize = 64 * 1024;

const MAX_MEMORY_MB: u64 = 4096;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threads: 0,
            timeout_ms: 1000,
            memory_limit_mb: 256,
            recycle_memory_mb: None,
            recycle_after_calls: 10_000,
            capture_output: None,
            cache_dir: Some(PathBuf::from(".alloy/wasm-cache")),
            memoize: Memoize::None,
            memoize_mb: 64,
        }
    }
}

impl Settings {
    /// Checks ranges and the relation between options; INVALID_OPTIONS
    /// names every problem.
    pub fn validate(&self) -> Result<()> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, key: &str, what: &str, got: String| {
            if !ok {
                problems.push(format!("option \"{key}\" {what}, got {got}"));
            }
        };
        check(
            self.threads <= 1024,
            "threads",
            "must be a whole number from 0 to 1024",
            self.threads.to_string(),
        );
        check(
            (1..=1 << 31).contains(&self.timeout_ms),
            "timeoutMs",
            "must be a number of milliseconds above 0",
            self.timeout_ms.to_string(),
        );
        check(
            (1..=MAX_MEMORY_MB).contains(&self.memory_limit_mb),
            "memoryLimitMb",
            "must be a whole number of MiB from 1 to 4096",
            self.memory_limit_mb.to_string(),
        );
        if let Some(mb) = self.recycle_memory_mb {
            check(
                (1..=MAX_MEMORY_MB).contains(&mb),
                "recycleMemoryMb",
                "must be a whole number of MiB from 1 to 4096, or null",
                mb.to_string(),
            );
        }
        if let Some(bytes) = self.capture_output {
            check(
                (1..=1 << 30).contains(&bytes),
                "captureOutput",
                "must be true, false, or a number of bytes from 1 to 2^30",
                bytes.to_string(),
            );
        }
        check(
            (1..=65536).contains(&self.memoize_mb),
            "memoizeMb",
            "must be a whole number of MiB from 1 to 65536",
            self.memoize_mb.to_string(),
        );
        if !problems.is_empty() {
            return Err(invalid(&problems));
        }
        if let Some(mb) = self.recycle_memory_mb {
            if mb >= self.memory_limit_mb {
                return Err(invalid(&[format!(
                    "option \"recycleMemoryMb\" ({mb}) must be below \"memoryLimitMb\" ({}), \
                     or instances would hit the memory limit before they are recycled",
                    self.memory_limit_mb
                )]));
            }
        }
        Ok(())
    }

    /// The settings from JavaScript's options object: absent or `undefined`
    /// keys take their defaults; unknown keys, wrong types and bad ranges are
    /// INVALID_OPTIONS, every problem named.
    pub fn from_js(options: &Value) -> Result<Self> {
        let fields = match options {
            Value::Null => return Self::from_js(&Value::Object(Map::new())),
            Value::Object(fields) => fields,
            _ => return Err(invalid(&["options must be an object".to_owned()])),
        };
        let mut settings = Settings::default();
        let mut problems = Vec::new();
        for (key, value) in fields {
            if let Err(what) = settings.set(key, value) {
                problems.push(match what {
                    SetError::Unknown => format!(
                        "unknown option \"{key}\" (known: {})",
                        OPTION_NAMES.join(", ")
                    ),
                    SetError::Invalid(what) => {
                        format!("option \"{key}\" {what}, got {}", describe(value))
                    }
                });
            }
        }
        if !problems.is_empty() {
            return Err(invalid(&problems));
        }
        settings.validate()?;
        Ok(settings)
    }

    /// The settings as JavaScript's resolved options object, the derived
    /// `recycleMemoryMb` filled in.
    pub fn to_js(&self) -> Value {
        json!({
            "cacheDir": self.cache_dir.as_ref().map(|d| d.display().to_string()),
            "threads": self.threads,
            "timeoutMs": self.timeout_ms,
            "memoryLimitMb": self.memory_limit_mb,
            "recycleMemoryMb": self.recycle_memory_mb(),
            "recycleAfterCalls": self.recycle_after_calls,
            "captureOutput": match self.capture_output {
                None => json!(false),
                Some(DEFAULT_CAPTURE_BYTES) => json!(true),
                Some(bytes) => json!(bytes),
            },
            "memoize": match &self.memoize {
                Memoize::None => json!(false),
                Memoize::All => json!(true),
                Memoize::Only(names) => json!(names),
            },
            "memoizeMb": self.memoize_mb,
        })
    }

    /// The defaults as JavaScript's `DEFAULT_OPTIONS` (where
    /// `recycleMemoryMb` is `null`: it follows `memoryLimitMb`).
    pub fn defaults_js() -> Value {
        let mut defaults = Settings::default().to_js();
        defaults["recycleMemoryMb"] = Value::Null;
        defaults
    }

    /// The per-call limits.
    pub fn limits(&self) -> Limits {
        Limits {
            timeout_ms: self.timeout_ms,
            memory_limit_bytes: self.memory_limit_mb.saturating_mul(1 << 20),
        }
    }

    /// The MiB past which an instance is recycled.
    pub fn recycle_memory_mb(&self) -> u64 {
        self.recycle_memory_mb
            .unwrap_or_else(|| (self.memory_limit_mb / 2).clamp(1, 32))
    }

    /// When an instance is replaced by a fresh one.
    pub fn recycle_policy(&self) -> RecyclePolicy {
        RecyclePolicy {
            after_calls: self.recycle_after_calls,
            above_memory_bytes: self.recycle_memory_mb().saturating_mul(1 << 20),
        }
    }

    /// The worker threads to start: `threads`, or one per core when 0.
    pub fn worker_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.threads
        }
    }

    fn set(&mut self, key: &str, value: &Value) -> std::result::Result<(), SetError> {
        use SetError::Invalid;
        match key {
            "cacheDir" => {
                self.cache_dir = match value {
                    Value::Null => None,
                    Value::String(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
                    _ => return Err(Invalid("must be a non-empty string or null")),
                }
            }
            "threads" => {
                self.threads = whole(value, 1024)
                    .ok_or(Invalid("must be a whole number from 0 to 1024"))?
                    as usize
            }
            "timeoutMs" => {
                let ms = value
                    .as_f64()
                    .filter(|ms| ms.is_finite() && *ms > 0.0 && *ms <= (1u64 << 31) as f64)
                    .ok_or(Invalid("must be a number of milliseconds above 0"))?;
                self.timeout_ms = (ms.ceil() as u64).max(1);
            }
            "memoryLimitMb" => {
                self.memory_limit_mb = whole(value, MAX_MEMORY_MB)
                    .filter(|mb| *mb >= 1)
                    .ok_or(Invalid("must be a whole number of MiB from 1 to 4096"))?
            }
            "recycleMemoryMb" => {
                self.recycle_memory_mb =
                    match value {
                        Value::Null => None,
                        _ => Some(whole(value, MAX_MEMORY_MB).filter(|mb| *mb >= 1).ok_or(
                            Invalid("must be a whole number of MiB from 1 to 4096, or null"),
                        )?),
                    }
            }
            "recycleAfterCalls" => {
                self.recycle_after_calls = whole(value, u64::MAX)
                    .ok_or(Invalid("must be a whole number of calls (0 = never)"))?
            }
            "captureOutput" => {
                self.capture_output = match value {
                    Value::Bool(false) => None,
                    Value::Bool(true) => Some(DEFAULT_CAPTURE_BYTES),
                    _ => Some(whole(value, 1 << 30).filter(|n| *n >= 1).ok_or(Invalid(
                        "must be true, false, or a number of bytes from 1 to 2^30",
                    ))? as usize),
                }
            }
            "memoize" => {
                self.memoize = match value {
                    Value::Bool(false) => Memoize::None,
                    Value::Bool(true) => Memoize::All,
                    Value::Array(names) => Memoize::Only(
                        names
                            .iter()
                            .map(|n| n.as_str().filter(|n| !n.is_empty()).map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                            .ok_or(Invalid("must be true, false, or an array of plugin names"))?,
                    ),
                    _ => return Err(Invalid("must be true, false, or an array of plugin names")),
                }
            }
            "memoizeMb" => {
                self.memoize_mb = whole(value, 65536)
                    .filter(|mb| *mb >= 1)
                    .ok_or(Invalid("must be a whole number of MiB from 1 to 65536"))?
            }
            _ => return Err(SetError::Unknown),
        }
        Ok(())
    }
}

/// Every option, in the order `DEFAULT_OPTIONS` lists them.
pub const OPTION_NAMES: [&str; 9] = [
    "cacheDir",
    "threads",
    "timeoutMs",
    "memoryLimitMb",
    "recycleMemoryMb",
    "recycleAfterCalls",
    "captureOutput",
    "memoize",
    "memoizeMb",
];

enum SetError {
    Unknown,
    Invalid(&'static str),
}

/// A JSON number that is a whole number from 0 to `max`.
fn whole(value: &Value, max: u64) -> Option<u64> {
    let n = value.as_f64()?;
    (n.fract() == 0.0 && n >= 0.0 && n <= max as f64).then_some(n as u64)
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
        other => other.to_string(),
    }
}

fn invalid(problems: &[String]) -> PluginError {
    PluginError::new(
        ErrorCode::InvalidOptions,
        format!("invalid options: {}", problems.join("; ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let defaults = Settings::default();
        defaults.validate().unwrap();
        assert_eq!(Settings::from_js(&json!({})).unwrap(), defaults);
        assert_eq!(
            Settings::from_js(&Settings::defaults_js()).unwrap(),
            defaults
        );
        let keys: Vec<String> = Settings::defaults_js()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut names: Vec<String> = OPTION_NAMES.iter().map(|s| s.to_string()).collect();
        names.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, names);
    }

    #[test]
    fn recycle_memory_follows_the_memory_limit() {
        let s = Settings::from_js(&json!({ "memoryLimitMb": 16 })).unwrap();
        assert_eq!(s.recycle_memory_mb(), 8);
        assert_eq!(Settings::default().recycle_memory_mb(), 32);
        let err =
            Settings::from_js(&json!({ "memoryLimitMb": 16, "recycleMemoryMb": 16 })).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidOptions);
    }

    #[test]
    fn every_problem_is_named() {
        let err = Settings::from_js(&json!({
            "memoryLimitMB": 1, "timeoutMs": "fast", "threads": -1, "cacheDir": 3
        }))
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidOptions);
        for part in [
            "unknown option \"memoryLimitMB\"",
            "option \"timeoutMs\" must be a number of milliseconds above 0, got \"fast\"",
            "option \"threads\"",
            "option \"cacheDir\"",
        ] {
            assert!(
                err.detail.contains(part),
                "{part} missing in {}",
                err.detail
            );
        }
        let err = Settings {
            timeout_ms: 0,
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.detail.contains("timeoutMs"), "{}", err.detail);
    }

    #[test]
    fn js_shapes_map_field_for_field() {
        let s = Settings::from_js(&json!({
            "cacheDir": null, "captureOutput": true, "memoize": ["a"], "timeoutMs": 2.5
        }))
        .unwrap();
        assert_eq!(s.cache_dir, None);
        assert_eq!(s.capture_output, Some(DEFAULT_CAPTURE_BYTES));
        assert_eq!(s.memoize, Memoize::Only(vec!["a".into()]));
        assert_eq!(s.timeout_ms, 3);
        let js = s.to_js();
        assert_eq!(js["captureOutput"], json!(true));
        assert_eq!(js["memoize"], json!(["a"]));
        assert_eq!(js["cacheDir"], Value::Null);
    }
}

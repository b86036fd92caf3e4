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
    /// Where memoized outputs are also kept between builds (`memoize`'s
    /// object form); `None` keeps them in memory only.
    pub memoize_disk: Option<MemoDisk>,
    /// Budget of the memo, in MiB, shared by the memoized plugins.
    pub memoize_mb: u64,
    /// Largest plugin file `add(name, path)` and `load(dir)` read, in MiB.
    pub max_plugin_file_mb: u64,
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

/// The disk memo of `memoize: { dir, mb, plugins }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoDisk {
    /// The folder (absolute once JavaScript has resolved it).
    pub dir: PathBuf,
    /// Budget of the folder in MiB.
    pub mb: u64,
}

impl MemoDisk {
    pub fn limit_bytes(&self) -> u64 {
        self.mb.saturating_mul(1 << 20)
    }
}

/// The default budget of the disk memo, in MiB.
pub const DEFAULT_MEMO_DISK_MB: u64 = 256;
const MAX_MEMO_DISK_MB: u64 = 1 << 20;
/// What `memoize` may be, for messages.
const MEMOIZE_SHAPES: &str =
    "must be true, false, an array of plugin names, or { dir, mb?, plugins? } to keep the outputs in a folder too";
const MEMOIZE_KEYS: [&str; 3] = ["dir", "mb", "plugins"];

/// `captureOutput: true` keeps this many bytes of each stream.
pub const DEFAULT_CAPTURE_BYTES: usize = 64 * 1024;

const MAX_MEMORY_MB: u64 = 4096;

/// The default of `maxPluginFileMb`: far above real plugins (a few MiB, tens
/// with embedded data), far below what would strain a build machine.
pub const DEFAULT_MAX_PLUGIN_FILE_MB: u64 = 64;

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
            memoize_disk: None,
            memoize_mb: 64,
            max_plugin_file_mb: DEFAULT_MAX_PLUGIN_FILE_MB,
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
        if let Some(disk) = &self.memoize_disk {
            check(
                (1..=MAX_MEMO_DISK_MB).contains(&disk.mb),
                "memoize.mb",
                "must be a whole number of MiB from 1 to 1048576",
                disk.mb.to_string(),
            );
            check(
                !disk.dir.as_os_str().is_empty(),
                "memoize.dir",
                "must be a non-empty folder path",
                "\"\"".to_owned(),
            );
        }
        check(
            (1..=65536).contains(&self.memoize_mb),
            "memoizeMb",
            "must be a whole number of MiB from 1 to 65536",
            self.memoize_mb.to_string(),
        );
        check(
            (1..=MAX_MEMORY_MB).contains(&self.max_plugin_file_mb),
            "maxPluginFileMb",
            "must be a whole number of MiB from 1 to 4096",
            self.max_plugin_file_mb.to_string(),
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
                    SetError::Problem(problem) => problem,
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
            "memoize": self.memoize_js(),
            "memoizeMb": self.memoize_mb,
            "maxPluginFileMb": self.max_plugin_file_mb,
        })
    }

    /// `memoize` as JavaScript gives it: the object form when there is a
    /// folder, its defaults filled in.
    fn memoize_js(&self) -> Value {
        let plugins = match &self.memoize {
            Memoize::None => json!(false),
            Memoize::All => json!(true),
            Memoize::Only(names) => json!(names),
        };
        match &self.memoize_disk {
            None => plugins,
            Some(disk) => json!({
                "dir": disk.dir.display().to_string(),
                "mb": disk.mb,
                "plugins": plugins,
            }),
        }
    }

    /// `memoize`'s object form: `{ dir, mb?, plugins? }` (`plugins` true, or
    /// an array of names; default true).
    fn set_memoize_disk(
        &mut self,
        fields: &Map<String, Value>,
    ) -> std::result::Result<(), SetError> {
        let mut problems = Vec::new();
        let mut disk = MemoDisk {
            dir: PathBuf::new(),
            mb: DEFAULT_MEMO_DISK_MB,
        };
        let mut memoize = Memoize::All;
        for (key, value) in fields {
            let bad =
                |what: &str| format!("option \"memoize.{key}\" {what}, got {}", describe(value));
            match key.as_str() {
                "dir" => match value {
                    Value::String(dir) if !dir.is_empty() => disk.dir = PathBuf::from(dir),
                    _ => {
                        problems.push(bad("must be a non-empty folder path, like \".alloy/memo\""))
                    }
                },
                "mb" => match whole(value, MAX_MEMO_DISK_MB).filter(|mb| *mb >= 1) {
                    Some(mb) => disk.mb = mb,
                    None => problems.push(bad("must be a whole number of MiB from 1 to 1048576")),
                },
                "plugins" => match value {
                    Value::Bool(true) => memoize = Memoize::All,
                    Value::Array(_) => match plugin_names(value) {
                        Some(names) => memoize = Memoize::Only(names),
                        None => problems.push(bad("must be true or an array of plugin names")),
                    },
                    _ => problems.push(bad("must be true or an array of plugin names")),
                },
                _ => problems.push(format!(
                    "option \"memoize\" has unknown key \"{key}\" (known: {})",
                    MEMOIZE_KEYS.join(", ")
                )),
            }
        }
        if !fields.contains_key("dir") {
            problems.push(
                "option \"memoize\" needs \"dir\" in its object form (the folder that keeps the outputs), like { dir: \".alloy/memo\" }"
                    .to_owned(),
            );
        }
        if !problems.is_empty() {
            return Err(SetError::Problem(problems.join("; ")));
        }
        self.memoize = memoize;
        self.memoize_disk = Some(disk);
        Ok(())
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

    /// The most bytes a plugin file may hold.
    pub fn max_plugin_file_bytes(&self) -> u64 {
        self.max_plugin_file_mb.saturating_mul(1 << 20)
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
                self.memoize_disk = None;
                self.memoize = match value {
                    Value::Bool(false) => Memoize::None,
                    Value::Bool(true) => Memoize::All,
                    Value::Array(_) => {
                        Memoize::Only(plugin_names(value).ok_or(Invalid(MEMOIZE_SHAPES))?)
                    }
                    Value::Object(fields) => return self.set_memoize_disk(fields),
                    _ => return Err(Invalid(MEMOIZE_SHAPES)),
                }
            }
            "memoizeMb" => {
                self.memoize_mb = whole(value, 65536)
                    .filter(|mb| *mb >= 1)
                    .ok_or(Invalid("must be a whole number of MiB from 1 to 65536"))?
            }
            "maxPluginFileMb" => {
                self.max_plugin_file_mb = whole(value, MAX_MEMORY_MB)
                    .filter(|mb| *mb >= 1)
                    .ok_or(Invalid("must be a whole number of MiB from 1 to 4096"))?
            }
            _ => return Err(SetError::Unknown),
        }
        Ok(())
    }
}

/// Every option, in the order `DEFAULT_OPTIONS` lists them.
pub const OPTION_NAMES: [&str; 10] = [
    "cacheDir",
    "threads",
    "timeoutMs",
    "memoryLimitMb",
    "recycleMemoryMb",
    "recycleAfterCalls",
    "captureOutput",
    "memoize",
    "memoizeMb",
    "maxPluginFileMb",
];

enum SetError {
    Unknown,
    Invalid(&'static str),
    /// Whole problem texts (an option with parts of its own).
    Problem(String),
}

/// An array of non-empty strings.
fn plugin_names(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|n| n.as_str().filter(|n| !n.is_empty()).map(str::to_owned))
        .collect()
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

    #[test]
    fn memoize_object_form_adds_a_folder() {
        let s = Settings::from_js(&json!({ "memoize": { "dir": "m" } })).unwrap();
        assert_eq!(s.memoize, Memoize::All, "plugins default to all");
        assert_eq!(
            s.memoize_disk,
            Some(MemoDisk {
                dir: PathBuf::from("m"),
                mb: DEFAULT_MEMO_DISK_MB
            })
        );
        assert_eq!(
            s.to_js()["memoize"],
            json!({ "dir": "m", "mb": DEFAULT_MEMO_DISK_MB, "plugins": true })
        );
        let again = Settings::from_js(&s.to_js()).unwrap();
        assert_eq!(
            (&again.memoize, &again.memoize_disk),
            (&s.memoize, &s.memoize_disk)
        );
        let s = Settings::from_js(&json!({
            "memoize": { "dir": "/m", "mb": 3, "plugins": ["a", "b"] }, "memoizeMb": 2
        }))
        .unwrap();
        assert_eq!(s.memoize, Memoize::Only(vec!["a".into(), "b".into()]));
        assert_eq!(s.memoize_disk.as_ref().unwrap().limit_bytes(), 3 << 20);
        assert_eq!(s.memoize_mb, 2);
        let again = Settings::from_js(&s.to_js()).unwrap();
        assert_eq!(
            (&again.memoize, &again.memoize_disk),
            (&s.memoize, &s.memoize_disk)
        );
        // The other forms keep their meaning and have no folder.
        for (form, memoize) in [
            (json!(true), Memoize::All),
            (json!(false), Memoize::None),
            (json!(["a"]), Memoize::Only(vec!["a".into()])),
        ] {
            let s = Settings::from_js(&json!({ "memoize": form.clone() })).unwrap();
            assert_eq!((s.memoize.clone(), s.memoize_disk.clone()), (memoize, None));
            assert_eq!(s.to_js()["memoize"], form);
        }
    }

    #[test]
    fn memoize_object_form_names_every_problem() {
        for (bad, parts) in [
            (json!({}), vec!["needs \"dir\""]),
            (
                json!({ "dir": "" }),
                vec!["\"memoize.dir\" must be a non-empty folder path"],
            ),
            (json!({ "dir": 3 }), vec!["\"memoize.dir\"", "got 3"]),
            (
                json!({ "dir": "m", "mb": 0 }),
                vec!["\"memoize.mb\" must be a whole number"],
            ),
            (json!({ "dir": "m", "mb": 1.5 }), vec!["\"memoize.mb\""]),
            (
                json!({ "dir": "m", "plugins": false }),
                vec!["\"memoize.plugins\" must be true or an array"],
            ),
            (
                json!({ "dir": "m", "plugins": [""] }),
                vec!["\"memoize.plugins\""],
            ),
            (
                json!({ "dir": "m", "max": 1, "mb": -1 }),
                vec![
                    "unknown key \"max\" (known: dir, mb, plugins)",
                    "\"memoize.mb\"",
                ],
            ),
            (
                json!("yes"),
                vec!["option \"memoize\" must be true, false, an array of plugin names, or { dir"],
            ),
        ] {
            let err = Settings::from_js(&json!({ "memoize": bad })).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidOptions);
            for part in parts {
                assert!(
                    err.detail.contains(part),
                    "{part} missing in {}",
                    err.detail
                );
            }
        }
        let err = Settings {
            memoize_disk: Some(MemoDisk {
                dir: PathBuf::from("m"),
                mb: 0,
            }),
            ..Settings::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.detail.contains("memoize.mb"), "{}", err.detail);
    }

    #[test]
    fn max_plugin_file_size() {
        let s = Settings::default();
        assert_eq!(s.max_plugin_file_bytes(), DEFAULT_MAX_PLUGIN_FILE_MB << 20);
        let s = Settings::from_js(&json!({ "maxPluginFileMb": 2 })).unwrap();
        assert_eq!(s.max_plugin_file_bytes(), 2 << 20);
        assert_eq!(s.to_js()["maxPluginFileMb"], json!(2));
        for bad in [json!(0), json!(4097), json!(1.5), json!("64"), json!(null)] {
            let err = Settings::from_js(&json!({ "maxPluginFileMb": bad })).unwrap_err();
            assert!(err.detail.contains("maxPluginFileMb"), "{}", err.detail);
        }
    }
}

//! One error type for everything a plugin call or load can fail with, each
//! failure carrying one stable code from CONTRACT.md.

use std::fmt;

/// The stable error codes of CONTRACT.md. `as_str` is what JavaScript sees as
/// `PluginError.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    PluginNotFound,
    MissingExport,
    InvalidModule,
    UnsupportedImport,
    PluginError,
    BadResult,
    InvalidHooks,
    InvalidJson,
    Trap,
    Timeout,
    MemoryLimit,
    /// Host options that are out of range or unknown.
    InvalidOptions,
    /// A call's arguments from JavaScript are not what the API takes.
    InvalidInput,
    /// A plugin folder or file could not be read.
    IoError,
    /// `add` with a name the host already has.
    DuplicatePlugin,
    /// A call on a host after `close()`.
    HostClosed,
    /// A bug in alloy-wasm itself (never the plugin's fault).
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::PluginNotFound,
        ErrorCode::MissingExport,
        ErrorCode::InvalidModule,
        ErrorCode::UnsupportedImport,
        ErrorCode::PluginError,
        ErrorCode::BadResult,
        ErrorCode::InvalidHooks,
        ErrorCode::InvalidJson,
        ErrorCode::Trap,
        ErrorCode::Timeout,
        ErrorCode::MemoryLimit,
        ErrorCode::InvalidOptions,
        ErrorCode::InvalidInput,
        ErrorCode::IoError,
        ErrorCode::DuplicatePlugin,
        ErrorCode::HostClosed,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::PluginNotFound => "PLUGIN_NOT_FOUND",
            ErrorCode::MissingExport => "MISSING_EXPORT",
            ErrorCode::InvalidModule => "INVALID_MODULE",
            ErrorCode::UnsupportedImport => "UNSUPPORTED_IMPORT",
            ErrorCode::PluginError => "PLUGIN_ERROR",
            ErrorCode::BadResult => "BAD_RESULT",
            ErrorCode::InvalidHooks => "INVALID_HOOKS",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::Trap => "TRAP",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::MemoryLimit => "MEMORY_LIMIT",
            ErrorCode::InvalidOptions => "INVALID_OPTIONS",
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::IoError => "IO_ERROR",
            ErrorCode::DuplicatePlugin => "DUPLICATE_PLUGIN",
            ErrorCode::HostClosed => "HOST_CLOSED",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// Whether an instance that failed this way may be in a broken state and
    /// must not serve another call.
    pub fn poisons_instance(self) -> bool {
        matches!(
            self,
            ErrorCode::Trap | ErrorCode::Timeout | ErrorCode::MemoryLimit | ErrorCode::BadResult
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with its code, the plugin and export it concerns, and a detail
/// that says what happened. `Display` gives the full message JavaScript shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    pub code: ErrorCode,
    pub plugin: Option<String>,
    pub export: Option<String>,
    pub detail: String,
    /// For batch calls: the index of the input that failed.
    pub index: Option<usize>,
}

impl PluginError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        PluginError {
            code,
            plugin: None,
            export: None,
            detail: detail.into(),
            index: None,
        }
    }

    /// The error of any call on a closed host.
    pub fn host_closed() -> Self {
        PluginError::new(ErrorCode::HostClosed, "the host is closed")
    }

    pub fn with_plugin(mut self, plugin: &str) -> Self {
        self.plugin = Some(plugin.to_owned());
        self
    }

    pub fn with_export(mut self, export: &str) -> Self {
        self.export = Some(export.to_owned());
        self
    }

    pub fn with_index(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }

    /// The whole message: names the plugin, the export and the code, because
    /// site generators print messages, not fields.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.plugin, &self.export) {
            (Some(p), Some(e)) => write!(f, "plugin \"{p}\" {e}(): ")?,
            (Some(p), None) => write!(f, "plugin \"{p}\": ")?,
            (None, _) => {}
        }
        if let Some(i) = self.index {
            write!(f, "input #{i}: ")?;
        }
        write!(f, "{} [{}]", self.detail, self.code)
    }
}

impl std::error::Error for PluginError {}

pub type Result<T, E = PluginError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_plugin_export_and_code() {
        let e = PluginError::new(ErrorCode::Timeout, "ran past 5 ms")
            .with_plugin("slow")
            .with_export("filter");
        assert_eq!(
            e.message(),
            "plugin \"slow\" filter(): ran past 5 ms [TIMEOUT]"
        );
        let e = PluginError::new(ErrorCode::PluginNotFound, "no plugin named \"x\"");
        assert_eq!(e.message(), "no plugin named \"x\" [PLUGIN_NOT_FOUND]");
    }

    #[test]
    fn codes_are_unique_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        }
    }
}

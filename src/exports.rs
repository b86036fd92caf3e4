//! Which ABI exports a module has and in which result form, read from the
//! module's types before anything is instantiated.

use wasmtime::{ExternType, FuncType, Module, ValType};

use crate::error::{ErrorCode, PluginError, Result};

/// The exports of the Alloy ABI that return `(ptr, len)`, in the contract's
/// order (the order `plugins()` lists them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbiExport {
    Filter,
    /// `filter` with arguments: `{"input": "...", "args": [...]}` in.
    FilterArgs,
    Shortcode,
    Hooks,
    Hook,
    LastError,
    /// Takes the plugin's config (JSON) once per instance.
    Configure,
}

impl AbiExport {
    pub const COUNT: usize = 7;

    pub const ALL: [AbiExport; AbiExport::COUNT] = [
        AbiExport::Filter,
        AbiExport::FilterArgs,
        AbiExport::Shortcode,
        AbiExport::Hooks,
        AbiExport::Hook,
        AbiExport::LastError,
        AbiExport::Configure,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AbiExport::Filter => "filter",
            AbiExport::FilterArgs => "filter_args",
            AbiExport::Shortcode => "shortcode",
            AbiExport::Hooks => "hooks",
            AbiExport::Hook => "hook",
            AbiExport::LastError => "last_error",
            AbiExport::Configure => "configure",
        }
    }

    /// Whether the export takes an input buffer `(ptr, len)`.
    pub fn takes_input(self) -> bool {
        !matches!(self, AbiExport::Hooks | AbiExport::LastError)
    }
}

/// How an export returns `(ptr, len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultForm {
    /// One i64: `(ptr << 32) | len` (Rust, AssemblyScript).
    Packed,
    /// Two i32 results (multi-value).
    Pair,
    /// No results: a first parameter `retptr` where the export stores the
    /// two i32s, little-endian (TinyGo's lowering of a two-result
    /// `//export`: `filter(retptr, ptr, len)`, `hooks(retptr)`).
    Retptr,
}

impl ResultForm {
    /// The name `plugins()` reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultForm::Packed => "i64",
            ResultForm::Pair => "multi-value",
            ResultForm::Retptr => "retptr",
        }
    }
}

/// The ABI exports a module has, with each one's result form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportTable {
    forms: [Option<ResultForm>; AbiExport::COUNT],
    pub has_initialize: bool,
    pub has_start: bool,
}

impl ExportTable {
    /// Reads and checks the exports: `memory` and `alloc` must be there with
    /// the right types, every ABI export present must have an ABI signature,
    /// and `hook` and `hooks` come together.
    pub fn of(module: &Module) -> Result<Self> {
        let mut table = ExportTable::default();
        let mut has_memory = false;
        let mut has_alloc = false;
        for export in module.exports() {
            let name = export.name();
            match (name, export.ty()) {
                ("memory", ExternType::Memory(_)) => has_memory = true,
                ("alloc", ExternType::Func(ty)) => {
                    if !is_signature(&ty, &[ValType::I32], &[ValType::I32]) {
                        return Err(wrong_signature("alloc", &ty, "(i32) -> i32"));
                    }
                    has_alloc = true;
                }
                ("_initialize", ExternType::Func(_)) => table.has_initialize = true,
                ("_start", ExternType::Func(_)) => table.has_start = true,
                (_, ExternType::Func(ty)) => {
                    if let Some(abi) = AbiExport::ALL.into_iter().find(|e| e.name() == name) {
                        let form = result_form(abi, &ty)?;
                        table.forms[abi as usize] = Some(form);
                    }
                }
                _ => {}
            }
        }
        if !has_memory {
            return Err(PluginError::new(
                ErrorCode::MissingExport,
                "does not export \"memory\" (the ABI requires it)",
            ));
        }
        if !has_alloc {
            return Err(PluginError::new(
                ErrorCode::MissingExport,
                "does not export \"alloc\" (the ABI requires alloc(size i32) -> ptr i32)",
            ));
        }
        match (table.has(AbiExport::Hooks), table.has(AbiExport::Hook)) {
            (true, false) => {
                return Err(PluginError::new(
                    ErrorCode::MissingExport,
                    "exports \"hooks\" but not \"hook\" (they come together)",
                ))
            }
            (false, true) => {
                return Err(PluginError::new(
                    ErrorCode::MissingExport,
                    "exports \"hook\" but not \"hooks\" (they come together)",
                ))
            }
            _ => {}
        }
        Ok(table)
    }

    pub fn has(&self, export: AbiExport) -> bool {
        self.forms[export as usize].is_some()
    }

    pub fn form(&self, export: AbiExport) -> Option<ResultForm> {
        self.forms[export as usize]
    }

    /// The ABI exports present, in the contract's order.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = vec!["memory", "alloc"];
        names.extend(
            AbiExport::ALL
                .into_iter()
                .filter(|e| self.has(*e))
                .map(AbiExport::name),
        );
        names
    }

    /// The result form the plugin's exports use (that of its first ABI
    /// export; `None` when it has none).
    pub fn result_form(&self) -> Option<ResultForm> {
        self.forms.iter().flatten().copied().next()
    }
}

fn result_form(abi: AbiExport, ty: &FuncType) -> Result<ResultForm> {
    const I32: ValType = ValType::I32;
    let (params, with_retptr): (&[ValType], &[ValType]) = if abi.takes_input() {
        (&[I32, I32], &[I32, I32, I32])
    } else {
        (&[], &[I32])
    };
    if is_signature(ty, params, &[ValType::I64]) {
        Ok(ResultForm::Packed)
    } else if is_signature(ty, params, &[I32, I32]) {
        Ok(ResultForm::Pair)
    } else if is_signature(ty, with_retptr, &[]) {
        Ok(ResultForm::Retptr)
    } else {
        let (args, retptr_args) = if abi.takes_input() {
            ("(i32, i32)", "(retptr i32, i32, i32)")
        } else {
            ("()", "(retptr i32)")
        };
        Err(wrong_signature(
            abi.name(),
            ty,
            &format!("{args} -> i64, {args} -> (i32, i32) or {retptr_args} -> ()"),
        ))
    }
}

fn is_signature(ty: &FuncType, params: &[ValType], results: &[ValType]) -> bool {
    fn same(actual: impl ExactSizeIterator<Item = ValType>, wanted: &[ValType]) -> bool {
        actual.len() == wanted.len() && actual.zip(wanted).all(|(a, w)| ValType::eq(&a, w))
    }
    same(ty.params(), params) && same(ty.results(), results)
}

fn wrong_signature(name: &str, ty: &FuncType, wanted: &str) -> PluginError {
    let show = |types: &mut dyn Iterator<Item = ValType>| {
        types.map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
    };
    PluginError::new(
        ErrorCode::MissingExport,
        format!(
            "exports \"{name}\" with type ({}) -> ({}), but the ABI needs {wanted}",
            show(&mut ty.params()),
            show(&mut ty.results())
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::shared_engine;

    fn table(wat: &str) -> Result<ExportTable> {
        let module = Module::new(shared_engine(), wat::parse_str(wat).unwrap()).unwrap();
        ExportTable::of(&module)
    }

    const BASE: &str = r#"(memory (export "memory") 1)
        (func (export "alloc") (param i32) (result i32) i32.const 8)"#;

    #[test]
    fn reads_both_result_forms() {
        let t = table(&format!(
            r#"(module {BASE}
              (func (export "filter") (param i32 i32) (result i64) i64.const 0)
              (func (export "shortcode") (param i32 i32) (result i32 i32) i32.const 0 i32.const 0)
              (func (export "last_error") (result i32 i32) i32.const 0 i32.const 0))"#
        ))
        .unwrap();
        assert_eq!(t.form(AbiExport::Filter), Some(ResultForm::Packed));
        assert_eq!(t.form(AbiExport::Shortcode), Some(ResultForm::Pair));
        assert_eq!(t.form(AbiExport::LastError), Some(ResultForm::Pair));
        assert!(!t.has(AbiExport::Hook));
        assert_eq!(
            t.names(),
            vec!["memory", "alloc", "filter", "shortcode", "last_error"]
        );
        assert_eq!(t.result_form(), Some(ResultForm::Packed));
    }

    #[test]
    fn reads_tinygos_result_pointer_form() {
        let t = table(&format!(
            r#"(module {BASE}
              (func (export "filter") (param i32 i32 i32))
              (func (export "filter_args") (param i32 i32 i32))
              (func (export "configure") (param i32 i32 i32))
              (func (export "hooks") (param i32))
              (func (export "hook") (param i32 i32 i32))
              (func (export "last_error") (param i32)))"#
        ))
        .unwrap();
        for export in AbiExport::ALL {
            if export != AbiExport::Shortcode {
                assert_eq!(t.form(export), Some(ResultForm::Retptr), "{export:?}");
            }
        }
        assert_eq!(
            t.names(),
            vec![
                "memory",
                "alloc",
                "filter",
                "filter_args",
                "hooks",
                "hook",
                "last_error",
                "configure"
            ]
        );
        assert_eq!(t.result_form().map(ResultForm::as_str), Some("retptr"));
        // A getter with a result pointer takes only that one.
        let err = table(&format!(
            r#"(module {BASE} (func (export "last_error") (param i32 i32 i32)))"#
        ))
        .unwrap_err();
        assert!(err.detail.contains("(retptr i32) -> ()"), "{}", err.detail);
    }

    #[test]
    fn memory_and_alloc_are_required() {
        let err = table(r#"(module (memory (export "memory") 1))"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::MissingExport);
        assert!(err.detail.contains("alloc"));
        let err = table(r#"(module (func (export "alloc") (param i32) (result i32) i32.const 0))"#)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::MissingExport);
        assert!(err.detail.contains("memory"));
    }

    #[test]
    fn a_wrong_signature_is_named() {
        let err = table(&format!(
            r#"(module {BASE} (func (export "filter") (param i32) (result i32) i32.const 0))"#
        ))
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::MissingExport);
        assert!(
            err.detail.contains("\"filter\" with type (i32) -> (i32)"),
            "{}",
            err.detail
        );
    }

    #[test]
    fn hook_needs_hooks() {
        let err = table(&format!(
            r#"(module {BASE} (func (export "hook") (param i32 i32) (result i64) i64.const 0))"#
        ))
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::MissingExport);
    }
}

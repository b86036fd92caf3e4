//! Structural checks of a module before it is compiled: what the ABI does
//! not need and the memory cap could not bound is refused, and so is a
//! module whose shape would make compiling it take unbounded time and
//! memory. Compiling is not interruptible and runs outside every call's
//! limits, so a compile bomb (millions of nested blocks, say) must be caught
//! here, by a cheap linear scan, before cranelift sees it.
//!
//! Every refusal is INVALID_MODULE with a message that names the limit.
//! The limits are far above what real plugins use (see [`LIMITS`]).

use wasmparser::{CompositeInnerType, Encoding, Operator, Parser, Payload};

use crate::error::{ErrorCode, PluginError, Result};

/// Bounds on a module's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructureLimits {
    /// Functions the module defines.
    pub max_functions: u32,
    /// Bytes of one function body.
    pub max_function_bytes: usize,
    /// Bytes of the code section: all function bodies together.
    pub max_code_bytes: usize,
    /// Blocks (`block`, `loop`, `if`, `try_table`) open inside each other
    /// in one function.
    pub max_nesting: u32,
    /// Locals (parameters not counted) of one function.
    pub max_locals: u32,
    /// Blocks and `br_table` targets in one function: what compiling
    /// costs most per byte (see [`LIMITS`]).
    pub max_function_blocks: u64,
    /// Blocks and `br_table` targets in the whole module: the compile
    /// budget.
    pub max_blocks: u64,
}

/// The limits every module is checked against. For scale: the example
/// plugins (Rust, C, AssemblyScript) have at most a few thousand functions,
/// bodies of at most a few KiB, nesting of at most a few dozen, and one
/// block per 50 to 250 bytes of module; a large Rust plugin (a Markdown
/// parser, a syntax highlighter) has a few MiB of code and tens of thousands
/// of functions. A `match` of many arms compiles to one block per arm,
/// nested, hence the generous nesting limit. Embedded data (data segments)
/// is not code and is not limited here.
///
/// Compile cost grows with the number of blocks far faster than with bytes
/// (measured with cranelift: 250,000 blocks take 1.3 s and 230 MB, a million
/// 6.7 s and 840 MB, where a million bytes of ordinary code take well under
/// a second), so blocks have their own budget: at most 100,000 in one
/// function (about half a second) and 500,000 in a module (a few seconds;
/// real code at 100 bytes a block would be 50 MB).
pub const LIMITS: StructureLimits = StructureLimits {
    max_functions: 200_000,
    max_function_bytes: 2 << 20,
    max_code_bytes: 32 << 20,
    max_nesting: 10_000,
    max_locals: 50_000,
    max_function_blocks: 100_000,
    max_blocks: 500_000,
};

/// Refuses `wasm` with INVALID_MODULE when it uses what the ABI does not
/// allow, or its shape is past `limits`. A module that passes may still be
/// invalid: the compiler's own validation runs next.
pub fn check_structure(wasm: &[u8], limits: &StructureLimits) -> Result<()> {
    let refuse = |detail: String| Err(PluginError::new(ErrorCode::InvalidModule, detail));
    // A malformed module is left to the compiler, whose message says where.
    let malformed = |_| Ok(());
    let mut memories = 0u32;
    let mut tables = 0u32;
    let mut blocks = 0u64;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = match payload {
            Ok(payload) => payload,
            Err(e) => return malformed(e),
        };
        match payload {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => {
                return refuse(
                    "is a WebAssembly component; alloy-wasm runs core modules only".to_owned(),
                )
            }
            Payload::TypeSection(reader) => {
                for group in reader {
                    let Ok(group) = group else { return Ok(()) };
                    for ty in group.types() {
                        if ty.composite_type.shared {
                            return refuse(
                                "uses shared types (shared-everything threads), which alloy-wasm does not allow"
                                    .to_owned(),
                            );
                        }
                        let kind = match ty.composite_type.inner {
                            CompositeInnerType::Func(_) => continue,
                            CompositeInnerType::Struct(_) => "a struct",
                            CompositeInnerType::Array(_) => "an array",
                            CompositeInnerType::Cont(_) => "a continuation",
                        };
                        return refuse(format!(
                            "defines {kind} type (WebAssembly GC or stack switching), which alloy-wasm \
                             does not allow: the memory cap (memoryLimitMb) could not bound a GC heap"
                        ));
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let Ok(import) = import else { return Ok(()) };
                    match import.ty {
                        wasmparser::TypeRef::Memory(_) => memories += 1,
                        wasmparser::TypeRef::Table(_) => tables += 1,
                        _ => {}
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let Ok(memory) = memory else { return Ok(()) };
                    memories += 1;
                    if memory.memory64 {
                        return refuse(
                            "defines a 64-bit memory (memory64); the ABI passes 32-bit pointers"
                                .to_owned(),
                        );
                    }
                    if memory.shared {
                        return refuse(
                            "defines a shared memory (threads), which alloy-wasm does not allow"
                                .to_owned(),
                        );
                    }
                }
            }
            Payload::TableSection(reader) => tables += reader.count(),
            Payload::TagSection(_) => {
                return refuse(
                    "uses exception handling (a tag section), which alloy-wasm does not allow: \
                     exception objects live in a GC heap the memory cap could not bound"
                        .to_owned(),
                )
            }
            Payload::FunctionSection(reader) if reader.count() > limits.max_functions => {
                return refuse(format!(
                    "defines {} functions, more than the {} alloy-wasm compiles (limit: functions per module)",
                    reader.count(),
                    limits.max_functions
                ));
            }
            Payload::CodeSectionStart { size, .. } if size as usize > limits.max_code_bytes => {
                return refuse(format!(
                    "has {} MiB of code, more than the {} MiB alloy-wasm compiles (limit: code size)",
                    (size as usize).div_ceil(1 << 20),
                    limits.max_code_bytes >> 20
                ));
            }
            Payload::CodeSectionEntry(body) => match check_body(&body, limits) {
                Err(detail) => return refuse(detail),
                Ok(in_body) => {
                    blocks += in_body;
                    if blocks > limits.max_blocks {
                        return refuse(format!(
                            "has more than {} blocks and branch-table targets in all, more than \
                             alloy-wasm compiles (limit: blocks per module)",
                            limits.max_blocks
                        ));
                    }
                }
            },
            _ => {}
        }
    }
    if memories > 1 {
        return refuse(format!(
            "has {memories} memories; the ABI uses one (\"memory\"), and alloy-wasm allows no more"
        ));
    }
    if tables > 1 {
        return refuse(format!(
            "has {tables} tables; alloy-wasm allows one (the function table compilers emit)"
        ));
    }
    Ok(())
}

/// Checks one function body's size, locals, nesting and blocks, and
/// returns its blocks (and `br_table` targets); the error is the refusal's
/// detail. A body that does not parse is left to the compiler.
fn check_body(
    body: &wasmparser::FunctionBody<'_>,
    limits: &StructureLimits,
) -> std::result::Result<u64, String> {
    let size = body.range().len();
    if size > limits.max_function_bytes {
        return Err(format!(
            "has a function of {} KiB, more than the {} KiB alloy-wasm compiles (limit: function size)",
            size.div_ceil(1024),
            limits.max_function_bytes >> 10
        ));
    }
    let Ok(locals) = body.get_locals_reader() else {
        return Ok(0);
    };
    let mut count: u64 = 0;
    for local in locals {
        let Ok((n, _)) = local else { return Ok(0) };
        count += u64::from(n);
        if count > u64::from(limits.max_locals) {
            return Err(format!(
                "has a function with more than {} locals (limit: locals per function)",
                limits.max_locals
            ));
        }
    }
    let Ok(mut ops) = body.get_operators_reader() else {
        return Ok(0);
    };
    let mut depth: u32 = 0;
    let mut blocks: u64 = 0;
    let too_many = |blocks: u64| {
        (blocks > limits.max_function_blocks).then(|| {
            format!(
                "has a function with more than {} blocks and branch-table targets \
                 (limit: blocks per function)",
                limits.max_function_blocks
            )
        })
    };
    while !ops.eof() {
        let Ok(op) = ops.read() else {
            return Ok(blocks);
        };
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                blocks += 1;
                if let Some(detail) = too_many(blocks) {
                    return Err(detail);
                }
                depth += 1;
                if depth > limits.max_nesting {
                    return Err(format!(
                        "has blocks nested more than {} deep in one function (limit: nesting depth)",
                        limits.max_nesting
                    ));
                }
            }
            Operator::End => depth = depth.saturating_sub(1),
            Operator::BrTable { targets } => {
                blocks += u64::from(targets.len()) + 1;
                if let Some(detail) = too_many(blocks) {
                    return Err(detail);
                }
            }
            _ => {}
        }
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(wat: &str) -> Result<()> {
        check_structure(&wat::parse_str(wat).unwrap(), &LIMITS)
    }

    fn refused(wat: &str, needle: &str) {
        let err = check(wat).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidModule);
        assert!(
            err.detail.contains(needle),
            "{needle:?} not in {}",
            err.detail
        );
    }

    #[test]
    fn plain_modules_pass() {
        check(
            r#"(module (memory (export "memory") 1) (table 4 funcref)
                (func (export "alloc") (param i32) (result i32)
                  (block (loop (br_if 1 (i32.const 1)))) i32.const 16))"#,
        )
        .unwrap();
    }

    #[test]
    fn what_the_cap_cannot_see_is_refused() {
        refused("(module (memory 1) (memory 1))", "2 memories");
        refused("(module (table 1 funcref) (table 1 funcref))", "2 tables");
        refused("(module (type (struct (field i32))))", "struct type");
        refused("(module (type (array i8)))", "array type");
        refused("(module (tag))", "exception handling");
        refused("(module (memory i64 1))", "64-bit memory");
        refused("(module (memory 1 1 shared))", "shared memory");
    }

    #[test]
    fn shape_limits_are_named() {
        let tight = StructureLimits {
            max_functions: 2,
            max_function_bytes: 64,
            max_code_bytes: 200,
            max_nesting: 3,
            max_locals: 4,
            max_function_blocks: 5,
            max_blocks: 8,
        };
        let limited = |wat: &str, needle: &str| {
            let err = check_structure(&wat::parse_str(wat).unwrap(), &tight).unwrap_err();
            assert!(
                err.detail.contains(needle),
                "{needle:?} not in {}",
                err.detail
            );
        };
        limited(
            "(module (func) (func) (func))",
            "limit: functions per module",
        );
        limited(
            "(module (func (block (block (block (block))))))",
            "limit: nesting depth",
        );
        limited(
            "(module (func (local i32 i32 i32 i32 i32)))",
            "limit: locals per function",
        );
        limited(
            "(module (func (block) (block) (block) (block) (block) (block)))",
            "limit: blocks per function",
        );
        limited(
            "(module (func (block (br_table 0 0 0 0 0 (i32.const 0)))))",
            "limit: blocks per function",
        );
        limited(
            "(module (func (block) (block) (block) (block) (block)) (func (block) (block) (block) (block)))",
            "limit: blocks per module",
        );
        let long = format!("(module (func {}))", "(drop (i32.const 1)) ".repeat(30));
        limited(&long, "limit: function size");
        check_structure(
            &wat::parse_str("(module (func (block (block (block)))))").unwrap(),
            &tight,
        )
        .unwrap();
    }

    #[test]
    fn malformed_modules_are_left_to_the_compiler() {
        check_structure(b"\0asm\x01\0\0\0\x01\xff", &LIMITS).unwrap();
        check_structure(b"not wasm", &LIMITS).unwrap();
    }
}

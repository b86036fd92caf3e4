//! Helpers shared by the integration tests (`mod common;`). Each test
//! crate compiles this file and uses only some of it.
#![allow(dead_code)]

/// memory, a bump `alloc`, and `filter` that echoes, in the given result form,
/// unless the input starts with `!`, when it runs `$misbehave`.
pub fn echo_wat(form: &str, misbehave: &str, extra: &str) -> String {
    let (result, ret) = match form {
        "packed" => (
            "(result i64)",
            "(i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $l)))",
        ),
        _ => ("(result i32 i32)", "(local.get $p) (local.get $l)"),
    };
    format!(
        r#"(module
          (memory (export "memory") 1)
          (global $heap (mut i32) (i32.const 1024))
          (func (export "alloc") (param $n i32) (result i32)
            (local $p i32)
            (local.set $p (global.get $heap))
            (global.set $heap (i32.add (global.get $heap) (local.get $n)))
            (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
              (then (drop (memory.grow (i32.add (i32.shr_u (local.get $n) (i32.const 16)) (i32.const 1))))))
            (local.get $p))
          (func (export "filter") (param $p i32) (param $l i32) {result}
            (if (i32.and (i32.gt_u (local.get $l) (i32.const 0))
                         (i32.eq (i32.load8_u (local.get $p)) (i32.const 33)))
              (then {misbehave}))
            {ret})
          {extra})"#
    )
}

/// [`echo_wat`], assembled.
pub fn echo_plugin(form: &str, misbehave: &str, extra: &str) -> Vec<u8> {
    wat::parse_str(echo_wat(form, misbehave, extra)).expect("valid WAT")
}

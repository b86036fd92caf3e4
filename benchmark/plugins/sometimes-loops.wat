;; `sometimes-loops`: the benchmark's stall and thread-pool plugin (goals 7 and 8
;; of issue 10). Its filter echoes the input, which costs next to nothing, except
;; when the input starts with "loop": then it loops forever, until the host's
;; timeoutMs stops it (TIMEOUT).
;; Build (benchmark/build-plugins.sh): wat2wasm sometimes-loops.wat -o sometimes-loops.wasm
(module
  (memory (export "memory") 1)
  (global $base i32 (i32.const 1024))

  ;; alloc(size) -> ptr: the one input buffer, at $base; memory grows to fit it.
  ;; The host calls alloc once per call, so every call reuses the same bytes.
  (func (export "alloc") (param $size i32) (result i32)
    (local $end i64)
    (local $pages i32)
    (local.set $end (i64.add (i64.extend_i32_u (global.get $base)) (i64.extend_i32_u (local.get $size))))
    (if (i64.gt_u (local.get $end) (i64.const 0xFFFFFFFF)) (then (return (i32.const 0))))
    (local.set $pages (i32.wrap_i64 (i64.shr_u (i64.add (local.get $end) (i64.const 0xFFFF)) (i64.const 16))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.get $base))

  ;; filter(ptr, len) -> (ptr << 32) | len: the input itself, or a loop without end
  ;; when it starts with "loop".
  (func (export "filter") (param $ptr i32) (param $len i32) (result i64)
    (if (i32.ge_u (local.get $len) (i32.const 4))
      (then
        ;; "loop" read as a little-endian i32: 'l' 'o' 'o' 'p' = 0x706f6f6c.
        (if (i32.eq (i32.load align=1 (local.get $ptr)) (i32.const 0x706f6f6c))
          (then (loop $forever (br $forever))))))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))
)

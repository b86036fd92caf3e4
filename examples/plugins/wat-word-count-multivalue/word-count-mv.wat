;; `word-count-mv`: the word-count filter written by hand in WebAssembly text,
;; returning (ptr, len) as TWO i32 results (multi-value), the shape TinyGo emits.
;;
;; A word is a maximal run of bytes that are not ASCII whitespace (space, \t,
;; \n, \v, \f, \r); the UTF-8 input is scanned byte by byte. The result is the
;; count as decimal text: "" -> "0", "  hello   wörld\n" -> "2".
;;
;; Build: wat2wasm word-count-mv.wat -o word-count-mv.wasm   (wabt >= 1.0.20
;; enables multi-value by default; older releases need --enable-multi-value)
(module
  (memory (export "memory") 1)

  ;; 0..15: the result digits. The heap starts at 1024.
  (global $heap_base i32 (i32.const 1024))
  (global $heap (mut i32) (i32.const 1024))

  ;; alloc(size) -> ptr: a bump allocator that grows memory as needed.
  ;; `filter` resets it once the input is consumed, so memory does not grow
  ;; with every call (the ABI calls alloc once per call).
  (func $alloc (export "alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local $pages i32)
    (local.set $ptr (global.get $heap))
    ;; end = ptr + max(size, 1), rounded up to 8; treat size as unsigned
    (if (i32.eqz (local.get $size)) (then (local.set $size (i32.const 1))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then (return (i32.const 0)))) ;; overflow
    (local.set $end (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (if (i32.eqz (local.get $end)) (then (return (i32.const 0)))) ;; wrapped past 4 GiB
    ;; pages needed = ceil(end / 65536)
    (local.set $pages
      (i32.add (i32.shr_u (local.get $end) (i32.const 16))
               (i32.ne (i32.and (local.get $end) (i32.const 0xFFFF)) (i32.const 0))))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; filter(ptr, len) -> (ptr, len): the word count as decimal text.
  (func (export "filter") (param $ptr i32) (param $len i32) (result i32 i32)
    (local $end i32)
    (local $c i32)
    (local $in_word i32)
    (local $words i32)
    (local $i i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $ptr)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 0x20))
                    (i32.le_u (i32.sub (local.get $c) (i32.const 0x09)) (i32.const 4)))
          (then (local.set $in_word (i32.const 0)))
          (else
            (if (i32.eqz (local.get $in_word))
              (then
                (local.set $in_word (i32.const 1))
                (local.set $words (i32.add (local.get $words) (i32.const 1)))))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $scan)))
    ;; The input is consumed: reset the heap.
    (global.set $heap (global.get $heap_base))
    ;; Digits back to front into 0..15, then (ptr, len) of the used tail.
    (local.set $i (i32.const 16))
    (loop $digit
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (local.get $i)
        (i32.add (i32.const 0x30) (i32.rem_u (local.get $words) (i32.const 10))))
      (local.set $words (i32.div_u (local.get $words) (i32.const 10)))
      (br_if $digit (i32.ne (local.get $words) (i32.const 0))))
    (local.get $i)
    (i32.sub (i32.const 16) (local.get $i)))

  ;; last_error() -> (ptr, len): this filter cannot fail, so always (0, 0).
  (func (export "last_error") (result i32 i32)
    (i32.const 0)
    (i32.const 0))
)

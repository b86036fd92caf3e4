// `{{name}}`: an Alloy plugin for alloy-wasm, in AssemblyScript.
//
// One plugin is one .wasm file, and its file name is its name: this one is
// dist/{{name}}.wasm, so its filter is `{{name}}`.
//
// The ABI: the host calls alloc(len), writes the UTF-8 input there, calls
// filter(ptr, len) and reads the result at the (ptr, len) packed into the
// returned i64 as (ptr << 32) | len. It never frees anything, so this plugin
// keeps one input buffer and one output buffer and reuses them (built with
// --runtime stub: no garbage collector, nothing moves).

let inputBuf: usize = 0;
let inputCap: usize = 0;
let outputBuf: usize = 0;
let outputCap: usize = 0;

/** `alloc(size) -> ptr`: a buffer for the host to write the input into, valid until the next call. */
export function alloc(size: i32): usize {
  const need = <usize>max(size, 1);
  if (need > inputCap) {
    if (inputBuf != 0) heap.free(inputBuf);
    inputBuf = heap.alloc(need);
    inputCap = need;
  }
  return inputBuf;
}

/**
 * `last_error() -> (ptr << 32) | len`: the message of the last failed call,
 * or (0, 0). This filter cannot fail; when yours can, return (0, 0) from the
 * call and the message's (ptr, len) from here.
 */
export function last_error(): i64 {
  return 0;
}

/** `filter(ptr, len) -> (ptr << 32) | len`: the input with ASCII letters upper-cased. */
export function filter(ptr: usize, len: i32): i64 {
  const n = <usize>max(len, 0);
  if (n > outputCap) {
    if (outputBuf != 0) heap.free(outputBuf);
    outputBuf = heap.alloc(n);
    outputCap = n;
  }
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(ptr + i);
    // Bytes of multi-byte UTF-8 characters are >= 0x80: copied as they are.
    store<u8>(outputBuf + i, c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
  }
  // An empty result still needs a non-zero pointer: (0, 0) means failure.
  const out = outputBuf != 0 ? outputBuf : alloc(1);
  return <i64>((<u64>out << 32) | <u64>n);
}

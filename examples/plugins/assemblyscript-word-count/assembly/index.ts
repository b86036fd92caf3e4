// `word-count`: an Alloy filter plugin that counts the words in its input.
//
// A word is a maximal run of bytes that are not ASCII whitespace (space, \t,
// \n, \v, \f, \r). The UTF-8 input is scanned byte by byte, never decoded:
// every byte of a multi-byte character is >= 0x80, so it is never whitespace.
// The result is the count as decimal text: "" -> "0", "  hello   wörld\n" -> "2".
//
// Built with --runtime stub (see asconfig.json): no GC, nothing is collected.

// One input buffer, reused (and grown) across calls: the host calls alloc()
// once per call and the buffer is consumed before the next call.
let inputBuf: usize = 0;
let inputCap: usize = 0;

// The result: at most 10 digits ("4294967295").
const OUT: usize = memory.data(16);

/** `alloc(size) -> ptr`: a buffer for the host to write the input into. */
export function alloc(size: i32): usize {
  const need = <usize>max(size, 1);
  if (need > inputCap) {
    if (inputBuf != 0) heap.free(inputBuf);
    inputBuf = heap.alloc(need);
    inputCap = need;
  }
  return inputBuf;
}

function isSpace(c: u32): bool {
  // space, or \t \n \v \f \r (0x09..0x0D)
  return c == 0x20 || (c - 0x09) <= (0x0D - 0x09);
}

/** `filter(ptr, len) -> (ptr << 32) | len`: the word count as decimal text. */
export function filter(ptr: usize, len: i32): i64 {
  let words: u32 = 0;
  let inWord = false;
  const end = ptr + <usize>max(len, 0);
  for (let p = ptr; p < end; p++) {
    if (isSpace(<u32>load<u8>(p))) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      words++;
    }
  }

  // Write the digits back to front, then move them to the start of OUT.
  let n = words;
  let i: usize = 16;
  do {
    i--;
    store<u8>(OUT + i, 0x30 + n % 10);
    n /= 10;
  } while (n != 0);
  const digits: usize = <usize>16 - i;
  memory.copy(OUT, OUT + i, digits);

  return <i64>((<u64>OUT << 32) | <u64>digits);
}

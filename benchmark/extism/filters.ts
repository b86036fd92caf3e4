// The three benchmark filters as one Extism plugin (AssemblyScript + @extism/as-pdk),
// the same logic as the Alloy plugins: word-count (examples/plugins/
// assemblyscript-word-count), slugify (rust-slugify) and lazy images
// (rust-lazy-images-filter). Each export reads the input bytes with
// Host.input(), works on the UTF-8 bytes without decoding them, and writes the
// output bytes with Host.output(); it returns 0 (success) to Extism.
//
// Built by scripts/build-fixtures.sh into build/fixtures/bench/extism-filters.wasm:
//   asc filters.ts --use abort=filters/trapOnAbort -O3 --noAssert --outFile ...
// `--use abort=` points AssemblyScript's abort at trapOnAbort, because an
// Extism host provides no `env.abort` import.
import { Host } from '@extism/as-pdk';

/** A failed AssemblyScript assertion traps, so the host sees an error (never silence). */
function trapOnAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}

function isSpace(c: u32): bool {
  // space, or \t \n \v \f \r (0x09..0x0D)
  return c == 0x20 || c - 0x09 <= 0x0d - 0x09;
}

/** The number of maximal runs of bytes that are not ASCII whitespace, as decimal text. */
export function word_count(): i32 {
  const input = Host.input();
  let words: u32 = 0;
  let inWord = false;
  for (let i = 0, n = input.length; i < n; i++) {
    if (isSpace(<u32>unchecked(input[i]))) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  Host.output(Uint8Array.wrap(String.UTF8.encode(words.toString())));
  return 0;
}

/** ASCII letters lower-cased and digits kept; every other run becomes one '-', none at the ends. */
export function slugify(): i32 {
  const input = Host.input();
  const out = new Uint8Array(input.length);
  let written = 0;
  let separator = false;
  for (let i = 0, n = input.length; i < n; i++) {
    let c = <u32>unchecked(input[i]);
    if (c - 0x41 < 26) c += 0x20; // A-Z -> a-z
    if (c - 0x61 < 26 || c - 0x30 < 10) {
      if (separator && written > 0) unchecked((out[written++] = 0x2d));
      separator = false;
      unchecked((out[written++] = <u8>c));
    } else {
      separator = true;
    }
  }
  Host.output(out.slice(0, written));
  return 0;
}

/** Whether `<img ` starts at byte `at` (the '<' already matched). */
function isImgTag(input: Uint8Array, at: i32): bool {
  return at + 5 <= input.length &&
    unchecked(input[at + 1]) == 0x69 && // i
    unchecked(input[at + 2]) == 0x6d && // m
    unchecked(input[at + 3]) == 0x67 && // g
    unchecked(input[at + 4]) == 0x20; // space
}

const ATTRIBUTE = 'loading="lazy" ';

/** Every `<img ` becomes `<img loading="lazy" `; everything else is copied unchanged. */
export function lazy_images(): i32 {
  const input = Host.input();
  const n = input.length;
  // First pass: where each `<img ` ends, so the output is allocated once.
  const ends = new Array<i32>();
  for (let i = 0; i < n; i++) {
    if (unchecked(input[i]) == 0x3c && isImgTag(input, i)) {
      ends.push(i + 5);
      i += 4;
    }
  }
  const attribute = Uint8Array.wrap(String.UTF8.encode(ATTRIBUTE));
  const extra = attribute.length;
  const out = new Uint8Array(n + ends.length * extra);
  let copied = 0;
  let written = 0;
  for (let k = 0; k < ends.length; k++) {
    const end = unchecked(ends[k]);
    memory.copy(out.dataStart + written, input.dataStart + copied, end - copied);
    written += end - copied;
    memory.copy(out.dataStart + written, attribute.dataStart, extra);
    written += extra;
    copied = end;
  }
  memory.copy(out.dataStart + written, input.dataStart + copied, n - copied);
  Host.output(out);
  return 0;
}

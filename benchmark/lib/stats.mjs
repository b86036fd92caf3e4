// Timing helpers: calibrated iteration counts, rounds with the cases
// interleaved (so machine noise hits them alike), medians.

/** The median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nanoseconds since an arbitrary origin. */
export function now() {
  return Number(process.hrtime.bigint());
}

/**
 * How many iterations of `sample` (which runs `n` iterations and returns the
 * nanoseconds taken) fill about `targetMs`; at least `min`.
 */
export async function calibrate(sample, targetMs, min = 1) {
  let n = min;
  for (;;) {
    const ns = await sample(n);
    if (ns >= targetMs * 1e6 / 4 || n >= 1e8) {
      return Math.max(min, Math.round(n * (targetMs * 1e6) / Math.max(ns, 1)));
    }
    n *= ns < targetMs * 1e6 / 100 ? 10 : 2;
  }
}

/**
 * Times every case in `rounds` rounds. A case is { key, sample(n) -> ns, perIteration }:
 * `sample` runs n iterations, each worth `perIteration` calls (default 1).
 * Each round runs every case once, starting one case later than the previous
 * round, so no case always runs first. Returns Map(key -> median ns per call)
 * and the per-round samples.
 */
export async function timeCases(cases, { rounds, targetMs, onProgress = () => {} }) {
  const counts = new Map();
  for (const c of cases) counts.set(c.key, await calibrate(c.sample, targetMs, c.minIterations ?? 1));
  const samples = new Map(cases.map((c) => [c.key, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length];
      const n = counts.get(c.key);
      const ns = await c.sample(n);
      samples.get(c.key).push(ns / (n * (c.perIteration ?? 1)));
    }
    onProgress(r + 1, rounds);
  }
  const medians = new Map([...samples].map(([key, xs]) => [key, median(xs)]));
  return { medians, samples, counts };
}

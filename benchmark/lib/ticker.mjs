// A 1 ms timer chain that records how late the event loop let it fire: the
// probe of goal 7 (no async call holds the event loop).
import { performance } from 'node:perf_hooks';

/**
 * Starts a setTimeout(…, periodMs) chain. stop() ends it and returns
 * { ticks, worstGapMs, worstLateMs }: the longest time between two firings
 * (or between the last firing and stop()), and that minus the period.
 */
export function startTicker(periodMs = 1) {
  let last = performance.now();
  let worstGapMs = 0;
  let ticks = 0;
  let stopped = false;
  let timer;
  const tick = () => {
    const t = performance.now();
    worstGapMs = Math.max(worstGapMs, t - last);
    last = t;
    ticks++;
    if (!stopped) timer = setTimeout(tick, periodMs);
  };
  timer = setTimeout(tick, periodMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      worstGapMs = Math.max(worstGapMs, performance.now() - last);
      return { ticks, worstGapMs, worstLateMs: Math.max(0, worstGapMs - periodMs) };
    },
  };
}

/** Resolves after `ms` (lets pending timers fire between phases). */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Goal 7 of issue 10: no async call holds the event loop. With a 1 ms timer
// chain running (ticker.mjs), a plugin that is cheap on most inputs and loops
// until timeoutMs on others (benchmark/plugins/sometimes-loops.wat) is called
// through filter() in three phases:
//   cheap:       thousands of cheap calls, awaited one at a time
//   loop-serial: looping calls awaited one at a time, each followed by cheap calls
//   loop-mixed:  looping calls among cheap calls, all in flight (started 50
//                per event-loop turn)
// Every cheap call must echo its input and every looping call must reject
// with code TIMEOUT; the timer's worst lateness is the measure.
import alloy from '../../js/index.js';
import { startTicker, sleep } from './ticker.mjs';

const { PluginHost } = alloy;
const CHEAP = 'Ten Tips for Faster Static Site Builds!!';
const SUBMIT_CHUNK = 50;

/** Checks one call's outcome; returns 'ok' or what went wrong. */
async function outcome(promise, expectTimeout, input) {
  try {
    const output = await promise;
    if (expectTimeout) return 'resolved instead of rejecting with TIMEOUT';
    return output === input ? 'ok' : `returned ${JSON.stringify(output.slice(0, 40))} instead of its input`;
  } catch (err) {
    if (expectTimeout) return err?.code === 'TIMEOUT' ? 'ok' : `rejected with ${err?.code ?? err} instead of TIMEOUT`;
    return `rejected with ${err?.code ?? err}`;
  }
}

/**
 * { timeoutMs, phases: [{ phase, cheapCalls, loopingCalls, ms, ticks, worstLateMs }],
 *   worstLateMs, loopingCalls, timeouts, failures: [string] }.
 */
export async function measureStall(wasmPath, { cheapCalls, loopingCalls, timeoutMs, cacheDir }) {
  const host = await PluginHost.create({ cacheDir, timeoutMs });
  const failures = [];
  let timeouts = 0;
  let looping = 0;
  const check = async (promise, expectTimeout, input, label) => {
    const result = await outcome(promise, expectTimeout, input);
    if (expectTimeout) looping++;
    if (expectTimeout && result === 'ok') timeouts++;
    if (result !== 'ok' && failures.length < 10) failures.push(`${label}: ${result}`);
  };
  const loopInput = (i) => `loop ${i}`;
  const phases = [];
  const phase = async (name, counts, body) => {
    await sleep(5);
    const ticker = startTicker(1);
    const start = performance.now();
    await body();
    const ms = performance.now() - start;
    const { ticks, worstLateMs } = ticker.stop();
    phases.push({ phase: name, ...counts, ms, ticks, worstLateMs });
  };
  try {
    await host.add('sometimes-loops', wasmPath);
    const call = (input) => host.filter('sometimes-loops', input);

    await phase('cheap: calls awaited one at a time', { cheapCalls, loopingCalls: 0 }, async () => {
      for (let i = 0; i < cheapCalls; i++) await check(call(CHEAP), false, CHEAP, 'cheap call');
    });

    const between = Math.max(1, Math.round(cheapCalls / 20));
    await phase('loop-serial: each looping call awaited, then cheap calls', { cheapCalls: loopingCalls * between, loopingCalls }, async () => {
      for (let l = 0; l < loopingCalls; l++) {
        await check(call(loopInput(l)), true, null, 'looping call');
        for (let i = 0; i < between; i++) await check(call(CHEAP), false, CHEAP, 'cheap call after a looping one');
      }
    });

    const mixedCheap = Math.max(1, Math.round(cheapCalls / 5));
    await phase('loop-mixed: looping and cheap calls all in flight', { cheapCalls: mixedCheap, loopingCalls }, async () => {
      // The looping calls spread evenly among the cheap ones.
      const loopsAt = new Set(Array.from({ length: loopingCalls }, (_, l) => Math.floor((l * mixedCheap) / loopingCalls)));
      // Started SUBMIT_CHUNK at a time, one chunk per event-loop turn, so the
      // timer measures the host rather than one long loop of this harness's.
      const calls = [];
      for (let i = 0; i < mixedCheap; i++) {
        if (i > 0 && i % SUBMIT_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
        if (loopsAt.has(i)) calls.push(check(call(loopInput(i)), true, null, 'looping call in flight'));
        calls.push(check(call(CHEAP), false, CHEAP, 'cheap call in flight'));
      }
      await Promise.all(calls);
    });
  } finally {
    await host.close();
  }
  return {
    timeoutMs,
    phases,
    worstLateMs: Math.max(...phases.map((p) => p.worstLateMs)),
    loopingCalls: looping,
    timeouts,
    failures,
  };
}

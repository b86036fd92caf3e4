'use strict';
// The measurements of `bench`: one plugin's filter called four ways on one
// input, warmed up, then several rounds with the four ways interleaved, and
// the median per call of the rounds.

const { ErrorCodes, pluginError } = require('../errors');

/** Aim for about this long per way and round when --calls is not given. */
const TARGET_ROUND_MS = 200;
const MIN_CALLS = 100;
const MAX_CALLS = 100_000;
/** filterMany batches hold at most this many input bytes. */
const MAX_BATCH_BYTES = 32 * 1024 * 1024;
/** Progress is reported every this many calls (checking the clock costs a little). */
const TICK = 64;

/** The four ways of calling, each timing `calls` calls of the filter. */
function ways({ host, name, input, inFlight, batch }) {
  return [
    {
      key: 'filterSync',
      label: 'filterSync',
      async run(calls, tick) {
        for (let i = 0; i < calls; i++) {
          host.filterSync(name, input);
          if ((i + 1) % TICK === 0) tick(TICK);
        }
        tick(calls % TICK);
      },
    },
    {
      key: 'filter',
      label: 'filter, one at a time',
      async run(calls, tick) {
        for (let i = 0; i < calls; i++) {
          await host.filter(name, input);
          if ((i + 1) % TICK === 0) tick(TICK);
        }
        tick(calls % TICK);
      },
    },
    {
      key: 'filterInFlight',
      label: `filter, ${inFlight} in flight`,
      async run(calls, tick) {
        let started = 0;
        let finished = 0;
        const worker = async () => {
          while (started < calls) {
            started += 1;
            await host.filter(name, input);
            finished += 1;
            if (finished % TICK === 0) tick(TICK);
          }
        };
        await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
        tick(calls % TICK);
      },
    },
    {
      key: 'filterMany',
      label: `filterMany, batches of ${batch}`,
      async run(calls, tick) {
        const full = new Array(batch).fill(input);
        for (let done = 0; done < calls; done += batch) {
          const size = Math.min(batch, calls - done);
          await host.filterMany(name, size === batch ? full : full.slice(0, size));
          tick(size);
        }
      },
    },
  ];
}

/** Nanoseconds `work()` takes. */
async function time(work) {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Benchmarks the filter of the loaded plugin `info` on `input`.
 * settings: { calls (null: pick), rounds, inFlight, progress(total) -> Progress }.
 * Resolves to { calls, rounds, inFlight, batch, agree, results: [...] }.
 */
async function benchFilter(host, info, input, settings) {
  const name = info.name;
  if (!info.exports.includes('filter')) {
    throw pluginError(ErrorCodes.MISSING_EXPORT, 'has no filter export; bench times filter calls', { plugin: name, export: 'filter' });
  }
  const inputBytes = Buffer.byteLength(input);

  // Every way must give the same output; a failing call stops here with its error.
  const expected = host.filterSync(name, input);
  const outputs = [
    await host.filter(name, input),
    ...(await Promise.all([host.filter(name, input), host.filter(name, input)])),
    ...(await host.filterMany(name, [input, input])),
  ];
  const agree = outputs.every((output) => output === expected);

  let calls = settings.calls;
  if (calls === null) {
    // Calibrate on awaited filter calls, the slowest way for small inputs.
    for (let i = 0; i < 10; i++) await host.filter(name, input);
    const sample = 20;
    const ns = await time(async () => { for (let i = 0; i < sample; i++) await host.filter(name, input); });
    calls = Math.round((TARGET_ROUND_MS * 1e6) / (ns / sample));
    calls = Math.min(MAX_CALLS, Math.max(MIN_CALLS, calls));
  }
  const batch = Math.max(1, Math.min(calls, Math.floor(MAX_BATCH_BYTES / Math.max(1, inputBytes))));
  const inFlight = settings.inFlight;
  const list = ways({ host, name, input, inFlight, batch });

  const warmup = Math.max(10, Math.min(1000, Math.floor(calls / 10)));
  const progress = settings.progress((warmup + settings.rounds * calls) * list.length);
  const samples = new Map(list.map((way) => [way.key, []]));
  try {
    for (const way of list) await way.run(warmup, (n) => progress.advance(n, `warm-up: ${way.label}`));
    for (let round = 1; round <= settings.rounds; round++) {
      for (const way of list) {
        const label = `round ${round}/${settings.rounds}: ${way.label}`;
        const ns = await time(() => way.run(calls, (n) => progress.advance(n, label)));
        samples.get(way.key).push(ns / calls);
      }
    }
  } finally {
    progress.done();
  }

  const results = list.map((way) => {
    const perCall = samples.get(way.key);
    const mid = median(perCall);
    return {
      call: way.key,
      label: way.label,
      medianNs: mid,
      minNs: Math.min(...perCall),
      maxNs: Math.max(...perCall),
      callsPerSecond: 1e9 / mid,
      roundsNs: perCall,
    };
  });
  return { calls, rounds: settings.rounds, inFlight, batch, inputBytes, agree, expected, results };
}

module.exports = { benchFilter, median };

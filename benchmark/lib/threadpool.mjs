// Goal 8 of issue 10: no plugin work on libuv's thread pool (4 threads by
// default), which serves the site generator's file reads and writes. Times
// `fs.promises.readFile` of a small file, one read after another:
//   baseline:              nothing else running
//   CPU control:           as many busy worker_threads as plugin calls run at
//                          once below, for timeoutMs: the cost of a busy CPU
//                          alone (2 cores), with libuv's pool left free
//   one host, N in flight: N long calls on one host (sometimes-loops.wat,
//                          looping until timeoutMs)
//   H hosts, 1 call each:  one long call on each of H hosts at once (a lone
//                          call per host: the case a host may hand to libuv)
// Criterion (stated in the goal): the worst read while plugin calls run takes
// at most 2x the worst read of the baseline or the CPU control, + 5 ms. A read
// queued behind plugin work on the pool waits about timeoutMs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import alloy from '../../js/index.js';
import { median } from './stats.mjs';
import { sleep } from './ticker.mjs';

const { PluginHost } = alloy;

/** Reads `file` back to back until `until()` is true (or `maxReads`); each read's latency in ms. */
async function sampleReads(file, until, maxReads) {
  const latencies = [];
  while (!until() && latencies.length < maxReads) {
    const start = performance.now();
    await readFile(file);
    latencies.push(performance.now() - start);
  }
  return latencies;
}

function summarize(name, latencies, extra = {}) {
  return {
    scenario: name,
    reads: latencies.length,
    medianMs: latencies.length > 0 ? median(latencies) : null,
    maxMs: latencies.length > 0 ? Math.max(...latencies) : null,
    ...extra,
  };
}

// Tells the parent it runs, then spins for workerData ms.
const BURNER = `const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage('spinning');
const end = Date.now() + workerData;
while (Date.now() < end);`;

/** A worker_thread spinning for `ms`: { started, exited } promises. */
function burnCpu(ms) {
  const worker = new Worker(BURNER, { eval: true, workerData: ms });
  const exited = new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  const started = new Promise((resolve) => worker.once('message', resolve));
  return { started: Promise.race([started, exited]), exited };
}

/** Reads sampled while `count` threads burn the CPU (from when all of them spin). */
async function readsDuringBusyCpu(name, file, count, ms, maxReads) {
  const burners = Array.from({ length: count }, () => burnCpu(ms));
  await Promise.all(burners.map((b) => b.started));
  let done = false;
  const burning = Promise.all(burners.map((b) => b.exited)).finally(() => {
    done = true;
  });
  const latencies = await sampleReads(file, () => done, maxReads);
  await burning;
  return summarize(name, latencies);
}

/** Runs `calls()` (an array of promises that must reject with TIMEOUT) while reads are sampled. */
async function readsDuring(name, file, calls, maxReads) {
  let settled = false;
  const started = performance.now();
  const outcomes = Promise.allSettled(calls()).then((results) => {
    settled = true;
    return results;
  });
  const latencies = await sampleReads(file, () => settled, maxReads);
  const results = await outcomes;
  const ms = performance.now() - started;
  const timeouts = results.filter((r) => r.status === 'rejected' && r.reason?.code === 'TIMEOUT').length;
  return summarize(name, latencies, { pluginCalls: results.length, timeouts, ms });
}

/**
 * { threadpoolSize, timeoutMs, scenarios: [{ scenario, reads, medianMs, maxMs, pluginCalls?, timeouts? }],
 *   baseline, control, worstDuringMs, limitMs, pluginCalls, timeouts }.
 */
export async function measureThreadPool(wasmPath, { timeoutMs, inFlight, hosts: hostCount, baselineReads, maxReads, cacheDir }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'alloy-bench-pool-'));
  const file = path.join(dir, 'page.html');
  writeFileSync(file, 'x'.repeat(4096));
  const hosts = [];
  try {
    for (let h = 0; h < Math.max(1, hostCount); h++) {
      const host = await PluginHost.create({ cacheDir, timeoutMs });
      await host.add('sometimes-loops', wasmPath);
      hosts.push(host);
    }
    const loop = (host, i) => host.filter('sometimes-loops', `loop ${i}`);
    await sampleReads(file, () => false, 20); // warm-up
    await sleep(5);
    const baseline = summarize('baseline: no plugin calls', await sampleReads(file, () => false, baselineReads));
    await sleep(5);
    const busy = Math.max(Math.min(inFlight, hosts[0].threads), hosts.length);
    const control = await readsDuringBusyCpu(`CPU control: ${busy} busy worker_threads, no plugin calls`, file, busy, timeoutMs, maxReads);
    await sleep(5);
    const oneHost = await readsDuring(`one host, ${inFlight} long calls in flight`, file,
      () => Array.from({ length: inFlight }, (_, i) => loop(hosts[0], i)), maxReads);
    await sleep(5);
    const manyHosts = await readsDuring(`${hosts.length} hosts, one long call each`, file,
      () => hosts.map((host, i) => loop(host, i)), maxReads);
    const during = [oneHost, manyHosts];
    const worstDuringMs = Math.max(...during.map((s) => s.maxMs ?? Infinity));
    return {
      threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
      timeoutMs,
      scenarios: [baseline, control, ...during],
      baseline,
      control,
      worstDuringMs,
      limitMs: 2 * Math.max(baseline.maxMs, control.maxMs) + 5,
      pluginCalls: during.reduce((n, s) => n + s.pluginCalls, 0),
      timeouts: during.reduce((n, s) => n + s.timeouts, 0),
    };
  } finally {
    await Promise.all(hosts.map((host) => host.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

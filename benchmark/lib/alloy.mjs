// alloy-wasm's calls on the benchmark filters: filterSync, filter (awaited one
// at a time, or many in flight) and filterMany.
import alloy from '../../js/index.js';

const { PluginHost } = alloy;

/** A host with the benchmark filters added under their benchmark names. */
export async function loadAlloyHost(paths, options) {
  const host = await PluginHost.create(options);
  try {
    for (const [name, wasmPath] of Object.entries(paths)) await host.add(name, wasmPath);
  } catch (err) {
    await host.close();
    throw err;
  }
  return host;
}

/** Runs `inputs.length` filter calls with at most `inFlight` pending at a time; outputs in order. */
export async function filterInFlight(host, name, inputs, inFlight) {
  const outputs = new Array(inputs.length);
  for (let start = 0; start < inputs.length; start += inFlight) {
    const batch = inputs.slice(start, start + inFlight).map((input) => host.filter(name, input));
    const done = await Promise.all(batch);
    for (let i = 0; i < done.length; i++) outputs[start + i] = done[i];
  }
  return outputs;
}

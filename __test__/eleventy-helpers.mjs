// Real Eleventy 3 builds for the adapter's tests: a site folder holds src/
// (the templates), plugins/ (the .wasm files) and gets _site/.
import assert from 'node:assert/strict';
import path from 'node:path';

import Eleventy from '@11ty/eleventy';

import alloyWasm from 'alloy-wasm/eleventy';
import { PluginError } from './helpers.mjs';

/**
 * Builds the site in `dir` with the adapter (plugins/ of the site, no
 * compile cache, plus `options`); `extra(config)` adds to Eleventy's
 * configuration. Resolves to { eleventy, eleventyConfig }.
 */
export async function build(dir, options = {}, extra = () => {}) {
  let eleventyConfig;
  const eleventy = new Eleventy(path.join(dir, 'src'), path.join(dir, '_site'), {
    quietMode: true,
    configPath: false, // no config file: only what the test registers
    config(config) {
      eleventyConfig = config;
      config.addPlugin(alloyWasm, { dir: path.join(dir, 'plugins'), cacheDir: null, ...options });
      extra(config);
    },
  });
  await eleventy.write();
  return { eleventy, eleventyConfig };
}

/** An error and its causes (Eleventy wraps errors in `originalError`, Node in `cause`). */
export function errorChain(err) {
  const chain = [];
  for (let e = err; e && !chain.includes(e); e = e.originalError ?? e.cause) chain.push(e);
  return chain;
}

/** Builds as build() does, expecting it to fail; resolves to the PluginError in the failure's chain. */
export async function buildFails(dir, options, extra) {
  let caught;
  try {
    await build(dir, options, extra);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, 'the build should have failed');
  const chain = errorChain(caught);
  const pluginErr = chain.find((err) => err instanceof PluginError);
  assert.ok(pluginErr, `a PluginError in the chain: ${chain.map((e) => e.message).join(' <- ')}`);
  return pluginErr;
}

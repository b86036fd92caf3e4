// ESM entry of the Eleventy adapter: the same function as the CommonJS one.
//   import alloyWasm from 'alloy-wasm/eleventy';
//   export default function (eleventyConfig) {
//     eleventyConfig.addPlugin(alloyWasm, { dir: 'plugins' });
//   }
import alloyWasm from './eleventy.js';

export const { DEFAULTS } = alloyWasm;
export default alloyWasm;

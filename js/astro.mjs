// ESM entry of alloy-wasm/astro: the same objects as the CommonJS one.
import alloyWasm from './astro.js';

export const { getHost, filter, shortcode } = alloyWasm;
export default alloyWasm;

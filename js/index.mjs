// ESM entry: the same objects as the CommonJS one.
import alloy from './index.js';

export const { PluginHost, PluginError, ErrorCodes, DEFAULT_OPTIONS, versions } = alloy;
export default alloy;

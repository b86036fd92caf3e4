// Types of alloy-wasm/astro, the Astro integration (see docs/astro.md).
// Written as `export =` because the package is CommonJS: an ESM default
// import then types as the function itself under every module resolution.
import type { AstroIntegration } from 'astro';
import type { HookHandler, PluginHost, PluginHostOptions } from './index';

/**
 * The Astro integration: `integrations: [alloyWasm({ dir: 'plugins' })]`.
 * Runs Alloy's lifecycle events at their Astro counterparts (onConfig at
 * astro:build:start; onContentTransformed, onPageRendered, onAssetProcess and
 * onBuildComplete in astro:build:done; see docs/lifecycle-events.md), and
 * closes the host when the build ends.
 */
declare function alloyWasm(options?: alloyWasm.AlloyWasmAstroOptions): AstroIntegration;

declare namespace alloyWasm {
  /** Options of alloyWasm(): `dir` plus every host option. Unknown keys are INVALID_OPTIONS. */
  export interface AlloyWasmAstroOptions extends PluginHostOptions {
    /** The folder of `*.wasm` plugins; a relative path is resolved against Astro's `root`. Default 'plugins'. */
    dir?: string;
    /**
     * JS hook handlers, mixed in with the plugins' hooks by priority (lower
     * first; WASM hooks run at 50; default 50). A handler may be async;
     * returning undefined leaves the payload as it was.
     */
    hooks?: Array<{ event: string; priority?: number; handler: HookHandler }>;
    /**
     * Per plugin: `pages` (a glob over the page URL like '/blog/**', a list
     * of globs, true or false) for its per-page hooks, `priority` instead of
     * 50, and `config` for its `configure` export. Default {}.
     */
    plugins?: Record<string, { pages?: string | string[] | boolean; priority?: number; config?: unknown }>;
    /** Compiled-module cache folder; a relative path is resolved against Astro's `root`; null disables it. Default '.alloy/wasm-cache'. */
    cacheDir?: string | null;
  }

  /**
   * The plugin host of the running build or dev server, for .astro
   * frontmatter: `const host = await getHost()`. Rejects outside a build or
   * dev server that uses the integration, and after the build has ended
   * (HOST_CLOSED).
   */
  export function getHost(): Promise<PluginHost>;

  /**
   * Runs a plugin's filter on the build's host: `await filter('uppercase', title)`;
   * `args` (JSON values) go to its `filter_args` export: `await filter('truncate', title, [40, '…'])`.
   */
  export function filter(name: string, input: string, args?: unknown[]): Promise<string>;

  /** Runs a plugin's shortcode on the build's host; resolves to HTML for `<Fragment set:html={...} />`. */
  export function shortcode(name: string, args?: string[], content?: string): Promise<string>;

  /** The same function, for `require('alloy-wasm/astro').default`. */
  const _default: typeof alloyWasm;
  export { _default as default };
}

export = alloyWasm;

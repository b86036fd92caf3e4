// Types of the Eleventy adapter, `alloy-wasm/eleventy` (see docs/eleventy.md).
import type { HookHandler, HookPayload, PluginHostOptions } from './index';

declare namespace alloyWasm {
  /**
   * One plugin's entry in the adapters' `plugins` option. Unknown keys, and
   * names of plugins the folder lacks, are INVALID_OPTIONS.
   */
  interface PluginOptions {
    /**
     * The pages its per-page hooks (onContentTransformed, onPageRendered) run
     * on: a glob over the page URL like '/blog/**', a list of globs (any
     * matches), true (every page, the default) or false (none). Build events
     * ignore it.
     */
    pages?: string | string[] | boolean;
    /** The priority of its hooks instead of 50 (lower runs first). */
    priority?: number;
    /** Any JSON value, given to the plugin's `configure` export on every new instance. */
    config?: unknown;
  }

  /** What onContentTransformed and onPageRendered handlers get, once per output HTML page. */
  interface ContentTransformedPayload extends HookPayload {
    event: 'onContentTransformed' | 'onPageRendered';
    /** The page's HTML; the last handler's `html` is written to the page. */
    html: string;
    /** The page's URL, like '/blog/post/'. */
    url: string;
    /** The template, like './src/blog/post.md'. */
    inputPath: string;
    /** The output file, like '_site/blog/post/index.html'. */
    outputPath: string;
  }

  /** A JS hook handler, run with the plugins' hooks by priority. */
  interface EleventyHook<P extends HookPayload = ContentTransformedPayload> {
    /** The event, like 'onContentTransformed'. */
    event: string;
    /** Lower runs first; WASM hooks run at 50. Default 50. */
    priority?: number;
    /** Returns the next payload, or undefined to leave it as it was; may be async. */
    handler: HookHandler<P>;
  }

  /** The adapter's options; every host option (cacheDir, threads, timeoutMs, memoryLimitMb) is accepted too. */
  interface EleventyOptions extends PluginHostOptions {
    /** Folder of the *.wasm plugins, relative to the site root (Eleventy's working directory). Default 'plugins'. */
    dir?: string;
    /** Plugins whose shortcode is registered in the paired form; the inner content is passed as `content`. Default []. */
    paired?: string[];
    /** false: sync filters and shortcodes (every template language); true or a list of plugin names: async ones. Default false. */
    async?: boolean | string[];
    /** JS hook handlers, mixed in with the plugins' hooks by priority. Default []. */
    hooks?: EleventyHook<any>[];
    /** true: the per-page hooks run in one pass over every written page after the build, spread over the worker threads. Default false. */
    parallel?: boolean;
    /** Per plugin: pages, priority and config, like { 'lazy-images': { pages: '/blog/**', priority: 10 } }. Default {}. */
    plugins?: Record<string, PluginOptions>;
  }
}

/**
 * The Eleventy plugin: `eleventyConfig.addPlugin(alloyWasm, { dir: 'plugins' })`.
 * Needs Eleventy 3 or newer. Resolves once the plugins are loaded and registered.
 */
declare function alloyWasm(eleventyConfig: object, options?: alloyWasm.EleventyOptions): Promise<void>;

declare namespace alloyWasm {
  /** The adapter's own options with their defaults. */
  const DEFAULTS: Readonly<Required<Pick<EleventyOptions, 'dir' | 'paired' | 'async' | 'hooks' | 'plugins' | 'parallel'>>>;
}

export = alloyWasm;

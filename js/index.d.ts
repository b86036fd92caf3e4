// Types of the alloy-wasm JavaScript API (see README.md and CONTRACT.md).

/** Options of a host; every one is optional. Unknown keys are INVALID_OPTIONS. */
export interface PluginHostOptions {
  /** Compiled-module cache folder, relative to the working directory; null disables it. Default '.alloy/wasm-cache'. */
  cacheDir?: string | null;
  /** Worker threads for async and batch calls; 0 = one per available core. Default 0. */
  threads?: number;
  /** Time limit of one call in milliseconds (TIMEOUT past it). Default 1000. */
  timeoutMs?: number;
  /** Linear-memory cap of one plugin instance in MiB (MEMORY_LIMIT past it). Default 256. */
  memoryLimitMb?: number;
  /** Replace an instance whose memory grew past this many MiB (between calls). Default null: 32, or half of memoryLimitMb if smaller. */
  recycleMemoryMb?: number | null;
  /** Replace an instance after this many calls; 0 = never. Default 10000. */
  recycleAfterCalls?: number;
  /** Keep plugins' stdout/stderr for output(name): true = 64 KiB per stream, a number = that many bytes. Default false. */
  captureOutput?: boolean | number;
  /**
   * Remember outputs of pure plugins (whose output depends on nothing but their input and config): true for all,
   * or a list of plugin names, in memory; or { dir, mb?, plugins? } to keep them in the folder `dir` between
   * builds as well. Default false.
   */
  memoize?: boolean | string[] | MemoizeOnDisk;
  /** Budget of the in-memory memo in MiB. Default 64. */
  memoizeMb?: number;
  /**
   * Largest .wasm file add(name, path) and load(dir) read, in MiB (a larger one is INVALID_MODULE). Only regular
   * files are read: a FIFO, a device or a folder is IO_ERROR at once, and load(dir) passes such entries over.
   * Default 64.
   */
  maxPluginFileMb?: number;
}

/** Plain JSON data: what a plugin config and a filter argument may be. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What the host takes for one plugin in the `plugins` option. */
export interface PluginSettings {
  /**
   * The plugin's configuration, any JSON value. Its JSON reaches the plugin's export
   * configure(ptr, len) -> (ptr, len) once on every new instance (after _initialize/_start, before any
   * other call); (0, 0) from configure fails the load (or that call) with PLUGIN_ERROR and last_error's
   * text. A config for a plugin without configure, or one that is not JSON data, is INVALID_OPTIONS.
   */
  config?: JsonValue;
}

/** Options of load() and create(): the host options, and per-plugin settings. */
export interface LoadOptions extends PluginHostOptions {
  /**
   * Settings by plugin name, e.g. { 'cfg': { config: { lang: 'en' } } }. With load(dir) every name must be
   * a plugin of dir; with create() a name applies to a later add(name) (whose own config wins). An unknown
   * name or key is INVALID_OPTIONS naming it.
   */
  plugins?: Record<string, PluginSettings>;
}

/** memoize's object form: the outputs of `plugins` memoized in memory and kept in the folder `dir` between builds. */
export interface MemoizeOnDisk {
  /** The folder, relative to the working directory; created when missing. Share it only with builds you trust. */
  dir: string;
  /** Budget of the folder in MiB; the least recently used entries are removed past it. Default 256. */
  mb?: number;
  /** The pure plugins: true for all, or their names. Default true. */
  plugins?: true | string[];
}

/** The memo's counters, shared by the memoized plugins. */
export interface MemoStats {
  /** Outputs in the in-memory memo, and their bytes. */
  entries: number;
  bytes: number;
  /** Calls answered from memory, and lookups memory could not answer. */
  hits: number;
  misses: number;
  /** Entries in the memo folder (memoize: { dir }) as this host knows them, and their bytes; 0 without a folder. */
  diskEntries: number;
  diskBytes: number;
  /** Memory misses answered from the folder, and those it could not answer (no entry, or a damaged one). */
  diskHits: number;
  diskMisses: number;
  /** Entries written to the folder, and writes that failed (diskError says why the last one failed). */
  diskWrites: number;
  diskErrors: number;
  diskError: string | null;
}

/** What a plugin wrote to stdout/stderr since the last output() call. */
export interface CapturedOutput {
  stdout: string;
  stderr: string;
  /** Bytes written past the captureOutput cap and not kept. */
  droppedBytes: number;
}

/** Counters of one plugin's instances, and of the memo. */
export interface PluginStats {
  instancesCreated: number;
  /** Replaced because of recycleMemoryMb or recycleAfterCalls. */
  instancesRecycled: number;
  /** Dropped because a call may have left them broken (trap, timeout, memory limit, bad result). */
  instancesDiscarded: number;
  idleInstances: number;
  /** null when memoize is off. Counting waits for the memo folder's queued writes. */
  memo: MemoStats | null;
}

/** What plugins() tells about one plugin. */
export interface PluginInfo {
  name: string;
  /** The .wasm file it was loaded from; null when added from bytes. */
  path: string | null;
  /**
   * The ABI exports it has: 'memory', 'alloc', then any of 'filter', 'filter_args', 'shortcode', 'hooks',
   * 'hook', 'last_error', 'configure' (in that order).
   */
  exports: string[];
  /** The hook events its hooks() declared. */
  hooks: string[];
  /** Whether it imports WASI preview 1. */
  wasi: boolean;
  /**
   * How its exports return (ptr, len): 'i64' = one i64 (ptr << 32 | len); 'multi-value' = two i32
   * results; 'retptr' = no results and a first parameter retptr where the two i32s are stored
   * (TinyGo's lowering: filter(retptr, ptr, len), hooks(retptr)). null when it has no ABI export.
   */
  results: 'i64' | 'multi-value' | 'retptr' | null;
  /** Whether it was given a config (see PluginSettings.config). */
  configured: boolean;
  /** Size of the .wasm in bytes. */
  size: number;
  /** Whether the compiled-module cache had it: 'hit', 'miss' (compiled now), or 'off' (cacheDir: null). */
  cache: 'hit' | 'miss' | 'off';
  /** Milliseconds spent compiling it, or loading it from the cache. */
  compileMs: number;
  /** Why its cache entry could not be written (the plugin still loaded); null when all went well. */
  cacheError: string | null;
}

export type ErrorCode =
  | 'PLUGIN_NOT_FOUND'
  | 'MISSING_EXPORT'
  | 'INVALID_MODULE'
  | 'UNSUPPORTED_IMPORT'
  | 'PLUGIN_ERROR'
  | 'BAD_RESULT'
  | 'INVALID_HOOKS'
  | 'INVALID_JSON'
  | 'TRAP'
  | 'TIMEOUT'
  | 'MEMORY_LIMIT'
  | 'INVALID_OPTIONS'
  | 'INVALID_INPUT'
  | 'IO_ERROR'
  | 'DUPLICATE_PLUGIN'
  | 'HOST_CLOSED'
  | 'INTERNAL';

export declare const ErrorCodes: { readonly [K in ErrorCode]: K };

/** Every failure of the API. The message names the plugin, the export and the code. */
export declare class PluginError extends Error {
  readonly name: 'PluginError';
  readonly code: ErrorCode;
  /** The plugin concerned, where there is one. */
  readonly plugin?: string;
  /** The export being called ('filter', 'shortcode', 'hook', 'hooks', '_start', ...). */
  readonly export?: string;
  /** filterMany: the index of the input that failed. */
  readonly index?: number;
  /** When the plugin trapped: the wasm frames it was in, one per line, innermost first (the message stays one line). */
  readonly backtrace?: string;
  /** What the plugin's author should change (also at the end of the message); null when there is no advice. Set on errors from loading or running a plugin. */
  readonly fix?: string | null;
}

/** A hook payload: any JSON object; WASM hooks get it with an "event" key. */
export type HookPayload = { event?: string; [key: string]: unknown };

export type HookHandler<P extends HookPayload = HookPayload> = (payload: P) => P | void | Promise<P | void>;

/** Options of `add()`. */
export interface AddOptions {
  /** Replace a loaded plugin of the same name (calls already running finish on the old one). Default false: the name must be new (DUPLICATE_PLUGIN). */
  replace?: boolean;
  /** The plugin's config (see PluginSettings.config); default: the one the `plugins` option gave this name, if any. */
  config?: JsonValue;
}

export declare const DEFAULT_OPTIONS: Readonly<Required<PluginHostOptions>>;

/** What is running, for bug reports. */
export declare const versions: Readonly<{
  /** This package's version. */
  package: string;
  /** The version of the Rust core the native binary was built from. */
  binding: string;
  /** The engine, e.g. 'wasmtime 48.0.8'. */
  engine: string;
  /** The wasmtime version alone, e.g. '48.0.8'. */
  wasmtime: string;
  /** The Rust target triple the native binary was built for, e.g. 'x86_64-unknown-linux-gnu'. */
  target: string;
}>;

export declare class PluginHost {
  private constructor();
  /** A host with every *.wasm of `dir` loaded, named by file stem. One plugin that fails fails the load. */
  static load(dir: string, options?: LoadOptions): Promise<PluginHost>;
  /** A host with no plugins yet; add them with add(). */
  static create(options?: LoadOptions): Promise<PluginHost>;
  /** The options in force, defaults filled in. */
  readonly options: Required<PluginHostOptions> & { recycleMemoryMb: number };
  /** The worker threads async and batch calls run on. */
  readonly threads: number;
  /** Whether close() has been called. */
  readonly closed: boolean;
  /** Adds one plugin from a .wasm path or its bytes. */
  add(name: string, source: string | Uint8Array, options?: AddOptions): Promise<PluginInfo>;
  /** Every plugin, in load order. */
  plugins(): PluginInfo[];
  /** What the plugin wrote to stdout/stderr since the last call (needs the captureOutput option). */
  output(name: string): CapturedOutput;
  /** Instance and memo counters of one plugin. */
  stats(name: string): PluginStats;
  /**
   * Runs the plugin's filter off the main thread. With a non-empty `args` the plugin's
   * filter_args(ptr, len) -> (ptr, len) export gets {"input": input, "args": args} (a plugin without it:
   * INVALID_INPUT); a plugin with only filter_args gets "args": [] when there are none.
   */
  filter(name: string, input: string, args?: JsonValue[]): Promise<string>;
  /** Runs the plugin's filter on this thread (`args`: see filter()). */
  filterSync(name: string, input: string, args?: JsonValue[]): string;
  /** Runs the filter on every input over all worker threads; outputs in input order (`args`: see filter()). */
  filterMany(name: string, inputs: string[], args?: JsonValue[]): Promise<string[]>;
  /** Runs the plugin's shortcode off the main thread; resolves to HTML. */
  shortcode(name: string, args?: string[], content?: string): Promise<string>;
  /** Runs the plugin's shortcode on this thread. */
  shortcodeSync(name: string, args?: string[], content?: string): string;
  /** Registers a JS hook handler (lower priorities run first; WASM hooks run at 50). Returns a remover. */
  on<P extends HookPayload = HookPayload>(event: string, handler: HookHandler<P>): () => void;
  on<P extends HookPayload = HookPayload>(event: string, options: { priority?: number }, handler: HookHandler<P>): () => void;
  /** Runs every handler of `event` by priority, each fed the previous output; resolves to the final payload. */
  runHook<P extends HookPayload = HookPayload>(event: string, payload?: P): Promise<P & { event: string }>;
  /** Whether any WASM plugin or JS handler listens to `event`. */
  handles(event: string): boolean;
  /**
   * Gives a loaded plugin's hooks a scope (what the adapters' `plugins`
   * option sets): `priority` instead of 50, and `applies(payload)`, which
   * says whether they run on a payload. Returns whether the plugin has hooks.
   */
  scopeHooks(name: string, scope: { priority?: number; applies?: (payload: HookPayload & { event: string }) => boolean }): boolean;
  /** Lets calls in flight finish, then stops the workers. Calls started after close() fail with HOST_CLOSED. */
  close(): Promise<void>;
}

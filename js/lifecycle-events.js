'use strict';
// Alloy's lifecycle events and which of them each adapter runs (the one
// list; docs/lifecycle-events.md is the table of their counterparts and
// payloads). A plugin or JS hook that lists an event the adapter in use
// cannot run gets a warning at load, naming the plugin, the event and the
// adapter: no event is ever silently ignored.

const { PREFIX } = require('./adapter-options');

/** Every Alloy lifecycle event (alloyssg.dev, "Lifecycle Events"), in pipeline order. */
const ALLOY_EVENTS = Object.freeze([
  'onConfig',
  'onDataFetched',
  'onBeforeValidation',
  'onAfterValidation',
  'onPagesReady',
  'onContentLoaded',
  'onDataCascadeReady',
  'onContentTransformed',
  'onPageRendered',
  'onAssetProcess',
  'onBuildComplete',
  'onDevServerStart',
  'onFileChanged',
]);

/** Events that fire once per page: the `pages` scope of the `plugins` option filters these. */
const PAGE_EVENTS = Object.freeze(['onContentTransformed', 'onPageRendered']);

/** Per adapter: each event it runs -> where it runs (its counterpart). */
const ADAPTER_EVENTS = Object.freeze({
  eleventy: Object.freeze({
    onConfig: 'eleventy.before',
    onContentTransformed: 'a transform on every output HTML page',
    onPageRendered: 'the same transform, after onContentTransformed',
    onBuildComplete: 'eleventy.after',
    onFileChanged: 'eleventy.beforeWatch, under --watch and --serve',
  }),
  astro: Object.freeze({
    onConfig: 'astro:build:start',
    onContentTransformed: 'the astro:build:done pass over every built HTML page',
    onPageRendered: 'the same pass, after onContentTransformed',
    onAssetProcess: 'the astro:build:done pass over the CSS and JS files Vite wrote',
    onBuildComplete: 'astro:build:done, after the page pass',
    onDevServerStart: 'astro:server:start, in astro dev',
  }),
});

const ADAPTER_NAMES = Object.freeze({ eleventy: 'Eleventy', astro: 'Astro' });

/** The code of the warning (process.emitWarning) an unmapped event gets. */
const WARNING_CODE = 'ALLOY_WASM_UNMAPPED_EVENT';
const WARNING_TYPE = 'AlloyWasmWarning';

/**
 * The hook events of the loaded plugins and of the JS hooks option that
 * `adapter` cannot run: [{ source, event, message }], in load order.
 *
 * @param {'eleventy'|'astro'} adapter
 * @param {{name: string, hooks: string[]}[]} plugins  host.plugins()
 * @param {{event: string}[]} jsHooks  the adapter's `hooks` option
 */
function unmappedEvents(adapter, plugins, jsHooks = []) {
  const runs = ADAPTER_EVENTS[adapter];
  const found = [];
  const check = (source, event) => {
    if (Object.hasOwn(runs, event)) return;
    const why = ALLOY_EVENTS.includes(event)
      ? `which has no counterpart in ${ADAPTER_NAMES[adapter]}`
      : 'which is not an Alloy lifecycle event';
    found.push({
      source,
      event,
      message: `${PREFIX} ${adapter}: ${source} lists the hook event "${event}", ${why}, so it never runs there ` +
        `(${ADAPTER_NAMES[adapter]} runs ${Object.keys(runs).join(', ')}; see docs/lifecycle-events.md)`,
    });
  };
  for (const info of plugins) for (const event of info.hooks) check(`plugin "${info.name}"`, event);
  jsHooks.forEach((hook, i) => check(`JS hook #${i} of the "hooks" option`, hook.event));
  return found;
}

/** Emits one warning (process.emitWarning, code ALLOY_WASM_UNMAPPED_EVENT) per unmapped event; returns them. */
function warnUnmapped(adapter, plugins, jsHooks) {
  const found = unmappedEvents(adapter, plugins, jsHooks);
  for (const { message, source, event } of found) {
    process.emitWarning(message, { type: WARNING_TYPE, code: WARNING_CODE, detail: `${source}, event ${event}, adapter ${adapter}` });
  }
  return found;
}

/** The events any loaded plugin or JS hook handles. */
function handledEvents(plugins, jsHooks = []) {
  return new Set([...plugins.flatMap((info) => info.hooks), ...jsHooks.map((hook) => hook.event)]);
}

module.exports = {
  ALLOY_EVENTS,
  PAGE_EVENTS,
  ADAPTER_EVENTS,
  WARNING_CODE,
  WARNING_TYPE,
  unmappedEvents,
  warnUnmapped,
  handledEvents,
};

'use strict';
// What the Eleventy adapter registers runs here: the filters, shortcodes and
// paired shortcodes templates call, and the transform that runs the
// onContentTransformed hooks. Each looks the host up when called (it may
// have been reloaded since), turns template values into the strings the ABI
// takes, and names the page in any error.

const { PluginError, ErrorCodes, pluginError, reworded } = require('./errors');
const { PREFIX, oneLineError } = require('./adapter-options');

const TRANSFORMED = 'onContentTransformed';
const RENDERED = 'onPageRendered';

/**
 * Runs the per-page events on one output HTML page: onContentTransformed,
 * then onPageRendered on its result (Eleventy's transforms see the page
 * after its layout, so both run there, in Alloy's order).
 */
async function transformPage(site, page, content) {
  const outputPath = page && page.outputPath;
  if (typeof outputPath !== 'string' || !outputPath.endsWith('.html')) return content;
  if (site.pagesAfterBuild) return content; // the `parallel` option: see EleventyHost#runPagePass
  let html = content;
  for (const event of [TRANSFORMED, RENDERED]) {
    if (site.handles(event)) html = await runPageEvent(site, event, page, html);
  }
  return html;
}

async function runPageEvent(site, event, page, html) {
  let result;
  try {
    result = await site.runPageHook(event, {
      html,
      url: page.url,
      inputPath: page.inputPath,
      outputPath: page.outputPath,
    });
  } catch (err) {
    throw atPage(err, page);
  }
  if (result === null || typeof result !== 'object' || typeof result.html !== 'string') {
    throw atPage(pluginError(ErrorCodes.BAD_RESULT, `the ${event} hooks must leave an "html" string in the payload, but one of them returned ${describeResult(result)}`), page);
  }
  return result.html;
}

function describeResult(result) {
  if (result === null || typeof result !== 'object') return String(result);
  return `a payload whose "html" is ${result.html === undefined ? 'missing' : typeof result.html}`;
}

/**
 * An Eleventy filter or shortcode that runs `call(host, isAsync, args)`: an
 * `async function` when asked for (Eleventy treats only those as async), a
 * plain one otherwise. Either way an error names the page it happened on.
 */
function bind(site, isAsync, call) {
  if (isAsync) {
    return async function alloyWasmAsync(...args) {
      const page = pageOf(this);
      try {
        return await call(site.host, true, args);
      } catch (err) {
        throw atPage(err, page);
      }
    };
  }
  return function alloyWasmSync(...args) {
    const page = pageOf(this);
    try {
      return call(site.host, false, args);
    } catch (err) {
      throw atPage(err, page);
    }
  };
}

/**
 * A filter: `{{ title | truncate(40, "…") }}` passes the template's
 * arguments on (as JSON values) to the plugin's `filter_args` export; the
 * host decides (INVALID_INPUT for a plugin without it).
 */
function makeFilter(site, name, isAsync) {
  return bind(site, isAsync, (host, inBackground, [input, ...extra]) => {
    const text = asText(input, 'the filter input', name, 'filter');
    if (extra.length === 0) return inBackground ? host.filter(name, text) : host.filterSync(name, text);
    const args = filterArgs(name, extra);
    return inBackground ? host.filter(name, text, args) : host.filterSync(name, text, args);
  });
}

function makeShortcode(site, name, isAsync) {
  return bind(site, isAsync, (host, inBackground, args) => {
    const strings = shortcodeArgs(name, args);
    return inBackground ? host.shortcode(name, strings, '') : host.shortcodeSync(name, strings, '');
  });
}

/** Eleventy passes a paired shortcode's inner content first, then the arguments. */
function makePairedShortcode(site, name, isAsync) {
  return bind(site, isAsync, (host, inBackground, [content, ...args]) => {
    const strings = shortcodeArgs(name, args);
    const inner = pairedContent(name, content);
    return inBackground ? host.shortcode(name, strings, inner) : host.shortcodeSync(name, strings, inner);
  });
}

/**
 * A filter's template arguments as JSON values: strings, numbers, booleans,
 * null, arrays and plain objects as they are; an object with its own
 * toString (Nunjucks' SafeString) as its text; anything JSON cannot carry
 * (undefined, a function, a non-finite number) is an error naming it.
 */
function filterArgs(name, args) {
  return args.map((arg, i) => {
    if (arg !== null && typeof arg === 'object' && !Array.isArray(arg) && Object.getPrototypeOf(arg) !== Object.prototype &&
      typeof arg.toString === 'function' && arg.toString !== Object.prototype.toString) {
      return String(arg);
    }
    let json;
    try {
      json = JSON.stringify(arg);
    } catch (err) {
      throw pluginError(ErrorCodes.INVALID_INPUT, `filter argument #${i} cannot be passed as JSON: ${err.message}`, { plugin: name, export: 'filter' });
    }
    if (json === undefined || (typeof arg === 'number' && !Number.isFinite(arg))) {
      const got = typeof arg === 'number' ? String(arg) : typeof arg;
      throw pluginError(ErrorCodes.INVALID_INPUT, `filter argument #${i} must be a JSON value, got ${got} (is the variable defined?)`, { plugin: name, export: 'filter' });
    }
    return arg;
  });
}

function shortcodeArgs(name, args) {
  return args.map((arg, i) => asText(arg, `argument #${i}`, name, 'shortcode'));
}

function pairedContent(name, content) {
  return asText(content, 'the paired content', name, 'shortcode');
}

/**
 * Template values as the strings the ABI takes. Strings, numbers, booleans
 * and objects with their own toString (Nunjucks' SafeString) are written
 * out; anything else (undefined, null, plain objects, arrays) is an error
 * rather than "undefined" or "[object Object]" in the page.
 */
function asText(value, what, plugin, exportName) {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value !== null && !Array.isArray(value) && typeof value.toString === 'function' && value.toString !== Object.prototype.toString) {
        return String(value);
      }
      break;
    default:
  }
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw pluginError(ErrorCodes.INVALID_INPUT, `${what} must be a string, got ${got} (is the variable defined?)`, { plugin, export: exportName });
}

/** The page a filter or shortcode runs on (Liquid's strictVariables makes it a getter function). */
function pageOf(context) {
  const page = context && context.page;
  return typeof page === 'function' ? page() : page;
}

/**
 * The error with the page in its message, so the build log names the page,
 * the plugin and the code, on one line; the fields (code, plugin, export)
 * are kept, and inputPath is added.
 */
function atPage(original, page) {
  if (!(original instanceof PluginError)) return original;
  const err = oneLineError(original);
  const inputPath = page && page.inputPath;
  if (!inputPath || err.inputPath) return err;
  const message = err.message.startsWith(PREFIX) ? err.message.slice(PREFIX.length + 1) : err.message;
  const wrapped = reworded(err, `${PREFIX} ${inputPath}: ${message}`);
  wrapped.inputPath = inputPath;
  return wrapped;
}

/** 'word-count' -> 'wordCount' (Nunjucks cannot call hyphenated names). */
function camelAlias(name) {
  return name.replace(/[-.\s]+(.)/g, (_, c) => c.toUpperCase());
}

module.exports = { makeFilter, makeShortcode, makePairedShortcode, transformPage, camelAlias };

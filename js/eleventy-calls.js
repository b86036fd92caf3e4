'use strict';
// What the Eleventy adapter registers runs here: the filters, shortcodes and
// paired shortcodes templates call, and the transform that runs the
// onContentTransformed hooks. Each looks the host up when called (it may
// have been reloaded since), turns template values into the strings the ABI
// takes, and names the page in any error.

const { PluginError, ErrorCodes, pluginError } = require('./errors');
const { PREFIX, oneLineError } = require('./adapter-options');

const TRANSFORMED = 'onContentTransformed';

/** Runs the onContentTransformed hooks on one output HTML page. */
async function transformPage(site, page, content) {
  const outputPath = page && page.outputPath;
  if (typeof outputPath !== 'string' || !outputPath.endsWith('.html')) return content;
  if (!site.handles(TRANSFORMED)) return content;
  let result;
  try {
    result = await site.runPageHook(TRANSFORMED, {
      html: content,
      url: page.url,
      inputPath: page.inputPath,
      outputPath,
    });
  } catch (err) {
    throw atPage(err, page);
  }
  if (result === null || typeof result !== 'object' || typeof result.html !== 'string') {
    throw atPage(pluginError(ErrorCodes.BAD_RESULT, `the ${TRANSFORMED} hooks must leave an "html" string in the payload, but one of them returned ${describeResult(result)}`), page);
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

function makeFilter(site, name, isAsync) {
  return bind(site, isAsync, (host, inBackground, [input, ...extra]) => {
    const text = filterInput(name, input, extra);
    return inBackground ? host.filter(name, text) : host.filterSync(name, text);
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

/** The filter's input as a string: a filter takes exactly one string (numbers are written out). */
function filterInput(name, input, extra) {
  if (extra.length > 0) {
    throw pluginError(ErrorCodes.INVALID_INPUT, `a filter takes no arguments, got ${extra.length}; write {{ value | ${camelAlias(name)} }}`, { plugin: name, export: 'filter' });
  }
  return asText(input, 'the filter input', name, 'filter');
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
  const wrapped = new PluginError(`${PREFIX} ${inputPath}: ${message}`, {
    code: err.code,
    plugin: err.plugin,
    export: err.export,
    index: err.index,
    cause: err,
  });
  wrapped.inputPath = inputPath;
  return wrapped;
}

/** 'word-count' -> 'wordCount' (Nunjucks cannot call hyphenated names). */
function camelAlias(name) {
  return name.replace(/[-.\s]+(.)/g, (_, c) => c.toUpperCase());
}

module.exports = { makeFilter, makeShortcode, makePairedShortcode, transformPage, camelAlias };

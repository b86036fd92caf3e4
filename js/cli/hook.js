'use strict';
// `alloy-wasm hook <file.wasm> <event> [payload.json]`: run a plugin's hook once.

const { ErrorCodes, pluginError } = require('../errors');
const { HOST_OPTIONS, hostOptions, UsageError } = require('./args');
const { withPlugin, readText, pluginName } = require('./plugin');
const { readConfig } = require('./plugin-config');
const { print } = require('./output');

const command = {
  name: 'hook',
  summary: "run the plugin's hook on a JSON payload",
  usage: 'alloy-wasm hook <file.wasm> <event> [payload.json] [options]',
  positionals: [2, 3],
  description: `
Runs the plugin's hook for <event> on the JSON object in payload.json ("-"
reads standard input; none means {}), with the "event" key added, and prints
the payload it returns as JSON. The plugin's hooks() must list <event>.`,
  options: { ...HOST_OPTIONS },
  examples: [
    'alloy-wasm hook plugins/lazy-images.wasm onContentTransformed page.json',
    `echo '{"html": "<img src=a.png>"}' | alloy-wasm hook plugins/lazy-images.wasm onContentTransformed -`,
  ],
  run,
};

async function run([file, event, payloadFile], values) {
  const options = hostOptions(values, command, { threads: 1 });
  const config = readConfig(values, command);
  const payload = payloadFile === undefined ? {} : parsePayload(await readText(payloadFile, 'the payload'), payloadFile);
  const result = await withPlugin(file, options, ({ host, info }) => {
    if (!info.exports.includes('hook')) {
      throw pluginError(ErrorCodes.MISSING_EXPORT, 'has no hooks/hook exports, so it handles no event', { plugin: info.name, export: 'hook' });
    }
    if (!info.hooks.includes(event)) {
      const listed = info.hooks.length > 0 ? info.hooks.join(', ') : 'nothing';
      throw pluginError(ErrorCodes.INVALID_INPUT, `does not handle "${event}": its hooks() lists ${listed}`, { plugin: info.name, export: 'hook' });
    }
    return host.runHook(event, payload);
  }, pluginName(file), config);
  print(JSON.stringify(result, null, 2));
  return 0;
}

function parsePayload(text, file) {
  const where = file === '-' ? 'standard input' : `"${file}"`;
  let payload;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the payload in ${where} is not JSON: ${err.message}`, command);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new UsageError(`the payload in ${where} must be a JSON object, like {"html": "..."}`, command);
  }
  return payload;
}

module.exports = { command };

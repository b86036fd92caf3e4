'use strict';
// `alloy-wasm filter <file.wasm> [text]`: run a plugin's filter once.

const { HOST_OPTIONS, hostOptions } = require('./args');
const { withPlugin, readStdin, pluginName } = require('./plugin');
const { ARG_OPTIONS, readConfig, filterArgs } = require('./plugin-config');
const { writeResult } = require('./result');

const command = {
  name: 'filter',
  summary: "run the plugin's filter on text (or standard input)",
  usage: 'alloy-wasm filter <file.wasm> [text] [options]',
  positionals: [1, 2],
  description: `
Runs the plugin's filter on text, or on standard input when no text is
given, and prints the result exactly as the plugin returned it (plus a
newline on a terminal). Standard input must be UTF-8 (INVALID_INPUT
otherwise). Filter arguments (--arg, --args) go to the plugin's filter_args
export as {"input": <text>, "args": [...]}. On an error it prints the
message, with its code, on standard error and exits with status 1.`,
  options: { ...ARG_OPTIONS, ...HOST_OPTIONS },
  examples: [
    'alloy-wasm filter plugins/custom-slugify.wasm "Hello World"',
    'alloy-wasm filter plugins/uppercase.wasm < page.html > PAGE.html',
    'alloy-wasm filter plugins/truncate.wasm "A long title" --arg 6 --arg \'"…"\'',
    'alloy-wasm filter plugins/site-links.wasm "see [[home]]" --config site.json',
  ],
  run,
};

async function run([file, text], values) {
  const options = hostOptions(values, command, { threads: 1 });
  const args = filterArgs(values, command);
  const config = readConfig(values, command);
  const input = text ?? (await readStdin('the filter input'));
  const call = ({ host, info }) => (args === undefined ? host.filter(info.name, input) : host.filter(info.name, input, args));
  const output = await withPlugin(file, options, call, pluginName(file), config);
  writeResult(output);
  return 0;
}

module.exports = { command };

'use strict';
// `alloy-wasm shortcode <file.wasm> <name> [args...]`: run a plugin's shortcode once.

const { HOST_OPTIONS, hostOptions } = require('./args');
const { withPlugin, readText } = require('./plugin');
const { readConfig } = require('./plugin-config');
const { writeResult } = require('./result');

const command = {
  name: 'shortcode',
  summary: "run the plugin's shortcode",
  usage: 'alloy-wasm shortcode <file.wasm> <name> [args...] [options]',
  positionals: [2, Infinity],
  description: `
Runs the plugin's shortcode as {"name": <name>, "args": [args...],
"content": <text>} and prints the HTML it returns. <name> is the name the
shortcode is called by, usually the file's name without .wasm. Put -- before
arguments that start with "-".`,
  options: {
    content: { type: 'string', value: '<text>', help: 'the inner content of a paired shortcode ("-" reads standard input)' },
    ...HOST_OPTIONS,
  },
  examples: [
    'alloy-wasm shortcode plugins/youtube.wasm youtube abc123',
    'alloy-wasm shortcode plugins/callout.wasm callout warning --content "Mind the gap"',
  ],
  run,
};

async function run([file, name, ...args], values) {
  const options = hostOptions(values, command, { threads: 1 });
  const config = readConfig(values, command);
  const content = values.content === '-' ? await readText('-', 'the shortcode content') : values.content ?? '';
  const html = await withPlugin(file, options, ({ host }) => host.shortcode(name, args, content), name, config);
  writeResult(html);
  return 0;
}

module.exports = { command };

'use strict';
// The `alloy-wasm` command: picks the command, runs it, and turns every
// failure into a message and an exit status (0 success, 1 the plugin failed
// or is broken, 2 bad arguments). No stack traces for users' mistakes.
// A command run with --json prints one JSON document on standard output
// whatever happens: its report, or { ok: false, error } when it fails.

const { PluginError, ErrorCodes } = require('../errors');
const { UsageError, parseCommand, helpText } = require('./args');
const { fixFor, messageWithoutFix } = require('../fixes');
const { oneLine } = require('../adapter-options');
const { print, printError, err: errStyle } = require('./output');

const COMMANDS = [
  require('./check').command,
  require('./filter').command,
  require('./shortcode').command,
  require('./hook').command,
  require('./bench').command,
  require('./new').command,
];

const EXIT = { ok: 0, failed: 1, usage: 2 };

function mainHelp() {
  const width = Math.max(...COMMANDS.map((c) => c.usage.replace(/^alloy-wasm | \[options\]$/g, '').length));
  const lines = [
    'Usage: alloy-wasm <command> [options]',
    '',
    'Check, run and benchmark Alloy-ABI WebAssembly plugins.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.replace(/^alloy-wasm | \[options\]$/g, '').padEnd(width)}  ${c.summary}`),
    '',
    'Run "alloy-wasm <command> --help" for its options. Writing a plugin: docs/writing-plugins.md',
    'Exit status: 0 success, 1 the plugin failed or is broken, 2 bad arguments.',
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the command line `argv` (without node and the script); resolves to the exit status. */
async function main(argv) {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(mainHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest.length > 0 ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (name === 'help' && rest.length > 0 && topic === undefined) {
      return report(new UsageError(`no help for ${JSON.stringify(rest[0])} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`));
    }
    process.stdout.write(topic ? helpText(topic) : mainHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(require('./version').versionText());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const json = wantsJson(command, rest);
  try {
    if (command === undefined) {
      throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    }
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      process.stdout.write(helpText(command));
      return EXIT.ok;
    }
    return await command.run(parsed.positionals, parsed.values);
  } catch (err) {
    const status = report(err);
    if (json) printJsonFailure(command, err);
    return status;
  }
}

/** Whether `command` takes --json and its arguments ask for it (before any --). */
function wantsJson(command, args) {
  if (!command || !command.options || !command.options.json) return false;
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** The --json document of a failed command: { ok: false, command, error: { code, message, fix } }. */
function printJsonFailure(command, err) {
  let error;
  if (err instanceof UsageError) {
    error = { code: err.code ?? 'USAGE', message: err.message, fix: `run "alloy-wasm ${command.name} --help"` };
  } else if (err instanceof PluginError) {
    error = { code: err.code, message: oneLine(messageWithoutFix(err)), fix: fixFor(err) };
    if (err.plugin !== undefined) error.plugin = err.plugin;
    if (err.export !== undefined) error.export = err.export;
  } else {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    error = { code: ErrorCodes.INTERNAL, message: `unexpected error (a bug in alloy-wasm, please report it): ${message}`, fix: null };
  }
  print(JSON.stringify({ ok: false, command: command.name, error }, null, 2));
}

/** Prints `err` for a user and returns the exit status it means. */
function report(err) {
  if (err instanceof UsageError) {
    const where = err.command ? `${err.command.name}: ` : '';
    printError(`${where}${err.message}`);
    if (err.command) {
      process.stderr.write(`Usage: ${err.command.usage}\nRun "alloy-wasm ${err.command.name} --help" for more.\n`);
    } else {
      process.stderr.write('Usage: alloy-wasm <command> [options]\nRun "alloy-wasm --help" for the commands.\n');
    }
    return EXIT.usage;
  }
  if (err instanceof PluginError) {
    const fix = fixFor(err);
    printError(oneLine(messageWithoutFix(err)), ...(fix ? [`${errStyle.bold('fix:')} ${fix}`] : []));
    return EXIT.failed;
  }
  printError(`unexpected error (a bug in alloy-wasm, please report it): ${err && err.stack ? err.stack : err}`);
  return EXIT.failed;
}

/** Entry point of bin/alloy-wasm.js: runs, then sets the exit status without cutting output short. */
function run(argv) {
  // A closed pipe (`alloy-wasm ... | head`) is not an error worth a stack trace.
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(argv).then((status) => {
    process.exitCode = status;
  });
}

module.exports = { main, run, COMMANDS, mainHelp };

// The command line's --config <file.json> (every command that loads a
// plugin) and filter's --arg / --args, before any plugin runs: a file that
// cannot be read is IO_ERROR, one that is not JSON is INVALID_OPTIONS, bad
// arguments are usage errors; all exit with status 2 and a usage line, and
// --json prints one document with the code. (What the plugin receives is in
// cli-plugin-config.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root, pluginsDir, runCli } from './helpers.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'alloy-cli-config-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const plugin = (name) => path.join(pluginsDir, `${name}.wasm`);

const cli = (args, input) => runCli(args, { cwd: scratch, input });

function assertUsage({ status, stdout, stderr }, pattern) {
  assert.equal(status, 2, stderr);
  assert.equal(stdout, '');
  assert.match(stderr, pattern);
  assert.match(stderr, /^Usage: alloy-wasm /m);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

const file = (name, content) => {
  const where = path.join(scratch, name);
  writeFileSync(where, content);
  return where;
};

/** Each command that loads a plugin, with the arguments it needs besides --config. */
const COMMANDS = {
  check: [plugin('uppercase')],
  filter: [plugin('uppercase'), 'x'],
  shortcode: [plugin('youtube'), 'youtube', 'abc'],
  hook: [plugin('lazy-images'), 'onContentTransformed'],
  bench: [plugin('uppercase'), '--calls', '5', '--rounds', '1', '--quiet'],
};

test('--help lists --config for every command that loads a plugin, and --arg/--args for filter', () => {
  for (const name of Object.keys(COMMANDS)) {
    const run = cli([name, '--help']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ +--config <file\.json> +the plugin's config: any JSON value, passed to its configure export/m, name);
  }
  const filter = cli(['filter', '--help']).stdout;
  assert.match(filter, /^ +--arg <json> +one filter argument as a JSON value \(repeatable, in order\)/m);
  assert.match(filter, /^ +--args <json array> +all the filter arguments as one JSON array/m);
  assert.match(filter, /filter_args/);
  const check = cli(['check', '--help']).stdout;
  assert.match(check, /each\s+twice, in interleaved order, on one instance/);
  assert.match(check, /NUL or other control bytes/);
});

test('--config: a missing file is IO_ERROR, a file that is not JSON (or not UTF-8) INVALID_OPTIONS; status 2 on every command', () => {
  const missing = path.join(scratch, 'nope.json');
  const notJson = file('not.json', '{ "a": 1, }');
  const latin1 = file('latin1.json', Buffer.from('"caf\xe9"', 'latin1'));
  for (const [name, args] of Object.entries(COMMANDS)) {
    assertUsage(cli([name, ...args, '--config', missing]), new RegExp(`^\\[alloy-wasm\\] ${name}: --config: cannot read ".*nope\\.json": no such file \\[IO_ERROR\\]$`, 'm'));
    assertUsage(cli([name, ...args, '--config', notJson]), /--config: ".*not\.json" is not JSON: .* \[INVALID_OPTIONS\]$/m);
    assertUsage(cli([name, ...args, '--config', latin1]), /--config: ".*latin1\.json" is not UTF-8 text \[INVALID_OPTIONS\]$/m);
    assertUsage(cli([name, ...args, '--config', scratch]), /--config: cannot read .*: it is a folder, not a file \[IO_ERROR\]/m);
  }
  // With --json: one document carrying the code.
  for (const name of ['check', 'bench']) {
    const run = cli([name, ...COMMANDS[name], '--json', '--config', missing]);
    assert.equal(run.status, 2);
    const doc = JSON.parse(run.stdout);
    assert.deepEqual([doc.ok, doc.command, doc.error.code], [false, name, 'IO_ERROR']);
    const bad = JSON.parse(cli([name, ...COMMANDS[name], '--json', '--config', notJson]).stdout);
    assert.equal(bad.error.code, 'INVALID_OPTIONS');
  }
});

test('filter --arg and --args: JSON values; a value that is not JSON, both flags at once, or --args that is no array are usage errors', () => {
  const uppercase = plugin('uppercase');
  assertUsage(cli(['filter', uppercase, 'x', '--arg', 'abc']), /filter: --arg needs JSON, got "abc" \(a string needs JSON quotes: --arg '"abc"'\)/);
  assertUsage(cli(['filter', uppercase, 'x', '--args', '[1,']), /filter: --args needs JSON, got "\[1,"/);
  assertUsage(cli(['filter', uppercase, 'x', '--args', '{"a": 1}']), /filter: --args needs a JSON array, like '\[40, "…"\]'/);
  assertUsage(cli(['filter', uppercase, 'x', '--arg', '1', '--args', '[1]']), /use either --arg \(once per argument\) or --args \(one JSON array\), not both/);
  assertUsage(cli(['filter', uppercase, 'x', '--arg']), /--arg needs a value/);
  assertUsage(cli(['shortcode', plugin('youtube'), 'youtube', '--arg', '1']), /unknown option --arg/);
  // Checked before standard input is read: nothing is waited for.
  assertUsage(cli(['filter', uppercase, '--arg', 'nope'], 'never read'), /--arg needs JSON/);
});

// The WASI sandbox against a hostile plugin: `wasi-snoop` (a C reactor built
// with wasi-libc) tries to open /etc/passwd, list "." and "/", create a file,
// find preopened directories, read the environment, the arguments and stdin,
// and writes 10 MiB to each of stdout and stderr. It reports what it saw as
// JSON; it must have seen nothing, and the host process must print nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PluginHost, broken, root } from './helpers.mjs';

const FLOOD = 10 * 1024 * 1024;
const ENOSYS = 52;
const EBADF = 8;

/** What wasi-snoop reports when the sandbox holds: nothing seen, one argument (the plugin name). */
function sealed(argv0) {
  return {
    passwd: false,
    passwd_rel: false,
    created: false,
    dot: false,
    root: false,
    preopens: 0,
    path_open: EBADF,
    sock: ENOSYS,
    env: 0,
    home: false,
    path: false,
    args: 1,
    argv0,
    stdin: 0,
    // The writes succeed (so a plugin does not fail or spin on them) and go nowhere.
    stdout: FLOOD,
    stderr: FLOOD,
  };
}

test('the host has what the plugin looks for, so the checks below can fail', () => {
  assert.ok(existsSync('/etc/passwd'));
  assert.ok(process.env.PATH, 'PATH is set in the host');
});

test('a WASI plugin reads no files, directories, environment, arguments or stdin: sync, async, batch', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'alloy-sandbox-'));
  const target = path.join(dir, 'created-by-plugin');
  const host = await PluginHost.create({ cacheDir: null, threads: 2 });
  try {
    await host.add('wasi-snoop', broken('wasi-snoop'));
    assert.equal(host.plugins()[0].wasi, true);
    assert.deepEqual(JSON.parse(host.filterSync('wasi-snoop', target)), sealed('wasi-snoop'));
    assert.deepEqual(JSON.parse(await host.filter('wasi-snoop', target)), sealed('wasi-snoop'));
    const batch = await host.filterMany('wasi-snoop', Array(6).fill(target));
    for (const out of batch) assert.deepEqual(JSON.parse(out), sealed('wasi-snoop'));
    assert.equal(existsSync(target), false, 'the plugin created a file on the host');
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('argv[0] is the name the plugin was added under, never a host path', async () => {
  const host = await PluginHost.create({ cacheDir: null });
  try {
    await host.add('renamed', broken('wasi-snoop'));
    const report = JSON.parse(host.filterSync('renamed', ''));
    assert.equal(report.args, 1);
    assert.equal(report.argv0, 'renamed');
  } finally {
    await host.close();
  }
});

test('guest output floods do not reach the host process output, nor pile up in memory', (t) => {
  // The child prints one line of its own; the guest writes 20 MiB per call.
  const script = `
    const { PluginHost } = require(${JSON.stringify(path.join(root, 'js/index.js'))});
    (async () => {
      const h = await PluginHost.create({ cacheDir: null, threads: 2 });
      await h.add('wasi-snoop', ${JSON.stringify(broken('wasi-snoop'))});
      const reports = [h.filterSync('wasi-snoop', ''), await h.filter('wasi-snoop', '')];
      reports.push(...await h.filterMany('wasi-snoop', ['', '', '', '']));
      const rssBefore = process.memoryUsage().rss;
      for (let i = 0; i < 20; i++) reports.push(await h.filter('wasi-snoop', ''));
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      await h.close();
      const written = reports.map((r) => JSON.parse(r)).reduce((n, r) => n + r.stdout + r.stderr, 0);
      console.log(JSON.stringify({ calls: reports.length, written, rssGrowth }));
    })();`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000, maxBuffer: 256 * 1024 * 1024 });
  assert.equal(child.status, 0, child.stderr.slice(0, 2000));
  const lines = child.stdout.split('\n');
  assert.equal(lines.length, 2, `the child printed ${Buffer.byteLength(child.stdout)} bytes: ${child.stdout.slice(0, 200)}`);
  const { calls, written, rssGrowth } = JSON.parse(lines[0]);
  assert.equal(calls, 26);
  assert.equal(written, calls * 2 * FLOOD, 'the guest wrote its flood');
  assert.equal(Buffer.byteLength(child.stdout), Buffer.byteLength(lines[0]) + 1, 'stdout holds only the child\'s own line');
  assert.equal(Buffer.byteLength(child.stderr), 0, 'nothing on stderr');
  // 520 MiB went through fd_write; a host that buffered it would grow by that much.
  assert.ok(rssGrowth < 64 * 1024 * 1024, `RSS grew by ${(rssGrowth / 1048576).toFixed(1)} MiB over 20 flooding calls`);
  t.diagnostic(`guest wrote ${(written / 1048576).toFixed(0)} MiB; child stdout ${Buffer.byteLength(child.stdout)} bytes, stderr ${child.stderr.length} bytes; RSS growth ${(rssGrowth / 1048576).toFixed(1)} MiB`);
});

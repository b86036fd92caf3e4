// The lists JS and Rust share come from one place: the Rust core. These
// tests hold the JS surface (DEFAULT_OPTIONS, ErrorCodes, their types and
// docs) to it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { PluginHost, ErrorCodes, DEFAULT_OPTIONS } from '../js/index.mjs';

const require = createRequire(import.meta.url);
const native = require('../index.js');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const typings = readFileSync(path.join(root, 'js/index.d.ts'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

test('DEFAULT_OPTIONS are the Rust defaults, and a host created without options uses them', async () => {
  assert.deepEqual({ ...DEFAULT_OPTIONS }, native.defaultOptions());
  const host = await PluginHost.create();
  try {
    const recycle = Math.max(1, Math.min(32, Math.floor(DEFAULT_OPTIONS.memoryLimitMb / 2)));
    assert.deepEqual(host.options, { ...DEFAULT_OPTIONS, recycleMemoryMb: recycle });
  } finally {
    await host.close();
  }
});

test('every option is typed in index.d.ts', () => {
  const block = /export interface PluginHostOptions \{([\s\S]*?)\n\}/.exec(typings)[1];
  const typed = [...block.matchAll(/^\s+(\w+)\?:/gm)].map((m) => m[1]).sort();
  assert.deepEqual(typed, Object.keys(DEFAULT_OPTIONS).sort());
});

test('ErrorCodes are the Rust list, typed in index.d.ts and explained in the README', () => {
  assert.deepEqual(Object.keys(ErrorCodes), native.errorCodes());
  assert.ok(Object.keys(ErrorCodes).includes('INTERNAL'));
  const typed = [...typings.matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1]);
  assert.deepEqual(typed.sort(), Object.keys(ErrorCodes).sort());
  for (const code of Object.keys(ErrorCodes)) {
    assert.match(readme, new RegExp(`\\| \`${code}\` \\|`), `README's error table lacks ${code}`);
  }
});

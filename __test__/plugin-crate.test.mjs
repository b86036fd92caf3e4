// The helper crate crates/alloy-plugin builds on its own and its unit tests
// pass (JSON, shortcode, filter_args and configure parsing, the macros), on the
// host target; the crate and every Rust example are rustfmt-clean. (The root
// package's `cargo test` and `cargo fmt` do not cover them: each is a project
// of its own.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { root } from './helpers.mjs';

const crate = path.join(root, 'crates', 'alloy-plugin');
const env = { ...process.env };
delete env.CARGO_TARGET_DIR;
const cargo = (args, cwd) => spawnSync('cargo', args, { cwd, env, encoding: 'utf8', timeout: 600_000 });

test('crates/alloy-plugin: cargo test passes on its own', () => {
  const run = cargo(['test', '--target-dir', path.join(root, 'build', 'rust', 'crate-test')], crate);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const passed = [...run.stdout.matchAll(/test result: ok\. (\d+) passed/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  assert.ok(passed >= 19, `${passed} tests passed`);
});

test('the crate and every Rust example are cargo fmt clean', () => {
  const examples = path.join(root, 'examples', 'plugins');
  const projects = [crate, ...readdirSync(examples).map((d) => path.join(examples, d)).filter((d) => existsSync(path.join(d, 'Cargo.toml')))];
  assert.ok(projects.length >= 10, projects.join());
  for (const project of projects) {
    const run = cargo(['fmt', '--check'], project);
    assert.equal(run.status, 0, `${path.relative(root, project)}: cargo fmt --check\n${run.stdout}${run.stderr}`);
  }
});

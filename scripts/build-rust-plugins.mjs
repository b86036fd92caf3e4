#!/usr/bin/env node
// Builds Rust plugin projects (Cargo, wasm32-unknown-unknown, release) and copies
// each one's .wasm under an output folder. scripts/build-fixtures.sh runs it for
// every examples/plugins/*/Cargo.toml and the benchmark's Cargo plugins.
//
// Usage: node scripts/build-rust-plugins.mjs <root> <out-dir> <work-dir> <project-dir>...
//
// Where a project's .wasm goes: `[package.metadata.alloy-fixture] file = "plugins/x.wasm"`
// in its Cargo.toml (relative to <out-dir>), else `examples/<lib name>.wasm`, the [lib]
// name with `_` as `-` (the file name is the plugin's name).
// Builds are `--locked` (every project commits its Cargo.lock), so they run offline once
// the registry crates are in Cargo's cache.
//
// Reproducible from any folder: Cargo hashes the absolute path of a path dependency
// outside the project (crates/alloy-plugin) into every symbol name, which moves code
// around in the .wasm. So each project is built from a stage, <work-dir>/stage/<its
// path in the repository>/: links to the project's files (and to its folder's other
// entries, for `#[path = "../shared/x.rs"]`), its Cargo.toml with the helper crate's
// path rewritten to crates/alloy-plugin, and a link crates/alloy-plugin inside it. The
// crate is then inside the project, and Cargo hashes only relative paths. Source paths
// are remapped back to the repository's (examples/plugins/x/..., crates/alloy-plugin/...),
// Cargo's home to "cargo-home/".

import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [root, outDir, workDir, ...projects] = process.argv.slice(2);
if (!root || !outDir || !workDir || projects.length === 0) {
  console.error('usage: build-rust-plugins.mjs <root> <out-dir> <work-dir> <project-dir>...');
  process.exit(2);
}
const cargo = process.env.CARGO || 'cargo';
const cargoHome = path.resolve(process.env.CARGO_HOME || path.join(os.homedir(), '.cargo'));
const crate = path.join(root, 'crates', 'alloy-plugin');
const CRATE_PATH = /(path\s*=\s*")(?:\.\.\/)+crates\/alloy-plugin(")/g;

const stageRoot = path.join(workDir, 'stage');
const stages = projects.map((p) => path.resolve(p)).map((project) => ({ project, rel: path.relative(root, project) }));
for (const s of stages) s.stage = path.join(stageRoot, s.rel);
// One set of flags for every project (the last matching remap wins: the crate inside
// each stage, then the stages), so the crate, built once, stays fresh for all of them.
const rustflags = [
  `--remap-path-prefix=${cargoHome}/=cargo-home/`,
  `--remap-path-prefix=${stageRoot}/=`,
  ...stages.map((s) => `--remap-path-prefix=${path.join(s.stage, 'crates', 'alloy-plugin')}/=crates/alloy-plugin/`),
];
const env = { ...process.env, CARGO_ENCODED_RUSTFLAGS: rustflags.join('\x1f') };
delete env.RUSTFLAGS;
delete env.CARGO_TARGET_DIR;

for (const { project, rel, stage } of stages) {
  makeStage(project, stage);
  const manifest = path.join(stage, 'Cargo.toml');
  const meta = JSON.parse(
    execFileSync(cargo, ['metadata', '--no-deps', '--format-version', '1', '--offline', '--manifest-path', manifest], {
      env,
      encoding: 'utf8',
    }),
  );
  const pkg = meta.packages.find((p) => path.resolve(p.manifest_path) === manifest);
  const lib = pkg?.targets.find((t) => t.kind.includes('cdylib'));
  if (!lib) throw new Error(`${rel}/Cargo.toml: no [lib] with crate-type = ["cdylib"]`);
  const artifact = lib.name.replace(/-/g, '_');
  const file = pkg.metadata?.['alloy-fixture']?.file ?? `examples/${artifact.replace(/_/g, '-')}.wasm`;
  const targetDir = path.join(workDir, 'target');
  execFileSync(
    cargo,
    ['build', '--release', '--locked', '--quiet', '--target', 'wasm32-unknown-unknown', '--manifest-path', manifest, '--target-dir', targetDir],
    { env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const built = path.join(targetDir, 'wasm32-unknown-unknown', 'release', `${artifact}.wasm`);
  const dest = path.join(outDir, file);
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(built, `${dest}.tmp`);
  renameSync(`${dest}.tmp`, dest);
}

/**
 * The stage of `project`: links to its files and its siblings, its manifest with the
 * crate's path rewritten, its lock. Files are rewritten only when they change, so
 * Cargo sees an unchanged project as unchanged and does not rebuild it.
 */
function makeStage(project, stage) {
  // An earlier project may have linked this one as its sibling: the stage is a folder of its own.
  if (lexists(stage) && lstatSync(stage).isSymbolicLink()) rmSync(stage);
  mkdirSync(path.join(stage, 'crates'), { recursive: true });
  for (const entry of readdirSync(path.dirname(project))) {
    if (entry !== path.basename(project)) link(path.join(path.dirname(project), entry), path.join(path.dirname(stage), entry));
  }
  for (const entry of readdirSync(project)) {
    if (entry === 'Cargo.toml' || entry === 'Cargo.lock' || entry === 'target' || entry === 'crates') continue;
    link(path.join(project, entry), path.join(stage, entry));
  }
  const manifest = readFileSync(path.join(project, 'Cargo.toml'), 'utf8');
  writeIfChanged(path.join(stage, 'Cargo.toml'), manifest.replace(CRATE_PATH, '$1crates/alloy-plugin$2'));
  const lock = path.join(project, 'Cargo.lock');
  if (lexists(lock)) writeIfChanged(path.join(stage, 'Cargo.lock'), readFileSync(lock, 'utf8'));
  link(crate, path.join(stage, 'crates', 'alloy-plugin'));
}

/** Makes `at` a symbolic link to `target`, unless it already is one, or is the stage of another project. */
function link(target, at) {
  if (lexists(at)) {
    if (!lstatSync(at).isSymbolicLink() || readlinkSync(at) === target) return;
    rmSync(at);
  }
  symlinkSync(target, at);
}

function writeIfChanged(file, text) {
  if (lexists(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}

function lexists(file) {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

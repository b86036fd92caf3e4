// `alloy-wasm new <name> --lang rust|assemblyscript|c`: the project it writes
// builds for real with its own build command, its own test passes, and
// `alloy-wasm check` passes on the output. Rust needs cargo with the
// wasm32-unknown-unknown target (rustup), AssemblyScript the repository's asc;
// C needs clang with wasi-libc (CI installs it; skipped with a message otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { root } from './helpers.mjs';

const bin = path.join(root, 'bin', 'alloy-wasm.js');
const env = { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1' };
delete env.CARGO_TARGET_DIR; // the project's build names its own target folder; keep it that way
delete env.NODE_TEST_CONTEXT; // the project's own `node --test` reports as a run of its own

function run(cmd, args, cwd) {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 300_000 });
}
const alloy = (args, cwd) => run(process.execPath, [bin, ...args], cwd);
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'alloy-wasm-new-'));
const has = (tool) => run('sh', ['-c', `command -v ${tool}`]).status === 0;

const TOOLCHAIN = {
  rust: () => {
    if (!has('cargo')) return 'cargo not found (install Rust with rustup)';
    const lib = run('rustc', ['--print', 'target-libdir', '--target', 'wasm32-unknown-unknown']);
    return lib.status === 0 && existsSync(lib.stdout.trim()) ? null : 'no wasm32-unknown-unknown target (rustup target add wasm32-unknown-unknown)';
  },
  assemblyscript: () => (existsSync(path.join(root, 'node_modules', '.bin', 'asc')) ? null : 'asc not found in node_modules (npm install)'),
  c: () => (has('clang') ? null : 'clang not found (CI installs clang, lld and wasi-libc)'),
};

test('--help lists the languages; the command is in the main help', () => {
  const help = alloy(['new', '--help'], root);
  assert.equal(help.status, 0, help.stderr);
  for (const lang of ['rust', 'assemblyscript', 'c']) assert.match(help.stdout, new RegExp(`^  ${lang} `, 'm'));
  assert.match(help.stdout, /rustup target add wasm32-unknown-unknown/);
  assert.match(alloy(['--help'], root).stdout, /^ {2}new <name> --lang <language> +write a new plugin project/m);
});

test('bad names, languages and folders are refused with exit status 2, nothing written', () => {
  const dir = tempDir();
  try {
    const cases = [
      [['new', 'My_Plugin', '--lang', 'rust'], /bad plugin name "My_Plugin": use lower-case letters, digits and single "-"/],
      [['new', '-x', '--lang', 'c'], /unknown option -x/],
      [['new', 'a--b', '--lang', 'c'], /bad plugin name "a--b"/],
      [['new', '9lives', '--lang', 'c'], /bad plugin name "9lives"/],
      [['new', 'x'.repeat(65), '--lang', 'c'], /at most 64 characters/],
      [['new', 'fn', '--lang', 'rust'], /bad plugin name "fn" for Rust: Cargo does not allow it/],
      [['new', 'ok', '--lang', 'go'], /unknown language "go" for --lang \(one of: rust, assemblyscript, c\)/],
      [['new', 'ok'], /missing --lang <language> \(one of: rust, assemblyscript, c\)/],
      [['new', '--lang', 'rust'], /missing <name>/],
    ];
    for (const [args, message] of cases) {
      const result = alloy(args, dir);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    mkdirSync(path.join(dir, 'taken'));
    writeFileSync(path.join(dir, 'taken', 'notes.txt'), 'mine');
    const taken = alloy(['new', 'taken', '--lang', 'c'], dir);
    assert.equal(taken.status, 2);
    assert.match(taken.stderr, /\.\/taken already exists and is not empty \(1 entry\); pick another name or remove it/);
    assert.equal(readFileSync(path.join(dir, 'taken', 'notes.txt'), 'utf8'), 'mine', 'left alone');
    writeFileSync(path.join(dir, 'file'), '');
    assert.match(alloy(['new', 'file', '--lang', 'c'], dir).stderr, /\.\/file exists and is not a folder/);
    // An empty folder is fine.
    mkdirSync(path.join(dir, 'empty'));
    assert.equal(alloy(['new', 'empty', '--lang', 'c'], dir).status, 0);
    assert.ok(existsSync(path.join(dir, 'empty', 'src', 'empty.c')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the npm package ships the templates and the helper crate the Rust project copies', () => {
  const pack = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root);
  assert.equal(pack.status, 0, pack.stderr);
  const files = new Set(JSON.parse(pack.stdout)[0].files.map((f) => f.path));
  for (const file of [
    'crates/alloy-plugin/Cargo.toml',
    'crates/alloy-plugin/README.md',
    'crates/alloy-plugin/src/lib.rs',
    'crates/alloy-plugin/src/json.rs',
    'js/cli/new.js',
    'js/cli/templates/common/gitignore',
    'js/cli/templates/rust/Cargo.toml',
    'js/cli/templates/assemblyscript/assembly/index.ts',
    'js/cli/templates/c/src/plugin.c',
  ]) {
    assert.ok(files.has(file), `${file} is in the package`);
  }
});

for (const lang of ['rust', 'assemblyscript', 'c']) {
  const missing = TOOLCHAIN[lang]();
  test(`--lang ${lang}: the project builds with its one command, its test passes, check says OK`, { skip: missing ?? false }, () => {
    const dir = tempDir();
    try {
      const name = `my-${lang === 'assemblyscript' ? 'as' : lang}-filter`;
      const created = alloy(['new', name, '--lang', lang], dir);
      assert.equal(created.status, 0, created.stderr);
      assert.match(created.stdout, new RegExp(`^Created ${name}/`));
      const project = path.join(dir, name);
      const readme = readFileSync(path.join(project, 'README.md'), 'utf8');
      assert.match(readme, /## Toolchain/);
      assert.match(readme, /npm run build/);
      assert.doesNotMatch(readme, /\{\{(name|crate|version)\}\}/, 'every placeholder filled');
      const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
      assert.equal(pkg.name, name);
      assert.ok(existsSync(path.join(project, '.gitignore')));
      if (lang === 'rust') {
        assert.ok(existsSync(path.join(project, 'crates', 'alloy-plugin', 'src', 'lib.rs')), 'the helper crate is copied in');
      }

      // `npm install` would bring alloy-wasm (and asc); the test links this checkout instead.
      mkdirSync(path.join(project, 'node_modules'));
      symlinkSync(root, path.join(project, 'node_modules', 'alloy-wasm'), 'dir');

      const build = run('npm', ['run', 'build'], project);
      assert.equal(build.status, 0, `npm run build:\n${build.stdout}\n${build.stderr}`);
      const wasm = path.join(project, 'dist', `${name}.wasm`);
      assert.ok(existsSync(wasm), 'dist/<name>.wasm built');

      const own = run('npm', ['test'], project);
      assert.equal(own.status, 0, `npm test:\n${own.stdout}\n${own.stderr}`);
      assert.match(own.stdout, /\bpass 1\b/);
      assert.match(own.stdout, /\bfail 0\b/);

      const check = alloy(['check', wasm, '--no-cache'], project);
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, new RegExp(`OK +${name} honours the Alloy ABI \\(filter, last_error\\)`));
      const filtered = alloy(['filter', wasm, 'shout this', '--no-cache'], project);
      assert.equal(filtered.stdout.trim(), 'SHOUT THIS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

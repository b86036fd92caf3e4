'use strict';
// `alloy-wasm new <name> --lang rust|assemblyscript|c`: writes a plugin project
// in ./<name> from js/cli/templates/ (common/ plus the language's folder). The
// Rust project gets a copy of the helper crate (crates/alloy-plugin, shipped
// in the npm package), so it builds offline and wherever it is moved.

const fs = require('node:fs');
const path = require('node:path');
const { UsageError } = require('./args');
const { print } = require('./output');

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const TEMPLATES = path.join(__dirname, 'templates');

/** Each language: its template folder, what it needs, how it builds. */
const LANGUAGES = {
  rust: { label: 'Rust', toolchain: 'Rust from rustup, then: rustup target add wasm32-unknown-unknown', build: 'npm run build' },
  assemblyscript: { label: 'AssemblyScript', toolchain: 'Node.js; npm install brings asc', build: 'npm install && npm run build' },
  c: { label: 'C', toolchain: 'clang, wasm-ld and wasi-libc (or wasi-sdk)', build: 'npm run build' },
};

/** A plugin name: its file name, filter name, package name and folder, so lower-case letters, digits and single '-'. */
const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME = 64;
// Names Cargo refuses for a package (keywords, the standard crates) or that clash with the helper crate.
const RUST_RESERVED = new Set(
  ('as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut ' +
    'pub ref return self static struct super trait true type unsafe use where while abstract become box do final macro ' +
    'override priv try typeof unsized virtual yield std core alloc test proc-macro alloy-plugin').split(' '),
);

const command = {
  name: 'new',
  summary: 'write a new plugin project (rust, assemblyscript or c)',
  usage: 'alloy-wasm new <name> --lang <language> [options]',
  positionals: [1, 1],
  description: `
Writes a plugin project in ./<name>: the source of a filter plugin named
<name> (it upper-cases its input), a README that says which toolchain it
needs, and a test (test/plugin.test.mjs) that loads the built plugin with
alloy-wasm and calls it. "npm run build" builds dist/<name>.wasm and
"npm run check" runs alloy-wasm check on it.

Languages (--lang):
  rust            cargo build --release --target wasm32-unknown-unknown, with the
                  alloy_plugin helper crate (copied into the project). Needs Rust
                  from rustup and: rustup target add wasm32-unknown-unknown
  assemblyscript  asc (from npm install). Needs Node.js only.
  c               clang --target=wasm32-wasi, as a WASI reactor. Needs clang,
                  wasm-ld and wasi-libc (Debian/Ubuntu: apt-get install clang lld
                  wasi-libc libclang-rt-dev-wasm32), or wasi-sdk.

<name> is the plugin's name (its filter's, and its .wasm file's): lower-case
letters, digits and single "-", starting with a letter. The folder must not
exist, or be empty.`,
  options: {
    lang: { type: 'string', value: '<language>', help: 'rust, assemblyscript or c (required)' },
  },
  examples: ['alloy-wasm new shout --lang rust', 'alloy-wasm new word-count --lang assemblyscript', 'alloy-wasm new escape --lang c'],
  run,
};

async function run([name], values) {
  const lang = checkLanguage(values.lang);
  checkName(name, lang);
  const dir = path.resolve(name);
  checkFolder(dir, name);
  const files = projectFiles(lang, name);
  for (const [rel, content] of files) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  const { label, toolchain, build } = LANGUAGES[lang];
  print(
    `Created ${name}/: ${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label} plugin named "${name}" (${files.size} files)`,
    `  needs:  ${toolchain}`,
    `  build:  cd ${name} && ${build}      -> dist/${name}.wasm`,
    `  check:  npm run check               (alloy-wasm check dist/${name}.wasm)`,
    `  test:   npm test                    (after npm install)`,
  );
  return 0;
}

function checkLanguage(lang) {
  const known = Object.keys(LANGUAGES).join(', ');
  if (lang === undefined) throw new UsageError(`missing --lang <language> (one of: ${known})`, command);
  if (!Object.hasOwn(LANGUAGES, lang)) throw new UsageError(`unknown language ${JSON.stringify(lang)} for --lang (one of: ${known})`, command);
  return lang;
}

function checkName(name, lang) {
  if (!NAME.test(name) || name.length > MAX_NAME) {
    throw new UsageError(
      `bad plugin name ${JSON.stringify(name)}: use lower-case letters, digits and single "-", starting with a letter, at most ${MAX_NAME} characters (for example "my-filter")`,
      command,
    );
  }
  if (lang === 'rust' && RUST_RESERVED.has(name)) {
    throw new UsageError(`bad plugin name ${JSON.stringify(name)} for Rust: Cargo does not allow it as a package name (a keyword or a standard crate); pick another`, command);
  }
}

function checkFolder(dir, name) {
  let entries;
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if (err.code === 'ENOENT') return;
    if (err.code === 'ENOTDIR') throw new UsageError(`./${name} exists and is not a folder; pick another name or move it`, command);
    throw err;
  }
  if (entries.length > 0) {
    throw new UsageError(`./${name} already exists and is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); pick another name or remove it`, command);
  }
}

/** The project's files: Map of relative path -> content. */
function projectFiles(lang, name) {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  const vars = {
    name,
    crate: name.replace(/-/g, '_'),
    version: pkg.version,
    asVersion: String((pkg.devDependencies || {}).assemblyscript || '0.28').replace(/^[^\d]*/, ''),
  };
  const fill = (text) => text.replace(/\{\{(name|crate|version|asVersion)\}\}/g, (_, key) => vars[key]);
  const files = new Map();
  for (const folder of ['common', lang]) {
    for (const rel of walk(path.join(TEMPLATES, folder))) {
      const text = fs.readFileSync(path.join(TEMPLATES, folder, rel), 'utf8');
      files.set(outputPath(rel, name), fill(text));
    }
  }
  if (lang === 'rust') {
    // The helper crate, as it ships in this package: no placeholders in it.
    const crate = path.join(PACKAGE_ROOT, 'crates', 'alloy-plugin');
    for (const rel of ['Cargo.toml', 'README.md', ...walk(crate, 'src')]) {
      files.set(path.join('crates', 'alloy-plugin', rel), fs.readFileSync(path.join(crate, rel), 'utf8'));
    }
  }
  return files;
}

/** A template file's path in the project: dot files are stored without their dot (npm drops .gitignore). */
function outputPath(rel, name) {
  if (rel === 'gitignore') return '.gitignore';
  if (rel === path.join('src', 'plugin.c')) return path.join('src', `${name}.c`);
  return rel;
}

/** Every file under `dir`, as paths relative to it, sorted. */
function walk(dir, prefix = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...walk(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

module.exports = { command, LANGUAGES };

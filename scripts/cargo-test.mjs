#!/usr/bin/env node
// `npm run test:rust`: cargo test of the core, built so that it reuses what
// `npm run build` (napi build) compiled instead of building wasmtime again.
//
// napi build always passes `--target <host triple>` and `--features napi-binding`,
// and cargo keeps a --target build apart from a plain one (target/<triple>/ against
// target/release/) and hashes every crate's feature set into its artifacts. So the
// tests are built with the same target, features and profile: then every dependency,
// wasmtime included, is fresh. (napi-binding adds napi's features, such as
// rustc-hash/default and syn/extra-traits, which wasmtime's own dependencies share.)
//
//   node scripts/cargo-test.mjs [more cargo test arguments...]
import { execFileSync, spawnSync } from 'node:child_process';

function hostTriple() {
  const info = execFileSync('rustc', ['-vV'], { encoding: 'utf8' });
  const host = /^host: (\S+)$/m.exec(info);
  if (!host) throw new Error(`no host line in \`rustc -vV\`:\n${info}`);
  return host[1];
}

const args = ['test', '--release', '--target', hostTriple(), '--features', 'napi-binding', ...process.argv.slice(2)];
console.log(`> cargo ${args.join(' ')}`);
const run = spawnSync('cargo', args, { stdio: 'inherit' });
if (run.error) throw run.error;
process.exit(run.status ?? 1);

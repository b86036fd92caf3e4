#!/usr/bin/env node
// `npm run test:rust`: cargo test of the core, built so that it reuses what
// `npm run build` (napi build) compiled instead of building wasmtime again.
//
// napi build always passes `--target <host triple>`, and cargo keeps a --target
// build apart from a plain one (target/<triple>/release/ against target/release/).
// So the tests are built for the same explicit target, with the same profile.
// Features are the other half: cargo hashes each crate's feature set into its
// artifacts, and the addon build turns on a few features through napi that the
// tests would not; Cargo.toml's dev- and build-dependencies on rustc-hash and syn
// turn the same ones on for the tests (__test__/build-reuse.test.mjs checks that
// every shared crate gets the same features in both builds). The tests cannot use
// the napi-binding feature itself: a test binary cannot link napi's symbols,
// which only Node provides.
//
//   node scripts/cargo-test.mjs [more cargo test arguments...]
import { execFileSync, spawnSync } from 'node:child_process';

export function hostTriple() {
  const info = execFileSync('rustc', ['-vV'], { encoding: 'utf8' });
  const host = /^host: (\S+)$/m.exec(info);
  if (!host) throw new Error(`no host line in \`rustc -vV\`:\n${info}`);
  return host[1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = ['test', '--release', '--target', hostTriple(), ...process.argv.slice(2)];
  console.log(`> cargo ${args.join(' ')}`);
  const run = spawnSync('cargo', args, { stdio: 'inherit' });
  if (run.error) throw run.error;
  process.exit(run.status ?? 1);
}

// What the Astro tests share: scripts/astro.sh (Astro 7 under a side Node 22)
// and the fixture site with its node_modules.
import { spawn } from 'node:child_process';
import path from 'node:path';

import { root } from './helpers.mjs';

export const ASTRO_SCRIPT = path.join(root, 'scripts/astro.sh');
export const ASTRO_FIXTURE = path.join(root, '__test__/fixtures/astro-site');
export const ASTRO_MODULES = path.join(root, 'examples/astro-site/node_modules');

/**
 * Runs scripts/astro.sh with `args`; resolves to { code, signal, killed,
 * output, ms }. Kills it (and its children) past `limitMs`.
 */
export function runAstroScript(args, limitMs) {
  return new Promise((resolve) => {
    const child = spawn('bash', [ASTRO_SCRIPT, ...args], { cwd: root, detached: true, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, limitMs);
    const started = Date.now();
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed, output, ms: Date.now() - started });
    });
  });
}

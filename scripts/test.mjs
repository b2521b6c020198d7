#!/usr/bin/env node
// `npm test` after the build: the host suite (unit and privileged tests, many files at once), then the VM
// runner's tests alone (ava.vm.config.mjs). Arguments (e.g. --tap) go to both; the exit status is non-zero
// if either failed. The kernel suite that runs inside a VM is `npm run test:kernel`.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { URL } from 'node:url';

const ava = new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url).pathname;
const args = process.argv.slice(2);
let status = 0;
for (const extra of [[], ['--config', 'ava.vm.config.mjs']]) {
  const r = spawnSync(process.execPath, [ava, ...extra, ...args], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);

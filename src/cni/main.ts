// The plugin's entry point, bundled on its own (dist/bundle/cni.mjs) so that each call loads only
// what a CNI command needs. Reads the config on stdin and CNI_* from the environment; prints the
// result, or a CNI error object and exits 1.
import { readFileSync } from 'node:fs';
import { parseCommand } from './config.js';
import { CniError, errorObject, toCniError } from './errors.js';
import { runCommand } from './plugin.js';
import { mark, report } from './profile.js';

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

function versionOf(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' ? v : '1.1.0';
  } catch {
    return '1.1.0';
  }
}

export async function cniMain(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  mark('loaded');
  const stdin = readStdin();
  try {
    const out = await runCommand(parseCommand(env), env, stdin);
    if (out) process.stdout.write(JSON.stringify(out));
    return 0;
  } catch (e) {
    const err: CniError = toCniError(e);
    process.stdout.write(JSON.stringify(errorObject(versionOf(stdin), err)));
    return 1;
  }
}

const code = await cniMain();
mark('done');
report();
// Leave now: nothing runs after the result (a pending timer or socket would only delay the runtime).
process.exit(code);

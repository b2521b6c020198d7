// `pipework cni install [--dir DIR]`: puts an executable named "pipework" in the runtime's plugin
// folder. Runtimes give plugins no PATH to rely on, so it names node and the plugin bundle by
// absolute path, as they are at install time.
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../util/errors.js';

export const DEFAULT_CNI_BIN = '/opt/cni/bin';

/** dist/bundle/cni.mjs, found from wherever this code runs (a bundle chunk, dist/src, or src via tsx). */
export function pluginBundle(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const candidate of [join(dir, 'cni.mjs'), join(dir, 'dist', 'bundle', 'cni.mjs')]) if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new InputError('the CNI plugin bundle (dist/bundle/cni.mjs) is not built', 'run npm run build first');
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A /bin/sh script: it drops NODE_EXTRA_CA_CERTS, which makes node read a CA bundle at every start
 * (~70 ms measured here) for TLS connections a plugin never makes, then execs node on the bundle.
 */
export function pluginScript(node = process.execPath, bundle = pluginBundle()): string {
  return `#!/bin/sh\n# pipework CNI plugin, installed by "pipework cni install"\nunset NODE_EXTRA_CA_CERTS\nexec ${shQuote(node)} ${shQuote(bundle)}\n`;
}

/** Writes DIR/pipework (atomically: a runtime may be running the old one); returns its path. */
export function installPlugin(dir = DEFAULT_CNI_BIN): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'pipework');
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, pluginScript(), { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, target);
  return target;
}

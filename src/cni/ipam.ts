// IPAM delegation: the CNI convention has the main plugin run the IPAM plugin its config names
// (found in CNI_PATH) with the same environment and stdin. This is the one place where the
// product runs another program: the convention requires it, and nothing else may.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CniError, CODE } from './errors.js';

export interface IpamCall {
  type: string;
  command: 'ADD' | 'DEL' | 'CHECK';
  path: string[];
  stdin: string;
  /** the environment, with any CNI_* overrides (GC releases other containers' addresses) */
  env: NodeJS.ProcessEnv;
}

function find(type: string, path: string[]): string {
  if (type.includes('/') || type === '' || type === '.' || type === '..') throw new CniError(CODE.invalidConfig, `ipam type "${type}" is not a plugin name`);
  for (const dir of path) {
    const file = join(dir, type);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  throw new CniError(CODE.invalidConfig, `IPAM plugin "${type}" is not in CNI_PATH (${path.join(':') || 'empty'})`, 'install it there (the reference plugins are in /usr/lib/cni or /opt/cni/bin), or fix "ipam.type"');
}

function exec(file: string, call: IpamCall, stdin: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(file, [], { input: stdin, env: { ...call.env, CNI_COMMAND: call.command }, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.error) throw new CniError(CODE.io, `running IPAM plugin ${file}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the IPAM plugin; its result (ADD) or undefined. Its own error object becomes ours. */
export function runIpam(call: IpamCall): Record<string, unknown> | undefined {
  const file = find(call.type, call.path);
  let r = exec(file, call, call.stdin);
  let err = r.status === 0 ? undefined : parseError(r.stdout);
  // Plugins older than our config's cniVersion (the reference 1.1.1 stops at 1.0.0) get the same
  // config as 1.0.0: an IPAM result is the same in both.
  if (err?.code === CODE.incompatibleVersion) {
    const conf = JSON.parse(call.stdin) as Record<string, unknown>;
    if (conf.cniVersion === '1.1.0') {
      r = exec(file, call, JSON.stringify({ ...conf, cniVersion: '1.0.0' }));
      err = r.status === 0 ? undefined : parseError(r.stdout);
    }
  }
  if (err || r.status !== 0) {
    const e = err ?? { code: CODE.io, msg: `exited with status ${r.status}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}` };
    throw new CniError(e.code, `IPAM plugin ${call.type} (${call.command}): ${e.msg}`, e.details ?? '');
  }
  if (call.command !== 'ADD') return undefined;
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new CniError(CODE.decode, `IPAM plugin ${call.type} printed a result that is not JSON: ${r.stdout.slice(0, 200)}`);
  }
}

function parseError(stdout: string): { code: number; msg: string; details?: string } | undefined {
  try {
    const o = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof o.code === 'number') return { code: o.code, msg: String(o.msg ?? ''), details: typeof o.details === 'string' ? o.details : undefined };
  } catch {
    // not an error object: reported with its exit status
  }
  return undefined;
}

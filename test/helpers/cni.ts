// CNI test fixtures: the plugin installed the way users install it (`pipework cni install` into a
// folder of the test's own, next to nothing else), called the way a runtime calls it (CNI_* in the
// environment, the config on stdin, run inside the test's host netns), and the reference plugins
// (containernetworking-plugins in /usr/lib/cni) as the oracle.
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './netns.js';

export const REFERENCE_PLUGINS = '/usr/lib/cni';
export const BIN = new URL('../../bin/pipework.js', import.meta.url).pathname;

/** A private folder, removed when the test ends. */
export function tempDir(t: ExecutionContext, hint: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pwcni-${hint}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `pipework cni install --dir DIR` into a fresh folder; returns the folder. */
export function installPlugin(t: ExecutionContext): string {
  const dir = tempDir(t, 'bin');
  run(process.execPath, [BIN, 'cni', 'install', '--dir', dir]);
  return dir;
}

export interface Call {
  command: string;
  conf: object;
  /** the netns the plugin runs in (the runtime's "host"), by name */
  hostNs: string;
  /** the container's netns by name (its /var/run/netns path is sent), '' to send none */
  netns?: string;
  ifname?: string;
  containerId?: string;
  /** folders searched for the IPAM plugin; default the plugin's folder then the reference plugins' */
  path?: string[];
  args?: string;
  /** the plugin to run: default "pipework" in pluginDir */
  plugin?: string;
  pluginDir: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

export interface Reply {
  status: number | null;
  /** stdout parsed (a result or an error object), undefined when empty */
  json?: Json;
  stdout: string;
  stderr: string;
}

export function netnsPath(name: string): string {
  return `/var/run/netns/${name}`;
}

export function call(c: Call): Reply {
  const plugin = c.plugin ? join(REFERENCE_PLUGINS, c.plugin) : join(c.pluginDir, 'pipework');
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', // a runtime's plugins get little: no node on it matters
    CNI_COMMAND: c.command,
    CNI_CONTAINERID: c.containerId ?? 'ctr1',
    CNI_NETNS: c.netns === undefined ? '' : c.netns === '' ? '' : netnsPath(c.netns),
    CNI_IFNAME: c.ifname ?? 'eth0',
    CNI_PATH: (c.path ?? [c.pluginDir, REFERENCE_PLUGINS]).join(':'),
  };
  if (c.args !== undefined) env.CNI_ARGS = c.args;
  const r = spawnSync('ip', ['netns', 'exec', c.hostNs, plugin], { input: JSON.stringify(c.conf), env, encoding: 'utf8', timeout: 60_000 });
  let json: Json | undefined;
  try {
    json = r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, json, stdout: r.stdout, stderr: r.stderr };
}

/** A host-local IPAM section with a private data folder. */
export function hostLocal(dataDir: string, subnet: string, extra: object = {}): Record<string, unknown> {
  return { type: 'host-local', dataDir, ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }], ...extra };
}

/** The addresses host-local holds reserved in dataDir for network NAME (one file per address). */
export function reservations(dataDir: string, name: string): string[] {
  const dir = join(dataDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f) || f.includes(':')).sort();
}

const DRIVER_SOURCE = new URL('./cni-driver/main.go', import.meta.url).pathname;

/**
 * The libcni driver (test/helpers/cni-driver), built offline in GOPATH mode from Debian's
 * golang-github-appc-cni-dev sources into a folder of the test's.
 */
export function buildLibcniDriver(t: ExecutionContext): string {
  const dir = tempDir(t, 'go');
  const out = join(dir, 'driver');
  run('go', ['build', '-o', out, DRIVER_SOURCE], { cwd: dir, env: { GO111MODULE: 'off', GOPATH: `${join(dir, 'gopath')}:/usr/share/gocode`, GOFLAGS: '' }, timeoutMs: 120_000 });
  return out;
}

/** A conflist NAME.conflist in a fresh folder; returns the folder. */
export function writeConflist(t: ExecutionContext, name: string, plugins: object[], cniVersion = '1.0.0'): string {
  const dir = tempDir(t, 'netd');
  writeFileSync(join(dir, `${name}.conflist`), JSON.stringify({ cniVersion, name, plugins }, null, 2));
  return dir;
}

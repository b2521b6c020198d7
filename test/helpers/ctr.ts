// containerd for CNI tests: a private daemon (its own root, state and sockets, CRI off), a busybox
// rootfs folder (no image needed), and `ctr run --cni` run inside the test's host netns with the
// test's network config and plugin overlaid on /etc/cni/net.d and /usr/lib/cni, the only places
// ctr looks (the overlays live in the mount namespace `ip netns exec` makes, so nobody else sees them).
import type { ExecutionContext } from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './cni.js';
import { run } from './netns.js';

export interface Containerd {
  socket: string;
  proc: ChildProcess;
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A private containerd, stopped (by its PID) when the test ends. */
export async function startContainerd(t: ExecutionContext): Promise<Containerd> {
  const dir = tempDir(t, 'ctrd');
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const proc = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  t.teardown(async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  });
  await until(`containerd (${log})`, () => existsSync(socket), 15_000);
  return { socket, proc };
}

/** A busybox rootfs folder with the applets the tests call. */
export function busyboxRootfs(t: ExecutionContext): string {
  const root = tempDir(t, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(join(root, d));
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const applet of ['sh', 'ip', 'cat', 'sleep', 'ls']) symlinkSync('busybox', join(root, 'bin', applet));
  return root;
}

export interface CniOverlay {
  /** folder holding cni/net.d/<conflist>, laid over /etc */
  etc: string;
  /** folder holding the plugin, laid over /usr/lib/cni */
  bin: string;
}

/** The network config as ctr finds it: the first conflist of /etc/cni/net.d. */
export function cniEtc(t: ExecutionContext, name: string, plugins: object[], cniVersion = '1.0.0'): string {
  const etc = tempDir(t, 'etc');
  mkdirSync(join(etc, 'cni/net.d'), { recursive: true });
  writeFileSync(join(etc, 'cni/net.d', `00-${name}.conflist`), JSON.stringify({ cniVersion, name, plugins }));
  return etc;
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `ctr ARGS` inside hostNs with the overlays; returns its stdout (throws CommandError). */
export function ctr(hostNs: string, d: Containerd, overlay: CniOverlay, args: string[], timeoutMs = 60_000): string {
  const script = [
    `mount -t overlay pwcni -o lowerdir=${sh(overlay.etc)}:/etc /etc`,
    `mount -t overlay pwcni -o lowerdir=${sh(overlay.bin)}:/usr/lib/cni /usr/lib/cni`,
    `exec ctr -a ${sh(d.socket)} ${args.map(sh).join(' ')}`,
  ].join(' && ');
  return run('ip', ['netns', 'exec', hostNs, 'sh', '-c', script], { timeoutMs });
}

/** Removes a task and container that a failed run left behind (best effort). */
export function ctrCleanup(d: Containerd, id: string): void {
  for (const args of [['t', 'kill', '-s', 'KILL', id], ['t', 'rm', '-f', id], ['c', 'rm', id]]) {
    try {
      run('ctr', ['-a', d.socket, ...args]);
    } catch {
      // not there
    }
  }
}

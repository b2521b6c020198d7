// Real DHCP servers for tests: dnsmasq (dnsmasq-base) and ISC dhcpd, each started inside a test
// namespace on a given interface with private lease, pid and log files, and killed by PID when the
// test ends.
import type { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { createNetns, ipn, run } from './netns.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export function killPid(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

export function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export interface Server {
  pid: number;
  leases: () => string;
  log: () => string;
  stop: () => Promise<void>;
}

export async function waitGone(pid: number): Promise<void> {
  await until(`process ${pid} to exit`, () => !fs.existsSync(`/proc/${pid}`), 5000);
}

/** Where a server runs: its netns, a private folder for its files, and its interface (default br-dh). */
export interface ServerPlace {
  srv: string;
  dir: string;
  iface?: string;
}

/** dnsmasq (DHCP only, --no-ping, private files) on br-dh in the server netns; killed at teardown. */
export async function dnsmasq(t: ExecutionContext, topo: ServerPlace, extra: string[] = [], tag = 'dnsmasq'): Promise<Server> {
  const f = (x: string) => path.join(topo.dir, `${tag}.${x}`);
  run('ip', [
    'netns', 'exec', topo.srv, 'dnsmasq', '--conf-file=/dev/null', '--port=0', `--interface=${topo.iface ?? 'br-dh'}`, '--bind-interfaces', '--no-ping',
    '--dhcp-authoritative', '--log-dhcp', `--dhcp-leasefile=${f('leases')}`, `--pid-file=${f('pid')}`, `--log-facility=${f('log')}`,
    ...(extra.some((a) => a.startsWith('--dhcp-range')) ? [] : ['--dhcp-range=10.80.0.100,10.80.0.199,255.255.255.0,1h']),
    ...extra,
  ]);
  const pid = await until('dnsmasq pid file', () => readPid(f('pid')));
  t.teardown(() => killPid(pid));
  await until('dnsmasq to bind', () => fs.existsSync(f('log')) && fs.readFileSync(f('log'), 'utf8').includes('DHCP, sockets bound'));
  const read = (x: string) => (fs.existsSync(f(x)) ? fs.readFileSync(f(x), 'utf8') : '');
  return {
    pid,
    leases: () => read('leases'),
    log: () => read('log'),
    stop: async () => {
      killPid(pid);
      await waitGone(pid);
    },
  };
}

/** ISC dhcpd on br-dh in the server netns; killed at teardown. */
export async function dhcpd(t: ExecutionContext, topo: ServerPlace, subnetBody: string): Promise<Server> {
  const f = (x: string) => path.join(topo.dir, `dhcpd.${x}`);
  fs.writeFileSync(
    f('conf'),
    `authoritative;\nping-check false;\nddns-update-style none;\nsubnet 10.80.0.0 netmask 255.255.255.0 {\n${subnetBody}\n}\n`,
  );
  fs.writeFileSync(f('leases'), '');
  run('ip', ['netns', 'exec', topo.srv, 'dhcpd', '-4', '-q', '-cf', f('conf'), '-lf', f('leases'), '-pf', f('pid'), topo.iface ?? 'br-dh']);
  const pid = await until('dhcpd pid file', () => readPid(f('pid')));
  t.teardown(() => killPid(pid));
  return {
    pid,
    leases: () => fs.readFileSync(f('leases'), 'utf8'),
    log: () => '',
    stop: async () => {
      killPid(pid);
      await waitGone(pid);
    },
  };
}


export interface DhcpWorld {
  /** the host netns, whose bridge br-dh has <subnet>.1/24 */
  host: string;
  /** a private folder, removed at teardown (the server's files are in it) */
  dir: string;
  srv: Server;
}

/**
 * A host netns whose bridge br-dh (<subnet>.1/24, default 10.80.0) is served by dnsmasq, handing out
 * <subnet>.100-199; `extra` are more dnsmasq options. Everything is removed when the test ends.
 */
export async function dhcpWorld(t: ExecutionContext, opts: { hint?: string; subnet?: string; extra?: string[] } = {}): Promise<DhcpWorld> {
  const subnet = opts.subnet ?? '10.80.0';
  const host = createNetns(t, opts.hint ?? 'dhcph');
  ipn(host, 'link', 'add', 'br-dh', 'type', 'bridge');
  ipn(host, 'address', 'add', `${subnet}.1/24`, 'dev', 'br-dh');
  ipn(host, 'link', 'set', 'br-dh', 'up');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-dhcp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const srv = await dnsmasq(t, { srv: host, dir }, [`--dhcp-range=${subnet}.100,${subnet}.199,255.255.255.0,1h`, ...(opts.extra ?? [])]);
  return { host, dir, srv };
}

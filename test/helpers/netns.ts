// Fixtures for privileged tests, CNI-style: every test makes its own fresh network namespaces
// and they are deleted when the test ends, pass or fail. iproute2 is used here on purpose: it is
// the independent oracle the product's own netlink code is checked against.
//
// Nothing here touches the root network namespace: every command runs with `-n NS` or
// `ip netns exec NS`, where NS is a namespace this module created.
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

// ---------------------------------------------------------------------------------------------
// Running commands

export interface RunOptions {
  /** written to the command's stdin */
  input?: string | Uint8Array;
  /** added to (not replacing) process.env */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** kill the command after this long; default 30 s */
  timeoutMs?: number;
}

/** The failure of a command run by run(): its exit status and what it wrote to stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const why = status === null ? 'was killed or timed out' : `exited with status ${status}`;
    super(`${command} ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    this.name = 'CommandError';
  }
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Runs cmd synchronously (no shell) and returns its stdout; throws CommandError with stderr on failure. */
export function run(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): string {
  try {
    return execFileSync(cmd, args, {
      input: opts.input,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 30_000,
      stdio: ['pipe', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string; message?: string; code?: string };
    const command = [cmd, ...args].map(quote).join(' ');
    if (err.code === 'ENOENT') throw new CommandError(command, null, '', `${cmd}: command not found`);
    throw new CommandError(command, err.status ?? null, err.stdout ?? '', err.stderr ?? err.message ?? '');
  }
}

/** Like run(), but returns whether the command succeeded instead of throwing. */
export function succeeds(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): boolean {
  try {
    run(cmd, args, opts);
    return true;
  } catch (e) {
    if (e instanceof CommandError) return false;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Namespaces

const PREFIX = 'pwt-';
let counter = 0;
/** Every namespace this process created and has not deleted yet. */
const live = new Set<string>();

function uniqueName(hint?: string): string {
  counter++;
  const tag = hint ? '-' + hint.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8) : '';
  return `${PREFIX}${process.pid}-${counter}${tag === '-' ? '' : tag}`;
}

/** Creates a netns (not tied to a test; prefer createNetns). Its loopback is up unless asked otherwise. */
export function addNetns(hint?: string, opts: { loopbackUp?: boolean } = {}): string {
  const name = uniqueName(hint);
  run('ip', ['netns', 'add', name]);
  live.add(name);
  if (opts.loopbackUp === false) return name;
  try {
    run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    deleteNetns(name);
    throw e;
  }
  return name;
}

/** Deletes a namespace created here; quietly does nothing if it is already gone. */
export function deleteNetns(name: string): void {
  if (!name.startsWith(PREFIX)) throw new Error(`refusing to delete netns ${name}: not created by the test helpers`);
  live.delete(name);
  try {
    run('ip', ['netns', 'delete', name]);
  } catch (e) {
    if (e instanceof CommandError && /No such file|Invalid argument/.test(e.stderr)) return;
    throw e;
  }
}

/**
 * A fresh, uniquely named network namespace for this test (`pwt-<pid>-<n>[-hint]`), with `lo` up.
 * Deleted when the test ends, whether it passed or failed.
 */
export function createNetns(t: ExecutionContext, hint?: string, opts: { loopbackUp?: boolean } = {}): string {
  const name = addNetns(hint, opts);
  t.teardown(() => deleteNetns(name));
  return name;
}

/** Deletes every namespace this process created and still holds. Safe to call more than once. */
export function cleanupAllNetns(): void {
  for (const name of [...live]) {
    try {
      deleteNetns(name);
    } catch (e) {
      process.stderr.write(`test helpers: could not delete netns ${name}: ${(e as Error).message}\n`);
    }
  }
}

/**
 * Deletes namespaces left behind by test processes that no longer run (a crash, a SIGKILL).
 * Only names of this helper's own form whose PID is gone are touched.
 */
export function reapStaleNetns(): string[] {
  const reaped: string[] = [];
  for (const { name } of listNetns()) {
    const m = /^pwt-(\d+)-\d+/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    if (processExists(Number(m[1]))) continue;
    try {
      run('ip', ['netns', 'delete', name]);
      reaped.push(name);
    } catch {
      // someone else got there first
    }
  }
  return reaped;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNetns(): { name: string }[] {
  const out = run('ip', ['-j', 'netns', 'list']).trim();
  return out ? (JSON.parse(out) as { name: string }[]) : [];
}

// The safety net: whatever a crashing test leaves behind is deleted when the test file ends.
test.after.always('test helpers: delete leftover namespaces', () => cleanupAllNetns());
process.on('exit', () => cleanupAllNetns());
// ava stops a worker with SIGTERM (on a timeout, for one). Dying of the signal would skip the
// 'exit' listeners (this one and the other fixtures'), so exit normally with the signal's status.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`test helpers: ${signal}, cleaning up\n`);
    process.exit(128 + os.constants.signals[signal]);
  });
}

// ---------------------------------------------------------------------------------------------
// Oracle queries

/** `ip -j -n NS ...args`, parsed. Empty output (some `ip` commands print nothing) gives []. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ipj<T = any>(ns: string, ...args: string[]): T {
  const out = run('ip', ['-j', '-n', ns, ...args]).trim();
  return (out ? JSON.parse(out) : []) as T;
}

/** `ip -n NS ...args`, for changes made while building a test topology. */
export function ipn(ns: string, ...args: string[]): string {
  return run('ip', ['-n', ns, ...args]);
}

type Json = Record<string, unknown>;

export interface LinkSnapshot {
  ifname: string;
  kind?: string;
  slaveKind?: string;
  mtu?: number;
  address?: string;
  broadcast?: string;
  master?: string;
  /** the parent or veth peer: its name when in this namespace, else its index */
  link?: string | number;
  linkNetnsid?: number;
  alias?: string;
  group?: string;
  txqlen?: number;
  promiscuity?: number;
  allmulti?: number;
  /** administrative flags; carrier-dependent ones (LOWER_UP, NO-CARRIER, M-DOWN, DORMANT) dropped */
  flags: string[];
  /** IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA as ip prints them, timers and port states dropped */
  infoData?: Json;
  slaveData?: Json;
}

export interface AddressSnapshot {
  dev: string;
  family: string;
  local: string;
  prefixlen: number;
  scope?: string;
  broadcast?: string;
  address?: string;
  label?: string;
  /** the boolean flags ip prints (noprefixroute, nodad, secondary...), minus tentative/optimistic */
  flags: string[];
  /** anything else ip prints about the address (e.g. protocol), lifetimes excepted */
  [other: string]: unknown;
}

export interface Snapshot {
  links: LinkSnapshot[];
  addresses: AddressSnapshot[];
  routes: Json[];
  rules: Json[];
}

const CARRIER_FLAGS = new Set(['LOWER_UP', 'NO-CARRIER', 'M-DOWN', 'DORMANT', 'ECHO']);
const VOLATILE_INFO = /timer|^state$|^root_port$|^designated_|^topology_change/;
const ADDR_TRANSIENT = new Set(['tentative', 'optimistic', 'valid_life_time', 'preferred_life_time']);

function clean(o: Json | undefined, drop: RegExp): Json | undefined {
  if (!o) return undefined;
  const out: Json = {};
  for (const k of Object.keys(o).sort()) if (!drop.test(k)) out[k] = o[k];
  return out;
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function byKey<T>(f: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = f(a);
    const kb = f(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * The whole network configuration of a namespace, normalized for t.deepEqual before/after
 * comparisons: links (kind, MTU, MAC, master, admin flags, kind data), IPv4+IPv6 addresses,
 * IPv4+IPv6 routes of every table, and IPv4+IPv6 policy rules. Sorted; statistics, lifetimes,
 * timers and carrier-dependent state are left out, ifindex-dependent fields stay.
 */
export function snapshot(ns: string): Snapshot {
  const links = ipj<Json[]>(ns, '-d', 'link', 'show').map((l): LinkSnapshot => {
    const info = l.linkinfo as Json | undefined;
    return defined({
      ifname: l.ifname as string,
      kind: info?.info_kind as string | undefined,
      slaveKind: info?.info_slave_kind as string | undefined,
      mtu: l.mtu as number | undefined,
      address: l.address as string | undefined,
      broadcast: l.broadcast as string | undefined,
      master: l.master as string | undefined,
      link: (l.link as string | undefined) ?? (l.link_index as number | undefined),
      linkNetnsid: l.link_netnsid as number | undefined,
      alias: l.ifalias as string | undefined,
      group: l.group as string | undefined,
      txqlen: l.txqlen as number | undefined,
      promiscuity: l.promiscuity as number | undefined,
      allmulti: l.allmulti as number | undefined,
      flags: ((l.flags as string[] | undefined) ?? []).filter((f) => !CARRIER_FLAGS.has(f)).sort(),
      infoData: clean(info?.info_data as Json | undefined, VOLATILE_INFO),
      slaveData: clean(info?.info_slave_data as Json | undefined, VOLATILE_INFO),
    });
  });
  links.sort(byKey((l) => l.ifname));

  const addresses: AddressSnapshot[] = [];
  for (const l of ipj<Json[]>(ns, 'address', 'show')) {
    for (const a of (l.addr_info as Json[] | undefined) ?? []) {
      const out: Json = { dev: l.ifname };
      const flags: string[] = [];
      for (const k of Object.keys(a).sort()) {
        if (ADDR_TRANSIENT.has(k)) continue;
        if (a[k] === true) flags.push(k);
        else if (a[k] !== false) out[k] = a[k];
      }
      addresses.push({ ...out, flags } as AddressSnapshot);
    }
  }
  addresses.sort(byKey((a) => `${a.dev} ${a.family} ${a.local}/${a.prefixlen}`));

  const routes: Json[] = [];
  for (const family of ['-4', '-6']) {
    for (const r of ipj<Json[]>(ns, family, 'route', 'show', 'table', 'all')) {
      const out: Json = { family: family === '-4' ? 'inet' : 'inet6' };
      for (const k of Object.keys(r).sort()) {
        if (k === 'expires' || k === 'cache') continue;
        if (k === 'flags') out.flags = (r.flags as string[]).filter((f) => f !== 'linkdown').sort();
        else out[k] = r[k];
      }
      routes.push(out);
    }
  }
  routes.sort(byKey<Json>((r) => JSON.stringify(r)));

  const rules: Json[] = [];
  for (const family of ['-4', '-6']) {
    for (const r of ipj<Json[]>(ns, family, 'rule', 'show')) rules.push({ family: family === '-4' ? 'inet' : 'inet6', ...r });
  }
  rules.sort(byKey<Json>((r) => `${r.family} ${String(r.priority).padStart(10, '0')} ${JSON.stringify(r)}`));

  return { links, addresses, routes, rules };
}

/**
 * Waits until no address in ns is tentative (IPv6 duplicate address detection finished), so that
 * the local routes DAD adds are in place before a snapshot. Throws after timeoutMs.
 */
export async function waitForDad(ns: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tentative = ipj<Json[]>(ns, '-6', 'address', 'show', 'tentative');
    if (tentative.every((l) => !((l.addr_info as Json[] | undefined) ?? []).length)) return;
    if (Date.now() > deadline) throw new Error(`netns ${ns}: IPv6 addresses still tentative after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A snapshot once the kernel has finished what it does on its own after a change (IPv6 DAD, a
 * bridge's link-local address once it has carrier, routes that follow): no tentative address and
 * two snapshots quietMs apart alike. For "before" pictures taken right after a wiring.
 */
export async function settledSnapshot(ns: string, quietMs = 300, timeoutMs = 20_000): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  await waitForDad(ns, timeoutMs);
  let last = snapshot(ns);
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    await waitForDad(ns, Math.max(1, deadline - Date.now()));
    const now = snapshot(ns);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    if (Date.now() > deadline) throw new Error(`netns ${ns} still changing after ${timeoutMs} ms`);
    last = now;
  }
}

// ---------------------------------------------------------------------------------------------
// Topology

export interface VethOptions {
  /** bring both ends up (default true) */
  up?: boolean;
  /** addresses in CIDR form to put on each end */
  addrA?: string;
  addrB?: string;
  mtu?: number;
}

/** A veth pair with nameA in nsA and nameB in nsB (created in place with ip), both up by default. */
export function vethBetween(nsA: string, nameA: string, nsB: string, nameB: string, opts: VethOptions = {}): void {
  const mtu = opts.mtu === undefined ? [] : ['mtu', String(opts.mtu)];
  run('ip', ['-n', nsA, 'link', 'add', nameA, ...mtu, 'type', 'veth', 'peer', 'name', nameB, ...mtu, 'netns', nsB]);
  if (opts.addrA) ipn(nsA, 'address', 'add', opts.addrA, 'dev', nameA);
  if (opts.addrB) ipn(nsB, 'address', 'add', opts.addrB, 'dev', nameB);
  if (opts.up ?? true) {
    ipn(nsA, 'link', 'set', nameA, 'up');
    ipn(nsB, 'link', 'set', nameB, 'up');
  }
}

export interface PingOptions {
  /** echo requests to send (default 1); success means at least one reply */
  count?: number;
  /** seconds to wait for each reply (default 1) */
  timeoutS?: number;
  /** seconds between requests (default 0.2) */
  intervalS?: number;
  /** source interface or address (ping -I) */
  iface?: string;
}

/** Whether addr answers an ICMP echo from inside ns. */
export function ping(ns: string, addr: string, opts: PingOptions = {}): boolean {
  const args = ['netns', 'exec', ns, 'ping', '-n', '-q', '-c', String(opts.count ?? 1), '-W', String(opts.timeoutS ?? 1), '-i', String(opts.intervalS ?? 0.2)];
  if (opts.iface) args.push('-I', opts.iface);
  args.push(addr);
  const count = opts.count ?? 1;
  const budget = (count * ((opts.intervalS ?? 0.2) + (opts.timeoutS ?? 1)) + 5) * 1000;
  return succeeds('ip', args, { timeoutMs: budget });
}

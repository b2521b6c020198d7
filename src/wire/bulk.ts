// Many wirings at once, at close to the kernel's own cost. The same spec objects as wire(), but
// the work is grouped by phase across guests instead of done guest by guest:
//
//   resolve    every guest word -> a namespace handle (Docker lookups a bounded number at a time)
//   links      every veth pair, on the host socket, in as few sendmsg() calls as the kernel allows;
//              NLM_F_ECHO makes each creation answer with the host end's ifindex and its peer's
//              (the guest end's) ifindex: no lookups afterwards
//   sockets    per guest, once: one netlink and one packet socket opened inside its namespace (the
//              fd table was grown beforehand, in one step, on a worker thread)
//   guests     per guest, one sendmsg() on its own socket: link up, addresses, routes (and a get
//              of the link when its MAC was left to the kernel)
//   announce   per guest, the gratuitous ARP / unsolicited NA frames on its packet socket, which is
//              then closed on a native thread of its own (a close waits for an RCU grace period)
//   close      netlink sockets closed; the packet sockets' closing threads reaped
//
// No dumps on that path. Anything unusual takes the ordinary one-guest path (Pipework.wire) with
// its full inspection: a name that already exists (a re-run: "already wired as asked" is counted,
// not redone), a host interface that is not a Linux bridge, VLANs, and the other driver options.
// A guest that fails is rolled back alone (its veth deleted, a default route it replaced put
// back) and reported; the others stay wired.
import * as fs from 'node:fs';
import { growFdTable, ParallelCloser } from '../../native/fds.js';
import * as libc from '../../native/libc.js';
import { announceOn } from '../announce/announce.js';
import { allCarryTraffic, type LinkEnd, untilCarriesTraffic } from '../announce/ready.js';
import type { Guest } from '../guest/resolve.js';
import {
  AF_NETLINK, AF_PACKET, IFLA_ADDRESS, IFLA_EXT_MASK, IFLA_GROUP, IFLA_IFNAME, IFLA_LINK, NETLINK_ROUTE,
  NETNSA_NSID, NLA_TYPE_MASK, NLM_F_ECHO, RTEXT_FILTER_SKIP_STATS, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RT_SCOPE_LINK,
  SOCK_CLOEXEC, SOCK_DGRAM, SOCK_RAW,
} from '../netlink/constants.js';
import { parseAttrs } from '../netlink/attributes.js';
import { isKernelError, NetlinkDecodeError } from '../netlink/errors.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { decodeLink, ifinfomsg, IFINFOMSG_LEN } from '../netlink/rtnl/link.js';
import { NetlinkSocket, type Outcome, type Request } from '../netlink/session.js';
import { inNetns } from '../netns/enter.js';
import { addAddressRequest } from '../ops/address.js';
import { deleteLinkRequest, type Link, listLinks, setLinkRequest } from '../ops/link.js';
import { createBridgeRequest, isBridge } from '../ops/links/bridge.js';
import { createVethRequest } from '../ops/links/veth.js';
import { getNsidRequest } from '../ops/netns-id.js';
import { defaultRoutes, type Route, routeRequest } from '../ops/route.js';
import { ConflictError, InputError, NotFoundError } from '../util/errors.js';
import { type Cidr, formatCidr, formatIp, formatMac, inSubnet, type IpAddress, parseMac } from '../util/ip.js';
import type { HostSide } from './driver.js';
import { bridgeDriver } from './drivers/bridge.js';
import { selectDriver } from './drivers/index.js';
import { hostEndName } from './names.js';
import type { Pipework, UnwireResult, WireResult } from './pipework.js';
import { type SpecProblem, type UnwireTarget, validateSpecs, validateTargets } from './bulk-validate.js';
import { DEFAULT_IFNAME, normalize, type WiringSpec } from './spec.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** The phases of the fast path at which a test hook may fail a guest. */
export type BulkPhase = 'link' | 'guest' | 'announce';

export type BulkStage = 'validate' | 'resolve' | 'sockets' | 'links' | 'guests' | 'announce' | 'fallback' | 'rollback' | 'close' | 'done';

export interface BulkProgress {
  stage: BulkStage;
  /** guests through this stage so far (of the wave being worked on, for the per-guest stages) */
  done: number;
  total: number;
  /** guests failed so far, over the whole call */
  failed: number;
}

export interface BulkOptions {
  /** called as the work advances (a few times per stage); must not throw */
  onProgress?(progress: BulkProgress): void;
  /**
   * Guests worked on at once (each holds three file descriptors until the end of its wave).
   * Default 4096; lowered to fit the process's open-file limit.
   */
  concurrency?: number;
  /** guest lookups in flight at once (Docker API calls); default 16 */
  resolveConcurrency?: number;
}

export interface WireManyOptions extends BulkOptions {
  /** plan only: every guest is inspected and its plan returned; nothing changes */
  dryRun?: boolean;
  /**
   * Called for each guest on the fast path before each of its phases; throwing fails that guest
   * there (it is rolled back like any other failure). For tests.
   */
  beforePhase?(index: number, phase: BulkPhase): void;
  /** throw DuplicateGuestError, changing nothing, when two entries name one guest interface in different words (default: fail the later one) */
  refuseAliases?: boolean;
}

export type WireStatus = 'wired' | 'unchanged' | 'failed' | 'planned';

export interface WireManyItem {
  /** position in the list given */
  index: number;
  /** the guest as given */
  guest: string;
  status: WireStatus;
  result?: WireResult;
  error?: Error;
  /** for a failure: the stage it happened in */
  stage?: BulkStage;
  /** rollback steps that failed too (the kernel may hold leftovers of this guest) */
  undoFailures?: string[];
}

/** Milliseconds spent per stage (summed over waves). */
export type BulkTimings = Record<Exclude<BulkStage, 'done'>, number> & { total: number };

export interface WireManyResult {
  total: number;
  /** changed something */
  wired: number;
  /** already wired as asked: untouched */
  unchanged: number;
  failed: number;
  /** dry run: guests whose plan was made */
  planned: number;
  /** guests that took the one-guest path (re-runs, non-bridge host interfaces, VLANs...) */
  fallback: number;
  items: WireManyItem[];
  timings: BulkTimings;
}

export type UnwireStatus = 'removed' | 'absent' | 'failed';

export interface UnwireManyItem {
  index: number;
  guest: string;
  status: UnwireStatus;
  result?: UnwireResult;
  error?: Error;
  stage?: BulkStage;
}

export interface UnwireManyResult {
  total: number;
  removed: number;
  /** nothing to remove (the guest or its interface is gone) */
  absent: number;
  failed: number;
  items: UnwireManyItem[];
  timings: BulkTimings;
}

// Validation (no kernel, no Docker) lives in bulk-validate.ts, light enough for the CLI to load
// before it knows whether it will wire anything.
export { type SpecProblem, type UnwireTarget, validateSpecs, validateTargets } from './bulk-validate.js';

// ---------------------------------------------------------------------------------------------
// Shared machinery

const STAGES: Exclude<BulkStage, 'done'>[] = ['validate', 'resolve', 'sockets', 'links', 'guests', 'announce', 'fallback', 'rollback', 'close'];

class Clock {
  readonly timings = Object.fromEntries([...STAGES.map((s) => [s, 0]), ['total', 0]]) as BulkTimings;
  private readonly start = performance.now();
  private stage?: Exclude<BulkStage, 'done'>;
  private since = 0;
  enter(stage: Exclude<BulkStage, 'done'>): void {
    this.leave();
    this.stage = stage;
    this.since = performance.now();
  }
  leave(): void {
    if (this.stage) this.timings[this.stage] += performance.now() - this.since;
    this.stage = undefined;
  }
  finish(): BulkTimings {
    this.leave();
    this.timings.total = performance.now() - this.start;
    for (const k of Object.keys(this.timings) as (keyof BulkTimings)[]) this.timings[k] = Math.round(this.timings[k] * 1000) / 1000;
    return this.timings;
  }
}

/** Runs fn over items, at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux's procfs: assume the common default
  }
  return 1024;
}

function highestOpenFd(): number {
  let max = 2;
  for (const name of fs.readdirSync('/proc/self/fd')) {
    const n = Number(name);
    if (n > max) max = n;
  }
  return max;
}

let presized = 0;
/**
 * Grows the fd table once to hold `extra` more descriptors, on a worker thread. The kernel grows it
 * by doubling, and in a multithreaded process (Node is one) each doubling waits for an RCU grace
 * period (~10 ms): opening thousands of sockets would pay that a dozen times, on the main thread.
 * Started early, the one wait overlaps validation and guest lookups.
 */
function presizeFdTable(anyFd: number, extra: number): Promise<void> {
  const target = Math.min(highestOpenFd() + extra + 16, openFilesLimit() - 1);
  // Below 64 the table a process starts with suffices.
  if (target <= presized || target < 64) return Promise.resolve();
  presized = target;
  return growFdTable(anyFd, target);
}

/** Guests per wave: what the caller asked, within the open-file limit (three descriptors each). */
function waveSize(options: BulkOptions): number {
  const byLimit = Math.max(16, Math.floor((openFilesLimit() - highestOpenFd() - 64) / 3));
  return Math.max(1, Math.min(options.concurrency ?? 4096, byLimit));
}

function getLinkByNameRequest(name: string, what: string): Request {
  const w = ifinfomsg({});
  w.attrString(IFLA_IFNAME, name);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return { type: RTM_GETLINK, message: w.finish(), what };
}

function deleteLinkByNameRequest(name: string, what: string): Request {
  const w = ifinfomsg({});
  w.attrString(IFLA_IFNAME, name);
  return { type: RTM_DELLINK, message: w.finish(), what };
}

function getLinkByIndexRequest(index: number, what: string): Request {
  const w = ifinfomsg({ index });
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return { type: RTM_GETLINK, message: w.finish(), what };
}

function linkOf(outcome: Outcome): Link | undefined {
  const m = outcome.replies.find((r) => r.type === RTM_NEWLINK);
  return m ? decodeLink(m) : undefined;
}

/**
 * ifindex (from struct ifinfomsg), IFLA_LINK and IFLA_ADDRESS of an RTM_NEWLINK message. A scan of
 * the top-level attributes only: the full decode of a ~2 KB link message per guest is what the
 * garbage collector would be busy with otherwise.
 */
function indexAndPeer(m: NetlinkMessage): { index: number; peer?: number; mac?: Uint8Array } {
  const p = m.payload;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (p.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg of ${p.length} bytes`);
  const out: { index: number; peer?: number; mac?: Uint8Array } = { index: v.getInt32(4, true) };
  for (let off = IFINFOMSG_LEN; off + 4 <= p.length; ) {
    const len = v.getUint16(off, true);
    const type = v.getUint16(off + 2, true) & NLA_TYPE_MASK;
    if (len < 4 || off + len > p.length) throw new NetlinkDecodeError(`attribute ${type} at offset ${off} has a bad length ${len}`);
    if (type === IFLA_LINK && len >= 8) out.peer = v.getUint32(off + 4, true);
    else if (type === IFLA_ADDRESS) out.mac = p.slice(off + 4, off + len);
    off += (len + 3) & ~3;
  }
  return out;
}

const errorOf = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/** Opens a netlink socket (and, when asked, a packet socket) inside ns in one namespace switch. */
function openGuestSockets(guest: Guest, packet: boolean): { sock: NetlinkSocket; packetFd: number } {
  const [nl, pk] = inNetns(guest.netns, () => {
    const a = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (!packet) return [a, -1];
    try {
      // Protocol 0: it receives nothing, so it costs nothing while open; sendto() names the protocol.
      return [a, libc.socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0)];
    } catch (e) {
      libc.close(a);
      throw e;
    }
  });
  try {
    return { sock: NetlinkSocket.adopt(nl), packetFd: pk };
  } catch (e) {
    libc.close(nl);
    if (pk >= 0) libc.close(pk);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// wireMany

interface BridgeState {
  link?: Link;
  /** created by this call (removed again if every guest on it failed) */
  created?: boolean;
  /** why guests on it cannot take the fast path: undefined = they can */
  slow?: boolean;
  error?: Error;
  used?: boolean;
}

interface WireJob {
  index: number;
  spec: WiringSpec;
  req?: ReturnType<typeof normalize>;
  ifname: string;
  guest?: Guest;
  sock?: NetlinkSocket;
  packetFd: number;
  /** take the one-guest path */
  slow: boolean;
  lif?: string;
  label?: string;
  notes: string[];
  steps: string[];
  bridge?: BridgeState;
  hostIndex: number;
  guestIndex: number;
  mac?: Uint8Array;
  /** the default routes this wiring replaced, to put back on rollback */
  replaced: Route[];
  /** the addresses and gateways as text, made once */
  addressTexts: string[];
  gatewayTexts: string[];
  /** created a link: a failure from here on must be undone */
  created: boolean;
  rolledBack?: boolean;
  item?: WireManyItem;
}

export async function wireMany(pw: Pipework, specs: readonly WiringSpec[], options: WireManyOptions = {}): Promise<WireManyResult> {
  const clock = new Clock();
  const host = pw.hostSide;
  const items: WireManyItem[] = new Array(specs.length);
  let failedCount = 0;
  const progress = (stage: BulkStage, done: number, total: number) => options.onProgress?.({ stage, done, total, failed: failedCount });
  const fail = (job: WireJob, stage: BulkStage, e: unknown, undoFailures?: string[]) => {
    failedCount++;
    job.item = { index: job.index, guest: job.spec?.guest, status: 'failed', error: errorOf(e), stage, undoFailures: undoFailures?.length ? undoFailures : undefined };
    items[job.index] = job.item;
  };

  // The fd table grows on a worker thread while the specs are checked and the guests looked up.
  const grown = presizeFdTable(host.sock.fd, Math.min(specs.length, waveSize(options)) * 3);
  // validate: every spec as wire() checks it, before anything is resolved or touched
  clock.enter('validate');
  const jobs: WireJob[] = specs.map((spec, index) => ({
    index, spec, ifname: DEFAULT_IFNAME, packetFd: -1, slow: false, notes: [], steps: [], hostIndex: 0, guestIndex: 0, replaced: [], created: false, addressTexts: [], gatewayTexts: [],
  }));
  const problems = new Map(validateSpecs(specs).map((p) => [p.index, p.message]));
  for (const job of jobs) {
    const problem = problems.get(job.index);
    if (problem !== undefined) {
      fail(job, 'validate', new InputError(problem));
      continue;
    }
    job.req = normalize(job.spec);
    job.ifname = job.req.ifname ?? DEFAULT_IFNAME;
    const r = job.req;
    job.slow =
      options.dryRun === true || r.host.startsWith('mac:') || r.vlan !== undefined || r.kind !== undefined || r.mode !== undefined || r.directPhys === true || r.pkey !== undefined || r.dhcp !== undefined;
  }
  progress('validate', specs.length, specs.length);

  const bridges = new Map<string, BridgeState>();
  const size = waveSize(options);
  let fallbackCount = 0;
  const pending = jobs.filter((j) => !j.item);
  // Every guest is resolved before anything changes, so that one named twice however spelled
  // (netns:g and g) is caught on its namespace's inode first.
  clock.enter('resolve');
  await resolveWave(pw, pending, options, (job, e) => fail(job, 'resolve', e), progress);
  const aliases = findAliases(pending);
  if (aliases.length && options.refuseAliases) {
    for (const job of pending) job.guest?.netns.close();
    throw new DuplicateGuestError(aliases.map(({ job, message }) => ({ index: job.index, message })));
  }
  for (const { job, message } of aliases) fail(job, 'resolve', new InputError(message, 'give each guest interface once'));
  // Beyond the first wave, namespaces are let go (the open-file limit) and looked up again in their wave.
  for (const job of pending.slice(size)) {
    job.guest?.netns.close();
    job.guest = undefined;
  }
  for (let at = 0; at < pending.length; at += size) {
    const wave = pending.slice(at, at + size);
    const closer = new ParallelCloser();
    let stage: Exclude<BulkStage, 'done'> = 'resolve';
    const enter = (s: Exclude<BulkStage, 'done'>) => {
      stage = s;
      clock.enter(s);
    };
    try {
      enter('resolve');
      await resolveWave(pw, wave, options, (job, e) => fail(job, 'resolve', e), progress);
      enter('links');
      prepareBridges(host, wave, bridges);
      createLinks(host, wave, options, fail);
      progress('links', wave.length, wave.length);
      // The sockets come after the links: by now the fd table has grown in the background.
      enter('sockets');
      await grown;
      openSockets(wave, !options.dryRun, fail);
      findMissingIndexes(host, wave, fail);
      progress('sockets', wave.length, wave.length);
      await configureAndAnnounce(host, wave, options, fail, progress, closer, enter);
      progress('announce', wave.length, wave.length);
      enter('rollback');
      rollbackFailed(host, wave);
      enter('fallback');
      const slow = wave.filter((j) => !j.item && j.slow);
      fallbackCount += slow.length;
      await fallback(pw, slow, options, fail, progress);
    } catch (e) {
      // Something unexpected (a bug, the kernel not answering): every guest of the wave not yet
      // done fails with it, and what was made for them is undone.
      for (const job of wave) if (!job.item) fail(job, stage, e);
      try {
        rollbackFailed(host, wave);
      } catch {
        // reported as the guests' failure already
      }
    } finally {
      clock.enter('close');
      await closeWave(wave, closer);
      progress('close', wave.length, wave.length);
    }
  }
  clock.enter('rollback');
  removeUnusedBridges(host, bridges, jobs);
  for (const job of jobs) {
    if (!job.item) fail(job, 'done', new Error('not attempted'));
    items[job.index] = job.item!;
  }
  const timings = clock.finish();
  progress('done', specs.length, specs.length);
  return {
    total: specs.length,
    wired: items.filter((i) => i.status === 'wired').length,
    unchanged: items.filter((i) => i.status === 'unchanged').length,
    failed: items.filter((i) => i.status === 'failed').length,
    planned: items.filter((i) => i.status === 'planned').length,
    fallback: fallbackCount,
    items,
    timings,
  };
}

type Fail<J> = (job: J, stage: BulkStage, e: unknown, undoFailures?: string[]) => void;
type Progress = (stage: BulkStage, done: number, total: number) => void;

/** Resolves every guest of the wave, a bounded number at a time; failures go to onError. */
async function resolveWave<J extends { index: number; spec: { guest: string }; guest?: Guest; item?: unknown }>(
  pw: Pipework,
  wave: J[],
  options: BulkOptions,
  onError: (job: J, e: unknown) => void,
  progress: Progress,
): Promise<void> {
  let done = 0;
  await pool(wave, options.resolveConcurrency ?? 16, async (job) => {
    if (job.item || job.guest) return;
    try {
      job.guest = await pw.guest(job.spec.guest);
    } catch (e) {
      onError(job, e);
    }
    if (++done % 256 === 0) progress('resolve', done, wave.length);
  });
  progress('resolve', wave.length, wave.length);
}

/** The same interface of the same namespace named twice, however spelled (netns:x and its path, say). */
function findAliases(jobs: WireJob[]): { job: WireJob; message: string }[] {
  const seen = new Map<string, number>();
  const out: { job: WireJob; message: string }[] = [];
  for (const job of jobs) {
    if (!job.guest || job.item) continue;
    const key = `${job.guest.netns.inode}/${job.ifname}`;
    const prev = seen.get(key);
    if (prev !== undefined) out.push({ job, message: `${job.ifname} in ${job.guest.netns.label} is already wired by entry ${prev} (${specs(jobs, prev)} names the same namespace)` });
    else seen.set(key, job.index);
  }
  return out;
}

const specs = (jobs: WireJob[], index: number) => jobs.find((j) => j.index === index)?.spec.guest ?? `entry ${index}`;

/** Entries naming the same guest interface in different words, refused before anything changed. */
export class DuplicateGuestError extends InputError {
  constructor(readonly problems: SpecProblem[]) {
    super(`${problems.length} ${problems.length === 1 ? 'entry names' : 'entries name'} a guest interface another entry names too; nothing was changed`, 'give each guest interface once');
    this.name = 'DuplicateGuestError';
  }
}

function openSockets(wave: WireJob[], packet: boolean, fail: Fail<WireJob>): void {
  for (const job of wave) {
    if (job.item || !job.created) continue;
    try {
      const wantPacket = packet && job.req!.addresses.some((a) => a.cidr);
      const { sock, packetFd } = openGuestSockets(job.guest!, wantPacket);
      job.sock = sock;
      job.packetFd = packetFd;
    } catch (e) {
      fail(job, 'sockets', e);
    }
  }
}

/** Looks up (and creates, when missing and named br*) every bridge the wave's fast guests need. */
function prepareBridges(host: HostSide, wave: WireJob[], bridges: Map<string, BridgeState>): void {
  const fast = wave.filter((j) => !j.item && !j.slow);
  const unknown = [...new Set(fast.map((j) => j.req!.host))].filter((name) => !bridges.has(name));
  if (unknown.length) {
    const found = host.sock.batch(unknown.map((name) => getLinkByNameRequest(name, `looking up ${name}`)));
    const toCreate: string[] = [];
    unknown.forEach((name, i) => {
      const state: BridgeState = {};
      bridges.set(name, state);
      const o = found[i];
      if (o.error && !isKernelError(o.error, 'ENODEV')) {
        state.error = o.error;
        return;
      }
      const link = o.error ? undefined : linkOf(o);
      let driver;
      try {
        driver = selectDriver(name, link);
      } catch {
        state.slow = true; // the one-guest path says why, in its own words
        return;
      }
      if (driver !== bridgeDriver) state.slow = true;
      else if (link) state.link = link;
      else toCreate.push(name);
    });
    if (toCreate.length) {
      const firstMtu = (name: string) => fast.find((j) => j.req!.host === name)?.req!.mtu;
      const made = host.sock.batch(toCreate.map((name) => createBridgeRequest({ name, up: true, mtu: firstMtu(name) }, `creating bridge ${name}`)));
      const again = host.sock.batch(toCreate.map((name) => getLinkByNameRequest(name, `looking up bridge ${name}`)));
      toCreate.forEach((name, i) => {
        const state = bridges.get(name)!;
        if (made[i].error && !isKernelError(made[i].error, 'EEXIST')) {
          state.error = made[i].error;
          return;
        }
        state.created = !made[i].error;
        const link = again[i].error ? undefined : linkOf(again[i]);
        if (!link) state.error = again[i].error ?? new Error(`bridge ${name} vanished right after it was created`);
        else if (!isBridge(link)) state.error = new ConflictError(`${name} appeared meanwhile and is a ${link.kind ?? 'device'}, not a bridge`);
        else state.link = link;
      });
    }
  }
  for (const job of fast) {
    const state = bridges.get(job.req!.host)!;
    if (state.slow) job.slow = true;
    else job.bridge = state;
  }
}

function createLinks(host: HostSide, wave: WireJob[], options: WireManyOptions, fail: Fail<WireJob>): void {
  const jobs: WireJob[] = [];
  const reqs: Request[] = [];
  for (const job of wave) {
    if (job.item || job.slow) continue;
    const bridge = job.bridge!;
    if (bridge.error) {
      fail(job, 'links', bridge.error);
      continue;
    }
    try {
      options.beforePhase?.(job.index, 'link');
      const guest = job.guest!;
      const names = hostEndName(job.ifname, guest.key, String(guest.pid ?? guest.key), job.req!.local);
      job.lif = names.name;
      if (names.shortened) job.notes.push(`host interface named ${names.name} (pipework's ${names.shortened} is longer than 15 characters)`);
      job.label = `${job.ifname} in ${guest.netns.label}`;
      const mtu = job.req!.mtu ?? bridge.link!.mtu;
      const req = createVethRequest(
        { name: job.lif, master: bridge.link!.index, mtu, up: true, peer: { name: job.ifname, netnsFd: guest.netns.fd, mtu, mac: job.req!.mac } },
        `creating veth ${job.lif} <-> ${job.label}`,
      );
      req.flags = (req.flags ?? 0) | NLM_F_ECHO; // answer with the new link: both ifindexes, no lookups
      jobs.push(job);
      reqs.push(req);
    } catch (e) {
      fail(job, 'links', e);
    }
  }
  const outcomes = reqs.length ? host.sock.batch(reqs) : [];
  outcomes.forEach((o, i) => {
    const job = jobs[i];
    if (o.error) {
      // A name already taken: a re-run, a leftover or a conflict. The one-guest path sorts it out.
      if (isKernelError(o.error, 'EEXIST')) job.slow = true;
      else fail(job, 'links', o.error);
      return;
    }
    job.created = true;
    job.bridge!.used = true;
    job.steps.push(`[host] create veth ${job.lif} (port of ${job.req!.host}) <-> ${job.label}`);
    const echo = o.replies.find((r) => r.type === RTM_NEWLINK);
    const got = echo ? indexAndPeer(echo) : undefined;
    if (got?.peer) {
      job.hostIndex = got.index;
      job.guestIndex = got.peer;
    }
    // else: a kernel without NLM_F_ECHO for new links; looked up once the guest's socket is open
  });
}

/** Both ends' indexes, for links whose creation did not echo them. */
function findMissingIndexes(host: HostSide, wave: WireJob[], fail: Fail<WireJob>): void {
  for (const job of wave) {
    if (job.item || !job.created || job.guestIndex) continue;
    try {
      const [g] = job.sock!.batchOrThrow([getLinkByNameRequest(job.ifname, `looking up ${job.label}`)]);
      const [h] = host.sock.batchOrThrow([getLinkByNameRequest(job.lif!, `looking up ${job.lif}`)]);
      job.guestIndex = linkOf(g)!.index;
      job.hostIndex = linkOf(h)!.index;
    } catch (e) {
      fail(job, 'links', e);
    }
  }
}

/**
 * How many guests behind the setup the announcements run. A guest's gratuitous ARP is flooded to
 * every bridge port that forwards, and a port forwards once its guest end is up: announcing each
 * guest soon after its own setup (as a one-guest-at-a-time tool does) floods ~N²/2 frames in all,
 * where announcing after every setup would flood N². The lag leaves the kernel time (its linkwatch
 * work, which runs as soon as the next setups release RTNL) to turn the new port to forwarding
 * before the guest's frame arrives there.
 */
const ANNOUNCE_LAG = 8;

/** Per guest: up, addresses, routes; each guest announced ANNOUNCE_LAG guests later. */
async function configureAndAnnounce(
  host: HostSide,
  wave: WireJob[],
  options: WireManyOptions,
  fail: Fail<WireJob>,
  progress: Progress,
  closer: ParallelCloser,
  enter: (stage: Exclude<BulkStage, 'done'>) => void,
): Promise<void> {
  const ready: WireJob[] = [];
  // guests whose link the kernel had not yet marked up for traffic when their turn came
  const late: WireJob[] = [];
  let announced = 0;
  let done = 0;
  for (const job of wave) {
    if (job.item || !job.created) continue;
    enter('guests');
    try {
      options.beforePhase?.(job.index, 'guest');
      configureGuest(job);
      ready.push(job);
    } catch (e) {
      fail(job, 'guests', e);
    }
    if (++done % 256 === 0) progress('guests', done, wave.length);
    if (ready.length - announced > ANNOUNCE_LAG) {
      enter('announce');
      announceOne(ready[announced++], options, fail, closer, { host, late });
    }
  }
  progress('guests', wave.length, wave.length);
  enter('announce');
  while (announced < ready.length) announceOne(ready[announced++], options, fail, closer, { host, late });
  for (const job of late) {
    if (await untilCarriesTraffic(pathOf(job, host))) announceOne(job, options, fail, closer);
    else job.notes.push(`${job.ifname} did not come up for traffic within 3 s: not announced`);
  }
  for (const job of wave) {
    // Packet sockets that did not announce (failed guests, the one-guest path's) close now.
    if (job.packetFd >= 0) {
      closer.add(job.packetFd);
      job.packetFd = -1;
    }
    if (job.item || !job.created) continue;
    job.item = {
      index: job.index,
      guest: job.spec.guest,
      status: 'wired',
      result: {
        guest: job.guest!.netns.label,
        ifname: job.ifname,
        host: job.req!.host,
        kind: 'bridge',
        hostIfname: job.lif,
        addresses: job.addressTexts,
        gateways: job.gatewayTexts,
        mac: job.mac ? formatMac(job.mac) : job.req!.mac,
        changed: true,
        dryRun: false,
        steps: job.steps,
        notes: job.notes,
      },
    };
  }
}

/** Up, addresses, routes (and the MAC if the kernel chose it): one sendmsg on the guest's socket. */
function configureGuest(job: WireJob): void {
  const sock = job.sock!;
  const label = job.label!;
  const index = job.guestIndex;
  const reqs: Request[] = [setLinkRequest(index, { up: true }, `setting ${label} up`)];
  const kinds: ('up' | 'addr' | 'onlink' | 'default' | 'get')[] = ['up'];
  const gateways: IpAddress[] = [];
  const prefixes: Cidr[] = [];
  job.steps.push(`[guest] set ${label} up`);
  for (const a of job.req!.addresses) {
    if (!a.cidr) continue;
    prefixes.push(a.cidr);
    const text = formatCidr(a.cidr);
    job.addressTexts.push(text);
    reqs.push(addAddressRequest({ index, cidr: a.cidr, nodad: true }, `adding ${text} to ${label}`));
    kinds.push('addr');
    job.steps.push(`[guest] add address ${text} to ${label}`);
  }
  for (const a of job.req!.addresses) {
    if (!a.gateway) continue;
    const gw = a.gateway;
    if (!prefixes.some((p) => inSubnet(gw, p))) {
      const hostRoute: Cidr = { ...gw, prefix: gw.family === 4 ? 32 : 128 };
      const text = `${formatCidr(hostRoute)} dev ${label}`;
      reqs.push(routeRequest('add', { family: gw.family, dst: hostRoute, oif: index, scope: RT_SCOPE_LINK }, `adding route ${text}`));
      kinds.push('onlink');
      job.steps.push(`[guest] add on-link route ${text} (the gateway is outside the interface's prefixes)`);
    }
    const gwText = formatIp(gw.bytes);
    job.gatewayTexts.push(gwText);
    reqs.push(routeRequest('add', { family: gw.family, gateway: gw.bytes, oif: index }, `adding route default via ${gwText} dev ${label}`));
    kinds.push('default');
    gateways.push(gw);
    job.steps.push(`[guest] set route default via ${gwText} dev ${label}`);
  }
  if (job.req!.mac) job.mac = parseMac(job.req!.mac);
  else if (job.packetFd >= 0) {
    reqs.push(getLinkByIndexRequest(index, `looking up ${label}`));
    kinds.push('get');
  }
  const outcomes = sock.batch(reqs);
  let gwAt = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    const kind = kinds[i];
    if (kind === 'get') {
      if (o.error) throw o.error;
      const m = o.replies.find((r) => r.type === RTM_NEWLINK);
      if (m) job.mac = indexAndPeer(m).mac;
      continue;
    }
    if (kind === 'default') {
      const gw = gateways[gwAt++];
      if (o.error && isKernelError(o.error, 'EEXIST')) replaceDefault(job, gw);
      else if (o.error) throw o.error;
      continue;
    }
    if (o.error && !(kind === 'onlink' && isKernelError(o.error, 'EEXIST'))) throw o.error;
  }
}

/** The family already has a default route (through another interface): pipework replaces it; keep it for undo. */
function replaceDefault(job: WireJob, gw: IpAddress): void {
  const sock = job.sock!;
  const text = `default via ${formatIp(gw.bytes)} dev ${job.label}`;
  const old = defaultRoutes(sock, gw.family, ` in ${job.label}`)[0];
  sock.request(routeRequest('replace', { family: gw.family, gateway: gw.bytes, oif: job.guestIndex }, `replacing the default route with ${text}`));
  if (old) job.replaced.push(old);
}

/** The two ends a guest's announcement crosses: its own link, and its bridge port on the host. */
function pathOf(job: WireJob, host: HostSide): LinkEnd[] {
  return [
    { sock: job.sock!, index: job.guestIndex },
    { sock: host.sock, index: job.hostIndex },
  ];
}

function announceOne(job: WireJob, options: WireManyOptions, fail: Fail<WireJob>, closer: ParallelCloser, wait?: { host: HostSide; late: WireJob[] }): void {
  const addresses = job.req!.addresses.flatMap((a) => (a.cidr ? [a.cidr as IpAddress] : []));
  if (wait && addresses.length && !allCarryTraffic(pathOf(job, wait.host))) {
    // The kernel has not attached the link's queue yet (its linkwatch work lags on a busy
    // machine): a frame sent now would be dropped. Announce it after the others.
    wait.late.push(job);
    return;
  }
  try {
    options.beforePhase?.(job.index, 'announce');
  } catch (e) {
    fail(job, 'announce', e);
    return;
  }
  if (!addresses.length) return;
  const list = job.addressTexts.map((t) => t.slice(0, t.indexOf('/'))).join(', ');
  job.steps.push(`[guest] announce ${list} on ${job.ifname} (gratuitous ARP / unsolicited NA)`);
  // Best effort, like pipework's arping: the wiring stands even if the announcement fails.
  try {
    if (job.packetFd >= 0 && job.mac) announceOn(job.packetFd, job.guestIndex, job.mac, addresses);
  } catch (e) {
    job.notes.push(`announcing ${list} failed: ${(e as Error).message}`);
  }
  // Closing a packet socket waits for an RCU grace period: on a thread of its own, started now,
  // it passes while the other guests are set up and announce.
  if (job.packetFd >= 0) {
    closer.add(job.packetFd);
    job.packetFd = -1;
  }
}

/**
 * Undoes the guests that failed after their veth was made: the default routes they replaced go
 * back, then their veths are deleted (the guest end, its addresses and routes go with them).
 */
function rollbackFailed(host: HostSide, wave: WireJob[]): void {
  const failed = wave.filter((j) => j.created && !j.rolledBack && j.item?.status === 'failed');
  if (!failed.length) return;
  for (const job of failed) job.rolledBack = true;
  const undoFailures = new Map<WireJob, string[]>();
  const note = (job: WireJob, what: string, e: unknown) => {
    const list = undoFailures.get(job) ?? [];
    list.push(`${what}: ${errorOf(e).message}`);
    undoFailures.set(job, list);
  };
  for (const job of failed) {
    for (const r of job.replaced) {
      try {
        job.sock!.request(
          routeRequest('replace', { family: r.family, gateway: r.gateway, oif: r.oif, metric: r.priority, protocol: r.protocol, table: r.table, scope: r.scope }, 'restoring the previous default route'),
        );
      } catch (e) {
        note(job, 'undoing the default route', e);
      }
    }
  }
  const outcomes = host.sock.batch(failed.map((j) => (j.hostIndex ? deleteLinkRequest(j.hostIndex, `removing ${j.lif}`) : deleteLinkByNameRequest(j.lif!, `removing ${j.lif}`))));
  outcomes.forEach((o, i) => {
    if (o.error && !isKernelError(o.error, 'ENODEV')) note(failed[i], `undoing "create veth ${failed[i].lif}"`, o.error);
  });
  for (const job of failed) {
    const list = undoFailures.get(job);
    if (list) job.item!.undoFailures = [...(job.item!.undoFailures ?? []), ...list];
  }
}

/** Bridges this call created and no guest ended up on are removed again, unless someone else uses them. */
function removeUnusedBridges(host: HostSide, bridges: Map<string, BridgeState>, jobs: WireJob[]): void {
  for (const [name, state] of bridges) {
    if (!state.created || !state.link) continue;
    const onIt = jobs.filter((j) => j.req?.host === name && j.item && j.item.status !== 'failed');
    if (onIt.length) continue;
    try {
      if (listLinks(host.sock).some((l) => l.master === state.link!.index)) continue;
      host.sock.request(deleteLinkRequest(state.link.index, `removing bridge ${name}`));
    } catch {
      // best effort: the bridge stays
    }
  }
}

/**
 * Guests planned one by one, by their driver, on the guest already resolved: re-runs (the driver
 * compares the kernel with the request), the other drivers and forms. A bounded number at once, so
 * that a slow step (a DHCP exchange) does not hold the others up.
 */
const PLANNED_CONCURRENCY = 16;

async function fallback(pw: Pipework, jobs: WireJob[], options: WireManyOptions, fail: Fail<WireJob>, progress: Progress): Promise<void> {
  let done = 0;
  await pool(jobs, PLANNED_CONCURRENCY, async (job) => {
    try {
      const result = await pw.wireResolved(job.guest!, job.req!, { dryRun: options.dryRun }, { hostLink: job.bridge?.link });
      job.item = { index: job.index, guest: job.spec.guest, status: options.dryRun ? 'planned' : result.changed ? 'wired' : 'unchanged', result };
    } catch (e) {
      fail(job, 'fallback', e);
    }
    if (++done % 64 === 0) progress('fallback', done, jobs.length);
  });
  if (jobs.length) progress('fallback', jobs.length, jobs.length);
}

async function closeWave(wave: (WireJob | UnwireJob)[], closer = new ParallelCloser()): Promise<void> {
  for (const job of wave) {
    if ('packetFd' in job && job.packetFd >= 0) {
      closer.add(job.packetFd);
      job.packetFd = -1;
    }
  }
  for (const job of wave) {
    job.sock?.close();
    job.sock = undefined;
    job.guest?.netns.close();
  }
  await closer.finish();
}

// ---------------------------------------------------------------------------------------------
// unwireMany

interface UnwireJob {
  unwire: true;
  index: number;
  spec: UnwireTarget;
  ifname: string;
  guest?: Guest;
  sock?: NetlinkSocket;
  link?: Link;
  hostEnd?: Link;
  item?: UnwireManyItem;
}

/**
 * Removes many guest interfaces (a veth takes its host end along). Removing what is already gone
 * succeeds, as unwire() does. Veths whose host end is in this session's namespace are removed in
 * one kernel operation (tagged with a group, then the group deleted: one RCU grace period for all,
 * instead of ~16 ms each); other interfaces one by one.
 */
export async function unwireMany(pw: Pipework, targets: readonly UnwireTarget[], options: BulkOptions = {}): Promise<UnwireManyResult> {
  const clock = new Clock();
  const host = pw.hostSide;
  const items: UnwireManyItem[] = new Array(targets.length);
  let failedCount = 0;
  const progress = (stage: BulkStage, done: number, total: number) => options.onProgress?.({ stage, done, total, failed: failedCount });
  const fail = (job: UnwireJob, stage: BulkStage, e: unknown) => {
    failedCount++;
    job.item = { index: job.index, guest: job.spec?.guest, status: 'failed', error: errorOf(e), stage };
  };
  const absent = (job: UnwireJob, label: string, note: string) => {
    job.item = { index: job.index, guest: job.spec.guest, status: 'absent', result: { guest: label, ifname: job.ifname, removed: false, notes: [note] } };
  };

  clock.enter('validate');
  const problems = new Map(validateTargets(targets).map((p) => [p.index, p.message]));
  const jobs: UnwireJob[] = targets.map((spec, index) => ({ unwire: true, index, spec, ifname: spec?.ifname ?? DEFAULT_IFNAME }));
  for (const job of jobs) {
    const problem = problems.get(job.index);
    if (problem !== undefined) fail(job, 'validate', new InputError(problem));
  }
  const size = waveSize(options);
  const pending = jobs.filter((j) => !j.item);
  for (let at = 0; at < pending.length; at += size) {
    const wave = pending.slice(at, at + size);
    try {
      clock.enter('resolve');
      const gone: UnwireJob[] = [];
      await resolveWave(pw, wave, options, (job, e) => {
        // A guest that is gone took its namespace, and every interface in it, along.
        if (isGone(e)) {
          absent(job, job.spec.guest, `${errorOf(e).message}: nothing to remove`);
          gone.push(job);
        } else fail(job, 'resolve', e);
      }, progress);
      // ... but not its OVS ports, which live in OVSDB: removed as unwire() removes them.
      for (const job of gone) {
        try {
          job.item!.result!.notes.push(...(await pw.removeStaleOvsPorts(job.spec.guest, job.ifname)));
        } catch (e) {
          fail(job, 'resolve', e);
        }
      }
      clock.enter('sockets');
      await presizeFdTable(host.sock.fd, wave.length * 2);
      for (const job of wave) {
        if (job.item) continue;
        try {
          job.sock = openGuestSockets(job.guest!, false).sock;
        } catch (e) {
          fail(job, 'sockets', e);
        }
      }
      clock.enter('links');
      findLinks(host, wave, absent, fail);
      await unwireFully(pw, wave, fail);
      removeLinks(host, wave, fail);
      progress('links', wave.length, wave.length);
    } finally {
      clock.enter('close');
      await closeWave(wave);
    }
  }
  for (const job of jobs) items[job.index] = job.item!;
  const timings = clock.finish();
  progress('done', targets.length, targets.length);
  return {
    total: targets.length,
    removed: items.filter((i) => i.status === 'removed').length,
    absent: items.filter((i) => i.status === 'absent').length,
    failed: items.filter((i) => i.status === 'failed').length,
    items,
    timings,
  };
}

/** A guest that is gone (no such namespace, container or process): nothing of it is left to remove. */
const isGone = (e: unknown): boolean => e instanceof NotFoundError;

/** The guest interfaces (one get per guest) and, for veths, their host ends (one batch). */
function findLinks(host: HostSide, wave: UnwireJob[], absent: (job: UnwireJob, label: string, note: string) => void, fail: Fail<UnwireJob>): void {
  const veths: UnwireJob[] = [];
  for (const job of wave) {
    if (job.item) continue;
    const label = job.guest!.netns.label;
    const [o] = job.sock!.batch([getLinkByNameRequest(job.ifname, `looking up ${job.ifname} in ${label}`)]);
    if (o.error && isKernelError(o.error, 'ENODEV')) absent(job, label, `${job.ifname} is not in ${label}: nothing to remove`);
    else if (o.error) fail(job, 'links', o.error);
    else {
      job.link = linkOf(o);
      if (job.link?.kind === 'veth' && job.link.link) veths.push(job);
    }
  }
  if (!veths.length) return;
  // The peer's index names a link in the host namespace only if the peer lives there: check the
  // namespace id too (IFLA_LINK_NETNSID of the host end against the guest's id as the host sees it).
  const peers = host.sock.batch(veths.map((j) => getLinkByIndexRequest(j.link!.link!, `looking up the host end of ${j.ifname}`)));
  const ids = host.sock.batch(veths.map((j) => getNsidRequest(j.guest!.netns.fd, `asking the id of ${j.guest!.netns.label}`)));
  veths.forEach((job, i) => {
    const peer = peers[i].error ? undefined : linkOf(peers[i]);
    const m = ids[i].replies[0];
    const nsid = m ? parseAttrs(m.payload, 4).i32(NETNSA_NSID) : undefined;
    if (peer?.kind === 'veth' && peer.link === job.link!.index && nsid !== undefined && nsid >= 0 && peer.linkNetnsId === nsid) job.hostEnd = peer;
  });
}

/**
 * Interfaces whose removal is more than a deletion (a DHCP lease released, a NIC moved home, an OVS
 * port removed) are undone as unwire() undoes them, a bounded number at once.
 */
async function unwireFully(pw: Pipework, wave: UnwireJob[], fail: Fail<UnwireJob>): Promise<void> {
  const full = wave.filter((j) => !j.item && j.link && pw.needsFullUnwire(j.guest!, j.ifname, j.link, j.hostEnd));
  await pool(full, PLANNED_CONCURRENCY, async (job) => {
    try {
      const result = await pw.unwireResolved(job.guest!, job.ifname);
      job.item = { index: job.index, guest: job.spec.guest, status: result.removed ? 'removed' : 'absent', result };
    } catch (e) {
      fail(job, 'links', e);
    }
  });
}

function removeLinks(host: HostSide, wave: UnwireJob[], fail: Fail<UnwireJob>): void {
  const grouped = wave.filter((j) => !j.item && j.hostEnd);
  const single = wave.filter((j) => !j.item && j.link && !j.hostEnd);
  if (grouped.length) {
    // A group number nobody else uses: random, and every member checked by its answer.
    const group = 0x40000000 + Math.floor(Math.random() * 0x3fffffff);
    const tagged = host.sock.batch(grouped.map((j) => {
      const w = ifinfomsg({ index: j.hostEnd!.index });
      w.attrU32(IFLA_GROUP, group);
      return { type: RTM_NEWLINK, message: w.finish(), what: `tagging ${j.hostEnd!.name} for removal` };
    }));
    const ok = grouped.filter((_, i) => !tagged[i].error);
    grouped.forEach((j, i) => {
      if (tagged[i].error) single.push(j); // gone meanwhile, or refused: one by one below
    });
    if (ok.length) {
      const w = ifinfomsg({});
      w.attrU32(IFLA_GROUP, group);
      const [o] = host.sock.batch([{ type: RTM_DELLINK, message: w.finish(), what: `removing ${ok.length} veth pairs` }]);
      if (o.error) {
        // Put the group back to the default and fall back to one by one.
        host.sock.batch(ok.map((j) => {
          const r = ifinfomsg({ index: j.hostEnd!.index });
          r.attrU32(IFLA_GROUP, 0);
          return { type: RTM_NEWLINK, message: r.finish(), what: `untagging ${j.hostEnd!.name}` };
        }));
        single.push(...ok);
      } else {
        for (const job of ok) removed(job, job.hostEnd!.name);
      }
    }
  }
  for (const job of single) {
    const label = job.guest!.netns.label;
    const [o] = job.sock!.batch([deleteLinkRequest(job.link!.index, `removing ${job.ifname} from ${label}`)]);
    if (o.error && !isKernelError(o.error, 'ENODEV')) fail(job, 'links', o.error);
    else removed(job, job.hostEnd?.name);
  }
}

function removed(job: UnwireJob, hostIfname: string | undefined): void {
  job.item = {
    index: job.index,
    guest: job.spec.guest,
    status: 'removed',
    result: { guest: job.guest!.netns.label, ifname: job.ifname, removed: true, kind: job.link?.kind, hostIfname, notes: [] },
  };
}


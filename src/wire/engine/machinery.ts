// What every phase of the bulk engine shares: timings, bounded concurrency, the fd table sized once,
// link lookups without dumps, sockets opened inside a guest, guests resolved and closed by wave.
import * as fs from 'node:fs';
import { growFdTable, ParallelCloser } from '../../../native/fds.js';
import * as libc from '../../../native/libc.js';
import type { Guest } from '../../guest/resolve.js';
import { AF_NETLINK, AF_PACKET, IFLA_ADDRESS, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_LINK, NETLINK_ROUTE, NLA_TYPE_MASK, RTEXT_FILTER_SKIP_STATS, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_RAW } from '../../netlink/constants.js';
import { NetlinkDecodeError } from '../../netlink/errors.js';
import type { NetlinkMessage } from '../../netlink/message.js';
import { decodeLink, ifinfomsg, IFINFOMSG_LEN } from '../../netlink/rtnl/link.js';
import { NetlinkSocket, type Outcome, type Request } from '../../netlink/session.js';
import { inNetns } from '../../netns/enter.js';
import { type Link } from '../../ops/link.js';
import type { Pipework } from '../pipework.js';
import type { BulkOptions, BulkStage, BulkTimings, Progress, UnwireJob, WireJob } from './types.js';

// ---------------------------------------------------------------------------------------------
// Shared machinery

export const STAGES: Exclude<BulkStage, 'done'>[] = ['validate', 'resolve', 'sockets', 'links', 'existing', 'guests', 'announce', 'fallback', 'rollback', 'close'];

export class Clock {
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
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux's procfs: assume the common default
  }
  return 1024;
}

export function highestOpenFd(): number {
  let max = 2;
  for (const name of fs.readdirSync('/proc/self/fd')) {
    const n = Number(name);
    if (n > max) max = n;
  }
  return max;
}

/** Lists this short are worked on in one wave whatever the open-file limit, with no fd table growing ahead. */
const SMALL = 16;

export let presized = 0;
/**
 * Grows the fd table once to hold `extra` more descriptors, on a worker thread. The kernel grows it
 * by doubling, and in a multithreaded process (Node is one) each doubling waits for an RCU grace
 * period (~10 ms): opening thousands of sockets would pay that a dozen times, on the main thread.
 * Started early, the one wait overlaps validation and guest lookups.
 */
export function presizeFdTable(anyFd: number, extra: number): Promise<void> {
  // A few more (one guest, a small list) rarely cross a doubling: growing ahead of need would make
  // the caller wait a grace period that opening them would most likely not cost at all.
  if (extra < SMALL * 3) return Promise.resolve();
  const target = Math.min(highestOpenFd() + extra + 16, openFilesLimit() - 1);
  // Below 64 the table a process starts with suffices.
  if (target <= presized || target < 64) return Promise.resolve();
  presized = target;
  return growFdTable(anyFd, target);
}

/** Guests per wave: what the caller asked, within the open-file limit (three descriptors each). */
export function waveSize(options: BulkOptions, count = Infinity): number {
  // At most SMALL guests fit in any wave (see byLimit): no need to read the limits from /proc.
  if (count <= SMALL) return Math.max(1, Math.min(options.concurrency ?? 4096, SMALL));
  const byLimit = Math.max(SMALL, Math.floor((openFilesLimit() - highestOpenFd() - 64) / 3));
  return Math.max(1, Math.min(options.concurrency ?? 4096, byLimit));
}

export function getLinkByNameRequest(name: string, what: string): Request {
  const w = ifinfomsg({});
  w.attrString(IFLA_IFNAME, name);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return { type: RTM_GETLINK, message: w.finish(), what };
}

export function deleteLinkByNameRequest(name: string, what: string): Request {
  const w = ifinfomsg({});
  w.attrString(IFLA_IFNAME, name);
  return { type: RTM_DELLINK, message: w.finish(), what };
}

export function getLinkByIndexRequest(index: number, what: string): Request {
  const w = ifinfomsg({ index });
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return { type: RTM_GETLINK, message: w.finish(), what };
}

export function linkOf(outcome: Outcome): Link | undefined {
  const m = outcome.replies.find((r) => r.type === RTM_NEWLINK);
  return m ? decodeLink(m) : undefined;
}

/**
 * ifindex (from struct ifinfomsg), IFLA_LINK and IFLA_ADDRESS of an RTM_NEWLINK message. A scan of
 * the top-level attributes only: the full decode of a ~2 KB link message per guest is what the
 * garbage collector would be busy with otherwise.
 */
export function indexAndPeer(m: NetlinkMessage): { index: number; peer?: number; mac?: Uint8Array } {
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

export const errorOf = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/** Opens a netlink socket (and, when asked, a packet socket) inside ns in one namespace switch. */
export function openGuestSockets(guest: Guest, packet: boolean): { sock: NetlinkSocket; packetFd: number } {
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

/** Resolves every guest of the wave, a bounded number at a time; failures go to onError. */
export async function resolveWave<J extends { index: number; spec: { guest: string }; guest?: Guest; item?: unknown }>(
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

/**
 * Guests planned one by one, by their driver, on the guest already resolved: re-runs (the driver
 * compares the kernel with the request), the other drivers and forms. A bounded number at once, so
 * that a slow step (a DHCP exchange) does not hold the others up.
 */
export const PLANNED_CONCURRENCY = 16;

export async function closeWave(wave: (WireJob | UnwireJob)[], closer: Closer = closerFor(wave.length)): Promise<void> {
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

/** Where packet sockets go to be closed (a close waits for an RCU grace period, ~12 ms). */
export interface Closer {
  add(fd: number): void;
  finish(): Promise<void>;
}

/**
 * The closer for a wave: many sockets on threads of their own, reaped at the end; a few (a one-guest
 * wiring) in the background without waiting, as announce() closes its own.
 */
export function closerFor(size: number): Closer {
  if (size > 8) return new ParallelCloser();
  return { add: (fd) => void libc.closeAsync(fd), finish: () => Promise.resolve() };
}

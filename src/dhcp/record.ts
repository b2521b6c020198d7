// A lease record lives with what it describes. Its folder is named after the guest (a container's
// ID, a netns name), and names outlive namespaces: a restarted container, `ip netns add` of a name
// used before. So a record also says who it was for (LeaseOwner: the namespace's cookie, which the
// kernel never reuses while it runs, its inode, the interface's index and MAC), and:
//   - it is acted on (RELEASE, address removal, "already leased") only for that owner;
//   - a record of a namespace that no longer exists is removed (pruneLeaseRecords), at every DHCP
//     start and every `del`; a record found for another owner is removed where it is found.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as libc from '../../native/libc.js';
import { SOL_SOCKET } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/session.js';
import { inNetns } from '../netns/enter.js';
import type { Netns } from '../netns/netns.js';
import { listAddresses } from '../ops/address.js';
import { getLink } from '../ops/link.js';
import { formatIp } from '../util/ip.js';
import type { Lease } from './lease.js';
import {
  DHCP_RUN_BASE, keeperAlive, type KeeperRecord, type LeaseOwner, readKeeper, readLeaseRecord, removeEmptyDirs, removeKeeperFiles, removeLeaseFile, runDirs,
  sameOwner,
} from './rundir.js';

const SO_NETNS_COOKIE = 71;

/** The namespace cookie of a socket's namespace; undefined before Linux 5.14. */
export function netnsCookie(fd: number): string | undefined {
  try {
    const b = libc.getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, 8);
    return b.length === 8 ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true).toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The owner an interface would have, from a netlink socket opened inside its namespace. */
export function ownerOf(sock: NetlinkSocket, ns: Netns, link: { index: number; mac?: string }): LeaseOwner {
  return { netnsCookie: netnsCookie(sock.fd), netnsInode: ns.inode, ifindex: link.index, mac: link.mac ?? '' };
}

/** Inodes of every network namespace still in use: by a process, or by a bind mount (ip netns, Docker). */
export function liveNetnsInodes(): Set<number> {
  const live = new Set<number>();
  const add = (text: string) => {
    const m = /net:\[(\d+)\]/.exec(text);
    if (m) live.add(Number(m[1]));
  };
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      add(fs.readlinkSync(`/proc/${pid}/ns/net`));
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  try {
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(' nsfs ')) add(line);
  } catch {
    // no mountinfo: processes only
  }
  return live;
}

const lastPrune = new Map<string, number>();

/**
 * Removes the records of namespaces that are gone (and whose keeper, if any, is gone too). A
 * namespace held only by an open file descriptor is not seen: its record goes, and `del` then has
 * no lease to release there. Returns the folders cleaned.
 */
export function pruneLeaseRecords(base = DHCP_RUN_BASE, opts: { force?: boolean } = {}): string[] {
  // many DHCP guests at once (bulk) would scan /proc each: once a second per base is enough
  const now = Date.now();
  if (!opts.force && (lastPrune.get(base) ?? -Infinity) > now - 1000) return [];
  lastPrune.set(base, now);
  const dirs = runDirs(base);
  if (dirs.length === 0) return [];
  const live = liveNetnsInodes();
  const pruned: string[] = [];
  for (const { dir } of dirs) {
    const keeper = readKeeper(dir);
    if (keeper && keeperAlive(keeper)) continue;
    const rec = readLeaseRecord(dir);
    if (rec?.owner && live.has(rec.owner.netnsInode)) continue;
    forget(dir);
    pruned.push(dir);
  }
  return pruned;
}

/** Removes a run folder's records (no packet, no kernel change). */
export function forget(dir: string): void {
  removeLeaseFile(dir);
  removeKeeperFiles(dir);
  removeEmptyDirs(dir);
}

export interface HeldLease {
  lease: Lease;
  /** the process keeping it, when it is kept (keep mode) and that process runs */
  keeper?: KeeperRecord;
}

/**
 * Does this guest interface hold a lease obtained by pipework, and which? Yes when the run folder
 * records a lease for this very interface (same namespace, ifindex and MAC) and the interface
 * carries its address now. A record for another owner is stale: it is removed, and the answer is
 * undefined. Reads only; sends nothing.
 */
export function heldLease(opts: { netns: Netns; ifname: string; runDir: string }): HeldLease | undefined {
  const rec = readLeaseRecord(opts.runDir);
  if (!rec) return undefined;
  const sock = inNetns(opts.netns, () => NetlinkSocket.open({ timeoutMs: 5000 }));
  try {
    const link = getLink(sock, { name: opts.ifname }, ` in ${opts.netns.label}`);
    if (!link || !sameOwner(rec.owner, ownerOf(sock, opts.netns, link))) {
      const keeper = readKeeper(opts.runDir);
      if (!keeper || !keeperAlive(keeper)) forget(opts.runDir);
      return undefined;
    }
    const has = listAddresses(sock, { index: link.index, family: 4 }, ` in ${opts.netns.label}`).some(
      (a) => formatIp(a.local) === rec.lease.address && a.prefix === rec.lease.prefix,
    );
    if (!has) return undefined;
    const keeper = readKeeper(opts.runDir);
    return { lease: rec.lease, keeper: keeper && keeperAlive(keeper) ? keeper : undefined };
  } finally {
    sock.close();
  }
}

/** The base folder of a run folder (<base>/<guest-key>/<ifname>). */
export function runBase(runDir: string): string {
  return path.dirname(path.dirname(runDir));
}

// The state a DHCP client leaves on the host, one directory per guest and interface:
//
//   /run/pipework/dhcp/<guest-key>/<ifname>/          (folders 0700, files 0600; see safedir.ts)
//     lease.json   the lease in force (written when bound, on every renewal; removed on release),
//                  with its owner: the namespace (cookie, inode), ifindex and MAC it was applied to.
//                  A record whose owner is not the interface at hand is stale and never acted on
//                  (no RELEASE, no address removal): a restarted container or a re-made netns of
//                  the same name gets the same folder, but not the same owner. See record.ts.
//     pid          the PID of the process keeping the lease (keep mode only), one number and "\n"
//     keeper.json  {pid, procStart, ...}: procStart (field 22 of /proc/PID/stat) tells a live keeper
//                  from a recycled PID
//
// <guest-key> names the guest so that two guests never share a directory: e.g. "docker-<full id>",
// "netns-<name>", "pid-<pid>". `pipework del` stops the keeper with stopDhcpClient(runDir):
// SIGTERM to the recorded PID (the keeper answers with a DHCPRELEASE and removes the address),
// then it waits until the keeper has removed its pid file or exited.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../util/errors.js';
import { isLease, type Lease } from './lease.js';
import { listFolder, readRecord, recordExists, removeEmptyFolder, removeRecord, writeRecord } from './safedir.js';
import { sleep } from '../util/sleep.js';

export const DHCP_RUN_BASE = '/run/pipework/dhcp';

const SAFE = /^[A-Za-z0-9_.@:+-]{1,200}$/;

/** A directory-name-safe key for a guest: unsafe characters become "_", bounded in length. */
export function guestKey(kind: string, id: string | number): string {
  const key = `${kind}-${id}`.replace(/[^A-Za-z0-9_.@:+-]/g, '_').slice(0, 200);
  return key === '.' || key === '..' ? `_${key}` : key;
}

/** The run folder of a guest's interface; labels that could name another folder are refused. */
export function dhcpRunDir(guestKeyText: string, ifname: string, base = DHCP_RUN_BASE): string {
  if (!SAFE.test(guestKeyText) || guestKeyText === '.' || guestKeyText === '..') throw new InputError(`"${guestKeyText}" is not a usable guest key for a run directory`);
  if (!SAFE.test(ifname) || ifname === '.' || ifname === '..') throw new InputError(`"${ifname}" is not a usable interface name for a run directory`);
  return path.join(base, guestKeyText, ifname);
}

/** Who a lease was applied to: it is acted on only for that very interface in that very namespace. */
export interface LeaseOwner {
  /** SO_NETNS_COOKIE of the namespace (never reused while the machine runs; Linux 5.14+) */
  netnsCookie?: string;
  /** inode of the namespace (reused once it is gone: only with the rest) */
  netnsInode: number;
  ifindex: number;
  mac: string;
}

export interface LeaseRecord {
  lease: Lease;
  owner?: LeaseOwner;
}

function isOwner(x: unknown): x is LeaseOwner {
  const o = x as Partial<LeaseOwner> | undefined;
  return !!o && typeof o.netnsInode === 'number' && typeof o.ifindex === 'number' && typeof o.mac === 'string' && (o.netnsCookie === undefined || typeof o.netnsCookie === 'string');
}

/** Same namespace (by cookie when both have one, else by inode), same ifindex, same MAC. */
export function sameOwner(a: LeaseOwner | undefined, b: LeaseOwner | undefined): boolean {
  if (!a || !b) return false;
  const ns = a.netnsCookie !== undefined && b.netnsCookie !== undefined ? a.netnsCookie === b.netnsCookie : a.netnsInode === b.netnsInode;
  return ns && a.ifindex === b.ifindex && a.mac.toLowerCase() === b.mac.toLowerCase();
}

export function writeLeaseFile(dir: string, lease: Lease, owner?: LeaseOwner): void {
  writeRecord(dir, 'lease.json', JSON.stringify({ ...lease, owner }, null, 2) + '\n');
}

export function readLeaseRecord(dir: string): LeaseRecord | undefined {
  try {
    const text = readRecord(dir, 'lease.json');
    if (text === undefined) return undefined;
    const x = JSON.parse(text) as Record<string, unknown>;
    const { owner, ...lease } = x;
    return isLease(lease) ? { lease, owner: isOwner(owner) ? owner : undefined } : undefined;
  } catch {
    return undefined;
  }
}

/** The lease recorded in dir, whoever it was for (for messages; act on it only through its owner). */
export function readLeaseFile(dir: string): Lease | undefined {
  return readLeaseRecord(dir)?.lease;
}

export function removeLeaseFile(dir: string): void {
  removeRecord(dir, 'lease.json');
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); undefined if no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may itself contain spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[22 - 3];
  } catch {
    return undefined;
  }
}

export interface KeeperRecord {
  pid: number;
  procStart?: string;
  ifname: string;
  /** how the guest was named, for people reading the directory */
  guest?: string;
  startedAt: number;
}

/** Records this process as the keeper of the lease in dir. */
export function writeKeeperFiles(dir: string, info: { ifname: string; guest?: string }): void {
  const rec: KeeperRecord = { pid: process.pid, procStart: processStartTime(process.pid), ifname: info.ifname, guest: info.guest, startedAt: Date.now() };
  writeRecord(dir, 'keeper.json', JSON.stringify(rec, null, 2) + '\n');
  writeRecord(dir, 'pid', `${process.pid}\n`);
}

/** Removes the keeper files, but only if they are this process's (a successor may own them). */
export function removeKeeperFiles(dir: string): void {
  const rec = readKeeper(dir);
  if (rec && rec.pid !== process.pid) return;
  removeRecord(dir, 'pid');
  removeRecord(dir, 'keeper.json');
}

export function readKeeper(dir: string): KeeperRecord | undefined {
  const text = readRecord(dir, 'pid')?.trim();
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const pid = Number(text);
  let rec: Partial<KeeperRecord> = {};
  try {
    rec = JSON.parse(readRecord(dir, 'keeper.json') ?? '{}') as Partial<KeeperRecord>;
  } catch {
    // a bare pid file is still a record
  }
  return { pid, procStart: rec.pid === pid ? rec.procStart : undefined, ifname: rec.ifname ?? path.basename(dir), guest: rec.guest, startedAt: rec.startedAt ?? 0 };
}

/** Is the recorded keeper still running (and the same process, not a recycled PID)? */
export function keeperAlive(rec: KeeperRecord): boolean {
  const start = processStartTime(rec.pid);
  if (start === undefined) return false;
  return rec.procStart === undefined || rec.procStart === start;
}

export interface StopResult {
  /** a keeper process was running and was signalled */
  signalled: boolean;
  pid?: number;
  /** it finished its release (pid file removed or process gone) within the wait */
  stopped: boolean;
  /** the lease that was recorded before stopping, if any */
  lease?: Lease;
}


/** Keepers running in this process, by run directory: stopped directly, not by a signal to ourselves. */
const localKeepers = new Map<string, () => Promise<void>>();

export function registerLocalKeeper(runDir: string, stop: () => Promise<void>): () => void {
  const key = path.resolve(runDir);
  localKeepers.set(key, stop);
  return () => {
    if (localKeepers.get(key) === stop) localKeepers.delete(key);
  };
}

/**
 * Stops the keeper of a run directory: SIGTERM to its PID (sending a signal is not spawning
 * anything), then waits up to timeoutMs for it to release the lease (it removes its pid file)
 * or to exit. Stale keeper files (no such process) are cleaned up. The directory is removed when
 * empty.
 *
 * lease.json is removed only along with a keeper that stopped here (it released that lease). A
 * lease recorded without a running keeper (one-shot mode, or a keeper that died without releasing)
 * is left for releaseRecordedLease, which releases it if the interface still has its address.
 */
export async function stopDhcpClient(runDir: string, opts: { timeoutMs?: number } = {}): Promise<StopResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const lease = readLeaseFile(runDir);
  const rec = readKeeper(runDir);
  const result: StopResult = { signalled: false, stopped: true, lease, pid: rec?.pid };
  const local = localKeepers.get(path.resolve(runDir));
  if (local) {
    await local();
  } else if (rec && rec.pid !== process.pid && keeperAlive(rec)) {
    try {
      process.kill(rec.pid, 'SIGTERM');
      result.signalled = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
    if (result.signalled) {
      const until = Date.now() + timeoutMs;
      result.stopped = false;
      while (Date.now() < until) {
        if (!keeperAlive(rec) || !recordExists(runDir, 'pid')) {
          result.stopped = true;
          break;
        }
        await sleep(25);
      }
    }
  }
  if (result.stopped) {
    // the keeper files belong to nobody now; a lease file too if its keeper just gave it back
    removeRecord(runDir, 'pid');
    removeRecord(runDir, 'keeper.json');
    if (local || result.signalled) removeLeaseFile(runDir);
    removeEmptyDirs(runDir);
  }
  return result;
}

/** Removes dir and its parent (the guest directory) if they are empty. */
export function removeEmptyDirs(dir: string): void {
  if (removeEmptyFolder(dir)) removeEmptyFolder(path.dirname(dir));
}

/** Every run folder under base: [guest key, interface name, path]. */
export function runDirs(base = DHCP_RUN_BASE): { key: string; ifname: string; dir: string }[] {
  const out: { key: string; ifname: string; dir: string }[] = [];
  for (const key of listFolder(base)) {
    if (!SAFE.test(key)) continue;
    for (const ifname of listFolder(path.join(base, key))) {
      if (SAFE.test(ifname)) out.push({ key, ifname, dir: path.join(base, key, ifname) });
    }
  }
  return out;
}

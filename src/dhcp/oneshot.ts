// One-shot mode (pipework's `dhcp`, `udhcpc`, `dhclient`, `dhcpcd`): a lease obtained and applied
// once, recorded in the run folder; and its release by `pipework del`, for its owner only.
import { ClientCore } from './exchange.js';
import type { Lease } from './lease.js';
import { forget, pruneLeaseRecords, runBase } from './record.js';
import { sendRelease } from './release.js';
import { readLeaseRecord, removeEmptyDirs, removeLeaseFile, sameOwner } from './rundir.js';
import type { DhcpClientOptions } from './schedule.js';

/**
 * One-shot mode: obtains a lease on the interface and applies it (address with prefix and
 * broadcast, routes, MTU, resolv.conf where asked), then returns it. Nothing will renew it: the
 * caller says so. On failure or timeout the interface is left as it was found (no address, link
 * state restored) and the error says why. With `runDir`, lease.json is written there.
 */
export async function obtainLease(opts: DhcpClientOptions): Promise<Lease> {
  const core = new ClientCore(opts);
  if (opts.runDir) pruneLeaseRecords(runBase(opts.runDir));
  try {
    core.prepare();
    const deadline = Date.now() + core.timeout;
    await core.waitRunning(deadline);
    const lease = await core.acquire(deadline, core.requestHint());
    // closing a packet socket waits for an RCU grace period (~12 ms): it finishes on a worker
    // thread while the lease is applied and returned
    void core.closePacket();
    core.install(lease);
    return lease;
  } catch (e) {
    core.uninstall();
    throw e;
  } finally {
    await core.close();
  }
}

/**
 * For `pipework del` after a one-shot lease: sends a DHCPRELEASE for the lease recorded in
 * runDir (if the interface still has that address), removes the address and the lease's routes,
 * and removes lease.json. Returns the released lease, or undefined when there was none to release.
 * Stop a keeper first (stopDhcpClient): a keeper releases its own lease.
 */
export async function releaseRecordedLease(opts: Pick<DhcpClientOptions, 'netns' | 'ifname' | 'runDir' | 'guestLabel' | 'log'> & { runDir: string }): Promise<Lease | undefined> {
  pruneLeaseRecords(runBase(opts.runDir));
  const record = readLeaseRecord(opts.runDir);
  const recorded = record?.lease;
  if (!recorded || recorded.ifname !== opts.ifname) return undefined;
  const core = new ClientCore({ ...opts, timeoutMs: 1000 });
  try {
    core.prepare();
    if (!sameOwner(record.owner, core.owner)) {
      // a record of an earlier namespace or interface under the same name: nothing of ours here
      opts.log?.(`the DHCP lease record for ${opts.ifname} was for an earlier interface or namespace; removed, nothing released`);
      forget(opts.runDir);
      return undefined;
    }
    if (!core.hasAddress(recorded.address, recorded.prefix)) {
      removeLeaseFile(opts.runDir);
      return undefined;
    }
    core.adopt(recorded);
    await sendRelease(core);
    core.uninstall();
    return recorded;
  } finally {
    await core.close();
    removeEmptyDirs(opts.runDir);
  }
}

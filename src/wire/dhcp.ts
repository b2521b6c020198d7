// Addresses from DHCP instead of the command line: pipework's `dhcp`, `udhcpc`, `dhclient`, `dhcpcd`
// forms (with `-f` or `:OPTIONS`), all served by the built-in client (src/dhcp), which speaks DHCP
// from inside the guest and applies the lease through netlink. No client process is started and no
// file of the host is touched.
import * as fs from 'node:fs';
import {
  DhcpKeeper, heldLease, interpretClientWords, type Lease, obtainLease, pruneLeaseRecords, releaseRecordedLease, stopDhcpClient,
  type DhcpKeeperOptions,
} from '../dhcp/index.js';
import type { Guest } from '../guest/resolve.js';
import { InputError } from '../util/errors.js';
import type { Step } from './plan.js';
import type { DhcpSpec } from './dhcp-form.js';

import { runDirFor } from './lease-record.js';

export { runDirFor };

/** Does this DHCP request keep its lease (renewals by a keeper) rather than take it once? */
export function keepsLease(spec: DhcpSpec): boolean {
  return spec.keep || interpretClientWords(spec.words ?? [], spec.client ?? 'dhcp').keep || false;
}

export interface DhcpOutcome {
  lease?: Lease;
  keeper?: DhcpKeeper;
}

/** The step that gets (and, in keep mode, keeps) the lease for an interface that is up. */
export function dhcpStep(guest: Guest, ifname: string, spec: DhcpSpec, outcome: DhcpOutcome): Step {
  const words = interpretClientWords(spec.words ?? [], spec.client ?? 'dhcp');
  const keep = keepsLease(spec);
  const options: DhcpKeeperOptions = {
    netns: guest.netns,
    ifname,
    hostname: spec.hostname ?? guest.container?.name ?? guest.netns.name ?? guest.ref,
    timeoutMs: spec.timeoutSeconds === undefined ? 30_000 : spec.timeoutSeconds * 1000,
    resolvConf: resolvTarget(spec.resolvConf, guest),
    runDir: runDirFor(guest, ifname),
    guestLabel: guest.netns.label,
    watchPid: guest.pid,
    ...words.options,
  };
  return {
    what: `obtain a DHCP lease for ${ifname}${keep ? ' and keep it (renewals, release on exit)' : ' (one-shot)'}`,
    where: 'guest',
    apply: async () => {
      if (keep) {
        // The keeper outlives this call (the caller waits on it); a fresh netns handle keeps the
        // namespace open for it after the wiring closes its own.
        const netns = guest.netns.duplicate();
        const keeper = new DhcpKeeper({ ...options, netns });
        void keeper.finished().finally(() => netns.close());
        outcome.keeper = keeper;
        outcome.lease = await keeper.start();
      } else {
        outcome.lease = await obtainLease(options);
      }
    },
  };
}

function resolvTarget(value: string | undefined, guest: Guest): DhcpKeeperOptions['resolvConf'] {
  if (value === undefined) return undefined;
  if (value !== 'container') return value;
  if (!guest.pid) throw new InputError(`--resolv-conf container needs a container or a PID guest; ${guest.netns.label} has no process to reach`, 'give a file path instead');
  return { containerPid: guest.pid, label: guest.netns.label };
}

/** For `del`: stop a keeper (it releases), or release a one-shot lease recorded for the interface. */
export async function releaseDhcp(guest: Guest, ifname: string): Promise<string | undefined> {
  const runDir = runDirFor(guest, ifname);
  pruneLeaseRecords();
  if (!fs.existsSync(runDir)) return undefined;
  // A keeper releases its lease as it stops; a one-shot lease is released from its record.
  const stopped = await stopDhcpClient(runDir);
  const released = await releaseRecordedLease({ netns: guest.netns, ifname, runDir });
  const lease = released ?? (stopped.signalled ? stopped.lease : undefined);
  return lease ? `released the DHCP lease of ${lease.address}/${lease.prefix}` : undefined;
}

/**
 * For `del` of an interface that is not in the guest (a restarted container, a re-made netns): any
 * lease record under its name was for an earlier namespace; it is removed, nothing is sent.
 */
export function dropStaleDhcpRecords(guest: Guest, ifname: string): void {
  pruneLeaseRecords();
  heldLease({ netns: guest.netns, ifname, runDir: runDirFor(guest, ifname) });
}

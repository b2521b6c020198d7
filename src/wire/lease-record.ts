// Where the record of a guest interface's DHCP lease is found: the one place the wiring code asks.
// Light on purpose (no DHCP client loaded): the idempotency check of every re-run consults it.
import * as fs from 'node:fs';
import type { Guest } from '../guest/resolve.js';
import type { Lease } from '../dhcp/lease.js';
import { heldLease } from '../dhcp/record.js';
import { DHCP_RUN_BASE, dhcpRunDir, guestKey } from '../dhcp/rundir.js';

export function runDirFor(guest: Guest, ifname: string): string {
  return dhcpRunDir(guestKey(guest.kind, guest.container?.id ?? guest.key), ifname);
}

/**
 * The lease pipework obtained for this very interface (the record's owner is this namespace, ifindex and
 * MAC, and the interface holds the address), with whether a keeper still renews it. A record left by an
 * earlier namespace under the same name is never taken for this one.
 */
export function recordedLease(guest: Guest, ifname: string): { lease: Lease; kept: boolean } | undefined {
  const dir = runDirFor(guest, ifname);
  if (!fs.existsSync(DHCP_RUN_BASE) || !fs.existsSync(dir)) return undefined;
  const held = heldLease({ netns: guest.netns, ifname, runDir: dir });
  return held && { lease: held.lease, kept: held.keeper !== undefined };
}

/** Is anything recorded for this interface's DHCP (a lease, a keeper)? Cheap: no DHCP code loaded. */
export function hasDhcpRecord(guest: Guest, ifname: string): boolean {
  return fs.existsSync(DHCP_RUN_BASE) && fs.existsSync(runDirFor(guest, ifname));
}

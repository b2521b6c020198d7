// Where the record of a guest interface's DHCP lease is found: the one place the wiring code asks.
// Light on purpose (no DHCP client loaded): the idempotency check of every re-run consults it.
import * as fs from 'node:fs';
import type { Guest } from '../guest/resolve.js';
import type { Lease } from '../dhcp/lease.js';
import { DHCP_RUN_BASE, dhcpRunDir, guestKey, keeperAlive, readKeeper, readLeaseFile } from '../dhcp/rundir.js';

export function runDirFor(guest: Guest, ifname: string): string {
  return dhcpRunDir(guestKey(guest.kind, guest.container?.id ?? guest.key), ifname);
}

/** The lease pipework obtained for this interface and recorded, with whether a keeper still renews it. */
export function recordedLease(guest: Guest, ifname: string): { lease: Lease; kept: boolean } | undefined {
  if (!fs.existsSync(DHCP_RUN_BASE)) return undefined;
  const dir = runDirFor(guest, ifname);
  const lease = readLeaseFile(dir);
  if (!lease) return undefined;
  const keeper = readKeeper(dir);
  return { lease, kept: keeper !== undefined && keeperAlive(keeper) };
}

/** Is anything recorded for this interface's DHCP (a lease, a keeper)? Cheap: no DHCP code loaded. */
export function hasDhcpRecord(guest: Guest, ifname: string): boolean {
  return fs.existsSync(DHCP_RUN_BASE) && fs.existsSync(runDirFor(guest, ifname));
}

// Comparing an interface that is already in the guest with what the command asks for, so that
// re-running a command is a no-op and a different command says exactly what differs.
import { IFF_UP } from '../netlink/constants.js';
import type { NetlinkSocket } from '../netlink/session.js';
import type { Lease } from '../dhcp/lease.js';
import { type Address, listAddresses } from '../ops/address.js';
import type { Link } from '../ops/link.js';
import { defaultRoutes } from '../ops/route.js';
import { equalBytes, formatCidr, formatIp, isLinkLocal6, parseIp } from '../util/ip.js';
import { ConflictError } from '../util/errors.js';
import type { DriverContext, DriverPlan } from './driver.js';
import { type ExistingState, guestConfigSteps } from './guest-config.js';

export function inspectGuestInterface(sock: NetlinkSocket, link: Link): ExistingState {
  const addresses = listAddresses(sock, { index: link.index }).filter((a) => !(a.family === 6 && isLinkLocal6(a.local)));
  const defaults = defaultRoutes(sock, undefined).filter((r) => r.oif === link.index);
  return { up: (link.flags & IFF_UP) !== 0, addresses, defaults };
}

/** The lease's address is on the interface: the DHCP wiring it records is in place. */
function leaseOn(state: ExistingState, held: { lease: Lease } | undefined): boolean {
  if (!held) return false;
  const leased = parseIp(held.lease.address);
  return !!leased && state.addresses.some((a) => equalBytes(a.local, leased.bytes) && a.prefix === held.lease.prefix);
}

/** What a comparison reads of a request: the one-guest plan's context, or the bulk engine's job. */
export type Asked = Pick<DriverContext, 'mac' | 'mtu' | 'addresses' | 'dhcp' | 'recordedLease'>;

/** What differs between the interface and the request, in words; empty when compatible. */
export function describeDifferences(link: Link, state: ExistingState, ctx: Asked): string[] {
  const diffs: string[] = [];
  if (ctx.mac && link.mac !== ctx.mac) diffs.push(`MAC is ${link.mac}, asked for ${ctx.mac}`);
  if (ctx.mtu && link.mtu !== ctx.mtu) diffs.push(`MTU is ${link.mtu}, asked for ${ctx.mtu}`);
  // The record is read only when an address is not asked for (a re-run that differs, or DHCP).
  let held: { lease: Lease } | undefined | null = null;
  const fromLease = (a: Address) => {
    if (held === null) held = ctx.recordedLease?.();
    return held !== undefined && formatIp(a.local) === held.lease.address && a.prefix === held.lease.prefix;
  };
  for (const a of state.addresses) {
    const wanted = ctx.addresses.some((w) => w.cidr && equalBytes(w.cidr.bytes, a.local) && w.cidr.prefix === a.prefix);
    if (wanted || (ctx.dhcp && fromLease(a))) continue;
    const text = formatCidr({ family: a.family, bytes: a.local, prefix: a.prefix });
    if (fromLease(a)) {
      const asked = ctx.addresses.flatMap((w) => (w.cidr ? [formatCidr(w.cidr)] : []));
      diffs.push(`it was wired by DHCP (it holds the lease of ${text} pipework obtained), where this command asks for ${asked.length ? `static ${asked.join(', ')}` : 'no address'}`);
    } else {
      diffs.push(`it has address ${text}, which this command does not ask for${ctx.dhcp ? ' (and no DHCP lease pipework obtained)' : ''}`);
    }
  }
  return diffs;
}

/**
 * The plan when the guest already has an interface of the requested name: if it is ours (made by
 * an earlier identical wiring) complete what is missing, or nothing; otherwise a conflict that
 * says what is in the way and how to get past it.
 */
export function planForExisting(ctx: DriverContext, link: Link, ours: boolean, what: { kind: string; via: string; hostIfname?: string; notes?: string[] }): DriverPlan {
  const label = `${ctx.ifname} in ${ctx.guest.netns.label}`;
  if (!ours) {
    const it = link.kind ? `a ${link.kind} interface` : 'an interface';
    throw new ConflictError(
      `${label} already exists (${it} not connected to ${what.via})`,
      `choose another name with -i, or remove it first with: pipework del ${ctx.guest.ref} -i ${ctx.ifname}`,
    );
  }
  const state = inspectGuestInterface(ctx.gsock, link);
  const diffs = describeDifferences(link, state, ctx);
  if (diffs.length) throw differsError(label, ctx.hostIf, diffs, ctx.guest.ref, ctx.ifname);
  const steps = guestConfigSteps({ sock: ctx.gsock, label, index: () => link.index }, ctx.addresses, state);
  const held = ctx.dhcp ? ctx.recordedLease?.() : undefined;
  const heldLease = held && leaseOn(state, held) ? held : undefined;
  return { kind: what.kind, steps, notes: what.notes ?? [], hostIfname: what.hostIfname, alreadyWired: steps.length === 0 && (!ctx.dhcp || heldLease !== undefined), heldLease, guestMac: link.mac };
}

export function differsError(label: string, hostIf: string, diffs: readonly string[], guestRef: string, ifname: string): ConflictError {
  return new ConflictError(`${label} is already wired to ${hostIf} but differs: ${diffs.join('; ')}`, `remove it first with: pipework del ${guestRef} -i ${ifname}`);
}

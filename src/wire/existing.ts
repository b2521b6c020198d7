// Comparing an interface that is already in the guest with what the command asks for, so that
// re-running a command is a no-op and a different command says exactly what differs.
import { IFF_UP } from '../netlink/constants.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { listAddresses } from '../ops/address.js';
import type { Link } from '../ops/link.js';
import { defaultRoutes } from '../ops/route.js';
import { equalBytes, formatCidr, isLinkLocal6 } from '../util/ip.js';
import type { DriverContext } from './driver.js';
import type { ExistingState } from './guest-config.js';

export function inspectGuestInterface(sock: NetlinkSocket, link: Link): ExistingState {
  const addresses = listAddresses(sock, { index: link.index }).filter((a) => !(a.family === 6 && isLinkLocal6(a.local)));
  const defaults = [...defaultRoutes(sock, 4), ...defaultRoutes(sock, 6)].filter((r) => r.oif === link.index);
  return { up: (link.flags & IFF_UP) !== 0, addresses, defaults };
}

/** What differs between the interface and the request, in words; empty when compatible. */
export function describeDifferences(link: Link, state: ExistingState, ctx: DriverContext): string[] {
  const diffs: string[] = [];
  if (ctx.mac && link.mac !== ctx.mac) diffs.push(`MAC is ${link.mac}, asked for ${ctx.mac}`);
  if (ctx.mtu && link.mtu !== ctx.mtu) diffs.push(`MTU is ${link.mtu}, asked for ${ctx.mtu}`);
  for (const a of state.addresses) {
    const wanted = ctx.addresses.some((w) => w.cidr && equalBytes(w.cidr.bytes, a.local) && w.cidr.prefix === a.prefix);
    if (!wanted) diffs.push(`it has address ${formatCidr({ family: a.family, bytes: a.local, prefix: a.prefix })}, which this command does not ask for`);
  }
  return diffs;
}

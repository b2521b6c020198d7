// Interface addresses: add (with the IPv4 broadcast computed, as pipework did with busybox ipcalc),
// delete, list.
import {
  IFA_ADDRESS, IFA_BROADCAST, IFA_FLAGS, IFA_F_NODAD, IFA_LOCAL, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELADDR,
  RTM_GETADDR, RTM_NEWADDR, RT_SCOPE_UNIVERSE,
} from '../netlink/constants.js';
import { type Address, decodeAddress, familyToAf, ifaddrmsg } from '../netlink/rtnl/address.js';
import type { NetlinkSocket, Request } from '../netlink/session.js';
import { AF_UNSPEC } from '../netlink/constants.js';
import { broadcastOf, type Cidr, type Family } from '../util/ip.js';

export type { Address };

export interface AddressSpec {
  index: number;
  cidr: Cidr;
  /** IPv6: usable at once, no duplicate address detection (as Docker does); we announce instead */
  nodad?: boolean;
}

function addressMessage(spec: AddressSpec) {
  const { cidr } = spec;
  const w = ifaddrmsg({ af: familyToAf(cidr.family), prefix: cidr.prefix, index: spec.index, scope: RT_SCOPE_UNIVERSE });
  w.attr(IFA_LOCAL, cidr.bytes).attr(IFA_ADDRESS, cidr.bytes);
  const brd = broadcastOf(cidr);
  if (brd) w.attr(IFA_BROADCAST, brd);
  if (spec.nodad && cidr.family === 6) w.attrU32(IFA_FLAGS, IFA_F_NODAD);
  return w;
}

export function addAddressRequest(spec: AddressSpec, what: string, replace = false): Request {
  return {
    type: RTM_NEWADDR,
    flags: NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL),
    message: addressMessage(spec).finish(),
    what,
  };
}

export function deleteAddressRequest(spec: AddressSpec, what: string): Request {
  const { cidr } = spec;
  const w = ifaddrmsg({ af: familyToAf(cidr.family), prefix: cidr.prefix, index: spec.index });
  w.attr(IFA_LOCAL, cidr.bytes).attr(IFA_ADDRESS, cidr.bytes);
  return { type: RTM_DELADDR, message: w.finish(), what };
}

/** Addresses, filtered in the kernel (strict checking) by interface and family when given. */
export function listAddresses(sock: NetlinkSocket, filter: { index?: number; family?: Family } = {}, where = ''): Address[] {
  const w = ifaddrmsg({ af: filter.family ? familyToAf(filter.family) : AF_UNSPEC, prefix: 0, index: filter.index ?? 0 });
  const found = sock.dump({ type: RTM_GETADDR, message: w.finish(), what: `listing addresses${where}` });
  const out: Address[] = [];
  for (const m of found) {
    const a = decodeAddress(m);
    if (a && (filter.index === undefined || a.index === filter.index)) out.push(a);
  }
  return out;
}

// 802.1Q sub-interfaces (kind "vlan"). IFLA_VLAN_* from linux/if_link.h.
import type { Request } from '../../netlink/session.js';
import { type Link, type LinkAttrs, newLinkRequest } from '../link.js';

const IFLA_VLAN_ID = 1;

export interface VlanSpec extends LinkAttrs {
  name: string;
  parent: number;
  id: number;
}

export function createVlanRequest(spec: VlanSpec, what: string): Request {
  return newLinkRequest({ ...spec, kind: 'vlan', data: (w) => w.attrU16(IFLA_VLAN_ID, spec.id) }, what);
}

export function vlanIdOf(link: Link): number | undefined {
  return link.kind === 'vlan' ? link.infoData?.u16(IFLA_VLAN_ID) : undefined;
}

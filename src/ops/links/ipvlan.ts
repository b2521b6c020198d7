// ipvlan (kind "ipvlan"): like macvlan but every slave shares the lower device's MAC; L2 or L3
// mode. IFLA_IPVLAN_* and IPVLAN_MODE_* from linux/if_link.h.
import type { Request } from '../../netlink/session.js';
import { modeName, parseMode } from './modes.js';
import { type Link, type LinkAttrs, newLinkRequest } from '../link.js';

const IFLA_IPVLAN_MODE = 1;

export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;
export type IpvlanMode = keyof typeof IPVLAN_MODES;

export const parseIpvlanMode = (text: string): IpvlanMode => parseMode('ipvlan', IPVLAN_MODES, text);

export interface IpvlanSpec extends LinkAttrs {
  name: string;
  parent: number;
  mode: IpvlanMode;
}

export function createIpvlanRequest(spec: IpvlanSpec, what: string): Request {
  return newLinkRequest({ ...spec, kind: 'ipvlan', data: (w) => w.attrU16(IFLA_IPVLAN_MODE, IPVLAN_MODES[spec.mode]) }, what);
}

export const ipvlanModeOf = (link: Link): IpvlanMode | undefined => modeName(IPVLAN_MODES, link.infoData?.u16(IFLA_IPVLAN_MODE));

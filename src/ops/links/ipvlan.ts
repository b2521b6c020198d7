// ipvlan (kind "ipvlan"): like macvlan but every slave shares the lower device's MAC; L2 or L3
// mode. IFLA_IPVLAN_* and IPVLAN_MODE_* from linux/if_link.h.
import type { Request } from '../../netlink/session.js';
import { InputError } from '../../util/errors.js';
import { type Link, type LinkAttrs, newLinkRequest } from '../link.js';

const IFLA_IPVLAN_MODE = 1;

export const IPVLAN_MODES = { l2: 0, l3: 1, l3s: 2 } as const;
export type IpvlanMode = keyof typeof IPVLAN_MODES;

export function parseIpvlanMode(text: string): IpvlanMode {
  if (text in IPVLAN_MODES) return text as IpvlanMode;
  throw new InputError(`ipvlan mode "${text}" is unknown`, `use one of ${Object.keys(IPVLAN_MODES).join(', ')}`);
}

export interface IpvlanSpec extends LinkAttrs {
  name: string;
  parent: number;
  mode: IpvlanMode;
}

export function createIpvlanRequest(spec: IpvlanSpec, what: string): Request {
  return newLinkRequest({ ...spec, kind: 'ipvlan', data: (w) => w.attrU16(IFLA_IPVLAN_MODE, IPVLAN_MODES[spec.mode]) }, what);
}

export function ipvlanModeOf(link: Link): IpvlanMode | undefined {
  const v = link.infoData?.u16(IFLA_IPVLAN_MODE);
  return (Object.keys(IPVLAN_MODES) as IpvlanMode[]).find((k) => IPVLAN_MODES[k] === v);
}

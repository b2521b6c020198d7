// macvlan (kind "macvlan"): a virtual NIC with its own MAC on a lower device. IFLA_MACVLAN_* and
// MACVLAN_MODE_* from linux/if_link.h.
import type { Request } from '../../netlink/session.js';
import { InputError } from '../../util/errors.js';
import { type Link, type LinkAttrs, newLinkRequest } from '../link.js';

const IFLA_MACVLAN_MODE = 1;

export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODES;

export function parseMacvlanMode(text: string): MacvlanMode {
  if (text in MACVLAN_MODES) return text as MacvlanMode;
  throw new InputError(`macvlan mode "${text}" is unknown`, `use one of ${Object.keys(MACVLAN_MODES).join(', ')}`);
}

export interface MacvlanSpec extends LinkAttrs {
  name: string;
  parent: number;
  mode: MacvlanMode;
}

export function createMacvlanRequest(spec: MacvlanSpec, what: string): Request {
  return newLinkRequest({ ...spec, kind: 'macvlan', data: (w) => w.attrU32(IFLA_MACVLAN_MODE, MACVLAN_MODES[spec.mode]) }, what);
}

export function macvlanModeOf(link: Link): MacvlanMode | undefined {
  const v = link.infoData?.u32(IFLA_MACVLAN_MODE);
  return (Object.keys(MACVLAN_MODES) as MacvlanMode[]).find((k) => MACVLAN_MODES[k] === v);
}

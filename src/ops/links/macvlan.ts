// macvlan (kind "macvlan"): a virtual NIC with its own MAC on a lower device. IFLA_MACVLAN_* and
// MACVLAN_MODE_* from linux/if_link.h.
import type { Request } from '../../netlink/session.js';
import { modeName, parseMode } from './modes.js';
import { type Link, type LinkAttrs, newLinkRequest } from '../link.js';

const IFLA_MACVLAN_MODE = 1;

export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODES;

export const parseMacvlanMode = (text: string): MacvlanMode => parseMode('macvlan', MACVLAN_MODES, text);

export interface MacvlanSpec extends LinkAttrs {
  name: string;
  parent: number;
  mode: MacvlanMode;
}

export function createMacvlanRequest(spec: MacvlanSpec, what: string): Request {
  return newLinkRequest({ ...spec, kind: 'macvlan', data: (w) => w.attrU32(IFLA_MACVLAN_MODE, MACVLAN_MODES[spec.mode]) }, what);
}

export const macvlanModeOf = (link: Link): MacvlanMode | undefined => modeName(MACVLAN_MODES, link.infoData?.u32(IFLA_MACVLAN_MODE));

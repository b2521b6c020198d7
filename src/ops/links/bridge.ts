// Linux bridges (kind "bridge"), IFLA_BR_* from linux/if_link.h.
import { AF_BRIDGE, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, RTM_DELLINK, RTM_NEWLINK, RTM_SETLINK } from '../../netlink/constants.js';
import { ifinfomsg } from '../../netlink/rtnl/link.js';
import type { Request } from '../../netlink/session.js';
import { type LinkAttrs, newLinkRequest } from '../link.js';
import type { Link } from '../link.js';

const IFLA_BR_FORWARD_DELAY = 1;
const IFLA_BR_STP_STATE = 5;
const IFLA_BR_VLAN_FILTERING = 7;

export interface BridgeSpec extends LinkAttrs {
  name: string;
  vlanFiltering?: boolean;
  stp?: boolean;
  /** in centiseconds, as the kernel takes it */
  forwardDelay?: number;
}

export function createBridgeRequest(spec: BridgeSpec, what: string): Request {
  return newLinkRequest(
    {
      ...spec,
      kind: 'bridge',
      data: (w) => {
        if (spec.vlanFiltering !== undefined) w.attrU8(IFLA_BR_VLAN_FILTERING, spec.vlanFiltering ? 1 : 0);
        if (spec.stp !== undefined) w.attrU32(IFLA_BR_STP_STATE, spec.stp ? 1 : 0);
        if (spec.forwardDelay !== undefined) w.attrU32(IFLA_BR_FORWARD_DELAY, spec.forwardDelay);
      },
    },
    what,
  );
}

export function isBridge(link: Link): boolean {
  return link.kind === 'bridge';
}

export function vlanFilteringOf(link: Link): boolean {
  return link.infoData?.u8(IFLA_BR_VLAN_FILTERING) === 1;
}

const IFLA_AF_SPEC = 26;
const IFLA_BRIDGE_VLAN_INFO = 2;
const BRIDGE_VLAN_INFO_PVID = 1 << 1;
const BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;

/** Turns VLAN filtering on or off on an existing bridge. */
export function setVlanFilteringRequest(index: number, on: boolean, what: string): Request {
  const w = ifinfomsg({ index });
  w.begin(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, 'bridge');
  w.begin(IFLA_INFO_DATA).attrU8(IFLA_BR_VLAN_FILTERING, on ? 1 : 0).end();
  w.end();
  return { type: RTM_NEWLINK, message: w.finish(), what };
}

/**
 * Adds (RTM_SETLINK) or removes (RTM_DELLINK) one VLAN on a bridge port, family AF_BRIDGE with
 * IFLA_AF_SPEC/IFLA_BRIDGE_VLAN_INFO. As an access port: PVID (untagged frames in go to vid) and
 * untagged (frames out lose the tag).
 */
export function portVlanRequest(op: 'add' | 'delete', portIndex: number, vid: number, access: boolean, what: string): Request {
  const w = ifinfomsg({ family: AF_BRIDGE, index: portIndex });
  const info = new Uint8Array(4);
  const v = new DataView(info.buffer);
  v.setUint16(0, access ? BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED : 0, true);
  v.setUint16(2, vid, true);
  w.begin(IFLA_AF_SPEC).attr(IFLA_BRIDGE_VLAN_INFO, info).end();
  return { type: op === 'add' ? RTM_SETLINK : RTM_DELLINK, message: w.finish(), what };
}

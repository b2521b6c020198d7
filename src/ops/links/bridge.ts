// Linux bridges (kind "bridge"), IFLA_BR_* from linux/if_link.h.
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

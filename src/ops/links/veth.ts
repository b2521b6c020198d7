// veth pairs. The peer is described by a nested ifinfomsg inside VETH_INFO_PEER, so it can be
// born directly in another namespace (IFLA_NET_NS_FD) under its final name, MTU and MAC: no move,
// no rename, no window in which a half-configured device is visible.
import { IFLA_LINK } from '../../netlink/constants.js';
import { writeIfinfo } from '../../netlink/rtnl/link.js';
import type { Request } from '../../netlink/session.js';
import { type LinkAttrs, newLinkRequest, writeLinkAttrs } from '../link.js';

const VETH_INFO_PEER = 1;

export interface VethSpec extends LinkAttrs {
  name: string;
  index?: number;
  /** The peer end. `up` is not allowed here: the kernel refuses IFF_UP on a peer (ENOTCONN). */
  peer: Omit<LinkAttrs, 'up' | 'master'> & { name: string; index?: number };
}

export function createVethRequest(spec: VethSpec, what: string): Request {
  return newLinkRequest(
    {
      ...spec,
      kind: 'veth',
      data: (w) => {
        w.begin(VETH_INFO_PEER);
        writeIfinfo(w, { index: spec.peer.index ?? 0 });
        writeLinkAttrs(w, spec.peer);
        w.end();
      },
    },
    what,
  );
}

/** For a veth, IFLA_LINK is the peer's ifindex (in the namespace named by IFLA_LINK_NETNSID). */
export const VETH_PEER_ATTR = IFLA_LINK;

// The id a namespace has as seen from the socket's own namespace (RTM_GETNSID): what a link's
// IFLA_LINK_NETNSID says its peer lives in.
import { parseAttrs } from '../netlink/attributes.js';
import { AF_UNSPEC, NETNSA_FD, NETNSA_NSID, RTM_GETNSID } from '../netlink/constants.js';
import type { NetlinkSocket, Request } from '../netlink/session.js';
import { MessageWriter } from '../netlink/writer.js';

export function getNsidRequest(fd: number, what: string): Request {
  const w = new MessageWriter(32).header().u8(AF_UNSPEC).u8(0).u16(0); // struct rtgenmsg, padded
  w.attrU32(NETNSA_FD, fd);
  return { type: RTM_GETNSID, message: w.finish(), what };
}

/** The namespace's id from sock's namespace; undefined (or negative) when none was assigned. */
export function netnsIdOf(sock: NetlinkSocket, fd: number, what: string): number | undefined {
  const [m] = sock.request(getNsidRequest(fd, what));
  return m ? parseAttrs(m.payload, 4).i32(NETNSA_NSID) : undefined;
}

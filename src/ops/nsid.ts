// Namespace IDs: how one namespace names another (IFLA_LINK_NETNSID on a veth whose peer lives
// elsewhere). RTM_GETNSID with NETNSA_FD asks the id of the namespace open as that fd.
import { AF_UNSPEC, NETNSA_FD, NETNSA_NSID, RTM_GETNSID } from '../netlink/constants.js';
import { parseAttrs } from '../netlink/attributes.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { MessageWriter } from '../netlink/writer.js';

/** The id under which the socket's namespace knows the namespace open as fd; undefined if none. */
export function nsidOf(sock: NetlinkSocket, fd: number, where = ''): number | undefined {
  const w = new MessageWriter(32).header().u8(AF_UNSPEC).u8(0).u16(0); // struct rtgenmsg, padded
  w.attrU32(NETNSA_FD, fd);
  const replies = sock.request({ type: RTM_GETNSID, message: w.finish(), what: `asking the id of a namespace${where}` });
  if (!replies.length) return undefined;
  const id = parseAttrs(replies[0].payload, 4).i32(NETNSA_NSID);
  return id === undefined || id < 0 ? undefined : id;
}

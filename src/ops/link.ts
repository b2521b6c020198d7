// Links: get, list, create (any kind: the kind's own module writes IFLA_INFO_DATA), change, delete.
// Functions named *Request build a Request for batching; the others run one round trip.
import {
  AF_UNSPEC, IFF_UP, IFLA_ADDRESS, IFLA_EXT_MASK, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINK,
  IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_NET_NS_FD, IFLA_TXQLEN, NLM_F_CREATE, NLM_F_EXCL, RTEXT_FILTER_SKIP_STATS,
  RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK,
} from '../netlink/constants.js';
import { isKernelError, KernelError } from '../netlink/errors.js';
import { decodeLink, ifinfomsg, type Link } from '../netlink/rtnl/link.js';
import type { NetlinkSocket, Request } from '../netlink/session.js';
import type { MessageWriter } from '../netlink/writer.js';
import { parseMac } from '../util/ip.js';

export type { Link };

/** Attributes common to every link kind, for creation and for changes. */
export interface LinkAttrs {
  name?: string;
  mtu?: number;
  mac?: string;
  /** master ifindex; 0 detaches from the current master */
  master?: number;
  /** IFLA_LINK: lower device (vlan, macvlan, ipvlan parent) */
  parent?: number;
  /** move into (or create inside) the namespace open as this fd */
  netnsFd?: number;
  up?: boolean;
  alias?: string;
  txqlen?: number;
}

/** Writes the LinkAttrs attributes (not the flags: those live in ifinfomsg). */
export function writeLinkAttrs(w: MessageWriter, a: LinkAttrs): void {
  if (a.name !== undefined) w.attrString(IFLA_IFNAME, a.name);
  if (a.mtu !== undefined) w.attrU32(IFLA_MTU, a.mtu);
  if (a.mac !== undefined) w.attr(IFLA_ADDRESS, parseMac(a.mac));
  if (a.master !== undefined) w.attrU32(IFLA_MASTER, a.master);
  if (a.parent !== undefined) w.attrU32(IFLA_LINK, a.parent);
  if (a.netnsFd !== undefined) w.attrU32(IFLA_NET_NS_FD, a.netnsFd);
  if (a.txqlen !== undefined) w.attrU32(IFLA_TXQLEN, a.txqlen);
  if (a.alias !== undefined) w.attrString(IFLA_IFALIAS, a.alias);
}

const upFlags = (up: boolean | undefined) =>
  up === undefined ? { flags: 0, change: 0 } : { flags: up ? IFF_UP : 0, change: IFF_UP };

export interface NewLink extends LinkAttrs {
  name: string;
  kind: string;
  /** a fixed ifindex for the new link (0: the kernel picks) */
  index?: number;
  /** writes IFLA_INFO_DATA's contents for this kind */
  data?: (w: MessageWriter) => void;
}

/** RTM_NEWLINK creating a link; fails with EEXIST if the name is taken. */
export function newLinkRequest(spec: NewLink, what: string): Request {
  const w = ifinfomsg({ index: spec.index ?? 0, ...upFlags(spec.up) });
  writeLinkAttrs(w, spec);
  w.begin(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, spec.kind);
  if (spec.data) {
    w.begin(IFLA_INFO_DATA);
    spec.data(w);
    w.end();
  }
  w.end();
  return { type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, message: w.finish(), what };
}

/** RTM_NEWLINK changing an existing link, found by index. */
export function setLinkRequest(index: number, attrs: LinkAttrs, what: string): Request {
  const w = ifinfomsg({ index, ...upFlags(attrs.up) });
  writeLinkAttrs(w, attrs);
  return { type: RTM_NEWLINK, message: w.finish(), what };
}

export function deleteLinkRequest(index: number, what: string): Request {
  return { type: RTM_DELLINK, message: ifinfomsg({ index }).finish(), what };
}

function getLinkRequest(ref: { name: string } | { index: number }, what: string): Request {
  const w = ifinfomsg({ index: 'index' in ref ? ref.index : 0 });
  if ('name' in ref) w.attrString(IFLA_IFNAME, ref.name);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return { type: RTM_GETLINK, message: w.finish(), what };
}

/** One link by name or index; undefined if there is none. */
export function getLink(sock: NetlinkSocket, ref: { name: string } | { index: number }, where = ''): Link | undefined {
  const label = 'name' in ref ? ref.name : `#${ref.index}`;
  try {
    const replies = sock.request(getLinkRequest(ref, `looking up link ${label}${where}`));
    return replies.length ? decodeLink(replies[0]) : undefined;
  } catch (e) {
    if (isKernelError(e, 'ENODEV')) return undefined;
    throw e;
  }
}

export function listLinks(sock: NetlinkSocket, where = ''): Link[] {
  const w = ifinfomsg({ family: AF_UNSPEC });
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return sock.dump({ type: RTM_GETLINK, message: w.finish(), what: `listing links${where}` }).map(decodeLink);
}

/**
 * A kind the running kernel lacks answers EOPNOTSUPP "Unknown device type": say which kernel
 * feature is missing instead.
 */
export function explainMissingKind(e: unknown, kind: string, feature: string): unknown {
  if (isKernelError(e, 'EOPNOTSUPP') && (!e.extack || /Unknown device type/.test(e.extack))) {
    return new KernelError(e.errno, `${e.operation}: this kernel cannot create ${kind} interfaces (it lacks ${feature})`, e.extack);
  }
  return e;
}

export function isUp(link: Link): boolean {
  return (link.flags & IFF_UP) !== 0;
}

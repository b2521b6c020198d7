// RTM_*LINK messages: struct ifinfomsg followed by IFLA_* attributes.
import { type Attrs, parseAttrs } from '../attributes.js';
import {
  AF_UNSPEC, IFLA_ADDRESS, IFLA_CARRIER, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND,
  IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IFLA_PERM_ADDRESS,
} from '../constants.js';
import { NetlinkDecodeError } from '../errors.js';
import type { NetlinkMessage } from '../message.js';
import { MessageWriter } from '../writer.js';
import { formatMac } from '../../util/ip.js';

export const IFINFOMSG_LEN = 16;

export interface IfInfo {
  family?: number;
  /** ARPHRD_* */
  type?: number;
  index?: number;
  flags?: number;
  change?: number;
}

/** A new message: header space, then struct ifinfomsg. Attributes follow on the returned writer. */
export function ifinfomsg(info: IfInfo = {}): MessageWriter {
  return writeIfinfo(new MessageWriter(256).header(), info);
}

export function writeIfinfo(w: MessageWriter, info: IfInfo): MessageWriter {
  return w
    .u8(info.family ?? AF_UNSPEC)
    .u8(0)
    .u16(info.type ?? 0)
    .i32(info.index ?? 0)
    .u32(info.flags ?? 0)
    .u32(info.change ?? 0);
}

export interface Link {
  index: number;
  name: string;
  flags: number;
  type: number;
  mtu?: number;
  mac?: string;
  permMac?: string;
  master?: number;
  /** IFLA_LINK: the parent (vlan, macvlan) or, for a veth, the peer's ifindex */
  link?: number;
  /** IFLA_LINK_NETNSID: which namespace `link` is in, as seen from here */
  linkNetnsId?: number;
  kind?: string;
  slaveKind?: string;
  /** IFLA_INFO_DATA of the kind, for the kind's own decoder */
  infoData?: Attrs;
  operstate?: number;
  carrier?: number;
  alias?: string;
  attrs: Attrs;
}

export function decodeLink(msg: NetlinkMessage): Link {
  const p = msg.payload;
  if (p.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg of ${p.length} bytes`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const attrs = parseAttrs(p, IFINFOMSG_LEN);
  const info = attrs.nested(IFLA_LINKINFO);
  const address = attrs.raw(IFLA_ADDRESS);
  const perm = attrs.raw(IFLA_PERM_ADDRESS);
  return {
    type: v.getUint16(2, true),
    index: v.getInt32(4, true),
    flags: v.getUint32(8, true),
    name: attrs.str(IFLA_IFNAME) ?? '',
    mtu: attrs.u32(IFLA_MTU),
    mac: address && address.length === 6 ? formatMac(address) : undefined,
    permMac: perm && perm.length === 6 ? formatMac(perm) : undefined,
    master: attrs.u32(IFLA_MASTER),
    link: attrs.u32(IFLA_LINK),
    linkNetnsId: attrs.i32(IFLA_LINK_NETNSID),
    kind: info?.str(IFLA_INFO_KIND),
    slaveKind: info?.str(IFLA_INFO_SLAVE_KIND),
    infoData: info?.nested(IFLA_INFO_DATA),
    operstate: attrs.u8(IFLA_OPERSTATE),
    carrier: attrs.u8(IFLA_CARRIER),
    alias: attrs.str(IFLA_IFALIAS),
    attrs,
  };
}

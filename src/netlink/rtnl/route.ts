// RTM_*ROUTE messages: struct rtmsg followed by RTA_* attributes.
import { type Attrs, parseAttrs } from '../attributes.js';
import {
  RTA_DST, RTA_GATEWAY, RTA_IIF, RTA_METRICS, RTA_MULTIPATH, RTA_OIF, RTA_PREF, RTA_PREFSRC, RTA_PRIORITY, RTA_SRC, RTA_TABLE,
} from '../constants.js';
import { NetlinkDecodeError } from '../errors.js';
import type { NetlinkMessage } from '../message.js';
import { MessageWriter } from '../writer.js';
import type { Family } from '../../util/ip.js';
import { afToFamily } from './address.js';

export const RTMSG_LEN = 12;

const RTA_UID = 25;
// struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex; } followed by RTA_* attributes
const RTNEXTHOP_LEN = 8;

export interface RtMsg {
  af: number;
  dstLen?: number;
  srcLen?: number;
  tos?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  flags?: number;
}

export function rtmsg(r: RtMsg): MessageWriter {
  return new MessageWriter(128)
    .header()
    .u8(r.af)
    .u8(r.dstLen ?? 0)
    .u8(r.srcLen ?? 0)
    .u8(r.tos ?? 0)
    .u8(r.table ?? 0)
    .u8(r.protocol ?? 0)
    .u8(r.scope ?? 0)
    .u8(r.type ?? 0)
    .u32(r.flags ?? 0);
}

export interface Route {
  family: Family;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  dst?: Uint8Array;
  gateway?: Uint8Array;
  oif?: number;
  priority?: number;
  prefsrc?: Uint8Array;
}

/** One path of a multipath route (RTA_MULTIPATH). */
export interface Nexthop {
  gateway?: Uint8Array;
  oif: number;
  /** 1-256 (the kernel sends weight - 1) */
  weight: number;
  /** RTNH_F_* */
  flags: number;
}

/** A route with all the kernel says of it that `ip route show` / `ip route get` print. */
export interface RouteDetails extends Route {
  src?: Uint8Array;
  iif?: number;
  /** RTA_METRICS: RTAX_* type and value, in the kernel's order (the u32 ones) */
  metrics: [number, number][];
  /** IPv6 router preference (RTA_PREF) */
  pref?: number;
  /** RTA_UID, in the answer to a lookup */
  uid?: number;
  nexthops?: Nexthop[];
  /** the payload as received: a flush sends it back as RTM_DELROUTE, which matches exactly this route */
  raw: Uint8Array;
}

interface OpenRtmsg {
  family: Family;
  payload: Uint8Array;
  header: DataView;
  attrs: Attrs;
}

/** The rtmsg and attributes of an RTM_NEWROUTE; undefined for families other than IPv4 and IPv6. */
function openRtmsg(msg: NetlinkMessage): OpenRtmsg | undefined {
  const payload = msg.payload;
  if (payload.length < RTMSG_LEN) throw new NetlinkDecodeError(`rtmsg of ${payload.length} bytes`);
  const header = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const family = afToFamily(header.getUint8(0));
  if (!family) return undefined;
  return { family, payload, header, attrs: parseAttrs(payload, RTMSG_LEN) };
}

/** The route in an RTM_NEWROUTE; undefined for families other than IPv4 and IPv6. */
export function decodeRoute(msg: NetlinkMessage): Route | undefined {
  const m = openRtmsg(msg);
  return m && routeFields(m);
}

/** decodeRoute, and the rest of what ip prints: source prefix, iif, metrics, multipath, and the message itself. */
export function decodeRouteDetails(msg: NetlinkMessage): RouteDetails | undefined {
  const m = openRtmsg(msg);
  if (!m) return undefined;
  const { attrs } = m;
  return {
    ...routeFields(m),
    src: attrs.raw(RTA_SRC)?.slice(),
    iif: attrs.u32(RTA_IIF),
    metrics: decodeMetrics(attrs.nested(RTA_METRICS)),
    pref: attrs.u8(RTA_PREF),
    uid: attrs.u32(RTA_UID),
    nexthops: decodeMultipath(attrs.raw(RTA_MULTIPATH)),
    raw: m.payload.slice(),
  };
}

function routeFields({ family, header: v, attrs }: OpenRtmsg): Route {
  return {
    family,
    dstLen: v.getUint8(1),
    srcLen: v.getUint8(2),
    tos: v.getUint8(3),
    table: attrs.u32(RTA_TABLE) ?? v.getUint8(4),
    protocol: v.getUint8(5),
    scope: v.getUint8(6),
    type: v.getUint8(7),
    flags: v.getUint32(8, true),
    dst: attrs.raw(RTA_DST)?.slice(),
    gateway: attrs.raw(RTA_GATEWAY)?.slice(),
    oif: attrs.u32(RTA_OIF),
    priority: attrs.u32(RTA_PRIORITY),
    prefsrc: attrs.raw(RTA_PREFSRC)?.slice(),
  };
}

function decodeMetrics(a: Attrs | undefined): [number, number][] {
  const out: [number, number][] = [];
  for (const { type, data } of a?.list ?? []) {
    if (data.length >= 4) out.push([type, new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true)]);
  }
  return out;
}

function decodeMultipath(raw: Uint8Array | undefined): Nexthop[] | undefined {
  if (!raw) return undefined;
  const out: Nexthop[] = [];
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let off = 0;
  while (off + RTNEXTHOP_LEN <= raw.length) {
    const len = v.getUint16(off, true);
    if (len < RTNEXTHOP_LEN || off + len > raw.length) throw new NetlinkDecodeError(`rtnexthop of length ${len}`);
    const a = parseAttrs(raw, off + RTNEXTHOP_LEN, off + len);
    out.push({ flags: v.getUint8(off + 2), weight: v.getUint8(off + 3) + 1, oif: v.getInt32(off + 4, true), gateway: a.raw(RTA_GATEWAY)?.slice() });
    off += (len + 3) & ~3;
  }
  return out;
}

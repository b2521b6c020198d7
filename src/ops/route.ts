// Routes: the full RTM_*ROUTE vocabulary the CLI's `route` command and the wiring need.
import {
  AF_UNSPEC, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTAX_MTU, RTA_DST, RTA_GATEWAY, RTA_METRICS, RTA_OIF, RTA_PREFSRC,
  RTA_IIF, RTA_MARK, RTA_PRIORITY, RTA_SRC, RTA_TABLE, RTM_DELROUTE, RTM_GETROUTE, RTM_NEWROUTE, RTNH_F_ONLINK, RTN_ANYCAST, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_UNICAST,
  RTPROT_BOOT, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RT_TABLE_UNSPEC,
} from '../netlink/constants.js';
import { familyToAf } from '../netlink/rtnl/address.js';
import { decodeRoute, type Route, type RouteDetails, rtmsg } from '../netlink/rtnl/route.js';
import { isKernelError } from '../netlink/errors.js';
import type { NetlinkSocket, Request } from '../netlink/session.js';
import { MessageWriter } from '../netlink/writer.js';
import type { Cidr, Family } from '../util/ip.js';

export type { Route };

export interface RouteSpec {
  family: Family;
  /** destination; undefined means the default route (0/0) */
  dst?: Cidr;
  src?: Cidr;
  gateway?: Uint8Array;
  oif?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  /** RTN_* (unicast when not given) */
  type?: number;
  metric?: number;
  prefsrc?: Uint8Array;
  /** the gateway is on the link even if no prefix says so */
  onlink?: boolean;
  mtu?: number;
}

/** change: replace an existing route only; prepend: create, before existing routes of the same key. */
export type RouteOp = 'add' | 'replace' | 'append' | 'delete' | 'change' | 'prepend';

const opFlags: Record<RouteOp, number> = {
  add: NLM_F_CREATE | NLM_F_EXCL,
  replace: NLM_F_CREATE | NLM_F_REPLACE,
  append: NLM_F_CREATE | NLM_F_APPEND,
  delete: 0,
  change: NLM_F_REPLACE,
  prepend: NLM_F_CREATE,
};

/** The scope iproute2 would pick (IPv4): host for local routes, link for broadcast/anycast/multicast and gateway-less unicast routes. */
function defaultScope(op: RouteOp, spec: RouteSpec): number {
  if (op === 'delete') return RT_SCOPE_NOWHERE;
  // IPv6 routes have no scope (the kernel ignores the field); iproute2 sends universe.
  if (spec.family === 6) return RT_SCOPE_UNIVERSE;
  const type = spec.type ?? RTN_UNICAST;
  if (type === RTN_LOCAL) return RT_SCOPE_HOST;
  if (type === RTN_BROADCAST || type === RTN_ANYCAST || type === RTN_MULTICAST) return RT_SCOPE_LINK;
  if (type === RTN_UNICAST && !spec.gateway && spec.oif !== undefined) return RT_SCOPE_LINK;
  return RT_SCOPE_UNIVERSE;
}

export function routeRequest(op: RouteOp, spec: RouteSpec, what: string): Request {
  const table = spec.table ?? RT_TABLE_MAIN;
  const w = rtmsg({
    af: familyToAf(spec.family),
    dstLen: spec.dst?.prefix ?? 0,
    srcLen: spec.src?.prefix ?? 0,
    table: table < 256 ? table : RT_TABLE_UNSPEC,
    protocol: op === 'delete' ? (spec.protocol ?? 0) : (spec.protocol ?? RTPROT_BOOT),
    scope: spec.scope ?? defaultScope(op, spec),
    type: op === 'delete' && spec.type === undefined ? 0 : (spec.type ?? RTN_UNICAST),
    flags: spec.onlink ? RTNH_F_ONLINK : 0,
  });
  if (spec.dst && spec.dst.prefix > 0) w.attr(RTA_DST, spec.dst.bytes);
  if (spec.src && spec.src.prefix > 0) w.attr(RTA_SRC, spec.src.bytes);
  if (table >= 256) w.attrU32(RTA_TABLE, table);
  if (spec.gateway) w.attr(RTA_GATEWAY, spec.gateway);
  if (spec.oif !== undefined) w.attrU32(RTA_OIF, spec.oif);
  if (spec.metric !== undefined) w.attrU32(RTA_PRIORITY, spec.metric);
  if (spec.prefsrc) w.attr(RTA_PREFSRC, spec.prefsrc);
  if (spec.mtu !== undefined) w.nest(RTA_METRICS, (m) => m.attrU32(RTAX_MTU, spec.mtu!));
  const type = op === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE;
  return { type, flags: opFlags[op], message: w.finish(), what };
}

/**
 * RTM_GETROUTE dump of one family. A table given goes to the kernel as a filter (strict checking):
 * it then dumps that table only.
 */
export function routeDumpRequest(family: Family | undefined, table: number | undefined, what: string): Request {
  const w = rtmsg({ af: family === undefined ? AF_UNSPEC : familyToAf(family), table: table !== undefined && table < 256 ? table : RT_TABLE_UNSPEC });
  if (table !== undefined && table >= 256) w.attrU32(RTA_TABLE, table);
  return { type: RTM_GETROUTE, message: w.finish(), what };
}

/** RTM_DELROUTE for exactly a route that was dumped: its own message sent back, as iproute2's flush does. */
export function deleteDumpedRouteRequest(route: RouteDetails, what: string): Request {
  const w = new MessageWriter(16 + route.raw.length).header().bytes(route.raw);
  return { type: RTM_DELROUTE, message: w.finish(), what };
}

/**
 * Routes of one family, filtered by table in the kernel when given (strict checking). A table that does
 * not exist yet (IPv4 main in a namespace whose loopback never came up) holds no routes: the kernel
 * answers a filtered dump of it with ENOENT, which is an empty list, as iproute2 shows it.
 */
export function listRoutes(sock: NetlinkSocket, filter: { family?: Family; table?: number }, where = ''): Route[] {
  let found;
  try {
    found = sock.dump(routeDumpRequest(filter.family, filter.table, `listing ${filter.family ? `IPv${filter.family} ` : ''}routes${where}`));
  } catch (e) {
    if (filter.table !== undefined && isKernelError(e, 'ENOENT')) return [];
    throw e;
  }
  const out: Route[] = [];
  for (const m of found) {
    const r = decodeRoute(m);
    if (r && (filter.table === undefined || r.table === filter.table)) out.push(r);
  }
  return out;
}

/** The default routes (0/0) of the main table; of both IP families in one dump when no family is given. */
export function defaultRoutes(sock: NetlinkSocket, family: Family | undefined, where = ''): Route[] {
  return listRoutes(sock, { family, table: RT_TABLE_MAIN }, where).filter((r) => r.dstLen === 0 && r.type === RTN_UNICAST && (r.family === 4 || r.family === 6));
}

/** What `ip route get` asks: the route the kernel would use for a packet to `to`. */
export interface RouteQuery {
  family: Family;
  to: Uint8Array;
  from?: Uint8Array;
  /** as if received on this interface (ifindex) */
  iif?: number;
  /** as if sent out of this interface (ifindex) */
  oif?: number;
  mark?: number;
}

const RTM_F_LOOKUP_TABLE = 0x1000;

/** RTM_GETROUTE for one destination; the reply is one RTM_NEWROUTE (decode it with decodeRoute). */
export function routeGetRequest(q: RouteQuery, what: string): Request {
  const full = q.family === 4 ? 32 : 128;
  // IPv4 reports the table a lookup used only when asked (IPv6 always does), as iproute2 asks.
  const w = rtmsg({ af: familyToAf(q.family), dstLen: full, srcLen: q.from ? full : 0, flags: q.family === 4 ? RTM_F_LOOKUP_TABLE : 0 });
  w.attr(RTA_DST, q.to);
  if (q.from) w.attr(RTA_SRC, q.from);
  if (q.iif !== undefined) w.attrU32(RTA_IIF, q.iif);
  if (q.oif !== undefined) w.attrU32(RTA_OIF, q.oif);
  if (q.mark !== undefined) w.attrU32(RTA_MARK, q.mark);
  return { type: RTM_GETROUTE, message: w.finish(), what };
}

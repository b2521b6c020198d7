// Printing routes and rules the way `ip route show` / `ip rule show` do (text, and the JSON of `ip -j`),
// and the selectors of `ip route show|flush` applied to decoded routes.
import { RTN_UNICAST, RTPROT_BOOT, RTPROT_KERNEL, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN } from '../netlink/constants.js';
import { decodeRouteDetails, type RouteDetails } from '../netlink/rtnl/route.js';
import { type Cidr, type Family, equalBytes, formatIp, networkOf } from '../util/ip.js';
import type { PrefixMatch, RouteSelector } from '../grammar/route.js';
import { protocolName, routeTypeName, scopeName, tableName } from '../grammar/names.js';
import {
  FIB_RULE_IIF_DETACHED, FIB_RULE_INVERT, FIB_RULE_OIF_DETACHED, FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT,
  FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, type Rule, type RuleSpec,
} from '../ops/rule.js';

const RTM_F_CLONED = 0x200;
const RTNH_FLAGS: [number, string][] = [
  [1, 'dead'],
  [4, 'onlink'],
  [2, 'pervasive'],
  [8, 'offload'],
  [64, 'trap'],
  [16, 'linkdown'],
  [32, 'unresolved'],
];
const METRIC_NAMES: Record<number, string> = {
  2: 'mtu', 3: 'window', 4: 'rtt', 5: 'rttvar', 6: 'ssthresh', 7: 'cwnd', 8: 'advmss', 9: 'reordering', 10: 'hoplimit',
  11: 'initcwnd', 12: 'features', 13: 'rto_min', 14: 'initrwnd', 15: 'quickack', 17: 'fastopen_no_cookie',
};
const PREF_NAMES: Record<number, string> = { 0: 'medium', 1: 'high', 3: 'low' };

/** A route with everything `ip route show` prints: the codec's full decode. */
export type ShownRoute = RouteDetails;
export const decodeShownRoute = decodeRouteDetails;

/** The metrics under the names ip prints them with; the others (lock bits, congctl) are left out. */
function namedMetrics(r: ShownRoute): [string, number][] {
  return r.metrics.flatMap(([type, value]): [string, number][] => (METRIC_NAMES[type] ? [[METRIC_NAMES[type], value]] : []));
}

export function isCloned(r: ShownRoute): boolean {
  return (r.flags & RTM_F_CLONED) !== 0;
}

function prefixMatches(sel: { mode: PrefixMatch; cidr: Cidr }, bytes: Uint8Array | undefined, len: number, family: Family): boolean {
  if (sel.cidr.family !== family) return false;
  const addr = bytes ?? new Uint8Array(family === 4 ? 4 : 16);
  const p = sel.cidr.prefix;
  if (sel.mode === 'exact') return len === p && equalBytes(networkOf({ family, bytes: addr, prefix: len }), networkOf(sel.cidr));
  if (sel.mode === 'root') return len >= p && equalBytes(networkOf({ family, bytes: addr, prefix: p }), networkOf(sel.cidr));
  // match: routes whose prefix covers the selector's
  return len <= p && equalBytes(networkOf({ family, bytes: addr, prefix: len }), networkOf({ ...sel.cidr, prefix: len }));
}

/** Whether a route passes `ip route show` selectors (dev already resolved to an index). */
export function routeMatches(r: ShownRoute, sel: RouteSelector, devIndex?: number): boolean {
  if (sel.table !== 'all' && r.table !== sel.table) return false;
  if (devIndex !== undefined && r.oif !== devIndex && !r.nexthops?.some((n) => n.oif === devIndex)) return false;
  if (sel.protocol !== undefined && r.protocol !== sel.protocol) return false;
  if (sel.scope !== undefined && r.scope !== sel.scope) return false;
  if (sel.type !== undefined && r.type !== sel.type) return false;
  if (sel.metric !== undefined && (r.priority ?? 0) !== sel.metric) return false;
  if (sel.to && !prefixMatches(sel.to, r.dst, r.dstLen, r.family)) return false;
  if (sel.from && !prefixMatches(sel.from, r.src, r.srcLen, r.family)) return false;
  if (sel.via && !(r.gateway && equalBytes(r.gateway, sel.via.bytes)) && !r.nexthops?.some((n) => n.gateway && equalBytes(n.gateway, sel.via!.bytes))) return false;
  if (sel.src && !(r.prefsrc && equalBytes(r.prefsrc, sel.src.bytes))) return false;
  return true;
}

/** What the show output leaves out because the selector fixed it (as iproute2 does). */
export interface RouteOmit {
  dev?: boolean;
  protocol?: boolean;
  scope?: boolean;
  table?: boolean;
  via?: boolean;
  src?: boolean;
  metric?: boolean;
}

function dstText(r: ShownRoute): string {
  if (r.dstLen === 0) return 'default';
  const a = formatIp(r.dst ?? new Uint8Array(r.family === 4 ? 4 : 16));
  return r.dstLen === (r.family === 4 ? 32 : 128) ? a : `${a}/${r.dstLen}`;
}

// RTCF_* (linux/in_route.h) in the flags of a route lookup's answer
const CACHE_FLAGS: [number, string][] = [
  [0x80000000, 'local'],
  [0x10000000, 'brd'],
  [0x20000000, 'mc'],
];
function cacheFlags(flags: number): string[] {
  return CACHE_FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
}

function flagNames(flags: number): string[] {
  return RTNH_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n);
}

type Names = Map<number, string>;
const devName = (names: Names, i: number) => names.get(i) ?? `if${i}`;

export function routeText(r: ShownRoute, names: Names, omit: RouteOmit = {}, get = false): string {
  const p: string[] = [];
  if (r.type !== RTN_UNICAST) p.push(routeTypeName(r.type));
  p.push(dstText(r));
  if (get && r.src) p.push(`from ${formatIp(r.src)}`);
  else if (r.srcLen) p.push(`from ${formatIp(r.src!)}/${r.srcLen}`);
  if (r.gateway && !omit.via) p.push(`via ${formatIp(r.gateway)}`);
  if (r.oif !== undefined && !omit.dev) p.push(`dev ${devName(names, r.oif)}`);
  if (r.table !== RT_TABLE_MAIN && !omit.table && !(get && r.table === 0)) p.push(`table ${tableName(r.table)}`);
  if (!get && r.protocol !== RTPROT_BOOT && !omit.protocol) p.push(`proto ${protocolName(r.protocol)}`);
  if (!get && r.scope !== RT_SCOPE_UNIVERSE && !omit.scope) p.push(`scope ${scopeName(r.scope)}`);
  if (r.prefsrc && !omit.src) p.push(`src ${formatIp(r.prefsrc)}`);
  if (r.priority !== undefined && !omit.metric) p.push(`metric ${r.priority}`);
  p.push(...flagNames(r.flags));
  if (get && r.uid !== undefined) p.push(`uid ${r.uid}`);
  for (const [k, v] of namedMetrics(r)) p.push(`${k} ${v}`);
  if (r.pref !== undefined) p.push(`pref ${PREF_NAMES[r.pref] ?? r.pref}`);
  let s = p.join(' ');
  for (const nh of r.nexthops ?? []) {
    s += `\n\tnexthop${nh.gateway ? ` via ${formatIp(nh.gateway)}` : ''} dev ${devName(names, nh.oif)} weight ${nh.weight}`;
    const f = flagNames(nh.flags);
    if (f.length) s += ` ${f.join(' ')}`;
  }
  // an IPv4 lookup answers with a cache entry (RTM_F_CLONED), which ip shows on a line of its own
  if (get && isCloned(r) && r.family === 4) {
    const c = cacheFlags(r.flags);
    s += `\n    cache${c.length ? ` <${c.join(',')}>` : ''}`;
  }
  return s;
}

export function routeJson(r: ShownRoute, names: Names, omit: RouteOmit = {}, get = false): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (r.type !== RTN_UNICAST) o.type = routeTypeName(r.type);
  o.dst = dstText(r);
  if (get && r.src) o.from = formatIp(r.src);
  else if (r.srcLen) o.from = `${formatIp(r.src!)}/${r.srcLen}`;
  if (r.gateway && !omit.via) o.gateway = formatIp(r.gateway);
  if (r.oif !== undefined && !omit.dev) o.dev = devName(names, r.oif);
  if (r.table !== RT_TABLE_MAIN && !omit.table && !(get && r.table === 0)) o.table = tableName(r.table);
  if (!get && r.protocol !== RTPROT_BOOT && !omit.protocol) o.protocol = protocolName(r.protocol);
  if (!get && r.scope !== RT_SCOPE_UNIVERSE && !omit.scope) o.scope = scopeName(r.scope);
  if (r.prefsrc && !omit.src) o.prefsrc = formatIp(r.prefsrc);
  if (r.priority !== undefined && !omit.metric) o.metric = r.priority;
  o.flags = flagNames(r.flags);
  if (get && r.uid !== undefined) o.uid = r.uid;
  const metrics = namedMetrics(r);
  if (metrics.length) o.metrics = [Object.fromEntries(metrics)];
  if (r.pref !== undefined) o.pref = PREF_NAMES[r.pref] ?? r.pref;
  if (r.nexthops) {
    o.nexthops = r.nexthops.map((nh) => ({
      ...(nh.gateway ? { gateway: formatIp(nh.gateway) } : {}),
      dev: devName(names, nh.oif),
      weight: nh.weight,
      flags: flagNames(nh.flags),
    }));
  }
  if (get && isCloned(r) && r.family === 4) o.cache = cacheFlags(r.flags);
  return o;
}

// ---- rules ----

const hostLen = (f: Family) => (f === 4 ? 32 : 128);

function ruleAddr(bytes: Uint8Array | undefined, len: number, family: Family): string | undefined {
  if (!bytes || (len === 0 && bytes.every((b) => b === 0))) return undefined;
  const a = formatIp(bytes);
  return len === hostLen(family) ? a : `${a}/${len}`;
}

/** Whether a rule equals every field the filter gives. */
export function ruleMatches(r: Rule, f: Partial<Omit<RuleSpec, 'family'>>): boolean {
  // A prefix selects the rules whose prefix lies within it (as ip rule show does).
  const prefixEq = (c: Cidr | undefined, bytes: Uint8Array | undefined, len: number) =>
    c === undefined || (len >= c.prefix && bytes !== undefined && equalBytes(networkOf({ family: c.family, bytes, prefix: c.prefix }), networkOf(c)));
  if (!prefixEq(f.src, r.src, r.srcLen) || !prefixEq(f.dst, r.dst, r.dstLen)) return false;
  if (f.priority !== undefined && r.priority !== f.priority) return false;
  if (f.table !== undefined && r.table !== f.table) return false;
  if (f.action !== undefined && r.action !== f.action) return false;
  if (f.goto !== undefined && r.goto !== f.goto) return false;
  if (f.iif !== undefined && r.iif !== f.iif) return false;
  if (f.oif !== undefined && r.oif !== f.oif) return false;
  if (f.fwmark !== undefined && (r.fwmark ?? 0) !== f.fwmark) return false;
  if (f.fwmask !== undefined && (r.fwmask ?? 0xffffffff) !== f.fwmask) return false;
  if (f.tos !== undefined && r.tos !== f.tos) return false;
  if (f.protocol !== undefined && (r.protocol ?? 0) !== f.protocol) return false;
  if (f.invert !== undefined && ((r.flags & FIB_RULE_INVERT) !== 0) !== f.invert) return false;
  if (f.suppressPrefixlen !== undefined && r.suppressPrefixlen !== f.suppressPrefixlen) return false;
  return true;
}

const ACTION_NAMES: Record<number, string> = {
  [FR_ACT_BLACKHOLE]: 'blackhole',
  [FR_ACT_UNREACHABLE]: 'unreachable',
  [FR_ACT_PROHIBIT]: 'prohibit',
};

const hex = (n: number) => `0x${n.toString(16)}`;
/** The fwmark mask when it selects some bits only: ip leaves out the full mask. */
const partialMask = (r: Rule) => (r.fwmask !== undefined && r.fwmask !== 0xffffffff ? r.fwmask : undefined);
const showProto = (p: number | undefined) => p !== undefined && p !== 0 && p !== RTPROT_KERNEL;

export function ruleText(r: Rule): string {
  const p: string[] = [`${r.priority}:\t${r.flags & FIB_RULE_INVERT ? 'not ' : ''}from ${ruleAddr(r.src, r.srcLen, r.family) ?? 'all'}`];
  const dst = ruleAddr(r.dst, r.dstLen, r.family);
  if (dst) p.push(`to ${dst}`);
  if (r.tos) p.push(`tos ${hex(r.tos)}`);
  const mask = partialMask(r);
  if (r.fwmark || mask !== undefined) p.push(`fwmark ${hex(r.fwmark ?? 0)}${mask !== undefined ? `/${hex(mask)}` : ''}`);
  if (r.iif !== undefined) p.push(`iif ${r.iif}${r.flags & FIB_RULE_IIF_DETACHED ? ' [detached]' : ''}`);
  if (r.oif !== undefined) p.push(`oif ${r.oif}${r.flags & FIB_RULE_OIF_DETACHED ? ' [detached]' : ''}`);
  if (r.action === FR_ACT_TO_TBL) p.push(`lookup ${tableName(r.table)}`);
  else if (r.action === FR_ACT_GOTO) p.push(`goto ${r.goto ?? 'none'}`);
  else if (r.action === FR_ACT_NOP) p.push('nop');
  else p.push(ACTION_NAMES[r.action] ?? `action ${r.action}`);
  if (r.suppressPrefixlen !== undefined) p.push(`suppress_prefixlength ${r.suppressPrefixlen}`);
  if (showProto(r.protocol)) p.push(`proto ${protocolName(r.protocol!)}`);
  return p.join(' ');
}

export function ruleJson(r: Rule): Record<string, unknown> {
  const o: Record<string, unknown> = { priority: r.priority };
  if (r.flags & FIB_RULE_INVERT) o.not = null;
  const src = ruleAddr(r.src, r.srcLen, r.family);
  if (src === undefined) o.src = 'all';
  else {
    o.src = formatIp(r.src!);
    if (r.srcLen !== hostLen(r.family)) o.srclen = r.srcLen;
  }
  if (ruleAddr(r.dst, r.dstLen, r.family) !== undefined) {
    o.dst = formatIp(r.dst!);
    if (r.dstLen !== hostLen(r.family)) o.dstlen = r.dstLen;
  }
  if (r.tos) o.tos = hex(r.tos);
  const mask = partialMask(r);
  if (r.fwmark || mask !== undefined) {
    o.fwmark = hex(r.fwmark ?? 0);
    if (mask !== undefined) o.fwmask = hex(mask);
  }
  if (r.iif !== undefined) {
    o.iif = r.iif;
    if (r.flags & FIB_RULE_IIF_DETACHED) o.iif_detached = null;
  }
  if (r.oif !== undefined) {
    o.oif = r.oif;
    if (r.flags & FIB_RULE_OIF_DETACHED) o.oif_detached = null;
  }
  if (r.action === FR_ACT_TO_TBL) o.table = tableName(r.table);
  else if (r.action === FR_ACT_GOTO) o.goto = r.goto;
  else if (r.action === FR_ACT_NOP) o.nop = null;
  else o.action = ACTION_NAMES[r.action] ?? r.action;
  if (r.suppressPrefixlen !== undefined) o.suppress_prefixlen = r.suppressPrefixlen;
  if (showProto(r.protocol)) o.protocol = protocolName(r.protocol!);
  return o;
}

// The names iproute2 gives to routing tables, route protocols, scopes and route types, both ways.
// Numbers from linux/rtnetlink.h. Tables: only the kernel's own names (main, local, default);
// site-specific names from /etc/iproute2/rt_tables belong to the host, not to a guest, and are
// not read: use the number.
import { InputError } from '../util/errors.js';
import { parseUint } from './common.js';

const TABLES: Record<string, number> = { unspec: 0, default: 253, main: 254, local: 255 };

const PROTOCOLS: Record<string, number> = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
  dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, mrouted: 17, keepalived: 18, babel: 42, openr: 99, bgp: 186,
  isis: 187, ospf: 188, rip: 189, eigrp: 192,
};

const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const SCOPE_NAMES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

export const ROUTE_TYPES: Record<string, number> = {
  unspec: 0, unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7,
  prohibit: 8, throw: 9, nat: 10, xresolve: 11,
};

function reverse(m: Record<string, number>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(m)) if (!out.has(v)) out.set(v, k);
  return out;
}
const TABLE_NAMES = reverse(TABLES);
const PROTOCOL_NAMES = reverse(PROTOCOLS);
const TYPE_NAMES = reverse(ROUTE_TYPES);

function lookup(map: Record<string, number>, text: string, tool: string, what: string, max: number, hint: string): number {
  if (Object.prototype.hasOwnProperty.call(map, text)) return map[text];
  if (/^\d/.test(text)) return parseUint(text, tool, what, max);
  throw new InputError(`${tool}: unknown ${what} "${text}"`, hint);
}

export function parseTable(text: string, tool: string): number {
  return lookup(TABLES, text, tool, 'table', 0xffffffff, 'use main, local, default or a table number (names from rt_tables are not read)');
}

export function parseProtocol(text: string, tool: string): number {
  return lookup(PROTOCOLS, text, tool, 'protocol', 255, `use a number 0-255 or one of ${Object.keys(PROTOCOLS).join(', ')}`);
}

export function parseScope(text: string, tool: string): number {
  return lookup(SCOPES, text, tool, 'scope', 255, 'use global, site, link, host or a number 0-255');
}

export function tableName(n: number): string {
  return TABLE_NAMES.get(n) ?? String(n);
}
export function protocolName(n: number): string {
  return PROTOCOL_NAMES.get(n) ?? String(n);
}
export function scopeName(n: number): string {
  return SCOPE_NAMES[n] ?? String(n);
}
export function routeTypeName(n: number): string {
  return TYPE_NAMES.get(n) ?? String(n);
}

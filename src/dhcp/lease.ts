// A lease as data (JSON-friendly: addresses as text), how it is read out of a DHCPACK, and the
// plan that applies it to an interface: pure functions, no I/O. The plan is what lease
// application, renewal (a diff of two plans), expiry and release (the plan undone) all work from.
import { broadcastOf, formatIp, formatMac, inSubnet, networkOf, parseIpv4 } from '../util/ip.js';
import { badDestination, checkAddress, checkLeaseTime, LeaseRefusedError, notUnicast, usableHosts } from './lease-checks.js';
import type { DhcpMessage } from './message.js';

export interface LeaseRoute {
  /** destination network, e.g. "10.90.0.0" ("0.0.0.0" with prefix 0 for the default route) */
  dst: string;
  prefix: number;
  /** router; undefined for a route straight onto the link (option 121 router 0.0.0.0) */
  gateway?: string;
}

export interface Lease {
  ifname: string;
  /** hardware address the lease is bound to */
  mac: string;
  address: string;
  prefix: number;
  /** from option 28, else computed from address and prefix */
  broadcast?: string;
  serverId: string;
  /**
   * link-layer source of the DHCPACK (the server, or the relay agent that forwarded it): where a
   * DHCPRELEASE is sent without asking ARP first. Absent in lease files written before it was kept.
   */
  serverMac?: string;
  /** option 3, in server order */
  routers: string[];
  /** option 121, in server order */
  classlessRoutes: LeaseRoute[];
  dnsServers: string[];
  domainName?: string;
  /** option 12 as the server sent it back, if it did */
  hostname?: string;
  mtu?: number;
  /** seconds; undefined: infinite */
  leaseTime?: number;
  /** seconds after `acquiredAt` */
  renewalTime?: number;
  rebindingTime?: number;
  /** wall-clock ms (Date.now()) when the REQUEST that got this lease was sent: the lease's start */
  acquiredAt: number;
  /** what was refused or clamped in the server's answer (lease-checks.ts) */
  notes?: string[];
}

/** Natural (classful) mask length, the fallback when a server sends no option 1. */
function classfulPrefix(a: Uint8Array): number {
  if (a[0] < 128) return 8;
  if (a[0] < 192) return 16;
  return 24;
}

/** Prefix length of a contiguous netmask; undefined when the mask has holes. */
export function maskToPrefix(mask: Uint8Array): number | undefined {
  let prefix = 0;
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if (byte & (1 << bit)) {
        if (seenZero) return undefined;
        prefix++;
      } else seenZero = true;
    }
  }
  return prefix;
}

/** The lease a DHCPACK grants; the reasons it cannot be used are thrown as plain text errors. */
export function leaseFromAck(
  ack: DhcpMessage,
  ctx: { ifname: string; mac: string; requestSentAt: number; serverId?: Uint8Array; serverMac?: Uint8Array },
): Lease {
  const o = ack.options;
  const addr = ack.yiaddr;
  if (addr.every((x) => x === 0)) throw new LeaseRefusedError('DHCPACK without an address (yiaddr 0.0.0.0)');
  const serverId = o.serverId ?? ctx.serverId;
  if (!serverId) throw new LeaseRefusedError('DHCPACK without a server identifier (option 54)');
  let prefix = o.subnetMask ? maskToPrefix(o.subnetMask) : classfulPrefix(addr);
  if (prefix === undefined) throw new LeaseRefusedError(`DHCPACK with a non-contiguous subnet mask ${formatIp(o.subnetMask!)}`);
  if (prefix === 0) prefix = 32;
  checkAddress(addr, prefix, serverId);
  const notes: string[] = [];
  const lease = checkLeaseTime(o.leaseTime, notes);
  let t1 = o.renewalTime;
  let t2 = o.rebindingTime;
  if (lease !== undefined) {
    // RFC 2131 section 4.4.5 defaults; values that break T1 <= T2 <= lease are replaced by them.
    if (t2 === undefined || t2 > lease) t2 = Math.floor(lease * 0.875);
    if (t1 === undefined || t1 > t2) t1 = Math.min(Math.floor(lease * 0.5), t2);
  } else {
    t1 = undefined;
    t2 = undefined;
  }
  let mtu = o.mtu;
  if (mtu !== undefined && mtu < 68) {
    notes.push(`ignored MTU ${mtu}: below the IPv4 minimum of 68`);
    mtu = undefined;
  }
  const subnet = { family: 4 as const, bytes: addr, prefix };
  let broadcast = o.broadcastAddress ? formatIp(o.broadcastAddress) : undefined;
  const ownBroadcast = broadcastOf(subnet);
  if (broadcast !== undefined && (ownBroadcast === undefined || broadcast !== formatIp(ownBroadcast))) {
    notes.push(`ignored broadcast address ${broadcast}: not the broadcast address of ${formatIp(addr)}/${prefix}`);
    broadcast = undefined;
  }
  const routes: LeaseRoute[] = [];
  for (const r of o.classlessRoutes ?? []) {
    const label = `route ${formatIp(r.dst)}/${r.prefix}`;
    const badDst = badDestination(r.dst, r.prefix);
    const onLink = r.gateway.every((x) => x === 0);
    const badGw = onLink ? undefined : notUnicast(r.gateway);
    if (badDst) notes.push(`ignored ${label}: ${badDst}`);
    else if (badGw) notes.push(`ignored ${label} via ${formatIp(r.gateway)}: the router is ${badGw}`);
    else routes.push({ dst: formatIp(r.dst), prefix: r.prefix, gateway: onLink ? undefined : formatIp(r.gateway) });
  }
  return {
    ifname: ctx.ifname,
    mac: ctx.mac,
    address: formatIp(addr),
    prefix,
    broadcast,
    serverId: formatIp(serverId),
    ...(ctx.serverMac && ctx.serverMac.length > 0 ? { serverMac: formatMac(ctx.serverMac) } : {}),
    routers: usableHosts(o.routers ?? [], 'router', notes, addr).map(formatIp),
    classlessRoutes: routes,
    dnsServers: usableHosts(o.dnsServers ?? [], 'DNS server', notes).map(formatIp),
    domainName: o.domainName || undefined,
    hostname: o.hostname || undefined,
    mtu,
    leaseTime: lease,
    renewalTime: t1,
    rebindingTime: t2,
    acquiredAt: ctx.requestSentAt,
    ...(notes.length ? { notes } : {}),
  };
}

/** Wall-clock times (ms) of T1, T2 and expiry; undefined for an infinite lease. */
export function leaseTimes(l: Lease): { renewAt: number; rebindAt: number; expiresAt: number } | undefined {
  if (l.leaseTime === undefined) return undefined;
  return {
    renewAt: l.acquiredAt + (l.renewalTime ?? l.leaseTime * 0.5) * 1000,
    rebindAt: l.acquiredAt + (l.rebindingTime ?? l.leaseTime * 0.875) * 1000,
    expiresAt: l.acquiredAt + l.leaseTime * 1000,
  };
}

// ---- the plan ----

export type LeaseStep =
  | { kind: 'mtu'; mtu: number; previous: number }
  | { kind: 'address'; address: string; prefix: number; broadcast?: string }
  | { kind: 'route'; dst: string; prefix: number; gateway?: string; onlink: boolean };

export interface PlanOptions {
  /** the interface's MTU before the lease (restored when the lease goes) */
  currentMtu?: number;
  /** apply option 26 (default true) */
  applyMtu?: boolean;
  /** install routes (option 121, else a default route from option 3); default true */
  applyRoutes?: boolean;
}

/**
 * What applying a lease means, in order: MTU, address, then routes. Option 121 wins over option 3
 * (RFC 3442: a client that receives both MUST ignore the routers). Routes straight onto the link
 * come before routes through a gateway; a gateway outside the leased subnet is marked on-link.
 */
export function leasePlan(l: Lease, opts: PlanOptions = {}): LeaseStep[] {
  const steps: LeaseStep[] = [];
  if ((opts.applyMtu ?? true) && l.mtu !== undefined && opts.currentMtu !== undefined && l.mtu !== opts.currentMtu) {
    steps.push({ kind: 'mtu', mtu: l.mtu, previous: opts.currentMtu });
  }
  steps.push({ kind: 'address', address: l.address, prefix: l.prefix, broadcast: l.broadcast });
  if (opts.applyRoutes ?? true) {
    const subnet = { family: 4 as const, bytes: parseIpv4(l.address)!, prefix: l.prefix };
    const own = formatIp(networkOf(subnet));
    const routes: LeaseRoute[] =
      l.classlessRoutes.length > 0 ? l.classlessRoutes : l.routers.length > 0 ? [{ dst: '0.0.0.0', prefix: 0, gateway: l.routers[0] }] : [];
    const seen = new Set<string>();
    const direct: LeaseStep[] = [];
    const via: LeaseStep[] = [];
    for (const r of routes) {
      const key = `${r.dst}/${r.prefix}`;
      if (seen.has(key)) continue; // the kernel keeps one route per destination and metric
      seen.add(key);
      if (!r.gateway) {
        // the subnet route already exists with the address
        if (r.prefix === l.prefix && r.dst === own) continue;
        direct.push({ kind: 'route', dst: r.dst, prefix: r.prefix, onlink: false });
      } else {
        const gw = parseIpv4(r.gateway)!;
        const onlink = !inSubnet({ family: 4, bytes: gw }, subnet);
        via.push({ kind: 'route', dst: r.dst, prefix: r.prefix, gateway: r.gateway, onlink });
      }
    }
    steps.push(...direct, ...via);
  }
  return steps;
}

export function stepKey(s: LeaseStep): string {
  switch (s.kind) {
    case 'mtu':
      return `mtu ${s.mtu}`;
    case 'address':
      return `address ${s.address}/${s.prefix} brd ${s.broadcast ?? ''}`;
    case 'route':
      return `route ${s.dst}/${s.prefix} via ${s.gateway ?? 'link'}${s.onlink ? ' onlink' : ''}`;
  }
}

export function describeStep(s: LeaseStep): string {
  switch (s.kind) {
    case 'mtu':
      return `setting MTU ${s.mtu}`;
    case 'address':
      return `adding address ${s.address}/${s.prefix}`;
    case 'route':
      return `adding route ${s.prefix === 0 ? 'default' : `${s.dst}/${s.prefix}`}${s.gateway ? ` via ${s.gateway}` : ' on-link'}`;
  }
}

/**
 * From one lease's plan to the next (a renewal that changed something, or a new lease after a
 * restart): what to undo (in reverse order of the old plan) and what to apply (in order). When the
 * address changes, every old route goes with it; routes that did not change are kept.
 */
export function diffPlans(before: readonly LeaseStep[], after: readonly LeaseStep[]): { remove: LeaseStep[]; add: LeaseStep[] } {
  const oldAddr = before.find((s) => s.kind === 'address');
  const newAddr = after.find((s) => s.kind === 'address');
  const addressChanged = !oldAddr || !newAddr || stepKey(oldAddr) !== stepKey(newAddr);
  const keep = (s: LeaseStep, other: readonly LeaseStep[]) => {
    if (addressChanged && s.kind !== 'mtu') return false;
    if (s.kind === 'mtu') return other.some((o) => o.kind === 'mtu' && o.mtu === s.mtu);
    return other.some((o) => stepKey(o) === stepKey(s));
  };
  const remove = before.filter((s) => !keep(s, after)).reverse();
  const add = after.filter((s) => !keep(s, before));
  // an MTU step that stays removed restores `previous`; one replaced by another MTU needs no restore
  return {
    remove: remove.filter((s) => !(s.kind === 'mtu' && after.some((o) => o.kind === 'mtu'))),
    add: add.map((s) => {
      const old = before.find((o) => o.kind === 'mtu');
      return s.kind === 'mtu' && old && old.kind === 'mtu' ? { ...s, previous: old.previous } : s;
    }),
  };
}

/** resolv.conf text for a lease; undefined when the lease names no DNS server. */
export function resolvConfText(l: Lease): string | undefined {
  if (l.dnsServers.length === 0) return undefined;
  const lines = [`# written by pipework from the DHCP lease of ${l.ifname} (server ${l.serverId})`];
  if (l.domainName && /^[A-Za-z0-9.-]+$/.test(l.domainName)) lines.push(`search ${l.domainName}`);
  // the resolver reads at most 3 nameserver lines (MAXNS)
  for (const ns of l.dnsServers.slice(0, 3)) lines.push(`nameserver ${ns}`);
  return lines.join('\n') + '\n';
}

/** Validates a lease read back from JSON (a run directory). */
export function isLease(x: unknown): x is Lease {
  if (!x || typeof x !== 'object') return false;
  const l = x as Record<string, unknown>;
  return (
    typeof l.ifname === 'string' &&
    typeof l.address === 'string' &&
    parseIpv4(l.address) !== undefined &&
    typeof l.prefix === 'number' &&
    typeof l.serverId === 'string' &&
    (l.serverMac === undefined || typeof l.serverMac === 'string') &&
    Array.isArray(l.routers) &&
    Array.isArray(l.classlessRoutes) &&
    Array.isArray(l.dnsServers) &&
    typeof l.acquiredAt === 'number'
  );
}

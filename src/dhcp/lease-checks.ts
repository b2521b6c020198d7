// What a DHCP server may make us do is bounded by what its options can mean. A hostile or broken
// server's answer is refused (the ACK is ignored, as if lost) or clamped, each time with a note:
//   refused:  yiaddr that is not a usable unicast host address (0/8, loopback, multicast, class E,
//             limited broadcast, or the network/broadcast address of its own subnet); a server
//             identifier that is not unicast (a DHCPRELEASE goes there); a lease time of 0 s.
//   dropped:  routers, option 121 routes and DNS servers that are 0.0.0.0 (where that means
//             nothing), loopback, multicast, class E or broadcast; a route whose destination is one
//             of those; a broadcast address (option 28) that is not its subnet's.
//   clamped:  a lease shorter than 4 s is taken as 4 s (renewals at T1 stay >= 2 s apart, T1/T2
//             recomputed); an MTU below 68 is ignored; one above the link's maximum is left
//             unapplied (apply.ts).
//   kept:     an infinite lease (0xffffffff): applied, never renewed (RFC 2131 allows it).
import { formatIp } from '../util/ip.js';

/** A DHCPACK that cannot be used as it is; the client ignores it and goes on. */
export class LeaseRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseRefusedError';
  }
}

export const MIN_LEASE_SECONDS = 4;

const isZero = (a: Uint8Array) => a[0] === 0; // 0.0.0.0/8: "this network"
const isLoopback = (a: Uint8Array) => a[0] === 127;
const isMulticast = (a: Uint8Array) => a[0] >= 224 && a[0] < 240;
const isReserved = (a: Uint8Array) => a[0] >= 240; // class E and 255.255.255.255

/** Why an address cannot be a unicast host or router address; undefined when it can. */
export function notUnicast(a: Uint8Array): string | undefined {
  if (isZero(a)) return 'in 0.0.0.0/8';
  if (isLoopback(a)) return 'a loopback address';
  if (isMulticast(a)) return 'a multicast address';
  if (isReserved(a)) return 'a reserved or broadcast address';
  return undefined;
}

/** Why a route destination is not one a lease may install; undefined when it may. */
export function badDestination(dst: Uint8Array, prefix: number): string | undefined {
  if (prefix === 0) return undefined; // the default route
  if (isLoopback(dst)) return 'a loopback destination';
  if (isMulticast(dst) || (prefix < 4 && dst[0] >= 128)) return 'a multicast destination';
  if (isReserved(dst)) return 'a reserved destination';
  if (isZero(dst)) return 'a destination in 0.0.0.0/8';
  return undefined;
}

/** The address's own subnet network or broadcast address (prefixes below 31)? */
export function subnetEdge(a: Uint8Array, prefix: number): 'network' | 'broadcast' | undefined {
  if (prefix >= 31) return undefined;
  const v = ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
  const host = prefix === 0 ? 0xffffffff : (0xffffffff >>> prefix) >>> 0;
  if ((v & host) === 0) return 'network';
  if ((v & host) >>> 0 === host) return 'broadcast';
  return undefined;
}

/** Refuses an address and server identifier that cannot be used. */
export function checkAddress(addr: Uint8Array, prefix: number, serverId: Uint8Array): void {
  const bad = notUnicast(addr);
  if (bad) throw new LeaseRefusedError(`DHCPACK offers ${formatIp(addr)}, ${bad}`);
  const edge = subnetEdge(addr, prefix);
  if (edge) throw new LeaseRefusedError(`DHCPACK offers ${formatIp(addr)}/${prefix}, the ${edge} address of its own subnet`);
  const badServer = notUnicast(serverId);
  if (badServer) throw new LeaseRefusedError(`DHCPACK names server ${formatIp(serverId)}, ${badServer}`);
}

/** Lease time in seconds (undefined: infinite), refused at 0 and clamped below the minimum. */
export function checkLeaseTime(seconds: number | undefined, notes: string[]): number | undefined {
  if (seconds === undefined || seconds === 0xffffffff) {
    if (seconds !== undefined) notes.push('the lease is infinite: it is applied and never renewed');
    return undefined;
  }
  if (seconds === 0) throw new LeaseRefusedError('DHCPACK grants a lease of 0 s');
  if (seconds < MIN_LEASE_SECONDS) {
    notes.push(`the server's lease time of ${seconds} s was raised to ${MIN_LEASE_SECONDS} s`);
    return MIN_LEASE_SECONDS;
  }
  return seconds;
}

/** Keeps the addresses that can be a router or DNS server; notes the others. */
export function usableHosts(list: readonly Uint8Array[], what: string, notes: string[], own?: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const a of list) {
    if (what === 'router' && isZero(a) && a.every((x) => x === 0)) continue; // "no router": silently nothing
    const bad = what === 'DNS server' && isLoopback(a) ? undefined : notUnicast(a);
    if (bad) notes.push(`ignored ${what} ${formatIp(a)}: ${bad}`);
    else if (own && formatIp(a) === formatIp(own)) notes.push(`ignored ${what} ${formatIp(a)}: the leased address itself`);
    else out.push(a);
  }
  return out;
}

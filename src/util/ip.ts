// IP and MAC addresses as text and as bytes, strictly validated: every parser either returns a
// well-formed value or throws an InputError that says what was wrong.
import { hexDigest } from './hash.js';
import { InputError } from './errors.js';

export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  bytes: Uint8Array;
}

export interface Cidr extends IpAddress {
  prefix: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): Uint8Array | undefined {
  const m = V4.exec(text);
  if (!m) return undefined;
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1];
    if (part.length > 1 && part[0] === '0') return undefined; // no octal-looking octets
    const n = Number(part);
    if (n > 255) return undefined;
    b[i] = n;
  }
  return b;
}

export function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return undefined;
  let head = text;
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (!tailV4) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0'; // stand-in for the two groups the IPv4 tail fills
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - left.length - right.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...left, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...right];
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i];
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    b[2 * i] = n >> 8;
    b[2 * i + 1] = n & 0xff;
  }
  if (tailV4) b.set(tailV4, 12);
  return b;
}

export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (v6) return { family: 6, bytes: v6 };
  return undefined;
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) throw new Error(`not an IP address: ${bytes.length} bytes`);
  // RFC 5952 section 5: IPv4-mapped addresses in mixed notation, as inet_ntop and ip print them.
  if (bytes.subarray(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.subarray(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((n) => n.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** "10.0.0.5/24" or "fd00::5/64"; the prefix is required. */
export function parseCidr(text: string, what = 'address'): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new InputError(`${what} ${text} has no prefix length`, `write it as ${text}/24 (IPv4) or ${text}/64 (IPv6)`);
  const ip = parseIp(text.slice(0, slash));
  if (!ip) throw new InputError(`${what} ${text}: "${text.slice(0, slash)}" is not an IPv4 or IPv6 address`);
  const p = text.slice(slash + 1);
  const max = ip.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new InputError(`${what} ${text}: prefix length "${p}" is not a number from 0 to ${max}`);
  return { ...ip, prefix: Number(p) };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.bytes)}/${c.prefix}`;
}

/** The network part of an address: host bits cleared. */
export function networkOf(c: Cidr): Uint8Array {
  const out = c.bytes.slice();
  for (let bit = c.prefix; bit < out.length * 8; bit++) out[bit >> 3] &= ~(0x80 >> (bit & 7));
  return out;
}

/** IPv4 broadcast address (host bits set); undefined for /31 and /32, which have none. */
export function broadcastOf(c: Cidr): Uint8Array | undefined {
  if (c.family !== 4 || c.prefix >= 31) return undefined;
  const out = c.bytes.slice();
  for (let bit = c.prefix; bit < 32; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}

export function inSubnet(ip: IpAddress, net: Cidr): boolean {
  if (ip.family !== net.family) return false;
  return equalBytes(networkOf({ ...ip, prefix: net.prefix }), networkOf(net));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

export function isLinkLocal6(b: Uint8Array): boolean {
  return b.length === 16 && b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
}

// ---- MAC addresses ----

/** "02:42:ac:11:00:02" (also "-" separated, any case) -> 6 bytes. */
export function parseMac(text: string): Uint8Array {
  const m = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(text);
  if (!m) throw new InputError(`MAC address ${text} is not six hex bytes`, 'write it like 02:42:ac:11:00:02');
  const b = Uint8Array.from(m.slice(1, 7).map((h) => parseInt(h, 16)));
  if (b[0] & 1) throw new InputError(`MAC address ${text} is a multicast address (lowest bit of the first byte set)`, 'use a unicast address, e.g. one starting with 02:');
  if (isZero(b)) throw new InputError(`MAC address ${text} is all zeros`);
  return b;
}

export function formatMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * pipework's stable MAC for "U:<string>": 02: followed by the first 10 hex digits of
 * md5("<string>\n") (the newline comes from the shell's echo, and is part of the hash).
 */
export function stableMac(seed: string): string {
  const hex = hexDigest('md5', `${seed}\n`).slice(0, 10);
  return `02:${hex.match(/../g)!.join(':')}`;
}

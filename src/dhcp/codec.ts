// DHCPv4 messages to bytes and back, pure functions. Decoding accepts anything a conforming server
// may send (options split over several instances as RFC 3396 allows, options overloaded into the
// sname and file fields, a missing END, trailing padding) and throws DhcpDecodeError, and nothing
// else, on everything it cannot make sense of.
import { BOOTP_HEADER_LEN, BOOTP_MIN_LEN, BOOTREPLY, BOOTREQUEST, type ClasslessRoute, DhcpDecodeError, type DhcpMessage, type DhcpOptions, MAGIC_COOKIE, Option } from './message.js';

// ---- option 121 (RFC 3442) ----

/** Option 121's payload: per route the prefix length, the significant octets of the destination, the router. */
export function encodeClasslessRoutes(routes: readonly ClasslessRoute[]): Uint8Array {
  const parts: number[] = [];
  for (const r of routes) {
    if (!Number.isInteger(r.prefix) || r.prefix < 0 || r.prefix > 32) throw new RangeError(`classless route prefix ${r.prefix} is not 0..32`);
    if (r.dst.length !== 4 || r.gateway.length !== 4) throw new RangeError('classless route addresses must be 4 bytes');
    parts.push(r.prefix);
    const significant = Math.ceil(r.prefix / 8);
    for (let i = 0; i < significant; i++) parts.push(r.dst[i] & maskByte(r.prefix, i));
    parts.push(...r.gateway);
  }
  return Uint8Array.from(parts);
}

function maskByte(prefix: number, index: number): number {
  const bits = Math.min(8, Math.max(0, prefix - index * 8));
  return (0xff00 >> bits) & 0xff;
}

/** Decodes option 121; host bits beyond the prefix (which the kernel would refuse) are cleared. */
export function decodeClasslessRoutes(b: Uint8Array): ClasslessRoute[] {
  const routes: ClasslessRoute[] = [];
  let i = 0;
  while (i < b.length) {
    const prefix = b[i++];
    if (prefix > 32) throw new DhcpDecodeError(`option 121: prefix length ${prefix} is more than 32`);
    const significant = Math.ceil(prefix / 8);
    if (i + significant + 4 > b.length) throw new DhcpDecodeError(`option 121: route /${prefix} truncated`);
    const dst = new Uint8Array(4);
    for (let k = 0; k < significant; k++) dst[k] = b[i + k] & maskByte(prefix, k);
    i += significant;
    routes.push({ dst, prefix, gateway: b.slice(i, i + 4) });
    i += 4;
  }
  return routes;
}

// ---- encoding ----

const textEncoder = new TextEncoder();

function u32be(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

function u16be(v: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v);
  return b;
}

function concat(list: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(list.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of list) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

function addrs(list: readonly Uint8Array[], what: string): Uint8Array {
  for (const a of list) if (a.length !== 4) throw new RangeError(`${what}: address of ${a.length} bytes`);
  return concat(list);
}

function fixed(b: Uint8Array, n: number, what: string): Uint8Array {
  if (b.length !== n) throw new RangeError(`${what}: ${b.length} bytes, expected ${n}`);
  return b;
}

/** The options as (code, payload) pairs in the order they are written: message type first. */
export function optionList(o: DhcpOptions): [number, Uint8Array][] {
  const list: [number, Uint8Array][] = [];
  const put = (code: number, v: Uint8Array | undefined) => {
    if (v !== undefined) list.push([code, v]);
  };
  if (o.messageType !== undefined) put(Option.MESSAGE_TYPE, Uint8Array.of(o.messageType));
  if (o.subnetMask) put(Option.SUBNET_MASK, fixed(o.subnetMask, 4, 'subnet mask'));
  if (o.routers) put(Option.ROUTER, addrs(o.routers, 'routers'));
  if (o.dnsServers) put(Option.DNS_SERVERS, addrs(o.dnsServers, 'DNS servers'));
  if (o.hostname !== undefined) put(Option.HOSTNAME, textEncoder.encode(o.hostname));
  if (o.domainName !== undefined) put(Option.DOMAIN_NAME, textEncoder.encode(o.domainName));
  if (o.mtu !== undefined) put(Option.INTERFACE_MTU, u16be(o.mtu));
  if (o.broadcastAddress) put(Option.BROADCAST_ADDRESS, fixed(o.broadcastAddress, 4, 'broadcast address'));
  if (o.requestedIp) put(Option.REQUESTED_IP, fixed(o.requestedIp, 4, 'requested IP'));
  if (o.leaseTime !== undefined) put(Option.LEASE_TIME, u32be(o.leaseTime));
  if (o.serverId) put(Option.SERVER_ID, fixed(o.serverId, 4, 'server identifier'));
  if (o.parameterList) put(Option.PARAMETER_LIST, Uint8Array.from(o.parameterList));
  if (o.message !== undefined) put(Option.MESSAGE, textEncoder.encode(o.message));
  if (o.maxMessageSize !== undefined) put(Option.MAX_MESSAGE_SIZE, u16be(o.maxMessageSize));
  if (o.renewalTime !== undefined) put(Option.RENEWAL_TIME, u32be(o.renewalTime));
  if (o.rebindingTime !== undefined) put(Option.REBINDING_TIME, u32be(o.rebindingTime));
  if (o.vendorClassId) put(Option.VENDOR_CLASS_ID, o.vendorClassId);
  if (o.clientId) put(Option.CLIENT_ID, o.clientId);
  if (o.classlessRoutes) put(Option.CLASSLESS_ROUTES, encodeClasslessRoutes(o.classlessRoutes));
  for (const [code, v] of o.other ?? []) {
    if (code === Option.PAD || code === Option.END || code > 255 || code < 0) throw new RangeError(`option code ${code} cannot carry data`);
    put(code, v);
  }
  return list;
}

/** Wire form of one option; payloads over 255 bytes are split into several instances (RFC 3396). */
function writeOption(out: number[], code: number, payload: Uint8Array): void {
  if (payload.length === 0) {
    out.push(code, 0);
    return;
  }
  for (let at = 0; at < payload.length; at += 255) {
    const chunk = payload.subarray(at, at + 255);
    out.push(code, chunk.length, ...chunk);
  }
}

export function encodeMessage(m: DhcpMessage): Uint8Array {
  const opts: number[] = [];
  for (const [code, payload] of optionList(m.options)) writeOption(opts, code, payload);
  opts.push(Option.END);
  const len = Math.max(BOOTP_MIN_LEN, BOOTP_HEADER_LEN + 4 + opts.length);
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint8(0, m.op);
  v.setUint8(1, m.htype);
  v.setUint8(2, m.hlen);
  v.setUint8(3, m.hops);
  v.setUint32(4, m.xid >>> 0);
  v.setUint16(8, m.secs);
  v.setUint16(10, m.flags);
  b.set(fixed(m.ciaddr, 4, 'ciaddr'), 12);
  b.set(fixed(m.yiaddr, 4, 'yiaddr'), 16);
  b.set(fixed(m.siaddr, 4, 'siaddr'), 20);
  b.set(fixed(m.giaddr, 4, 'giaddr'), 24);
  b.set(fixed(m.chaddr, 16, 'chaddr'), 28);
  b.set(fixed(m.sname, 64, 'sname'), 44);
  b.set(fixed(m.file, 128, 'file'), 108);
  b.set(MAGIC_COOKIE, BOOTP_HEADER_LEN);
  b.set(opts, BOOTP_HEADER_LEN + 4);
  return b;
}

// ---- decoding ----

/**
 * Walks one option area, appending each option's payload to its code's list.
 * Returns whether an END option was seen.
 */
function scanOptions(area: Uint8Array, where: string, into: Map<number, Uint8Array[]>): boolean {
  let i = 0;
  while (i < area.length) {
    const code = area[i];
    if (code === Option.END) return true;
    if (code === Option.PAD) {
      i++;
      continue;
    }
    if (i + 1 >= area.length) throw new DhcpDecodeError(`${where}: option ${code} has no length byte`);
    const len = area[i + 1];
    if (i + 2 + len > area.length) throw new DhcpDecodeError(`${where}: option ${code} of ${len} bytes runs past the end`);
    const list = into.get(code);
    const payload = area.subarray(i + 2, i + 2 + len);
    if (list) list.push(payload);
    else into.set(code, [payload]);
    i += 2 + len;
  }
  return false;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

function text(b: Uint8Array): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--; // some servers NUL-terminate their strings
  return textDecoder.decode(b.subarray(0, end));
}

function decodeAddrList(b: Uint8Array, what: string): Uint8Array[] {
  if (b.length === 0 || b.length % 4 !== 0) throw new DhcpDecodeError(`${what}: length ${b.length} is not a positive multiple of 4`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += 4) out.push(b.slice(i, i + 4));
  return out;
}

function need(b: Uint8Array, n: number, what: string): DataView {
  if (b.length !== n) throw new DhcpDecodeError(`${what}: length ${b.length}, expected ${n}`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Turns the raw options (concatenated per code) into DhcpOptions. */
export function typedOptions(raw: Map<number, Uint8Array>): DhcpOptions {
  const o: DhcpOptions = {};
  const other = new Map<number, Uint8Array>();
  for (const [code, b] of raw) {
    switch (code) {
      case Option.MESSAGE_TYPE:
        o.messageType = need(b, 1, 'option 53 (message type)').getUint8(0);
        break;
      case Option.SUBNET_MASK:
        need(b, 4, 'option 1 (subnet mask)');
        o.subnetMask = b.slice();
        break;
      case Option.ROUTER:
        o.routers = decodeAddrList(b, 'option 3 (routers)');
        break;
      case Option.DNS_SERVERS:
        o.dnsServers = decodeAddrList(b, 'option 6 (DNS servers)');
        break;
      case Option.HOSTNAME:
        o.hostname = text(b);
        break;
      case Option.DOMAIN_NAME:
        o.domainName = text(b);
        break;
      case Option.INTERFACE_MTU:
        o.mtu = need(b, 2, 'option 26 (interface MTU)').getUint16(0);
        break;
      case Option.BROADCAST_ADDRESS:
        need(b, 4, 'option 28 (broadcast address)');
        o.broadcastAddress = b.slice();
        break;
      case Option.REQUESTED_IP:
        need(b, 4, 'option 50 (requested IP)');
        o.requestedIp = b.slice();
        break;
      case Option.LEASE_TIME:
        o.leaseTime = need(b, 4, 'option 51 (lease time)').getUint32(0);
        break;
      case Option.SERVER_ID:
        need(b, 4, 'option 54 (server identifier)');
        o.serverId = b.slice();
        break;
      case Option.PARAMETER_LIST:
        o.parameterList = Array.from(b);
        break;
      case Option.MESSAGE:
        o.message = text(b);
        break;
      case Option.MAX_MESSAGE_SIZE:
        o.maxMessageSize = need(b, 2, 'option 57 (maximum message size)').getUint16(0);
        break;
      case Option.RENEWAL_TIME:
        o.renewalTime = need(b, 4, 'option 58 (T1)').getUint32(0);
        break;
      case Option.REBINDING_TIME:
        o.rebindingTime = need(b, 4, 'option 59 (T2)').getUint32(0);
        break;
      case Option.VENDOR_CLASS_ID:
        o.vendorClassId = b.slice();
        break;
      case Option.CLIENT_ID:
        if (b.length < 2) throw new DhcpDecodeError(`option 61 (client identifier): length ${b.length}, at least 2 expected`);
        o.clientId = b.slice();
        break;
      case Option.CLASSLESS_ROUTES:
        o.classlessRoutes = decodeClasslessRoutes(b);
        break;
      default:
        other.set(code, b.slice());
    }
  }
  if (other.size) o.other = other;
  return o;
}

export function decodeMessage(b: Uint8Array): DhcpMessage {
  if (b.length < BOOTP_HEADER_LEN + 4) throw new DhcpDecodeError(`${b.length} bytes, shorter than the ${BOOTP_HEADER_LEN + 4}-byte header and cookie`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const op = v.getUint8(0);
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new DhcpDecodeError(`op ${op} is neither BOOTREQUEST nor BOOTREPLY`);
  const hlen = v.getUint8(2);
  if (hlen > 16) throw new DhcpDecodeError(`hardware address length ${hlen} exceeds 16`);
  for (let i = 0; i < 4; i++) {
    if (b[BOOTP_HEADER_LEN + i] !== MAGIC_COOKIE[i]) throw new DhcpDecodeError('no DHCP magic cookie (a plain BOOTP message?)');
  }
  const parts = new Map<number, Uint8Array[]>();
  scanOptions(b.subarray(BOOTP_HEADER_LEN + 4), 'options', parts);
  const sname = b.slice(44, 108);
  const file = b.slice(108, 236);
  let overload = 0;
  const ov = parts.get(Option.OVERLOAD);
  if (ov) {
    const all = concat(ov);
    if (all.length !== 1 || all[0] < 1 || all[0] > 3) throw new DhcpDecodeError(`option 52 (overload) has value ${Array.from(all).join(',')}`);
    overload = all[0];
    parts.delete(Option.OVERLOAD);
    // RFC 3396 section 7: the options field first, then file, then sname.
    if (overload & 1) scanOptions(file, 'options in the file field', parts);
    if (overload & 2) scanOptions(sname, 'options in the sname field', parts);
  }
  const raw = new Map<number, Uint8Array>();
  for (const [code, list] of parts) raw.set(code, list.length === 1 ? list[0] : concat(list));
  return {
    op,
    htype: v.getUint8(1),
    hlen,
    hops: v.getUint8(3),
    xid: v.getUint32(4),
    secs: v.getUint16(8),
    flags: v.getUint16(10),
    ciaddr: b.slice(12, 16),
    yiaddr: b.slice(16, 20),
    siaddr: b.slice(20, 24),
    giaddr: b.slice(24, 28),
    chaddr: b.slice(28, 44),
    // fields that carried options are not also file names: report them empty
    sname: overload & 2 ? new Uint8Array(64) : sname,
    file: overload & 1 ? new Uint8Array(128) : file,
    options: typedOptions(raw),
  };
}

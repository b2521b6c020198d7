// DHCP on the wire below the IP stack: IPv4 + UDP framing with checksums (pure functions), a
// classic BPF program that lets only DHCP replies through, and the sockets a client uses inside
// the guest's network namespace:
//  - an AF_PACKET/SOCK_DGRAM socket bound to the guest interface, which sends and receives IP
//    packets before the interface has any address (broadcast DISCOVER/REQUEST/REBIND, and every
//    reply);
//  - a kernel UDP socket bound to the leased address, for the unicast RENEW that RFC 2131 sends to
//    the server once the address is configured (the kernel resolves the next hop).
// DHCPRELEASE goes over the packet socket as well, as a complete IPv4/UDP packet to the hardware
// address the lease's DHCPACK came from (see unicastToServer): it must not wait in the neighbour
// queue for an ARP answer while its address is removed or its link deleted.
import * as libc from '../../native/libc.js';
import { AF_INET, AF_PACKET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOL_SOCKET } from '../netlink/constants.js';
import { inNetns } from '../netns/enter.js';
import type { Netns } from '../netns/netns.js';
import { BOOTREPLY, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, decodeMessage, type DhcpMessage, DhcpDecodeError, encodeMessage } from './message.js';

export class PacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PacketError';
  }
}

export const ETH_P_IP = 0x0800;
export const IPPROTO_UDP = 17;
export const SOL_PACKET = 263;
export const PACKET_AUXDATA = 8;
export const TP_STATUS_CSUMNOTREADY = 1 << 3;
export const TP_STATUS_CSUM_VALID = 1 << 7;
export const PACKET_OUTGOING = 4;
const SO_REUSEADDR = 2;
const SO_BINDTODEVICE = 25;
/** getsockopt(SOL_SOCKET, SO_MEMINFO): u32[SK_MEMINFO_VARS] (Linux 4.12) */
const SO_MEMINFO = 55;
const SK_MEMINFO_WMEM_ALLOC = 2;
const SK_MEMINFO_VARS = 9;

export const BROADCAST_IP = Uint8Array.of(255, 255, 255, 255);
export const ANY_IP = Uint8Array.of(0, 0, 0, 0);
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

// ---- checksums and framing (pure) ----

/** The Internet checksum (RFC 1071) of the given byte ranges, concatenated. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === undefined) odd = p[i];
      else {
        sum += (odd << 8) | p[i];
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, udpLength: number): Uint8Array {
  const p = new Uint8Array(12);
  p.set(src, 0);
  p.set(dst, 4);
  p[9] = IPPROTO_UDP;
  p[10] = udpLength >> 8;
  p[11] = udpLength & 0xff;
  return p;
}

export interface UdpDatagram {
  src: Uint8Array;
  dst: Uint8Array;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** An IPv4 packet (20-byte header, no options) carrying one UDP datagram, checksums filled in. */
export function buildUdpIpv4(d: UdpDatagram, opts: { id?: number; ttl?: number; tos?: number } = {}): Uint8Array {
  if (d.src.length !== 4 || d.dst.length !== 4) throw new RangeError('IPv4 addresses must be 4 bytes');
  const udpLen = 8 + d.payload.length;
  const total = 20 + udpLen;
  if (total > 0xffff) throw new RangeError(`UDP payload of ${d.payload.length} bytes does not fit an IPv4 packet`);
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint8(0, 0x45);
  v.setUint8(1, opts.tos ?? 0);
  v.setUint16(2, total);
  v.setUint16(4, opts.id ?? 0);
  v.setUint16(6, 0);
  v.setUint8(8, opts.ttl ?? 64);
  v.setUint8(9, IPPROTO_UDP);
  b.set(d.src, 12);
  b.set(d.dst, 16);
  v.setUint16(10, internetChecksum(b.subarray(0, 20)));
  v.setUint16(20, d.srcPort);
  v.setUint16(22, d.dstPort);
  v.setUint16(24, udpLen);
  b.set(d.payload, 28);
  const c = internetChecksum(pseudoHeader(d.src, d.dst, udpLen), b.subarray(20));
  v.setUint16(26, c === 0 ? 0xffff : c); // 0 means "no checksum" in UDP; its one's complement twin is sent
  return b;
}

/**
 * Parses an IPv4 packet that must carry one unfragmented UDP datagram. The IP header checksum is
 * always verified; the UDP checksum unless `udpChecksumTrusted` (the kernel said the checksum is
 * either verified or not yet computed, as for packets from a local sender over veth).
 */
export function parseUdpIpv4(pkt: Uint8Array, opts: { udpChecksumTrusted?: boolean } = {}): UdpDatagram {
  if (pkt.length < 28) throw new PacketError(`packet of ${pkt.length} bytes is too short for IPv4 + UDP`);
  const v = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  const vihl = v.getUint8(0);
  if (vihl >> 4 !== 4) throw new PacketError(`IP version ${vihl >> 4}`);
  const ihl = (vihl & 0xf) * 4;
  if (ihl < 20) throw new PacketError(`IPv4 header length ${ihl}`);
  const total = v.getUint16(2);
  if (total < ihl + 8 || total > pkt.length) throw new PacketError(`IPv4 total length ${total} does not fit the ${pkt.length}-byte packet`);
  if (internetChecksum(pkt.subarray(0, ihl)) !== 0) throw new PacketError('bad IPv4 header checksum');
  if (v.getUint16(6) & 0x3fff) throw new PacketError('IPv4 fragment');
  if (v.getUint8(9) !== IPPROTO_UDP) throw new PacketError(`IP protocol ${v.getUint8(9)} is not UDP`);
  const src = pkt.slice(12, 16);
  const dst = pkt.slice(16, 20);
  const udp = pkt.subarray(ihl, total);
  const uv = new DataView(udp.buffer, udp.byteOffset, udp.byteLength);
  const udpLen = uv.getUint16(4);
  if (udpLen < 8 || udpLen > udp.length) throw new PacketError(`UDP length ${udpLen} does not fit the ${udp.length} bytes after the IP header`);
  const datagram = udp.subarray(0, udpLen);
  if (!opts.udpChecksumTrusted && uv.getUint16(6) !== 0 && internetChecksum(pseudoHeader(src, dst, udpLen), datagram) !== 0) {
    throw new PacketError('bad UDP checksum');
  }
  return { src, dst, srcPort: uv.getUint16(0), dstPort: uv.getUint16(2), payload: datagram.slice(8) };
}

// ---- classic BPF ----

const BPF = {
  LD_B_ABS: 0x30,
  LD_H_ABS: 0x28,
  LD_B_IND: 0x50,
  LD_W_IND: 0x40,
  LD_H_IND: 0x48,
  LDX_B_MSH: 0xb1,
  JEQ_K: 0x15,
  JSET_K: 0x45,
  RET_K: 0x06,
} as const;

type Insn = [code: number, jt: number, jf: number, k: number];

/**
 * A socket filter for an AF_PACKET/SOCK_DGRAM socket (offsets start at the IP header): accepts
 * unfragmented UDP to port 68 whose BOOTP op is BOOTREPLY and, when given, whose xid matches.
 */
export function dhcpReplyFilter(xid?: number): Uint8Array {
  // DROP is the last instruction; jump offsets are relative to the next instruction.
  const body: Array<Insn | ((at: number, drop: number) => Insn)> = [
    [BPF.LD_B_ABS, 0, 0, 9], // A = ip protocol
    (at, drop) => [BPF.JEQ_K, 0, drop - at - 1, IPPROTO_UDP],
    [BPF.LD_H_ABS, 0, 0, 6], // A = flags + fragment offset
    (at, drop) => [BPF.JSET_K, drop - at - 1, 0, 0x1fff],
    [BPF.LDX_B_MSH, 0, 0, 0], // X = IP header length
    [BPF.LD_H_IND, 0, 0, 2], // A = UDP destination port
    (at, drop) => [BPF.JEQ_K, 0, drop - at - 1, DHCP_CLIENT_PORT],
    [BPF.LD_B_IND, 0, 0, 8], // A = BOOTP op
    (at, drop) => [BPF.JEQ_K, 0, drop - at - 1, BOOTREPLY],
  ];
  if (xid !== undefined) {
    body.push([BPF.LD_W_IND, 0, 0, 8 + 4]); // A = xid (loads are big-endian, as on the wire)
    body.push((at, drop) => [BPF.JEQ_K, 0, drop - at - 1, xid >>> 0]);
  }
  const accept = body.length;
  const drop = accept + 1;
  const insns: Insn[] = body.map((x, at) => (typeof x === 'function' ? x(at, drop) : x));
  insns.push([BPF.RET_K, 0, 0, 0x40000], [BPF.RET_K, 0, 0, 0]);
  const out = new Uint8Array(insns.length * 8);
  const v = new DataView(out.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code, true);
    v.setUint8(i * 8 + 2, jt);
    v.setUint8(i * 8 + 3, jf);
    v.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return out;
}

/** Runs a classic BPF program (the subset dhcpReplyFilter uses) on a packet: bytes accepted. */
export function runFilter(program: Uint8Array, pkt: Uint8Array): number {
  const v = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const p = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  let a = 0;
  let x = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = v.getUint16(pc * 8, true);
    const jt = v.getUint8(pc * 8 + 2);
    const jf = v.getUint8(pc * 8 + 3);
    const k = v.getUint32(pc * 8 + 4, true);
    const load = (at: number, size: number): boolean => {
      if (at + size > pkt.length) return false;
      a = size === 1 ? p.getUint8(at) : size === 2 ? p.getUint16(at) : p.getUint32(at);
      return true;
    };
    switch (code) {
      case BPF.LD_B_ABS: if (!load(k, 1)) return 0; break;
      case BPF.LD_H_ABS: if (!load(k, 2)) return 0; break;
      case BPF.LD_B_IND: if (!load(x + k, 1)) return 0; break;
      case BPF.LD_H_IND: if (!load(x + k, 2)) return 0; break;
      case BPF.LD_W_IND: if (!load(x + k, 4)) return 0; break;
      case BPF.LDX_B_MSH:
        if (k >= pkt.length) return 0;
        x = (pkt[k] & 0xf) * 4;
        break;
      case BPF.JEQ_K: pc += a >>> 0 === k ? jt : jf; break;
      case BPF.JSET_K: pc += (a & k) !== 0 ? jt : jf; break;
      case BPF.RET_K: return k;
      default: throw new Error(`runFilter: opcode 0x${code.toString(16)} not supported`);
    }
  }
  return 0;
}

// ---- socket addresses ----

/** struct sockaddr_ll (20 bytes). */
export function sockaddrLl(ifindex: number, protocol: number, mac?: Uint8Array): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint16(0, AF_PACKET, true);
  v.setUint16(2, protocol); // network byte order
  v.setInt32(4, ifindex, true);
  if (mac) {
    v.setUint8(11, mac.length);
    b.set(mac, 12);
  }
  return b;
}

/**
 * The link-layer source address in a struct sockaddr_ll as recvmsg fills it in for a packet
 * socket (sll_halen at 11, sll_addr at 12): the Ethernet source of the frame. Undefined when the
 * link has no such address (halen 0) or the structure is too short.
 */
export function linkSource(sll: Uint8Array): Uint8Array | undefined {
  if (sll.length < 12) return undefined;
  const halen = sll[11];
  if (halen === 0 || halen > 8 || sll.length < 12 + halen) return undefined;
  const mac = sll.slice(12, 12 + halen);
  return mac.every((x) => x === 0) ? undefined : mac;
}

/** struct sockaddr_in (16 bytes). */
export function sockaddrIn(addr: Uint8Array, port: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port);
  b.set(addr, 4);
  return b;
}

// ---- the sockets ----

export interface ReceivedReply {
  message: DhcpMessage;
  /** IP source address of the packet */
  from: Uint8Array;
  /** link-layer (Ethernet) source of the frame: the server, or the relay agent that forwarded the reply */
  serverMac?: Uint8Array;
}

/** What a packet socket is handed for one datagram: the IPv4 packet and where it goes on the link. */
export interface LinkDatagram {
  /** IPv4 header + UDP header + DHCP message (a SOCK_DGRAM packet socket adds the Ethernet header) */
  packet: Uint8Array;
  /** struct sockaddr_ll: the interface, ETH_P_IP, the destination hardware address */
  addr: Uint8Array;
}

/**
 * A DHCP message from `src`:68 to the server `dst`:67 as a link-layer unicast to `mac` on
 * interface `ifindex`: a complete IPv4/UDP packet, so that nothing (no route, no neighbour entry,
 * no address on the interface) is needed to send it.
 */
export function unicastToServer(msg: DhcpMessage, to: { src: Uint8Array; dst: Uint8Array; mac: Uint8Array; ifindex: number; id?: number }): LinkDatagram {
  const packet = buildUdpIpv4(
    { src: to.src, dst: to.dst, srcPort: DHCP_CLIENT_PORT, dstPort: DHCP_SERVER_PORT, payload: encodeMessage(msg) },
    { id: to.id ?? 0 },
  );
  return { packet, addr: sockaddrLl(to.ifindex, ETH_P_IP, to.mac) };
}

/**
 * Bytes a socket has sent that the kernel still holds on its behalf (SIOCOUTQ for a datagram
 * socket, read through SO_MEMINFO): a packet waiting in a neighbour queue for ARP, in a queue
 * of the link, or in the receive backlog of a veth peer. A sent packet stops counting once the
 * receiving host's IP layer has taken it (ip_rcv drops the sender's ownership) or once it was
 * dropped. Undefined when the kernel cannot tell (no SO_MEMINFO).
 */
export function unsentBytes(fd: number): number | undefined {
  try {
    const info = libc.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, 4 * SK_MEMINFO_VARS);
    if (info.length < 4 * (SK_MEMINFO_WMEM_ALLOC + 1)) return undefined;
    return new DataView(info.buffer, info.byteOffset, info.byteLength).getUint32(4 * SK_MEMINFO_WMEM_ALLOC, true);
  } catch {
    return undefined;
  }
}

/**
 * Waits until every packet sent on fd has left the kernel's hands (see unsentBytes), at most
 * timeoutMs. True when it has (or when the kernel cannot tell), false on timeout.
 */
export async function whenSent(fd: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const left = unsentBytes(fd);
    if (left === undefined || left === 0) return true;
    if (Date.now() >= until) return false;
    await new Promise<void>((r) => setTimeout(r, 1));
  }
}

/** How long one wait may last before stopped() is asked again. */
const WAIT_SLICE_MS = 200;

// ---- readiness without the worker pool ----
// Waiting for a socket must not occupy one of the few threads that run async native calls (and
// fs work): with many clients waiting, or packet-socket closes stuck in an RCU grace period, the
// waits would queue behind each other and deadlines would slip. Instead one timer checks every
// waiting fd with a single non-blocking poll(): every 1 ms while some wait is young (a reply to a
// fresh request usually comes within a millisecond or two), every 10 ms otherwise.

interface Waiter {
  fd: number;
  since: number;
  until: number;
  resolve: (ready: boolean) => void;
}

const waiters = new Set<Waiter>();
let ticker: NodeJS.Timeout | undefined;

function scheduleTick(): void {
  if (ticker || waiters.size === 0) return;
  const now = Date.now();
  let young = false;
  let soonest = Infinity;
  for (const w of waiters) {
    if (now - w.since < 100) young = true;
    soonest = Math.min(soonest, w.until);
  }
  ticker = setTimeout(tick, Math.max(0, Math.min(young ? 1 : 10, soonest - now)));
}

function tick(): void {
  ticker = undefined;
  const list = [...waiters];
  let ready: boolean[];
  try {
    ready = libc.pollMany(list.map((w) => w.fd));
  } catch {
    ready = list.map(() => true); // let each waiter find out for itself
  }
  const now = Date.now();
  list.forEach((w, i) => {
    if (ready[i] || now >= w.until) {
      waiters.delete(w);
      w.resolve(ready[i]);
    }
  });
  scheduleTick();
}

/** Resolves true once fd is readable, false after timeoutMs. */
export function whenReadable(fd: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const now = Date.now();
    waiters.add({ fd, since: now, until: now + Math.max(0, timeoutMs), resolve });
    scheduleTick();
  });
}

/** The packet socket a DHCP client uses on one interface inside one namespace. */
export class DhcpPacketSocket {
  private closed = false;
  private readonly buf = new Uint8Array(65536);
  private ipId = Math.floor(Math.random() * 0xffff);
  /** malformed or foreign packets seen, for diagnostics */
  dropped = 0;

  private constructor(
    readonly fd: number,
    readonly ifindex: number,
  ) {}

  /** Opens and binds the socket inside ns (no await between the namespace switches). */
  static open(ns: Netns, ifindex: number, xid?: number): DhcpPacketSocket {
    // Protocol 0 at creation, ETH_P_IP at bind: a socket created with a protocol is hooked into
    // every device at once, and bind() to one interface must unhook it first, which waits for an
    // RCU grace period (synchronize_net, 6-16 ms here). Created unhooked, it is hooked once, by bind.
    const fd = inNetns(ns, () => libc.socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    try {
      // Filter first, then bind: frames queued before the filter existed are drained below.
      libc.attachFilter(fd, dhcpReplyFilter(xid));
      libc.setsockoptInt(fd, SOL_PACKET, PACKET_AUXDATA, 1);
      libc.bind(fd, sockaddrLl(ifindex, ETH_P_IP));
      const s = new DhcpPacketSocket(fd, ifindex);
      s.drain();
      return s;
    } catch (e) {
      libc.close(fd);
      throw e;
    }
  }

  /** Narrows the kernel filter to one transaction. */
  setXid(xid: number): void {
    libc.attachFilter(this.fd, dhcpReplyFilter(xid));
  }

  private drain(): void {
    while (libc.recvmsg(this.fd, this.buf, 0).length >= 0) {
      /* discard */
    }
  }

  /** Sends a DHCP message from src:68 to 255.255.255.255:67 as a link-layer broadcast. */
  sendBroadcast(msg: DhcpMessage, src: Uint8Array = ANY_IP): void {
    this.ipId = (this.ipId + 1) & 0xffff;
    const pkt = buildUdpIpv4(
      { src, dst: BROADCAST_IP, srcPort: DHCP_CLIENT_PORT, dstPort: DHCP_SERVER_PORT, payload: encodeMessage(msg) },
      { id: this.ipId },
    );
    libc.sendto(this.fd, pkt, sockaddrLl(this.ifindex, ETH_P_IP, BROADCAST_MAC));
  }

  /**
   * Sends a DHCP message from src:68 to dst:67 as a link-layer unicast to `mac` (see
   * unicastToServer). Over a veth the frame is in the peer's hands when this returns; whenSent()
   * tells when the receiving host has taken it.
   */
  sendUnicast(msg: DhcpMessage, src: Uint8Array, dst: Uint8Array, mac: Uint8Array): void {
    this.ipId = (this.ipId + 1) & 0xffff;
    const { packet, addr } = unicastToServer(msg, { src, dst, mac, ifindex: this.ifindex, id: this.ipId });
    libc.sendto(this.fd, packet, addr);
  }

  /** Resolves once every frame sent on this socket has been taken by its receiver or dropped (bounded). */
  whenSent(timeoutMs: number): Promise<boolean> {
    return this.closed ? Promise.resolve(true) : whenSent(this.fd, timeoutMs);
  }

  /**
   * Waits for a reply that `accept` takes, until `deadline` (ms, Date.now() clock) or until
   * `stopped()` says so. Malformed packets and replies not accepted are skipped.
   */
  async receive(deadline: number, accept: (m: DhcpMessage) => boolean, stopped: () => boolean = () => false): Promise<ReceivedReply | undefined> {
    for (;;) {
      const got = this.readQueued(accept);
      if (got) return got;
      if (stopped() || this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await whenReadable(this.fd, Math.min(left, WAIT_SLICE_MS));
    }
  }

  private readQueued(accept: (m: DhcpMessage) => boolean): ReceivedReply | undefined {
    for (;;) {
      if (this.closed) return undefined;
      const r = libc.recvmsg(this.fd, this.buf, 0);
      if (r.length < 0) return undefined;
      if (r.from.length >= 11 && r.from[10] === PACKET_OUTGOING) continue;
      let status = 0;
      for (const c of r.control) {
        if (c.level === SOL_PACKET && c.type === PACKET_AUXDATA && c.data.length >= 4) {
          status = new DataView(c.data.buffer, c.data.byteOffset, 4).getUint32(0, true);
        }
      }
      try {
        const d = parseUdpIpv4(this.buf.subarray(0, r.length), {
          udpChecksumTrusted: (status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) !== 0,
        });
        if (d.dstPort !== DHCP_CLIENT_PORT) continue;
        const message = decodeMessage(d.payload);
        if (message.op !== BOOTREPLY || !accept(message)) continue;
        return { message, from: d.src, serverMac: linkSource(r.from) };
      } catch (e) {
        if (e instanceof PacketError || e instanceof DhcpDecodeError) {
          this.dropped++;
          continue;
        }
        throw e;
      }
    }
  }

  /** Closes on a worker thread (closing a packet socket waits for an RCU grace period). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await libc.closeAsync(this.fd);
  }
}

/**
 * A kernel UDP socket bound to the leased address and port 68 on the guest interface, for the
 * unicast messages of a bound client (RENEW, RELEASE). Replies still arrive on the packet socket.
 */
export class DhcpUdpSocket {
  private closed = false;
  private constructor(readonly fd: number) {}

  static open(ns: Netns, ifname: string, local: Uint8Array): DhcpUdpSocket {
    const fd = inNetns(ns, () => libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    try {
      libc.setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      libc.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, new TextEncoder().encode(`${ifname}\0`));
      libc.bind(fd, sockaddrIn(local, DHCP_CLIENT_PORT));
      return new DhcpUdpSocket(fd);
    } catch (e) {
      libc.close(fd);
      throw e;
    }
  }

  send(msg: DhcpMessage, server: Uint8Array): void {
    libc.sendto(this.fd, encodeMessage(msg), sockaddrIn(server, DHCP_SERVER_PORT));
  }

  /**
   * Resolves once what was sent has left: resolved by ARP and taken by the receiving host, or
   * dropped (bounded). Closing the socket or removing the address earlier does not cancel a packet
   * waiting for ARP, but removing the last address or the link flushes the neighbour queue with it.
   */
  whenSent(timeoutMs: number): Promise<boolean> {
    return this.closed ? Promise.resolve(true) : whenSent(this.fd, timeoutMs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libc.close(this.fd);
  }
}

export function htons(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

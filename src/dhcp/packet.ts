// The sockets a DHCP client uses inside the guest's network namespace (framing.ts builds what
// they carry):
//  - an AF_PACKET/SOCK_DGRAM socket bound to the guest interface, which sends and receives IP
//    packets before the interface has any address (broadcast DISCOVER/REQUEST/REBIND, every reply,
//    and the DHCPRELEASE as a link-layer unicast);
//  - a kernel UDP socket bound to the leased address, for the unicast RENEW that RFC 2131 sends to
//    the server once the address is configured (the kernel resolves the next hop).
import * as libc from '../../native/libc.js';
import { AF_INET, AF_PACKET, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOL_SOCKET } from '../netlink/constants.js';
import { inNetns } from '../netns/enter.js';
import type { Netns } from '../netns/netns.js';
import { BOOTREPLY, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, type DhcpMessage, DhcpDecodeError } from './message.js';
import { decodeMessage, encodeMessage } from './codec.js';
import {
  ANY_IP, BROADCAST_IP, BROADCAST_MAC, buildUdpIpv4, dhcpReplyFilter, ETH_P_IP, linkSource, PacketError, parseUdpIpv4, sockaddrIn, sockaddrLl,
  unicastToServer,
} from './framing.js';

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

// ---- the sockets ----

export interface ReceivedReply {
  message: DhcpMessage;
  /** IP source address of the packet */
  from: Uint8Array;
  /** link-layer (Ethernet) source of the frame: the server, or the relay agent that forwarded the reply */
  serverMac?: Uint8Array;
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

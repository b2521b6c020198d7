// DHCP framing below the IP stack, pure functions: IPv4 + UDP with checksums, the classic BPF
// program that lets only DHCP replies through a packet socket, socket addresses, and the complete
// IPv4/UDP packet a DHCPRELEASE travels in (unicastToServer): sent to the hardware address the
// lease's DHCPACK came from, it never waits in a neighbour queue for an ARP answer while its address
// is removed or its link deleted.
import { AF_INET } from '../netlink/constants.js';
import { sockaddrLl } from '../util/link-layer.js';

export { BROADCAST_MAC, sockaddrLl } from '../util/link-layer.js';
import { BOOTREPLY, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, type DhcpMessage } from './message.js';
import { encodeMessage } from './codec.js';

export class PacketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PacketError';
  }
}

export const ETH_P_IP = 0x0800;
export const IPPROTO_UDP = 17;

export const BROADCAST_IP = Uint8Array.of(255, 255, 255, 255);
export const ANY_IP = Uint8Array.of(0, 0, 0, 0);

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

export function htons(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

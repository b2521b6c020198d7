// Frames that announce an address to the link. Pure builders, byte-exact and unit-tested.
//  - IPv4: an ARP announcement (RFC 5227 §2.3): an ARP request whose sender and target protocol
//    addresses are both ours, target hardware address zero, sent to the broadcast address.
//  - IPv6: an unsolicited neighbour advertisement (RFC 4861 §7.2.6) to all-nodes (ff02::1),
//    Override flag set, Solicited clear, with our link-layer address as the target option.

export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export { BROADCAST_MAC } from '../util/link-layer.js';
/** the Ethernet multicast address of ff02::1 (33:33 + its last 32 bits) */
export const ALL_NODES_MAC = Uint8Array.of(0x33, 0x33, 0, 0, 0, 1);
export const ALL_NODES_IP6 = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

export function arpAnnouncement(mac: Uint8Array, ip: Uint8Array): Uint8Array {
  const b = new Uint8Array(28);
  const v = new DataView(b.buffer);
  v.setUint16(0, 1); // hardware type: Ethernet
  v.setUint16(2, 0x0800); // protocol type: IPv4
  b[4] = 6;
  b[5] = 4;
  v.setUint16(6, 1); // operation: request
  b.set(mac, 8);
  b.set(ip, 14);
  // target hardware address stays zero
  b.set(ip, 24);
  return b;
}

const ICMPV6 = 58;
const NA_LEN = 24 + 8; // header + target address, then one 8-byte option

/** IPv6 header + ICMPv6 neighbour advertisement (with checksum) for ip, advertising mac. */
export function unsolicitedNeighbourAdvert(mac: Uint8Array, ip: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + NA_LEN);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x60000000); // version 6, traffic class 0, flow label 0
  v.setUint16(4, NA_LEN);
  b[6] = ICMPV6;
  b[7] = 255; // hop limit: receivers drop NAs that crossed a router
  b.set(ip, 8);
  b.set(ALL_NODES_IP6, 24);
  const icmp = 40;
  b[icmp] = 136; // neighbour advertisement
  b[icmp + 1] = 0;
  v.setUint32(icmp + 4, 0x20000000); // R=0 S=0 O=1
  b.set(ip, icmp + 8);
  b[icmp + 24] = 2; // option: target link-layer address
  b[icmp + 25] = 1; // length in units of 8 bytes
  b.set(mac, icmp + 26);
  v.setUint16(icmp + 2, icmpv6Checksum(ip, ALL_NODES_IP6, b.subarray(icmp)));
  return b;
}

/** RFC 4443 §2.3: ones' complement sum over the pseudo-header and the ICMPv6 message. */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, message: Uint8Array): number {
  let sum = 0;
  const add16 = (bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0);
  };
  add16(src);
  add16(dst);
  sum += message.length >>> 16;
  sum += message.length & 0xffff;
  sum += ICMPV6;
  add16(message);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

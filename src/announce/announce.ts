// Sends the announcements for an interface's addresses from inside its namespace, over one
// AF_PACKET socket. Announcing is best effort, as with pipework's arping: a failure is reported,
// never fatal to the wiring.
import * as libc from '../../native/libc.js';
import { AF_PACKET, SOCK_CLOEXEC, SOCK_DGRAM } from '../netlink/constants.js';
import { inNetns } from '../netns/enter.js';
import type { Netns } from '../netns/netns.js';
import type { IpAddress } from '../util/ip.js';
import { BROADCAST_MAC, sockaddrLl } from '../util/link-layer.js';
import { ALL_NODES_MAC, ETH_P_ARP, ETH_P_IPV6, arpAnnouncement, unsolicitedNeighbourAdvert } from './frames.js';

/**
 * A packet socket created inside ns. Protocol 0: it receives nothing, so it costs nothing
 * while open; sendto() names the protocol per frame.
 */
export function openPacketSocket(ns: Netns): number {
  return inNetns(ns, () => libc.socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

export function announceOn(fd: number, ifindex: number, mac: Uint8Array, addresses: readonly IpAddress[]): void {
  for (const a of addresses) {
    if (a.family === 4) libc.sendto(fd, arpAnnouncement(mac, a.bytes), sockaddrLl(ifindex, ETH_P_ARP, BROADCAST_MAC));
    else libc.sendto(fd, unsolicitedNeighbourAdvert(mac, a.bytes), sockaddrLl(ifindex, ETH_P_IPV6, ALL_NODES_MAC));
  }
}

/**
 * Opens a socket in ns and announces. The socket is closed on a worker thread and not waited
 * for: closing a packet socket waits for an RCU grace period (~12 ms) that the caller need not pay.
 */
export function announce(ns: Netns, ifindex: number, mac: Uint8Array, addresses: readonly IpAddress[]): void {
  if (addresses.length === 0) return;
  const fd = openPacketSocket(ns);
  try {
    announceOn(fd, ifindex, mac, addresses);
  } finally {
    void libc.closeAsync(fd);
  }
}

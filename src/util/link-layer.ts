// Link-layer addressing shared by everything that sends frames itself (announcements, the DHCP client):
// the Ethernet broadcast address and struct sockaddr_ll (linux/if_packet.h).

export const AF_PACKET = 17;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** struct sockaddr_ll (20 bytes): to send to `mac` on interface `ifindex`, or, without `mac`, to bind. */
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

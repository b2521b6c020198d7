// Giving a lease back (RFC 2131 section 4.4.6): the DHCPRELEASE, sent straight to the server's
// hardware address over the packet socket when it is known, and awaited until the kernel let go of it.
import { parseIpv4 } from '../util/ip.js';
import type { ClientCore } from './exchange.js';
import type { Lease } from './lease.js';
import { BOOTREQUEST, chaddrOf, type DhcpMessage, MessageType, newMessage } from './message.js';
import { DhcpUdpSocket } from './packet.js';
import { RELEASE_FLUSH_MS } from './schedule.js';

/**
 * The DHCPRELEASE for a lease (RFC 2131 section 4.4.6 and table 5): ciaddr is the leased address,
 * option 54 names the server, option 61 the client (default: type 1 and the MAC), secs 0, no
 * parameters asked for.
 */
export function releaseMessage(lease: Lease, from: { mac: Uint8Array; xid: number; clientId?: Uint8Array }): DhcpMessage {
  return newMessage({
    op: BOOTREQUEST,
    xid: from.xid,
    chaddr: chaddrOf(from.mac),
    ciaddr: parseIpv4(lease.address)!,
    options: {
      messageType: MessageType.RELEASE,
      clientId: from.clientId ?? Uint8Array.of(1, ...from.mac),
      serverId: parseIpv4(lease.serverId)!,
    },
  });
}

/** A lease file's serverMac as bytes; undefined when absent or not a usable unicast address. */
function serverMacOf(lease: Lease): Uint8Array | undefined {
  const text = lease.serverMac;
  if (text === undefined || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text)) return undefined;
  const mac = Uint8Array.from(text.split(':'), (h) => parseInt(h, 16));
  return mac[0] & 1 || mac.every((x) => x === 0) ? undefined : mac;
}

/**
 * Sends a DHCPRELEASE for the lease in force, unicast to its server; no reply is expected.
 *
 * It goes over the packet socket as a complete IPv4/UDP packet (from the leased address:68 to the
 * server id:67) to the hardware address the DHCPACK came from: no ARP exchange stands between it
 * and the wire. Through the kernel's UDP socket instead, the packet would wait in the neighbour
 * queue for the server's ARP answer, and removing the address or deleting the link meanwhile
 * (what follows a release) throws it away. A lease recorded without the server's hardware address
 * (a lease file from an older version) still goes through the UDP socket.
 *
 * Either way this resolves only once the kernel has let go of the packet (taken by the receiving
 * host, or dropped), at most RELEASE_FLUSH_MS later: callers may remove the address, delete the
 * link or exit as soon as it returns.
 */
export async function sendRelease(core: ClientCore): Promise<void> {
  const lease = core.lease;
  if (!lease) return;
  const ciaddr = parseIpv4(lease.address)!;
  const server = parseIpv4(lease.serverId)!;
  const msg = releaseMessage(lease, { mac: core.mac, xid: core.newXid(), clientId: core.clientId() });
  const mac = serverMacOf(lease);
  if (mac) {
    try {
      const pkt = core.openPacket();
      pkt.sendUnicast(msg, ciaddr, server, mac);
      const gone = await pkt.whenSent(RELEASE_FLUSH_MS);
      core.log(`DHCPRELEASE of ${lease.address} sent to ${lease.serverId} at ${lease.serverMac}${gone ? '' : ' (still queued after ' + RELEASE_FLUSH_MS + ' ms)'}`);
      return;
    } catch (e) {
      core.log(`sending DHCPRELEASE to ${lease.serverMac} over the packet socket failed (${(e as Error).message}); trying the UDP socket`);
    }
  }
  const udp = DhcpUdpSocket.open(core.ns, core.ifname, ciaddr);
  try {
    udp.send(msg, server);
    const gone = await udp.whenSent(RELEASE_FLUSH_MS);
    core.log(`DHCPRELEASE of ${lease.address} sent to ${lease.serverId}${gone ? '' : ` (waiting for ARP after ${RELEASE_FLUSH_MS} ms; it may be lost)`}`);
  } finally {
    udp.close();
  }
}

// IPv4/UDP framing for DHCP over a packet socket: checksums against known values, the exact header
// bytes, validation of received packets, and the BPF program's decisions.
import test from 'ava';
import {
  buildUdpIpv4, dhcpReplyFilter, htons, internetChecksum, linkSource, PacketError, parseUdpIpv4, runFilter, sockaddrIn, sockaddrLl,
  unicastToServer,
} from '../../src/dhcp/framing.js';
import { releaseMessage } from '../../src/dhcp/release.js';
import type { Lease } from '../../src/dhcp/lease.js';
import { MessageType, newMessage } from '../../src/dhcp/message.js';
import { decodeMessage, encodeMessage } from '../../src/dhcp/codec.js';
import { fromHex, hex } from '../helpers/bytes.js';

const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));

test('internet checksum of a well-known IPv4 header is b861', (t) => {
  // 192.168.0.1 -> 192.168.0.199, UDP, the checksum field zeroed
  const h = fromHex('45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7');
  t.is(internetChecksum(h), 0xb861);
  h.set([0xb8, 0x61], 10);
  t.is(internetChecksum(h), 0, 'a header with its checksum sums to zero');
});

test('internet checksum over split and odd-length parts equals the checksum of the whole', (t) => {
  const whole = fromHex('01 02 03 04 05 06 07');
  t.is(internetChecksum(whole.subarray(0, 3), whole.subarray(3)), internetChecksum(whole));
  t.is(internetChecksum(fromHex('ff')), 0x00ff);
});

test('a DHCP packet from 0.0.0.0:68 to 255.255.255.255:67: exact headers, valid checksums', (t) => {
  const payload = encodeMessage(newMessage({ xid: 1, options: { messageType: 1 } }));
  const pkt = buildUdpIpv4({ src: ip('0.0.0.0'), dst: ip('255.255.255.255'), srcPort: 68, dstPort: 67, payload }, { id: 0x1234 });
  t.is(pkt.length, 20 + 8 + 300);
  // version/IHL, TOS, total length 328, id, no fragmentation, TTL 64, UDP
  t.is(hex(pkt.subarray(0, 10)), '45 00 01 48 12 34 00 00 40 11');
  t.is(hex(pkt.subarray(12, 20)), '00 00 00 00 ff ff ff ff');
  t.is(internetChecksum(pkt.subarray(0, 20)), 0);
  // UDP: ports 68 -> 67, length 308
  t.is(hex(pkt.subarray(20, 26)), '00 44 00 43 01 34');
  const back = parseUdpIpv4(pkt);
  t.is(back.srcPort, 68);
  t.is(back.dstPort, 67);
  t.deepEqual(back.payload, payload);
});

test('received packets are validated: checksums, lengths, fragments, protocol', (t) => {
  const good = buildUdpIpv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), srcPort: 67, dstPort: 68, payload: fromHex('01 02 03') });
  t.notThrows(() => parseUdpIpv4(good));
  const mutate = (f: (b: Uint8Array) => void) => {
    const b = good.slice();
    f(b);
    return b;
  };
  const cases: Array<[Uint8Array, RegExp]> = [
    [good.subarray(0, 27), /too short/],
    [mutate((b) => (b[0] = 0x65)), /IP version 6/],
    [mutate((b) => (b[0] = 0x44)), /header length 16/],
    [mutate((b) => (b[3] += 1)), /total length|checksum/],
    [mutate((b) => (b[12] ^= 1)), /IPv4 header checksum/],
    [mutate((b) => (b[30] ^= 1)), /UDP checksum/],
    [mutate((b) => (b[25] = 2)), /UDP length 2/],
  ];
  for (const [b, why] of cases) t.throws(() => parseUdpIpv4(b), { instanceOf: PacketError, message: why }, why.source);
  // a fragment, with the header checksum fixed up so only the fragment flag is wrong
  const frag = good.slice();
  frag[6] = 0x20;
  frag[10] = frag[11] = 0;
  const c = internetChecksum(frag.subarray(0, 20));
  frag[10] = c >> 8;
  frag[11] = c & 0xff;
  t.throws(() => parseUdpIpv4(frag), { instanceOf: PacketError, message: /fragment/ });
  // a bad UDP checksum is accepted when the kernel vouches for it (checksum offload on veth)
  t.notThrows(() => parseUdpIpv4(mutate((b) => (b[30] ^= 1)), { udpChecksumTrusted: true }));
  // checksum 0 means "none" for UDP over IPv4
  t.notThrows(() => parseUdpIpv4(mutate((b) => ((b[26] = 0), (b[27] = 0)))));
});

test('a computed UDP checksum of 0 is sent as ffff', (t) => {
  // find a payload whose checksum comes out 0: adjust two bytes until it does
  for (let x = 0; x < 0x10000; x++) {
    const payload = Uint8Array.of(x >> 8, x & 0xff);
    const pkt = buildUdpIpv4({ src: ip('1.2.3.4'), dst: ip('5.6.7.8'), srcPort: 68, dstPort: 67, payload });
    if (pkt[26] === 0xff && pkt[27] === 0xff) {
      t.notThrows(() => parseUdpIpv4(pkt));
      return;
    }
  }
  t.fail('no payload produced the all-ones checksum');
});

function reply(xid: number, op = 2, dstPort = 68): Uint8Array {
  const payload = encodeMessage(newMessage({ op, xid, options: { messageType: 2 } }));
  return buildUdpIpv4({ src: ip('10.0.0.1'), dst: ip('255.255.255.255'), srcPort: 67, dstPort, payload });
}

test('the BPF program accepts DHCP replies to port 68 with our xid and drops the rest', (t) => {
  const f = dhcpReplyFilter(0xcafe0001);
  t.is(f.length % 8, 0);
  t.true(runFilter(f, reply(0xcafe0001)) > 0);
  t.is(runFilter(f, reply(0xcafe0002)), 0, 'another transaction');
  t.is(runFilter(f, reply(0xcafe0001, 1)), 0, 'a BOOTREQUEST (another client)');
  t.is(runFilter(f, reply(0xcafe0001, 2, 67)), 0, 'to the server port');
  const tcp = reply(0xcafe0001);
  tcp[9] = 6;
  t.is(runFilter(f, tcp), 0, 'not UDP');
  const frag = reply(0xcafe0001);
  frag[7] = 1;
  t.is(runFilter(f, frag), 0, 'a fragment');
  t.is(runFilter(f, reply(0xcafe0001).subarray(0, 30)), 0, 'truncated');
  // with IP options (IHL 6) the UDP header moves: the program follows it
  const base = reply(0xcafe0001);
  const withOpts = new Uint8Array(base.length + 4);
  withOpts.set(base.subarray(0, 20));
  withOpts.set(base.subarray(20), 24);
  withOpts[0] = 0x46;
  t.true(runFilter(f, withOpts) > 0);
  t.true(runFilter(dhcpReplyFilter(), reply(0x1234)) > 0, 'without an xid any reply passes');
});

test('socket addresses: sockaddr_ll and sockaddr_in layouts', (t) => {
  t.is(hex(sockaddrLl(7, 0x0800, fromHex('ff ff ff ff ff ff'))), '11 00 08 00 07 00 00 00 00 00 00 06 ff ff ff ff ff ff 00 00');
  t.is(hex(sockaddrIn(ip('10.0.0.1'), 67)), '02 00 00 43 0a 00 00 01 00 00 00 00 00 00 00 00');
  t.is(htons(0x0800), 0x0008);
});

test('DHCPRELEASE as handed to the packet socket: the exact IPv4/UDP packet and the sockaddr_ll of the server', (t) => {
  const lease: Lease = {
    ifname: 'eth1', mac: '02:42:ac:11:00:02', address: '10.80.0.123', prefix: 24, serverId: '10.80.0.1', serverMac: '02:00:0a:50:00:01',
    routers: [], classlessRoutes: [], dnsServers: [], acquiredAt: 0,
  };
  const msg = releaseMessage(lease, { mac: fromHex('02 42 ac 11 00 02'), xid: 0x1234abcd });
  const { packet, addr } = unicastToServer(msg, { src: ip('10.80.0.123'), dst: ip('10.80.0.1'), mac: fromHex('02 00 0a 50 00 01'), ifindex: 7, id: 0x0101 });
  // checksums worked out apart from the code under test (RFC 1071 sums over the header, and over
  // the UDP pseudo-header + datagram)
  const expected = fromHex(
    [
      // IPv4: version 4 / IHL 5, TOS 0, total 328, id 0x0101, no fragmentation, TTL 64, UDP, checksum
      '45 00 01 48 | 01 01 00 00 | 40 11 63 89 | 0a 50 00 7b | 0a 50 00 01',
      // UDP: 68 -> 67, length 308, checksum
      '00 44 00 43 | 01 34 6d 04',
      // BOOTP: BOOTREQUEST, Ethernet, hlen 6, hops 0, xid, secs 0, flags 0 (no broadcast)
      '01 01 06 00 | 12 34 ab cd | 00 00 00 00',
      // ciaddr = the leased address; yiaddr, siaddr, giaddr zero
      '0a 50 00 7b | 00 00 00 00 | 00 00 00 00 | 00 00 00 00',
      // chaddr (16), sname (64), file (128)
      '02 42 ac 11 00 02' + ' 00'.repeat(10) + ' 00'.repeat(64) + ' 00'.repeat(128),
      // magic cookie; options 53 = 7 (DHCPRELEASE), 54 = the server, 61 = 01 + MAC; END; padding to 300
      '63 82 53 63 | 35 01 07 | 36 04 0a 50 00 01 | 3d 07 01 02 42 ac 11 00 02 | ff' + ' 00'.repeat(41),
    ].join(' '),
  );
  t.is(expected.length, 20 + 8 + 300);
  t.is(hex(packet), hex(expected));
  // AF_PACKET, ETH_P_IP (network order), ifindex 7, hatype/pkttype 0, halen 6, the server's MAC
  t.is(hex(addr), '11 00 08 00 07 00 00 00 00 00 00 06 02 00 0a 50 00 01 00 00');
  // and what the server reads back
  const back = parseUdpIpv4(packet);
  t.like(back, { srcPort: 68, dstPort: 67 });
  const m = decodeMessage(back.payload);
  t.is(m.options.messageType, MessageType.RELEASE);
  t.deepEqual(m.options.serverId, ip('10.80.0.1'));
  t.deepEqual(m.ciaddr, ip('10.80.0.123'));
  t.is(m.options.requestedIp, undefined, 'RFC 2131 table 5: no requested address in a DHCPRELEASE');
});

test('the Ethernet source of a received frame, from the sockaddr_ll recvmsg returns', (t) => {
  // sll_family 17, ETH_P_IP, ifindex 3, ARPHRD_ETHER, PACKET_HOST, halen 6, the source MAC, padding
  const sll = fromHex('11 00 08 00 03 00 00 00 01 00 00 06 02 00 0a 50 00 01 00 00');
  t.is(hex(linkSource(sll)!), '02 00 0a 50 00 01');
  t.is(linkSource(fromHex('11 00 08 00 03 00 00 00 20 03 00 00 00 00 00 00 00 00 00 00')), undefined, 'no hardware address (halen 0)');
  t.is(linkSource(fromHex('11 00 08 00 03 00 00 00 01 00 00 06 00 00 00 00 00 00 00 00')), undefined, 'all zeros');
  t.is(linkSource(sll.subarray(0, 14)), undefined, 'truncated');
});

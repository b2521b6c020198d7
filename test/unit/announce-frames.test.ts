import test from 'ava';
import { arpAnnouncement, icmpv6Checksum, unsolicitedNeighbourAdvert } from '../../src/announce/frames.js';
import { sockaddrLl } from '../../src/util/link-layer.js';
import { parseIp, parseMac } from '../../src/util/ip.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const mac = parseMac('02:00:00:07:00:05');

test('ARP announcement (RFC 5227): a request with sender = target = our address, target MAC zero', (t) => {
  const f = arpAnnouncement(mac, parseIp('10.7.0.5')!.bytes);
  t.is(
    hex(f),
    '0001' + '0800' + '06' + '04' + '0001' + '020000070005' + '0a070005' + '000000000000' + '0a070005',
  );
});

test('unsolicited NA: IPv6 header to ff02::1, hop limit 255, O flag, target link-layer option', (t) => {
  const ip = parseIp('fd07::5')!.bytes;
  const f = unsolicitedNeighbourAdvert(mac, ip);
  t.is(f.length, 72);
  t.is(hex(f.subarray(0, 8)), '60000000' + '0020' + '3a' + 'ff');
  t.is(hex(f.subarray(8, 24)), hex(ip));
  t.is(hex(f.subarray(24, 40)), 'ff020000000000000000000000000001');
  const icmp = f.subarray(40);
  t.is(icmp[0], 136);
  t.is(icmp[1], 0);
  t.is(hex(icmp.subarray(4, 8)), '20000000');
  t.is(hex(icmp.subarray(8, 24)), hex(ip));
  t.is(hex(icmp.subarray(24, 32)), '0201' + '020000070005');
  // A correct checksum makes the sum over pseudo-header and message come out as zero.
  t.is(icmpv6Checksum(ip, f.subarray(24, 40), icmp), 0);
});

test('ICMPv6 checksum of a known message', (t) => {
  // Echo request, id 0x1234 seq 1, from ::1 to ::1; worked out by hand (RFC 1071 sum).
  const one = parseIp('::1')!.bytes;
  const msg = Uint8Array.from([0x80, 0, 0, 0, 0x12, 0x34, 0, 1]);
  // pseudo: src 1 + dst 1 + length 8 + next header 58 = 0x44; message: 0x8000 + 0x1234 + 0x0001 = 0x9235
  t.is(icmpv6Checksum(one, one, msg), ~(0x44 + 0x9235) & 0xffff);
});

test('sockaddr_ll: family, protocol in network order, ifindex, address length and bytes', (t) => {
  const sa = sockaddrLl(7, 0x0806, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  t.is(hex(sa), '1100' + '0806' + '07000000' + '0000' + '00' + '06' + 'ffffffffffff0000');
});

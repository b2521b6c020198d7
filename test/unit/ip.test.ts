// src/util/ip.ts: IPv4/IPv6 text <-> bytes (RFC 4291 input forms, RFC 5952 output), CIDR
// arithmetic, MAC addresses and pipework's stable MAC.
import test from 'ava';
import {
  broadcastOf, equalBytes, formatCidr, formatIp, formatMac, inSubnet, isLinkLocal6, isZero, networkOf, parseCidr, parseIp, parseIpv4,
  parseIpv6, parseMac, stableMac,
} from '../../src/util/ip.js';
import { InputError } from '../../src/util/errors.js';
import { hex } from '../helpers/bytes.js';

const v6hex = (text: string) => {
  const b = parseIpv6(text);
  return b ? hex(b) : undefined;
};
const groups = (...g: number[]) => hex(Uint8Array.from(g.flatMap((x) => [x >> 8, x & 0xff])));

test('IPv4: dotted quads parse to 4 bytes', (t) => {
  t.deepEqual(parseIpv4('10.0.0.5'), Uint8Array.of(10, 0, 0, 5));
  t.deepEqual(parseIpv4('0.0.0.0'), Uint8Array.of(0, 0, 0, 0));
  t.deepEqual(parseIpv4('255.255.255.255'), Uint8Array.of(255, 255, 255, 255));
  t.deepEqual(parseIpv4('192.168.100.1'), Uint8Array.of(192, 168, 100, 1));
});

test('IPv4: anything but four decimal octets 0-255 without leading zeros is rejected', (t) => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '1.2.3.-4', '1.2.3.4 ', ' 1.2.3.4', '1..3.4', 'a.b.c.d', '1.2.3.4/24', '0x1.2.3.4', '1.2.3.1000', '١.٢.٣.٤']) {
    t.is(parseIpv4(bad), undefined, JSON.stringify(bad));
  }
});

test('IPv6: full, compressed and mixed forms parse to 16 bytes', (t) => {
  t.is(v6hex('2001:db8:0:0:0:0:0:1'), groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
  t.is(v6hex('2001:db8::1'), groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
  t.is(v6hex('2001:0DB8::0001'), groups(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 'upper case, leading zeros');
  t.is(v6hex('::'), groups(0, 0, 0, 0, 0, 0, 0, 0));
  t.is(v6hex('::1'), groups(0, 0, 0, 0, 0, 0, 0, 1));
  t.is(v6hex('1::'), groups(1, 0, 0, 0, 0, 0, 0, 0));
  t.is(v6hex('fe80::1:2'), groups(0xfe80, 0, 0, 0, 0, 0, 1, 2));
  t.is(v6hex('1:2:3:4:5:6:7::'), groups(1, 2, 3, 4, 5, 6, 7, 0), ':: may stand for a single group (RFC 4291)');
  t.is(v6hex('::2:3:4:5:6:7:8'), groups(0, 2, 3, 4, 5, 6, 7, 8));
  t.is(v6hex('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), groups(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff));
  t.is(v6hex('::ffff:1.2.3.4'), groups(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304));
  t.is(v6hex('::FFFF:192.168.0.1'), groups(0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0001));
  t.is(v6hex('1:2:3:4:5:6:10.0.0.1'), groups(1, 2, 3, 4, 5, 6, 0x0a00, 0x0001));
  t.is(v6hex('64:ff9b::192.0.2.33'), groups(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221));
});

test('IPv6: malformed forms are rejected', (t) => {
  for (const bad of [
    '', ':', ':::', '1:::2', '1::2::3', '::1::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8',
    ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '12345::', 'g::1', '2001:db8::1/64', 'fe80::1%eth0', ' ::1', '::1 ', '1.2.3.4', '::ffff:1.2.3',
    '::ffff:1.2.3.4.5', '::ffff:256.1.1.1', '::ffff:01.2.3.4', '1.2.3.4::', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4', '[::1]',
  ]) {
    t.is(parseIpv6(bad), undefined, JSON.stringify(bad));
  }
});

test('parseIp tells the family', (t) => {
  t.deepEqual(parseIp('10.1.2.3'), { family: 4, bytes: Uint8Array.of(10, 1, 2, 3) });
  t.is(parseIp('fd00::5')?.family, 6);
  t.is(parseIp('::ffff:10.1.2.3')?.family, 6, 'an IPv4-mapped address is IPv6');
  t.is(parseIp('eth0'), undefined);
  t.is(parseIp('10.1.2.3/24'), undefined);
});

test('formatIp: IPv4 dotted quad; IPv6 in the RFC 5952 canonical form', (t) => {
  const fmt = (s: string) => formatIp(parseIp(s)!.bytes);
  t.is(fmt('10.0.0.5'), '10.0.0.5');
  t.is(fmt('0.0.0.0'), '0.0.0.0');
  t.is(fmt('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1', '4.1 leading zeros go; 4.2 longest run compressed');
  t.is(fmt('2001:DB8::AB'), '2001:db8::ab', '4.3 lower case');
  t.is(fmt('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', '4.2.2 a single zero group is not compressed');
  t.is(fmt('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1', '4.2.3 the longest run wins');
  t.is(fmt('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', '4.2.3 on a tie, the first run');
  t.is(fmt('::'), '::');
  t.is(fmt('::1'), '::1');
  t.is(fmt('1::'), '1::');
  t.is(fmt('1:0:0:0:0:0:0:0'), '1::');
  t.is(fmt('0:0:0:0:0:0:0:1'), '::1');
  t.is(fmt('1:2:3:4:5:6:7::'), '1:2:3:4:5:6:7:0', 'never :: for one group');
  t.is(fmt('fe80::a8bb:ccff:fedd:eeff'), 'fe80::a8bb:ccff:fedd:eeff');
  t.is(fmt('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
  t.is(fmt('::ffff:1.2.3.4'), '::ffff:1.2.3.4', '5. IPv4-mapped addresses in mixed notation');
  t.is(fmt('::ffff:0:0'), '::ffff:0.0.0.0');
  t.is(fmt('::fffe:1.2.3.4'), '::fffe:102:304', 'only the mapped prefix gets dotted quads');
  t.throws(() => formatIp(new Uint8Array(5)), { message: /5 bytes/ });
});

test('formatIp and parseIpv6 are inverse on random addresses with zero runs', (t) => {
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 2000; i++) {
    const b = new Uint8Array(16);
    for (let g = 0; g < 8; g++) {
      const v = next() % 3 === 0 ? 0 : next() & 0xffff;
      b[2 * g] = v >> 8;
      b[2 * g + 1] = v & 0xff;
    }
    const text = formatIp(b);
    const back = parseIpv6(text);
    if (!back || !equalBytes(back, b)) {
      t.fail(`${hex(b)} -> ${text} -> ${back ? hex(back) : 'rejected'}`);
      return;
    }
    t.false(/(^|:)0[0-9a-f]/.test(text) || /[A-F]/.test(text) || /::.*::/.test(text), text);
  }
});

test('parseCidr: address and prefix, with messages that say what is wrong', (t) => {
  t.deepEqual(parseCidr('10.0.0.5/24'), { family: 4, bytes: Uint8Array.of(10, 0, 0, 5), prefix: 24 });
  t.is(parseCidr('fd00::5/64').prefix, 64);
  t.is(parseCidr('0.0.0.0/0').prefix, 0);
  t.is(parseCidr('1.2.3.4/32').prefix, 32);
  t.is(parseCidr('::/128').prefix, 128);
  t.is(formatCidr(parseCidr('2001:DB8:0::1/48')), '2001:db8::1/48');
  t.is(formatCidr(parseCidr('10.0.0.5/24')), '10.0.0.5/24');

  const e = t.throws(() => parseCidr('10.0.0.5'), { instanceOf: InputError });
  t.regex(e!.message, /has no prefix length/);
  t.regex(e!.message, /10\.0\.0\.5\/24/, 'suggests the fix');
  t.throws(() => parseCidr('10.0.0.5/33'), { instanceOf: InputError, message: /from 0 to 32/ });
  t.throws(() => parseCidr('fd00::1/129'), { instanceOf: InputError, message: /from 0 to 128/ });
  for (const bad of ['10.0.0.5/', '10.0.0.5/-1', '10.0.0.5/2a', '10.0.0.5/24/1', '10.0.0.5/ 24', '10.0.0.5/1000', '/24', 'eth0/24', '10.0.0/24']) {
    t.throws(() => parseCidr(bad), { instanceOf: InputError }, bad);
  }
  t.throws(() => parseCidr('x/1', 'gateway'), { message: /^gateway x\/1/ });
});

test('networkOf clears host bits, at byte and bit boundaries', (t) => {
  const net = (s: string) => formatIp(networkOf(parseCidr(s)));
  t.is(net('10.1.2.3/8'), '10.0.0.0');
  t.is(net('10.1.2.3/20'), '10.1.0.0');
  t.is(net('10.1.18.3/20'), '10.1.16.0');
  t.is(net('10.1.2.3/32'), '10.1.2.3');
  t.is(net('10.1.2.3/0'), '0.0.0.0');
  t.is(net('2001:db8:1:2:3:4:5:6/64'), '2001:db8:1:2::');
  t.is(net('2001:db8:ffff::1/33'), '2001:db8:8000::');
  const c = parseCidr('10.1.2.3/8');
  networkOf(c);
  t.is(formatIp(c.bytes), '10.1.2.3', 'the input is not modified');
});

test('broadcastOf: IPv4 host bits set; none for /31, /32 and IPv6', (t) => {
  const bc = (s: string) => {
    const b = broadcastOf(parseCidr(s));
    return b && formatIp(b);
  };
  t.is(bc('10.1.2.3/24'), '10.1.2.255');
  t.is(bc('10.1.2.3/8'), '10.255.255.255');
  t.is(bc('10.1.18.3/20'), '10.1.31.255');
  t.is(bc('192.168.1.1/30'), '192.168.1.3');
  t.is(bc('0.0.0.0/0'), '255.255.255.255');
  t.is(bc('10.0.0.0/31'), undefined);
  t.is(bc('10.0.0.1/32'), undefined);
  t.is(bc('fd00::1/64'), undefined);
});

test('inSubnet', (t) => {
  const ip = (s: string) => parseIp(s)!;
  t.true(inSubnet(ip('10.0.0.1'), parseCidr('10.0.0.5/24')));
  t.true(inSubnet(ip('10.0.0.255'), parseCidr('10.0.0.0/24')));
  t.false(inSubnet(ip('10.0.1.1'), parseCidr('10.0.0.5/24')));
  t.true(inSubnet(ip('10.0.31.1'), parseCidr('10.0.16.0/20')));
  t.false(inSubnet(ip('10.0.32.1'), parseCidr('10.0.16.0/20')));
  t.true(inSubnet(ip('1.2.3.4'), parseCidr('0.0.0.0/0')));
  t.true(inSubnet(ip('1.2.3.4'), parseCidr('1.2.3.4/32')));
  t.false(inSubnet(ip('1.2.3.5'), parseCidr('1.2.3.4/32')));
  t.true(inSubnet(ip('fd00::1:2'), parseCidr('fd00::/64')));
  t.false(inSubnet(ip('fd01::1'), parseCidr('fd00::/64')));
  t.false(inSubnet(ip('::ffff:10.0.0.1'), parseCidr('10.0.0.0/8')), 'families differ');
  t.false(inSubnet(ip('10.0.0.1'), parseCidr('::/0')), 'families differ');
});

test('byte predicates: equalBytes, isZero, isLinkLocal6', (t) => {
  t.true(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  t.false(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  t.false(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)));
  t.true(isZero(new Uint8Array(16)));
  t.false(isZero(Uint8Array.of(0, 1)));
  t.true(isLinkLocal6(parseIpv6('fe80::1')!));
  t.true(isLinkLocal6(parseIpv6('febf::1')!));
  t.false(isLinkLocal6(parseIpv6('fec0::1')!));
  t.false(isLinkLocal6(parseIpv6('fd00::1')!));
  t.false(isLinkLocal6(Uint8Array.of(0xfe, 0x80, 0, 0)));
});

test('parseMac: six hex bytes, ":" or "-", any case; formatMac writes lower case with ":"', (t) => {
  t.deepEqual(parseMac('02:42:ac:11:00:02'), Uint8Array.of(0x02, 0x42, 0xac, 0x11, 0x00, 0x02));
  t.deepEqual(parseMac('02-42-AC-11-00-02'), Uint8Array.of(0x02, 0x42, 0xac, 0x11, 0x00, 0x02));
  t.is(formatMac(parseMac('0A:0b:0C:0d:0E:0f')), '0a:0b:0c:0d:0e:0f');
  t.is(formatMac(Uint8Array.of(0, 1, 2, 3, 4, 5)), '00:01:02:03:04:05', 'zero padded');
  t.deepEqual(parseMac('00:00:00:00:00:01'), Uint8Array.of(0, 0, 0, 0, 0, 1));
});

test('parseMac: multicast, broadcast, all-zero and malformed addresses are InputErrors', (t) => {
  t.throws(() => parseMac('01:00:5e:00:00:01'), { instanceOf: InputError, message: /multicast/ });
  t.throws(() => parseMac('03:00:00:00:00:01'), { instanceOf: InputError, message: /multicast/ });
  t.throws(() => parseMac('ff:ff:ff:ff:ff:ff'), { instanceOf: InputError, message: /multicast/ });
  t.throws(() => parseMac('00:00:00:00:00:00'), { instanceOf: InputError, message: /all zeros/ });
  for (const bad of ['', '02:42:ac:11:00', '02:42:ac:11:00:02:03', '0242ac110002', '2:42:ac:11:0:2', '02:42:ac:11:00:0g', '02:42:ac:11:00:02 ', '02.42.ac.11.00.02', '002:42:ac:11:00:02']) {
    t.throws(() => parseMac(bad), { instanceOf: InputError }, bad);
  }
});

test("stableMac: pipework's U:<string> MAC, md5 of the string and a newline", (t) => {
  t.is(stableMac('myhost.foo.com'), '02:72:6c:cd:9b:8d', "pipework's documented example");
  for (const seed of ['', 'a', 'web-1', 'ünï', 'x'.repeat(300)]) {
    const mac = stableMac(seed);
    t.regex(mac, /^02(:[0-9a-f]{2}){5}$/);
    t.is(formatMac(parseMac(mac)), mac, 'a valid unicast, locally administered address');
    t.is(stableMac(seed), mac, 'stable');
  }
  t.not(stableMac('web-1'), stableMac('web-2'));
});

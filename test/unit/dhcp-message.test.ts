// The DHCPv4 codec: golden bytes written out field by field from RFC 2131 section 2 (the header)
// and RFC 2132 (the options), option 121 vectors from RFC 3442, RFC 3396 split and overloaded
// options, and decoding errors that are always DhcpDecodeError.
import test from 'ava';
import { BOOTP_MIN_LEN, BOOTREPLY, BOOTREQUEST, chaddrOf, DhcpDecodeError, hardwareAddress, MessageType, messageTypeName, newMessage, Option } from '../../src/dhcp/message.js';
import { decodeClasslessRoutes, decodeMessage, encodeClasslessRoutes, encodeMessage } from '../../src/dhcp/codec.js';
import { concat, fromHex, hex } from '../helpers/bytes.js';

const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));
const MAC = fromHex('02 42 ac 11 00 02');

/** The 236-byte fixed header, written out by hand. */
function header(fields: { op: number; xid: string; secs?: string; flags?: string; ciaddr?: string; yiaddr?: string; siaddr?: string }): string {
  return (
    `${fields.op.toString(16).padStart(2, '0')} 01 06 00` + // op, htype ethernet, hlen 6, hops 0
    fields.xid + // xid
    (fields.secs ?? '00 00') + (fields.flags ?? '00 00') +
    (fields.ciaddr ?? '00 00 00 00') +
    (fields.yiaddr ?? '00 00 00 00') +
    (fields.siaddr ?? '00 00 00 00') +
    '00 00 00 00' + // giaddr
    '02 42 ac 11 00 02' + '00'.repeat(10) + // chaddr, 16 bytes
    '00'.repeat(64) + // sname
    '00'.repeat(128) // file
  );
}
const COOKIE = '63 82 53 63';

test('a DHCPDISCOVER encodes to the exact bytes, padded to 300', (t) => {
  const m = newMessage({
    xid: 0x3903f326,
    secs: 3,
    flags: 0x8000,
    chaddr: chaddrOf(MAC),
    options: {
      messageType: MessageType.DISCOVER,
      clientId: Uint8Array.of(1, ...MAC),
      hostname: 'web',
      parameterList: [1, 121, 3, 6],
      maxMessageSize: 1500,
    },
  });
  const options =
    '35 01 01' + // 53 message type: DISCOVER (always first)
    '0c 03 77 65 62' + // 12 hostname "web"
    '37 04 01 79 03 06' + // 55 parameter list
    '39 02 05 dc' + // 57 max message size 1500
    '3d 07 01 02 42 ac 11 00 02' + // 61 client id: type 1 + MAC
    'ff'; // end
  const body = fromHex(header({ op: 1, xid: '39 03 f3 26', secs: '00 03', flags: '80 00' }) + COOKIE + options);
  const expected = concat(body, new Uint8Array(BOOTP_MIN_LEN - body.length));
  const got = encodeMessage(m);
  t.is(got.length, 300);
  t.is(hex(got), hex(expected));
});

test('a DHCPACK as a server sends it decodes to typed options', (t) => {
  const options =
    '35 01 05' + // ACK
    '36 04 0a 50 00 01' + // 54 server id 10.80.0.1
    '33 04 00 00 0e 10' + // 51 lease 3600 s
    '3a 04 00 00 07 08' + // 58 T1 1800
    '3b 04 00 00 0c 4e' + // 59 T2 3150
    '01 04 ff ff ff 00' + // 1 mask /24
    '1c 04 0a 50 00 ff' + // 28 broadcast
    '03 08 0a 50 00 01 0a 50 00 02' + // 3 two routers
    '06 04 0a 50 00 35' + // 6 DNS
    '0f 0c 65 78 61 6d 70 6c 65 2e 63 6f 6d 00' + // 15 "example.com" NUL-terminated (some servers do)
    '1a 02 05 78' + // 26 MTU 1400
    '79 0d 18 0a 5a 00 0a 50 00 02 00 00 00 00 00' + // 121: 10.90.0/24 via 10.80.0.2; default via 0.0.0.0 (on-link)
    '00 00' + // pads
    'ff' + '00 00 00';
  const bytes = fromHex(header({ op: 2, xid: 'de ad be ef', yiaddr: '0a 50 00 64', siaddr: '0a 50 00 01' }) + COOKIE + options);
  const m = decodeMessage(bytes);
  t.is(m.op, BOOTREPLY);
  t.is(m.xid, 0xdeadbeef);
  t.deepEqual(Array.from(m.yiaddr), [10, 80, 0, 100]);
  t.deepEqual(Array.from(hardwareAddress(m)), Array.from(MAC));
  const o = m.options;
  t.is(o.messageType, MessageType.ACK);
  t.is(messageTypeName(o.messageType), 'DHCPACK');
  t.deepEqual(Array.from(o.serverId!), [10, 80, 0, 1]);
  t.is(o.leaseTime, 3600);
  t.is(o.renewalTime, 1800);
  t.is(o.rebindingTime, 3150);
  t.deepEqual(Array.from(o.subnetMask!), [255, 255, 255, 0]);
  t.deepEqual(Array.from(o.broadcastAddress!), [10, 80, 0, 255]);
  t.deepEqual(o.routers!.map((r) => r.join('.')), ['10.80.0.1', '10.80.0.2']);
  t.deepEqual(o.dnsServers!.map((r) => r.join('.')), ['10.80.0.53']);
  t.is(o.domainName, 'example.com');
  t.is(o.mtu, 1400);
  // 121: [24, 10,90,0, 10,80,0,2] then [0, 0,0,0,0]: default route with router 0.0.0.0
  t.deepEqual(
    o.classlessRoutes!.map((r) => `${r.dst.join('.')}/${r.prefix} ${r.gateway.join('.')}`),
    ['10.90.0.0/24 10.80.0.2', '0.0.0.0/0 0.0.0.0'],
  );
  t.is(o.other, undefined);
});

// RFC 3442 section 2, the table of destination descriptors.
const rfc3442: Array<[string, number, string]> = [
  ['0.0.0.0', 0, '00'],
  ['10.0.0.0', 8, '08 0a'],
  ['10.0.0.0', 24, '18 0a 00 00'],
  ['10.17.0.0', 16, '10 0a 11'],
  ['10.27.129.0', 24, '18 0a 1b 81'],
  ['10.229.0.128', 25, '19 0a e5 00 80'],
  ['10.198.122.47', 32, '20 0a c6 7a 2f'],
];

for (const [dst, prefix, descriptor] of rfc3442) {
  test(`option 121: ${dst}/${prefix} has descriptor ${descriptor} (RFC 3442)`, (t) => {
    const route = { dst: ip(dst), prefix, gateway: ip('10.0.0.1') };
    const wire = encodeClasslessRoutes([route]);
    t.is(hex(wire), `${descriptor} 0a 00 00 01`);
    const back = decodeClasslessRoutes(wire);
    t.deepEqual(back.map((r) => [r.dst.join('.'), r.prefix, r.gateway.join('.')]), [[dst, prefix, '10.0.0.1']]);
  });
}

test('option 121: several routes back to back; host bits beyond the prefix are cleared', (t) => {
  const wire = fromHex('19 0a e5 00 ff 0a 00 00 01' + '00 0a 00 00 fe');
  const routes = decodeClasslessRoutes(wire);
  t.deepEqual(
    routes.map((r) => `${r.dst.join('.')}/${r.prefix} via ${r.gateway.join('.')}`),
    ['10.229.0.128/25 via 10.0.0.1', '0.0.0.0/0 via 10.0.0.254'],
  );
  t.is(hex(encodeClasslessRoutes([{ dst: ip('10.1.2.3'), prefix: 12, gateway: ip('1.1.1.1') }])), '0c 0a 00 01 01 01 01');
});

test('option 121: a prefix over 32 or a truncated route is a decode error', (t) => {
  t.throws(() => decodeClasslessRoutes(fromHex('21 0a 00 00 00 00 0a 00 00 01')), { instanceOf: DhcpDecodeError, message: /more than 32/ });
  t.throws(() => decodeClasslessRoutes(fromHex('18 0a 00 00 0a 00 00')), { instanceOf: DhcpDecodeError, message: /truncated/ });
  t.throws(() => encodeClasslessRoutes([{ dst: ip('1.0.0.0'), prefix: 33, gateway: ip('1.1.1.1') }]), { instanceOf: RangeError });
});

test('options split over several instances are concatenated (RFC 3396)', (t) => {
  const options = '35 01 02' + '06 04 01 01 01 01' + '36 04 0a 00 00 01' + '06 04 02 02 02 02' + 'ff';
  const m = decodeMessage(fromHex(header({ op: 2, xid: '00 00 00 01' }) + COOKIE + options));
  t.deepEqual(m.options.dnsServers!.map((a) => a.join('.')), ['1.1.1.1', '2.2.2.2']);
});

test('an option longer than 255 bytes is written as several instances and reads back whole', (t) => {
  const routes = Array.from({ length: 40 }, (_, i) => ({ dst: ip(`10.${i}.0.0`), prefix: 16, gateway: ip('10.0.0.1') }));
  const wire = encodeMessage(newMessage({ options: { messageType: 1, classlessRoutes: routes } }));
  // 40 routes of 7 bytes = 280 bytes: one 255-byte instance and one 25-byte instance
  const at = 240 + 3;
  t.is(wire[at], 121);
  t.is(wire[at + 1], 255);
  t.is(wire[at + 2 + 255], 121);
  t.is(wire[at + 2 + 255 + 1], 25);
  t.is(decodeMessage(wire).options.classlessRoutes!.length, 40);
});

test('option overload (52): options in the file and sname fields, in RFC 3396 order', (t) => {
  const bytes = fromHex(header({ op: 2, xid: '00 00 00 02' }) + COOKIE + '35 01 05 34 01 03 06 04 01 01 01 01 ff');
  // file field (offset 108): DNS 2.2.2.2 and a hostname; sname field (offset 44): DNS 3.3.3.3
  bytes.set(fromHex('06 04 02 02 02 02 0c 02 68 31 ff'), 108);
  bytes.set(fromHex('06 04 03 03 03 03 ff'), 44);
  const m = decodeMessage(bytes);
  t.deepEqual(m.options.dnsServers!.map((a) => a.join('.')), ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  t.is(m.options.hostname, 'h1');
  t.true(m.file.every((x) => x === 0), 'an overloaded field is not reported as a file name');
  t.true(m.sname.every((x) => x === 0));
});

test('unknown options are kept raw and written back', (t) => {
  const other = new Map([[43, fromHex('01 02 03')], [224, new Uint8Array(0)]]);
  const wire = encodeMessage(newMessage({ options: { messageType: 1, other } }));
  const back = decodeMessage(wire).options.other!;
  t.is(hex(back.get(43)!), '01 02 03');
  t.is(back.get(224)!.length, 0);
});

test('a missing END and trailing bytes are tolerated; PADs are skipped', (t) => {
  const m = decodeMessage(fromHex(header({ op: 2, xid: '00 00 00 03' }) + COOKIE + '00 00 35 01 02 00'));
  t.is(m.options.messageType, MessageType.OFFER);
  const n = decodeMessage(fromHex(header({ op: 2, xid: '00 00 00 03' }) + COOKIE + '35 01 02 ff 99 99 99'));
  t.is(n.options.messageType, MessageType.OFFER);
});

test('garbage is rejected with DhcpDecodeError, saying what is wrong', (t) => {
  const good = header({ op: 2, xid: '00 00 00 04' });
  const cases: Array<[string, RegExp]> = [
    ['01 02 03', /shorter than/],
    [good + '63 82 53 00' + 'ff', /magic cookie/],
    ['03' + good.slice(2) + COOKIE + 'ff', /op 3/],
    [good.slice(0, 6) + '11' + good.slice(8) + COOKIE + 'ff', /hardware address length 17/],
    [good + COOKIE + '35', /no length byte/],
    [good + COOKIE + '06 08 01 01 01 01', /runs past the end/],
    [good + COOKIE + '35 02 01 01 ff', /option 53.*length 2/],
    [good + COOKIE + '01 03 ff ff ff ff', /option 1 .*length 3/],
    [good + COOKIE + '03 05 01 02 03 04 05 ff', /option 3 .*multiple of 4/],
    [good + COOKIE + '06 00 ff', /option 6 .*multiple of 4/],
    [good + COOKIE + '33 02 00 01 ff', /option 51/],
    [good + COOKIE + '3d 01 01 ff', /option 61/],
    [good + COOKIE + '34 01 04 ff', /option 52/],
    [good + COOKIE + '79 02 21 00 ff', /option 121/],
  ];
  for (const [h, why] of cases) {
    t.throws(() => decodeMessage(fromHex(h)), { instanceOf: DhcpDecodeError, message: why }, why.source);
  }
});

test('encoding refuses fields of the wrong size', (t) => {
  t.throws(() => encodeMessage(newMessage({ ciaddr: new Uint8Array(3) })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(newMessage({ options: { routers: [new Uint8Array(5)] } })), { instanceOf: RangeError });
  t.throws(() => encodeMessage(newMessage({ options: { other: new Map([[255, new Uint8Array(1)]]) } })), { instanceOf: RangeError });
  t.throws(() => chaddrOf(new Uint8Array(17)), { instanceOf: RangeError });
});

test('a full round trip keeps every field', (t) => {
  const m = newMessage({
    op: BOOTREQUEST,
    xid: 0xffffffff,
    secs: 65535,
    flags: 0x8000,
    hops: 2,
    ciaddr: ip('10.0.0.5'),
    giaddr: ip('10.0.0.254'),
    chaddr: chaddrOf(MAC),
    options: {
      messageType: MessageType.RELEASE,
      serverId: ip('10.0.0.1'),
      requestedIp: ip('10.0.0.5'),
      clientId: Uint8Array.of(0, 1, 2, 3),
      vendorClassId: new TextEncoder().encode('pipework'),
      message: 'bye',
      mtu: 9000,
      leaseTime: 0xffffffff,
    },
  });
  const back = decodeMessage(encodeMessage(m));
  t.deepEqual(back, m);
  t.is(Option.END, 255);
});

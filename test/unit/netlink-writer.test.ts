// MessageWriter: byte-exact encodings of netlink attributes (TLVs), their 4-byte padding, nested
// attributes, and the family headers built on it. Expected bytes follow struct nlattr / nlmsghdr
// in linux/netlink.h: little-endian u16 length (header + payload, padding excluded) and u16 type.
import test from 'ava';
import { MessageWriter } from '../../src/netlink/writer.js';
import { writeHeader } from '../../src/netlink/message.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC, IFA_F_NODAD, IFF_UP, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU,
  IFLA_OPERSTATE, NLMSG_HDRLEN, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_NEWLINK, RTN_UNICAST, RTPROT_STATIC,
  RT_SCOPE_LINK, RT_TABLE_MAIN,
} from '../../src/netlink/constants.js';
import { IFINFOMSG_LEN, ifinfomsg } from '../../src/netlink/rtnl/link.js';
import { IFADDRMSG_LEN, ifaddrmsg } from '../../src/netlink/rtnl/address.js';
import { RTMSG_LEN, rtmsg } from '../../src/netlink/rtnl/route.js';
import { Prng, fromHex, hex } from '../helpers/bytes.js';

const bytesOf = (build: (w: MessageWriter) => unknown, capacity?: number) => {
  const w = new MessageWriter(capacity);
  build(w);
  return hex(w.finish());
};
const golden = (text: string) => hex(fromHex(text));

test('scalar attributes: length counts header + payload, padding to 4 bytes follows', (t) => {
  t.is(bytesOf((w) => w.attrU32(IFLA_MTU, 1500)), golden('08 00 04 00 | dc 05 00 00'));
  t.is(bytesOf((w) => w.attrU32(1, 0xffffffff)), golden('08 00 01 00 | ff ff ff ff'));
  t.is(bytesOf((w) => w.attrU32(1, -1)), golden('08 00 01 00 | ff ff ff ff'), 'negative numbers wrap to u32');
  t.is(bytesOf((w) => w.attrI32(1, -2)), golden('08 00 01 00 | fe ff ff ff'));
  t.is(bytesOf((w) => w.attrU8(IFLA_OPERSTATE, 6)), golden('05 00 10 00 | 06 | 00 00 00'));
  t.is(bytesOf((w) => w.attrU8(1, 0x1ff)), golden('05 00 01 00 | ff | 00 00 00'), 'u8 keeps the low byte');
  t.is(bytesOf((w) => w.attrU16(1, 0x1234)), golden('06 00 01 00 | 34 12 | 00 00'));
  t.is(bytesOf((w) => w.attrBe16(1, 0x8100)), golden('06 00 01 00 | 81 00 | 00 00'), 'network byte order');
  t.is(bytesOf((w) => w.attrU64(1, 0x0102030405060708n)), golden('0c 00 01 00 | 08 07 06 05 04 03 02 01'));
  t.is(bytesOf((w) => w.attrFlag(7)), golden('04 00 07 00'));
});

test('byte attributes: any length, zero padded', (t) => {
  t.is(bytesOf((w) => w.attr(1, new Uint8Array(0))), golden('04 00 01 00'));
  t.is(bytesOf((w) => w.attr(1, fromHex('02 aa bb cc dd ee'))), golden('0a 00 01 00 | 02 aa bb cc dd ee | 00 00'));
  t.is(bytesOf((w) => w.attr(2, fromHex('0a 00 00 01'))), golden('08 00 02 00 | 0a 00 00 01'));
  t.is(bytesOf((w) => w.attr(2, fromHex('01'))), golden('05 00 02 00 | 01 | 00 00 00'));
});

test('string attributes: NUL-terminated, the NUL counted in the length, then padding', (t) => {
  t.is(bytesOf((w) => w.attrString(IFLA_IFNAME, 'eth0')), golden('09 00 03 00 | 65 74 68 30 00 | 00 00 00'));
  t.is(bytesOf((w) => w.attrString(IFLA_IFNAME, 'abc')), golden('08 00 03 00 | 61 62 63 00'), 'exactly aligned: no padding');
  t.is(bytesOf((w) => w.attrString(IFLA_IFNAME, '')), golden('05 00 03 00 | 00 | 00 00 00'));
  t.is(bytesOf((w) => w.attrString(1, 'é')), golden('07 00 01 00 | c3 a9 00 | 00'), 'UTF-8: length in bytes');
  t.is(bytesOf((w) => w.attrString(1, 'a\0b')), golden('08 00 01 00 | 61 00 62 00'), 'an embedded NUL is written as is');
});

test('consecutive attributes start on 4-byte boundaries', (t) => {
  const got = bytesOf((w) => w.attrU8(1, 1).attrString(2, 'xy').attrU16(3, 2).attrU32(4, 3));
  t.is(got, golden('05 00 01 00 01 00 00 00 | 07 00 02 00 78 79 00 00 | 06 00 03 00 02 00 00 00 | 08 00 04 00 03 00 00 00'));
});

test('nested attributes: the length is patched at end() and includes the children\'s padding', (t) => {
  t.is(
    bytesOf((w) => w.nest(IFLA_LINKINFO, (n) => n.attrString(IFLA_INFO_KIND, 'veth').nest(IFLA_INFO_DATA, (d) => d.attrU32(1, 5)))),
    golden('1c 00 12 00 | 09 00 01 00 76 65 74 68 00 00 00 00 | 0c 00 02 00 | 08 00 01 00 05 00 00 00'),
  );
  t.is(bytesOf((w) => w.nest(1, (n) => n.attrU8(2, 9))), golden('0c 00 01 00 | 05 00 02 00 09 00 00 00'));
  t.is(bytesOf((w) => w.nest(5, () => undefined)), golden('04 00 05 00'), 'an empty nest is just its header');
  t.is(bytesOf((w) => w.nest(2, (n) => n.attrFlag(1), true)), golden('08 00 02 80 | 04 00 01 00'), 'NLA_F_NESTED on request');
  t.is(
    bytesOf((w) => w.begin(1).begin(2).begin(3).attrU8(4, 0xaa).end().end().end()),
    golden('14 00 01 00 | 10 00 02 00 | 0c 00 03 00 | 05 00 04 00 aa 00 00 00'),
    'three levels deep',
  );
});

test('unbalanced nesting is a programming error', (t) => {
  t.throws(() => new MessageWriter().end(), { message: /without begin/ });
  t.throws(() => new MessageWriter().begin(1).attrU8(2, 3).finish(), { message: /open nested attribute/ });
});

test('header space, then ifinfomsg; writeHeader fills length, type, flags, seq and port', (t) => {
  const msg = ifinfomsg({ family: AF_UNSPEC, type: 1, index: 7, flags: IFF_UP, change: 0xffffffff }).attrU32(IFLA_MTU, 9000).finish();
  t.is(msg.length, NLMSG_HDRLEN + IFINFOMSG_LEN + 8);
  t.is(hex(msg.subarray(0, NLMSG_HDRLEN)), golden('00'.repeat(16)), 'header left zero for the session');
  writeHeader(msg, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 0x01020304, 0x80000001);
  t.is(
    hex(msg),
    golden(
      '28 00 00 00 | 10 00 | 05 06 | 04 03 02 01 | 01 00 00 80' + // nlmsghdr
        '00 00 | 01 00 | 07 00 00 00 | 01 00 00 00 | ff ff ff ff' + // ifinfomsg: family, pad, type, index, flags, change
        '08 00 04 00 28 23 00 00', // IFLA_MTU 9000
    ),
  );
  t.is(hex(ifinfomsg({ index: -1 }).finish().subarray(16)), golden('00 00 00 00 | ff ff ff ff | 00 00 00 00 | 00 00 00 00'));
});

test('ifaddrmsg and rtmsg have the kernel struct sizes and layouts', (t) => {
  const a = ifaddrmsg({ af: AF_INET6, prefix: 64, flags: IFA_F_NODAD, index: 3 }).finish();
  t.is(a.length, NLMSG_HDRLEN + IFADDRMSG_LEN);
  t.is(hex(a.subarray(16)), golden('0a 40 02 00 | 03 00 00 00'));
  t.is(hex(ifaddrmsg({ af: AF_INET, prefix: 24, flags: 0x100 | 0x80, scope: 253, index: 0x01020304 }).finish().subarray(16)), golden('02 18 80 fd | 04 03 02 01'), 'only the low 8 flag bits fit');

  const r = rtmsg({ af: AF_INET, dstLen: 24, table: RT_TABLE_MAIN, protocol: RTPROT_STATIC, scope: RT_SCOPE_LINK, type: RTN_UNICAST, flags: 4 }).finish();
  t.is(r.length, NLMSG_HDRLEN + RTMSG_LEN);
  t.is(hex(r.subarray(16)), golden('02 18 00 00 | fe 04 fd 01 | 04 00 00 00'));
});

test('raw writes: u8/u16/u32/i32/bytes little-endian, pad() to 4, length tracks', (t) => {
  const w = new MessageWriter(8).u8(1).u16(0x0302).pad().u32(0x07060504).i32(-1).bytes(fromHex('aa bb')).pad();
  t.is(w.length, 16);
  t.is(hex(w.finish()), golden('01 02 03 00 | 04 05 06 07 | ff ff ff ff | aa bb 00 00'));
  t.is(new MessageWriter().pad().length, 0, 'pad() on an aligned offset adds nothing');
});

test('finish() is a view of the written bytes, not a copy', (t) => {
  const w = new MessageWriter().attrU32(1, 1);
  w.finish()[4] = 9;
  t.is(w.finish()[4], 9);
});

// Growth: every operation, starting from tiny buffers, must give the same bytes as a writer that
// never had to grow. (This caught bytes() writing into the old buffer after reserve() replaced it.)
test('growing the buffer never loses or misplaces bytes (seeded random op sequences)', (t) => {
  for (let seed = 1; seed <= 300; seed++) {
    const rng = new Prng(seed);
    const ops: ((w: MessageWriter) => void)[] = [];
    const n = rng.range(1, 40);
    for (let i = 0; i < n; i++) {
      const v = rng.u32();
      const len = rng.range(0, 70);
      const data = rng.bytes(len);
      const s = String.fromCharCode(...Array.from(rng.bytes(rng.range(0, 20)), (b) => 0x20 + (b % 0x5f)));
      ops.push(
        rng.pick<(w: MessageWriter) => void>([
          (w) => w.u8(v & 0xff),
          (w) => w.u16(v & 0xffff),
          (w) => w.u32(v),
          (w) => w.i32(v | 0),
          (w) => w.bytes(data),
          (w) => w.pad(),
          (w) => w.attr(v & 0x3fff, data),
          (w) => w.attrU8(v & 0x3fff, v),
          (w) => w.attrU16(v & 0x3fff, v & 0xffff),
          (w) => w.attrBe16(v & 0x3fff, v & 0xffff),
          (w) => w.attrU32(v & 0x3fff, v),
          (w) => w.attrI32(v & 0x3fff, v | 0),
          (w) => w.attrU64(v & 0x3fff, BigInt(v) * 0x100000001n),
          (w) => w.attrString(v & 0x3fff, s),
          (w) => w.attrFlag(v & 0x3fff),
          (w) => w.nest(v & 0x3fff, (x) => x.attr(1, data).attrString(2, s)),
        ]),
      );
    }
    const reference = new MessageWriter(1 << 16);
    for (const op of ops) op(reference);
    for (const capacity of [0, 1, 3, 4, 16, rng.range(1, 64)]) {
      const w = new MessageWriter(capacity);
      for (const op of ops) op(w);
      if (hex(w.finish()) !== hex(reference.finish())) {
        t.fail(`seed ${seed}, capacity ${capacity}: bytes differ after growth`);
        return;
      }
    }
  }
  t.pass();
});

// parseAttrs and Attrs: decoding TLVs from hand-written bytes, every length checked against its
// container, typed getters size-checked, round trips with MessageWriter, and fuzzed input that may
// only ever produce a NetlinkDecodeError.
import test from 'ava';
import { parseAttrs } from '../../src/netlink/attributes.js';
import { NetlinkDecodeError } from '../../src/netlink/errors.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { Prng, concat, fromHex, hex } from '../helpers/bytes.js';

test('a list of attributes, in order, padding skipped, repeated types kept', (t) => {
  const buf = fromHex(
    '08 00 04 00 dc 05 00 00' + // 4: u32 1500
      '09 00 03 00 65 74 68 30 00 00 00 00' + // 3: "eth0"
      '05 00 10 00 06 00 00 00' + // 16: u8 6
      '06 00 04 00 01 02 00 00' + // 4 again
      '04 00 07 00', // 7: flag, empty
  );
  const a = parseAttrs(buf);
  t.deepEqual(
    a.list.map((x) => [x.type, hex(x.data)]),
    [[4, 'dc 05 00 00'], [3, '65 74 68 30 00'], [16, '06'], [4, '01 02'], [7, '']],
  );
  t.is(a.u32(4), 1500, 'the first of a repeated type');
  t.deepEqual(a.all(4).map(hex), ['dc 05 00 00', '01 02']);
  t.true(a.has(7));
  t.false(a.has(8));
  t.is(a.raw(8), undefined);
  t.is(a.str(3), 'eth0');
  t.is(a.u8(16), 6);
});

test('NLA_F_NESTED and NLA_F_NET_BYTEORDER are masked out of the type', (t) => {
  const a = parseAttrs(fromHex('04 00 01 80 | 04 00 02 40 | 04 00 03 c0'));
  t.deepEqual(a.list.map((x) => x.type), [1, 2, 3]);
});

test('the last attribute may end without its padding', (t) => {
  const a = parseAttrs(fromHex('05 00 01 00 07'));
  t.is(a.u8(1), 7);
  const b = parseAttrs(fromHex('05 00 01 00 07 00 00 00 | 06 00 02 00 01 00'));
  t.is(b.u16(2), 1);
});

test('fewer than 4 bytes after the last attribute are padding, not an attribute', (t) => {
  t.deepEqual(parseAttrs(fromHex('04 00 01 00 | 00 00 00')).list.map((x) => x.type), [1]);
  t.deepEqual(parseAttrs(new Uint8Array(0)).list, []);
  t.deepEqual(parseAttrs(fromHex('ff ff ff')).list, []);
});

test('a window [start, end) of a buffer, also at an odd byte offset in a larger ArrayBuffer', (t) => {
  const body = fromHex('aa bb cc | 08 00 01 00 04 03 02 01 | 06 00 02 00 05 00 00 00 | ee');
  t.deepEqual(parseAttrs(body, 3, 19).list.map((x) => x.type), [1, 2]);
  t.deepEqual(parseAttrs(body, 3, 11).list.map((x) => x.type), [1], 'end bounds the list');
  const big = new Uint8Array(64).fill(0x55);
  big.set(body, 7);
  const view = big.subarray(7, 7 + body.length);
  const a = parseAttrs(view, 3, 19);
  t.is(a.u32(1), 0x01020304, 'reads honour the view\'s byteOffset');
  t.is(a.u16(2), 5);
});

test('an attribute shorter than its own header is malformed', (t) => {
  for (const len of ['00 00', '01 00', '03 00']) {
    const e = t.throws(() => parseAttrs(fromHex(`${len} 01 00 00 00 00 00`)), { instanceOf: NetlinkDecodeError });
    t.regex(e!.message, /length \d < 4/);
  }
});

test('an attribute overrunning its container is malformed', (t) => {
  t.throws(() => parseAttrs(fromHex('09 00 01 00 01 02 03 04')), { instanceOf: NetlinkDecodeError, message: /overruns its container/ });
  t.throws(() => parseAttrs(fromHex('04 00 01 00 | ff ff 02 00 00 00 00 00')), { instanceOf: NetlinkDecodeError });
  // Inside a window, the window's end is the container, not the buffer's.
  t.throws(() => parseAttrs(fromHex('08 00 01 00 01 02 03 04'), 0, 6), { instanceOf: NetlinkDecodeError });
});

test('typed getters: little-endian, be16 in network order, missing gives undefined', (t) => {
  const w = new MessageWriter()
    .attrU8(1, 0xfe)
    .attrU16(2, 0xbeef)
    .attrBe16(3, 0x8100)
    .attrU32(4, 0xdeadbeef)
    .attrI32(5, -42)
    .attrU64(6, 0xfedcba9876543210n)
    .attrString(7, 'veth-ü');
  const a = parseAttrs(w.finish());
  t.is(a.u8(1), 0xfe);
  t.is(a.u16(2), 0xbeef);
  t.is(a.be16(3), 0x8100);
  t.is(a.u16(3), 0x0081);
  t.is(a.u32(4), 0xdeadbeef);
  t.is(a.i32(5), -42);
  t.is(a.u32(5), 0x100000000 - 42);
  t.is(a.u64(6), 0xfedcba9876543210n);
  t.is(a.str(7), 'veth-ü');
  const getters: ((type: number) => unknown)[] = [a.u8, a.u16, a.be16, a.u32, a.i32, a.u64, a.str, a.nested, a.raw];
  for (const get of getters) t.is(get.call(a, 99), undefined);
  t.is(a.u8(4), 0xef, 'a wider attribute gives its first bytes');
});

test('typed getters refuse attributes too short for the type', (t) => {
  const a = parseAttrs(fromHex('04 00 01 00 | 05 00 02 00 01 00 00 00 | 07 00 03 00 01 02 03 00 | 0b 00 04 00 01 02 03 04 05 06 07 00'));
  t.throws(() => a.u8(1), { instanceOf: NetlinkDecodeError, message: /0 bytes, expected 1/ });
  t.throws(() => a.u16(2), { instanceOf: NetlinkDecodeError });
  t.throws(() => a.be16(2), { instanceOf: NetlinkDecodeError });
  t.throws(() => a.u32(3), { instanceOf: NetlinkDecodeError });
  t.throws(() => a.i32(3), { instanceOf: NetlinkDecodeError });
  t.throws(() => a.u64(4), { instanceOf: NetlinkDecodeError, message: /7 bytes, expected 8/ });
});

test('strings stop at the first NUL; a missing NUL is tolerated', (t) => {
  const a = parseAttrs(
    concat(
      new MessageWriter().attrString(1, 'a\0b').attr(2, new TextEncoder().encode('nonul')).attrString(3, '').attr(4, fromHex('00 41')).finish(),
    ),
  );
  t.is(a.str(1), 'a');
  t.is(a.str(2), 'nonul');
  t.is(a.str(3), '');
  t.is(a.str(4), '');
});

test('nested attributes decode from their payload, to any depth', (t) => {
  const w = new MessageWriter().attrU32(1, 1).nest(18, (n) =>
    n.attrString(1, 'bridge').nest(2, (d) => d.attrU32(1, 1500).nest(9, (dd) => dd.attrU8(1, 1)), true),
  );
  const a = parseAttrs(w.finish());
  const info = a.nested(18)!;
  t.is(info.str(1), 'bridge');
  const data = info.nested(2)!;
  t.is(data.u32(1), 1500);
  t.is(data.nested(9)!.u8(1), 1);
  t.deepEqual(parseAttrs(fromHex('04 00 05 00')).nested(5)!.list, [], 'an empty nest');
  t.throws(() => parseAttrs(fromHex('08 00 05 00 | 09 00 01 00')).nested(5), { instanceOf: NetlinkDecodeError }, 'child overruns the parent');
});

test('round trip: random attribute lists written with MessageWriter parse back exactly', (t) => {
  for (let seed = 1; seed <= 500; seed++) {
    const rng = new Prng(seed);
    const expected: [number, string][] = [];
    const w = new MessageWriter(16);
    for (let i = rng.int(12); i > 0; i--) {
      const type = rng.range(1, 0x3fff);
      const data = rng.bytes(rng.range(0, 40));
      if (rng.bool(0.2)) {
        const inner = new MessageWriter().attr(1, data).finish();
        w.nest(type, (n) => n.attr(1, data), rng.bool());
        expected.push([type, hex(inner)]);
      } else {
        w.attr(type, data);
        expected.push([type, hex(data)]);
      }
    }
    const got = parseAttrs(w.finish()).list.map((x): [number, string] => [x.type, hex(x.data)]);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.deepEqual(got, expected, `seed ${seed}`);
      return;
    }
  }
  t.pass();
});

/** Decodes everything it can out of buf; any error other than NetlinkDecodeError escapes. */
function exercise(buf: Uint8Array, rng: Prng): void {
  const start = rng.int(buf.length + 1);
  const end = start + rng.int(buf.length - start + 1);
  const attrs = parseAttrs(buf, start, end);
  for (const x of attrs.list) {
    const getters: ((type: number) => unknown)[] = [attrs.u8, attrs.u16, attrs.be16, attrs.u32, attrs.i32, attrs.u64, attrs.str];
    for (const get of getters) {
      try {
        get.call(attrs, x.type);
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError)) throw e;
      }
    }
    try {
      const inner = attrs.nested(x.type);
      for (const y of inner?.list ?? []) inner!.nested(y.type);
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) throw e;
    }
  }
}

test('fuzz: random and mutated attribute buffers give attributes or NetlinkDecodeError, nothing else', (t) => {
  const seed = 0x5eed_a77e;
  const rng = new Prng(seed);
  const corpus = [
    new MessageWriter().attrU32(4, 1500).attrString(3, 'eth0').nest(18, (n) => n.attrString(1, 'veth').nest(2, (d) => d.nest(1, (p) => p.attrString(3, 'peer0')))).finish(),
    new MessageWriter().attrU8(16, 6).attr(1, fromHex('02 42 ac 11 00 02')).attrU64(7, 1n).finish(),
  ];
  let cases = 0;
  let decodeErrors = 0;
  for (let i = 0; i < 20_000; i++) {
    let buf: Uint8Array;
    const base = rng.pick(corpus);
    switch (rng.int(5)) {
      case 0:
        buf = rng.bytes(rng.int(96));
        break;
      case 1: // bit flips
        buf = base.slice();
        for (let k = rng.range(1, 6); k > 0; k--) buf[rng.int(buf.length)] ^= 1 << rng.int(8);
        break;
      case 2: // truncation
        buf = base.slice(0, rng.int(base.length));
        break;
      case 3: // a length field rewritten with an interesting value
        buf = base.slice();
        new DataView(buf.buffer).setUint16(rng.int(buf.length - 1) & ~1, rng.pick([0, 1, 3, 4, 5, 7, 8, 0x7fff, 0x8000, 0xffff, rng.int(0x10000)]), true);
        break;
      default: // spliced with random bytes
        buf = concat(base.subarray(0, rng.int(base.length)), rng.bytes(rng.int(24)), base.subarray(rng.int(base.length)));
    }
    cases++;
    try {
      exercise(buf, rng);
    } catch (e) {
      if (e instanceof NetlinkDecodeError) {
        decodeErrors++;
        continue;
      }
      t.fail(`seed ${seed}, case ${i}: ${(e as Error).name}: ${(e as Error).message}\n  input: ${hex(buf)}`);
      return;
    }
  }
  t.is(cases, 20_000);
  t.true(decodeErrors > 100, `the mutations do reach the error paths (${decodeErrors} decode errors)`);
});

// Netlink framing (nlmsghdr), NLMSG_ERROR payloads (ACKs, errors, extended-ack TLVs) and the
// rtnetlink decoders, from bytes written by hand or with MessageWriter; then fuzzed input, which
// may only ever give a result or a NetlinkDecodeError.
import test from 'ava';
import {
  AF_BRIDGE, AF_INET, AF_INET6, IFA_ADDRESS, IFA_BROADCAST, IFA_F_NODAD, IFA_F_PERMANENT, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, IFF_BROADCAST,
  IFF_MULTICAST, IFF_UP, IFLA_ADDRESS, IFLA_CARRIER, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND,
  IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE, IFLA_PERM_ADDRESS, NLMSG_DONE, NLMSG_ERROR,
  NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PREFSRC,
  RTA_PRIORITY, RTA_TABLE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTN_UNICAST, RTPROT_BOOT, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
} from '../../src/netlink/constants.js';
import { NetlinkDecodeError } from '../../src/netlink/errors.js';
import { type NetlinkMessage, parseError, splitMessages, writeHeader } from '../../src/netlink/message.js';
import { decodeAddress, ifaddrmsg } from '../../src/netlink/rtnl/address.js';
import { decodeLink, ifinfomsg } from '../../src/netlink/rtnl/link.js';
import { decodeRoute, rtmsg } from '../../src/netlink/rtnl/route.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { Prng, concat, fromHex, hex } from '../helpers/bytes.js';

/** A finished message with its header filled in. */
function framed(w: MessageWriter, type: number, flags = 0, seq = 1, port = 0): Uint8Array {
  const msg = w.finish().slice();
  writeHeader(msg, type, flags, seq, port);
  return msg;
}

/** Bytes of a whole message: nlmsghdr from the arguments, then the payload. */
function message(type: number, flags: number, seq: number, payload: Uint8Array, port = 0): Uint8Array {
  return framed(new MessageWriter().header().bytes(payload), type, flags, seq, port);
}

const one = (bytes: Uint8Array): NetlinkMessage => {
  const list = splitMessages(bytes);
  if (list.length !== 1) throw new Error(`expected one message, got ${list.length}`);
  return list[0];
};

// ---- framing ----

test('writeHeader: u32 length, u16 type, u16 flags, u32 seq, u32 port, little-endian', (t) => {
  const msg = new Uint8Array(21);
  writeHeader(msg, 0x1234, 0x0305, 0xfffffffe, 0x80000000);
  t.is(hex(msg.subarray(0, 16)), hex(fromHex('15 00 00 00 | 34 12 | 05 03 | fe ff ff ff | 00 00 00 80')));
  writeHeader(msg, 1, 0, -1);
  t.is(hex(msg.subarray(8, 12)), 'ff ff ff ff', 'seq wraps to u32');
});

test('splitMessages: several messages in one datagram, each padded to 4 bytes', (t) => {
  const a = message(RTM_NEWLINK, NLM_F_MULTI, 7, fromHex('01 02 03 04 05'), 4242); // 21 bytes + 3 padding
  const b = message(NLMSG_DONE, NLM_F_MULTI, 7, new Uint8Array(0)); // header only
  const c = message(NLMSG_ERROR, 0, 8, fromHex('00 00 00 00'));
  const buf = concat(a, new Uint8Array(3), b, c);
  const list = splitMessages(buf);
  t.deepEqual(
    list.map((m) => ({ type: m.type, flags: m.flags, seq: m.seq, port: m.port, payload: hex(m.payload) })),
    [
      { type: RTM_NEWLINK, flags: NLM_F_MULTI, seq: 7, port: 4242, payload: '01 02 03 04 05' },
      { type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 7, port: 0, payload: '' },
      { type: NLMSG_ERROR, flags: 0, seq: 8, port: 0, payload: '00 00 00 00' },
    ],
  );
  t.is(list[0].payload.length, 5, 'the payload ends at nlmsg_len, not at the padding');
  t.is(list[0].payload.buffer, buf.buffer, 'payloads are views into the datagram');
});

test('splitMessages: the last message may lack its padding; trailing bytes shorter than a header are ignored', (t) => {
  t.is(splitMessages(message(1, 0, 1, fromHex('aa'))).length, 1);
  t.is(splitMessages(concat(message(1, 0, 1, new Uint8Array(0)), new Uint8Array(15))).length, 1);
  t.deepEqual(splitMessages(new Uint8Array(0)), []);
});

test('splitMessages: impossible lengths are NetlinkDecodeErrors', (t) => {
  const tooShort = message(1, 0, 1, new Uint8Array(8));
  new DataView(tooShort.buffer).setUint32(0, 15, true);
  t.throws(() => splitMessages(tooShort), { instanceOf: NetlinkDecodeError, message: /length 15 < 16/ });
  const tooLong = message(1, 0, 1, new Uint8Array(8));
  new DataView(tooLong.buffer).setUint32(0, 25, true);
  t.throws(() => splitMessages(tooLong), { instanceOf: NetlinkDecodeError, message: /claims 25 bytes, only 24/ });
  const second = concat(message(1, 0, 1, new Uint8Array(0)), fromHex('ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00'));
  t.throws(() => splitMessages(second), { instanceOf: NetlinkDecodeError, message: /offset 16/ });
});

// ---- NLMSG_ERROR ----

/** The 16-byte header of the request being answered, as the kernel echoes it. */
const echoedHeader = (len: number, type: number, flags: number, seq: number) => {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, len, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  return h;
};
const errno = (e: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, -e, true);
  return b;
};

test('parseError: an ACK (error 0, request capped to its header)', (t) => {
  const bytes = message(NLMSG_ERROR, NLM_F_CAPPED, 42, concat(errno(0), echoedHeader(32, RTM_NEWLINK, 0x605, 42)));
  t.is(hex(bytes.subarray(16, 20)), '00 00 00 00');
  t.deepEqual(parseError(one(bytes)), { errno: 0, requestSeq: 42, requestType: RTM_NEWLINK });
});

test('parseError: an error without TLVs, the whole request echoed', (t) => {
  const request = concat(echoedHeader(32, RTM_NEWADDR, 0x605, 9), new Uint8Array(16).fill(0xab));
  const reply = parseError(one(message(NLMSG_ERROR, 0, 9, concat(errno(17), request))));
  t.deepEqual(reply, { errno: 17, requestSeq: 9, requestType: RTM_NEWADDR });
});

test('parseError: NLM_F_CAPPED|NLM_F_ACK_TLVS with the extack message and the offending offset', (t) => {
  const tlvs = new MessageWriter().attrString(NLMSGERR_ATTR_MSG, 'Unknown device type').attrU32(NLMSGERR_ATTR_OFFS, 0x24).finish();
  const bytes = message(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, concat(errno(95), echoedHeader(64, RTM_NEWLINK, 0x605, 5), tlvs));
  // Golden: the first TLV right after the echoed header, "Unknown device type" NUL-terminated.
  t.is(hex(bytes.subarray(36, 40)), '18 00 01 00');
  t.deepEqual(parseError(one(bytes)), { errno: 95, requestSeq: 5, requestType: RTM_NEWLINK, message: 'Unknown device type', offset: 0x24 });
});

test('parseError: NLM_F_ACK_TLVS after a whole echoed request of unaligned length', (t) => {
  const request = concat(echoedHeader(21, RTM_NEWLINK, 0x605, 6), fromHex('01 02 03 04 05'), new Uint8Array(3)); // 21 + padding
  const tlvs = new MessageWriter().attrString(NLMSGERR_ATTR_MSG, 'bad').finish();
  const reply = parseError(one(message(NLMSG_ERROR, NLM_F_ACK_TLVS, 6, concat(errno(22), request, tlvs))));
  t.is(reply.errno, 22);
  t.is(reply.message, 'bad');
  t.is(reply.offset, undefined);
});

test('parseError: NLM_F_ACK_TLVS with no room left for TLVs gives no message', (t) => {
  const reply = parseError(one(message(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 6, concat(errno(1), echoedHeader(16, 16, 0, 6)))));
  t.deepEqual(reply, { errno: 1, requestSeq: 6, requestType: 16, message: undefined, offset: undefined });
});

test('parseError: malformed payloads are NetlinkDecodeErrors', (t) => {
  t.throws(() => parseError(one(message(NLMSG_ERROR, 0, 1, new Uint8Array(19)))), { instanceOf: NetlinkDecodeError });
  // An echoed request shorter than a header cannot be.
  t.throws(() => parseError(one(message(NLMSG_ERROR, NLM_F_ACK_TLVS, 1, concat(errno(1), echoedHeader(8, 16, 0, 1))))), { instanceOf: NetlinkDecodeError });
  // A TLV overrunning the payload.
  t.throws(() => parseError(one(message(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 1, concat(errno(1), echoedHeader(16, 16, 0, 1), fromHex('40 00 01 00 61 00 00 00'))))), {
    instanceOf: NetlinkDecodeError,
  });
});

test('parseError: an echoed length near 2^32 does not wrap around into the payload', (t) => {
  // (len + 3) & ~3 in 32-bit arithmetic would make this negative and read before the payload.
  for (const len of [0xffff0010, 0xfffffffd, 0xffffffff, 0x80000000]) {
    const bytes = message(NLMSG_ERROR, NLM_F_ACK_TLVS, 3, concat(errno(2), echoedHeader(len, 16, 0, 3), new MessageWriter().attrString(1, 'x').finish()));
    t.deepEqual(parseError(one(bytes)), { errno: 2, requestSeq: 3, requestType: 16 }, `nlmsg_len ${len.toString(16)}`);
  }
});

// ---- rtnetlink decoders ----

test('decodeLink: every field round-trips from MessageWriter bytes', (t) => {
  const w = ifinfomsg({ type: 1, index: 7, flags: IFF_UP | IFF_BROADCAST | IFF_MULTICAST })
    .attrString(IFLA_IFNAME, 'veth1pl4321')
    .attrU32(IFLA_MTU, 9000)
    .attr(IFLA_ADDRESS, fromHex('02 42 ac 11 00 02'))
    .attr(IFLA_PERM_ADDRESS, fromHex('0a 00 00 00 00 01'))
    .attrU32(IFLA_MASTER, 3)
    .attrU32(IFLA_LINK, 12)
    .attrI32(IFLA_LINK_NETNSID, 0)
    .attrU8(IFLA_OPERSTATE, 6)
    .attrU8(IFLA_CARRIER, 1)
    .attrString(IFLA_IFALIAS, 'guest web')
    .nest(IFLA_LINKINFO, (n) => n.attrString(IFLA_INFO_KIND, 'veth').nest(IFLA_INFO_DATA, (d) => d.attrU32(1, 77)).attrString(IFLA_INFO_SLAVE_KIND, 'bridge'));
  const link = decodeLink(one(framed(w, RTM_NEWLINK)));
  const { attrs, infoData, ...fields } = link;
  t.deepEqual(fields, {
    type: 1,
    index: 7,
    flags: IFF_UP | IFF_BROADCAST | IFF_MULTICAST,
    name: 'veth1pl4321',
    mtu: 9000,
    mac: '02:42:ac:11:00:02',
    permMac: '0a:00:00:00:00:01',
    master: 3,
    link: 12,
    linkNetnsId: 0,
    kind: 'veth',
    slaveKind: 'bridge',
    operstate: 6,
    carrier: 1,
    alias: 'guest web',
  });
  t.is(infoData!.u32(1), 77);
  t.is(attrs.list.length, 11);
});

test('decodeLink: absent attributes are undefined; MACs that are not 6 bytes are not formatted', (t) => {
  const link = decodeLink(one(framed(ifinfomsg({ index: 2 }).attr(IFLA_ADDRESS, new Uint8Array(4)).attrI32(IFLA_LINK_NETNSID, -1), RTM_NEWLINK)));
  t.is(link.index, 2);
  t.is(link.name, '');
  t.is(link.mac, undefined);
  t.is(link.linkNetnsId, -1);
  for (const k of ['mtu', 'permMac', 'master', 'link', 'kind', 'slaveKind', 'infoData', 'operstate', 'carrier', 'alias'] as const) t.is(link[k], undefined, k);
  t.throws(() => decodeLink(one(message(RTM_NEWLINK, 0, 1, new Uint8Array(15)))), { instanceOf: NetlinkDecodeError });
  t.throws(() => decodeLink(one(framed(ifinfomsg().attr(IFLA_MTU, fromHex('01 02')), RTM_NEWLINK))), { instanceOf: NetlinkDecodeError }, 'a 2-byte MTU');
});

test('decodeAddress: IPv4 with IFA_LOCAL, peer IFA_ADDRESS, broadcast, label, 32-bit IFA_FLAGS', (t) => {
  const w = ifaddrmsg({ af: AF_INET, prefix: 24, flags: IFA_F_PERMANENT, scope: RT_SCOPE_UNIVERSE, index: 5 })
    .attr(IFA_ADDRESS, fromHex('0a 00 00 63'))
    .attr(IFA_LOCAL, fromHex('0a 00 00 05'))
    .attr(IFA_BROADCAST, fromHex('0a 00 00 ff'))
    .attrString(IFA_LABEL, 'eth1:web')
    .attrU32(IFA_FLAGS, IFA_F_PERMANENT | 0x200);
  const a = decodeAddress(one(framed(w, RTM_NEWADDR)))!;
  t.deepEqual({ ...a, local: hex(a.local), broadcast: hex(a.broadcast!) }, {
    family: 4,
    prefix: 24,
    index: 5,
    scope: 0,
    flags: IFA_F_PERMANENT | 0x200,
    local: '0a 00 00 05',
    broadcast: '0a 00 00 ff',
    label: 'eth1:web',
  });
});

test('decodeAddress: IPv6 with IFA_ADDRESS only, flags from the header byte; unknown family and no address give undefined', (t) => {
  const v6 = fromHex('fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 05');
  const a = decodeAddress(one(framed(ifaddrmsg({ af: AF_INET6, prefix: 64, flags: IFA_F_NODAD, scope: RT_SCOPE_LINK, index: 9 }).attr(IFA_ADDRESS, v6), RTM_NEWADDR)))!;
  t.is(a.family, 6);
  t.is(hex(a.local), hex(v6));
  t.is(a.flags, IFA_F_NODAD);
  t.is(a.scope, RT_SCOPE_LINK);
  t.is(a.broadcast, undefined);
  t.is(a.label, undefined);
  t.is(decodeAddress(one(framed(ifaddrmsg({ af: AF_BRIDGE, prefix: 0, index: 1 }).attr(IFA_ADDRESS, v6), RTM_NEWADDR))), undefined);
  t.is(decodeAddress(one(framed(ifaddrmsg({ af: AF_INET, prefix: 8, index: 1 }), RTM_NEWADDR))), undefined);
  t.throws(() => decodeAddress(one(message(RTM_NEWADDR, 0, 1, new Uint8Array(7)))), { instanceOf: NetlinkDecodeError });
});

test('decodeRoute: IPv4 route with a table above 255 in RTA_TABLE; IPv6 default route', (t) => {
  const w = rtmsg({ af: AF_INET, dstLen: 24, table: RT_TABLE_UNSPEC, protocol: RTPROT_BOOT, scope: RT_SCOPE_UNIVERSE, type: RTN_UNICAST })
    .attrU32(RTA_TABLE, 1000)
    .attr(RTA_DST, fromHex('0a 01 02 00'))
    .attr(RTA_GATEWAY, fromHex('0a 00 00 01'))
    .attrU32(RTA_OIF, 4)
    .attrU32(RTA_PRIORITY, 100)
    .attr(RTA_PREFSRC, fromHex('0a 00 00 05'));
  const r = decodeRoute(one(framed(w, RTM_NEWROUTE)))!;
  t.deepEqual({ ...r, dst: hex(r.dst!), gateway: hex(r.gateway!), prefsrc: hex(r.prefsrc!) }, {
    family: 4,
    dstLen: 24,
    srcLen: 0,
    tos: 0,
    table: 1000,
    protocol: RTPROT_BOOT,
    scope: 0,
    type: RTN_UNICAST,
    flags: 0,
    dst: '0a 01 02 00',
    gateway: '0a 00 00 01',
    oif: 4,
    priority: 100,
    prefsrc: '0a 00 00 05',
  });

  const gw6 = fromHex('fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01');
  const r6 = decodeRoute(one(framed(rtmsg({ af: AF_INET6, table: RT_TABLE_MAIN, type: RTN_UNICAST, flags: 4 }).attr(RTA_GATEWAY, gw6), RTM_NEWROUTE)))!;
  t.is(r6.family, 6);
  t.is(r6.table, RT_TABLE_MAIN, 'from the header byte when RTA_TABLE is absent');
  t.is(r6.flags, 4);
  t.is(r6.dst, undefined);
  t.is(hex(r6.gateway!), hex(gw6));
  t.is(decodeRoute(one(framed(rtmsg({ af: AF_BRIDGE }), RTM_NEWROUTE))), undefined);
  t.throws(() => decodeRoute(one(message(RTM_NEWROUTE, 0, 1, new Uint8Array(11)))), { instanceOf: NetlinkDecodeError });
});

test('a multi-message dump decodes message by message', (t) => {
  const links = [1, 2, 3].map((i) => framed(ifinfomsg({ index: i }).attrString(IFLA_IFNAME, `eth${i}`).attrU32(IFLA_MTU, 1500 + i), RTM_NEWLINK, NLM_F_MULTI, 77));
  const done = message(NLMSG_DONE, NLM_F_MULTI, 77, errno(0));
  const msgs = splitMessages(concat(...links.map((l) => concat(l, new Uint8Array((4 - (l.length % 4)) % 4))), done));
  t.deepEqual(msgs.map((m) => m.type), [RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK, NLMSG_DONE]);
  t.deepEqual(msgs.slice(0, 3).map((m) => [decodeLink(m).name, decodeLink(m).mtu]), [['eth1', 1501], ['eth2', 1502], ['eth3', 1503]]);
});

// ---- fuzz ----

const decoders: [string, (m: NetlinkMessage) => unknown][] = [
  ['parseError', parseError],
  ['decodeLink', (m) => {
    const l = decodeLink(m);
    // Touch everything a caller might: nested kind data, every attribute as nested.
    for (const a of l.attrs.list) l.attrs.nested(a.type);
    for (const a of l.infoData?.list ?? []) l.infoData!.nested(a.type);
    return l;
  }],
  ['decodeAddress', decodeAddress],
  ['decodeRoute', decodeRoute],
];

function corpus(): Uint8Array[] {
  const link = framed(
    ifinfomsg({ index: 7, flags: IFF_UP })
      .attrString(IFLA_IFNAME, 'eth0')
      .attrU32(IFLA_MTU, 1500)
      .attr(IFLA_ADDRESS, fromHex('02 42 ac 11 00 02'))
      .nest(IFLA_LINKINFO, (n) => n.attrString(IFLA_INFO_KIND, 'veth').nest(IFLA_INFO_DATA, (d) => d.nest(1, (p) => p.attrString(IFLA_IFNAME, 'peer')))),
    RTM_NEWLINK,
    NLM_F_MULTI,
    5,
  );
  const addr = framed(ifaddrmsg({ af: AF_INET, prefix: 24, index: 7 }).attr(IFA_LOCAL, fromHex('0a 00 00 05')).attrString(IFA_LABEL, 'eth0').attrU32(IFA_FLAGS, 0x80), RTM_NEWADDR);
  const route = framed(rtmsg({ af: AF_INET6, dstLen: 64 }).attr(RTA_DST, new Uint8Array(16)).attrU32(RTA_TABLE, 254).attrU32(RTA_OIF, 7), RTM_NEWROUTE);
  const tlvs = new MessageWriter().attrString(NLMSGERR_ATTR_MSG, 'Unknown device type').attrU32(NLMSGERR_ATTR_OFFS, 20).finish();
  const err = message(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, concat(errno(95), echoedHeader(40, RTM_NEWLINK, 0x605, 5), tlvs));
  const errFull = message(NLMSG_ERROR, NLM_F_ACK_TLVS, 6, concat(errno(17), link.slice(0, 24), new MessageWriter().attrString(1, 'exists').finish()));
  new DataView(errFull.buffer).setUint32(20, 24, true);
  const ack = message(NLMSG_ERROR, NLM_F_CAPPED, 5, concat(errno(0), echoedHeader(40, RTM_NEWLINK, 0x605, 5)));
  const pad = (b: Uint8Array) => concat(b, new Uint8Array((4 - (b.length % 4)) % 4));
  return [link, addr, route, err, errFull, ack, concat(pad(link), pad(addr), pad(route), pad(err), ack)];
}

function mutate(rng: Prng, base: Uint8Array): Uint8Array {
  const buf = base.slice();
  const v = new DataView(buf.buffer);
  if (buf.length < 8) return concat(buf, rng.bytes(rng.int(40))); // too short for the rewrites below
  switch (rng.int(7)) {
    case 0: { // bit flips
      for (let k = rng.range(1, 8); k > 0; k--) buf[rng.int(buf.length)] ^= 1 << rng.int(8);
      return buf;
    }
    case 1: // truncation
      return buf.slice(0, rng.int(buf.length));
    case 2: { // nlmsg_len of a message rewritten (the first, or at a random aligned offset)
      const at = rng.bool() ? 0 : rng.int(Math.max(1, buf.length - 3)) & ~3;
      v.setUint32(at, rng.pick([0, 1, 15, 16, 17, 20, buf.length - 1, buf.length, buf.length + 1, 0x7fffffff, 0x80000000, 0xffff0010, 0xffffffff, rng.u32()]), true);
      return buf;
    }
    case 3: { // an attribute length rewritten
      const at = rng.int(Math.max(1, buf.length - 1)) & ~1;
      v.setUint16(at, rng.pick([0, 1, 3, 4, 5, 8, 0x7fff, 0x8000, 0xffff, rng.int(0x10000)]), true);
      return buf;
    }
    case 4: // random bytes over a random span
      buf.set(rng.bytes(Math.min(buf.length, rng.range(1, 16))), 0);
      return concat(buf.subarray(rng.int(buf.length)), buf.subarray(0, rng.int(buf.length)));
    case 5: // random bytes appended
      return concat(buf, rng.bytes(rng.int(40)));
    default: { // the message flags toggled (ACK_TLVS / CAPPED / MULTI)
      v.setUint16(6, rng.pick([0, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLM_F_CAPPED | NLM_F_ACK_TLVS, NLM_F_MULTI, rng.int(0x10000)]), true);
      return buf;
    }
  }
}

/** Every decoder on every message of buf, and on buf as a bare payload; only decode errors allowed. */
function exercise(rng: Prng, buf: Uint8Array): { decodeErrors: number } {
  let decodeErrors = 0;
  const attempt = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof NetlinkDecodeError)) throw e;
      decodeErrors++;
    }
  };
  let msgs: NetlinkMessage[] = [];
  attempt(() => (msgs = splitMessages(buf)));
  msgs.push({ type: NLMSG_ERROR, flags: rng.pick([0, NLM_F_ACK_TLVS, NLM_F_CAPPED | NLM_F_ACK_TLVS]), seq: 0, port: 0, payload: buf });
  for (const m of msgs) for (const [, decode] of decoders) attempt(() => decode(m));
  return { decodeErrors };
}

function fuzz(t: import('ava').ExecutionContext, seed: number, cases: number, make: (rng: Prng, corpus: Uint8Array[]) => Uint8Array): void {
  const rng = new Prng(seed);
  const bases = corpus();
  let decodeErrors = 0;
  for (let i = 0; i < cases; i++) {
    const buf = make(rng, bases);
    try {
      decodeErrors += exercise(rng, buf).decodeErrors;
    } catch (e) {
      t.fail(`seed ${seed}, case ${i}: ${(e as Error).name}: ${(e as Error).message}\n  input: ${hex(buf)}\n  ${(e as Error).stack}`);
      return;
    }
  }
  t.true(decodeErrors > cases / 20, `mutations reach the error paths (${decodeErrors} decode errors in ${cases} cases)`);
}

test('a large datagram (10,000 link messages, as a big dump sends) splits and decodes message by message', (t) => {
  const [link] = corpus();
  const size = (link.length + 3) & ~3;
  const count = 10_000;
  const buf = new Uint8Array(size * count);
  for (let i = 0; i < count; i++) {
    buf.set(link, i * size);
    new DataView(buf.buffer).setUint32(i * size + 8, i + 1, true); // nlmsg_seq: which copy this is
  }
  const msgs = splitMessages(buf);
  t.is(msgs.length, count);
  t.deepEqual(msgs.map((m) => m.seq), Array.from({ length: count }, (_, i) => i + 1));
  t.true(msgs.every((m) => m.type === RTM_NEWLINK && decodeLink(m).name === 'eth0' && decodeLink(m).mtu === 1500));
});

test('fuzz: mutated messages (bit flips, truncations, length fields, flags) decode or give NetlinkDecodeError', (t) => {
  fuzz(t, 0xc0dec, 30_000, (rng, bases) => {
    let buf = rng.pick(bases);
    for (let k = rng.range(1, 3); k > 0; k--) buf = mutate(rng, buf);
    return buf;
  });
});

test('fuzz: random bytes, with and without a plausible first nlmsg_len', (t) => {
  fuzz(t, 0xbadf00d, 10_000, (rng) => {
    const buf = rng.bytes(rng.int(200));
    if (buf.length >= 16 && rng.bool(0.7)) new DataView(buf.buffer).setUint32(0, rng.range(16, buf.length), true);
    return buf;
  });
});

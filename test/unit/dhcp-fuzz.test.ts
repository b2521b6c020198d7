// Fuzzing the DHCP codec and the packet parser with a seeded generator: random and mutated input
// may only ever produce DhcpDecodeError / PacketError, and whatever decodes re-encodes to a message
// that decodes the same (the codec is a fixed point after one pass). Random typed messages round-trip.
import test from 'ava';
import { buildUdpIpv4, PacketError, parseUdpIpv4 } from '../../src/dhcp/framing.js';
import { type ClasslessRoute, DhcpDecodeError, type DhcpMessage, type DhcpOptions, newMessage } from '../../src/dhcp/message.js';
import { decodeMessage, encodeMessage } from '../../src/dhcp/codec.js';
import { Prng } from '../helpers/bytes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x0d4c9);
const ROUNDS = 2000;

function randomOptions(r: Prng): DhcpOptions {
  const addr = () => r.bytes(4);
  const o: DhcpOptions = {};
  if (r.bool()) o.messageType = r.range(1, 8);
  if (r.bool()) o.subnetMask = addr();
  if (r.bool()) o.routers = Array.from({ length: r.range(1, 4) }, addr);
  if (r.bool()) o.dnsServers = Array.from({ length: r.range(1, 70) }, addr); // sometimes over 255 bytes
  if (r.bool()) o.hostname = `h${r.u32().toString(36)}`;
  if (r.bool()) o.domainName = `d${r.u32().toString(36)}.example`;
  if (r.bool()) o.mtu = r.int(0x10000);
  if (r.bool()) o.leaseTime = r.u32();
  if (r.bool()) o.serverId = addr();
  if (r.bool()) o.requestedIp = addr();
  if (r.bool()) o.parameterList = Array.from(r.bytes(r.range(0, 20)));
  if (r.bool()) o.renewalTime = r.u32();
  if (r.bool()) o.rebindingTime = r.u32();
  if (r.bool()) o.clientId = r.bytes(r.range(2, 20));
  if (r.bool()) {
    o.classlessRoutes = Array.from({ length: r.range(0, 50) }, (): ClasslessRoute => {
      const prefix = r.range(0, 32);
      const dst = new Uint8Array(4);
      for (let i = 0; i < 4; i++) dst[i] = r.u32() & (0xff00 >> Math.min(8, Math.max(0, prefix - 8 * i))) & 0xff;
      return { dst, prefix, gateway: addr() };
    });
  }
  if (r.bool(0.3)) o.other = new Map([[r.pick([43, 60 + 100, 200, 250]), r.bytes(r.range(0, 300))]]);
  return o;
}

function randomMessage(r: Prng): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set(r.bytes(6));
  return newMessage({
    op: r.range(1, 2),
    xid: r.u32(),
    secs: r.int(0x10000),
    flags: r.bool() ? 0x8000 : 0,
    ciaddr: r.bytes(4),
    yiaddr: r.bytes(4),
    chaddr,
    options: randomOptions(r),
  });
}

test('random typed messages survive encode -> decode unchanged', (t) => {
  const r = new Prng(SEED);
  for (let i = 0; i < ROUNDS / 4; i++) {
    const m = randomMessage(r);
    // (an empty classless route list encodes as a zero-length option 121 and comes back as [])
    t.deepEqual(decodeMessage(encodeMessage(m)), m, `seed ${SEED} round ${i}`);
  }
});

function expectOnly<E extends Error>(t: { fail: (m: string) => void }, kind: new (...a: never[]) => E, f: () => void, label: string): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (!(e instanceof kind)) t.fail(`${label}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return false;
  }
}

test('random bytes decode to a message or a DhcpDecodeError, never anything else', (t) => {
  const r = new Prng(SEED + 1);
  let decoded = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const b = r.bytes(r.range(0, 600));
    if (r.bool(0.8) && b.length >= 240) {
      b[0] = r.range(1, 2);
      b[2] = r.range(0, 16);
      b.set([99, 130, 83, 99], 236);
    }
    if (expectOnly(t, DhcpDecodeError, () => decodeMessage(b), `seed ${SEED + 1} round ${i}`)) decoded++;
  }
  t.pass(`${decoded} of ${ROUNDS} decoded`);
});

test('mutated valid messages: errors are typed, and what decodes is a fixed point of encode/decode', (t) => {
  const r = new Prng(SEED + 2);
  let decoded = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const b = encodeMessage(randomMessage(r));
    const flips = r.range(1, 8);
    for (let k = 0; k < flips; k++) {
      const at = r.range(236, b.length - 1); // mostly the options area
      b[at] = r.bool() ? r.u32() & 0xff : b[at] ^ (1 << r.int(8));
    }
    const cut = r.bool(0.3) ? b.subarray(0, r.range(0, b.length)) : b;
    let m: DhcpMessage | undefined;
    if (!expectOnly(t, DhcpDecodeError, () => (m = decodeMessage(cut)), `seed ${SEED + 2} round ${i}`) || !m) continue;
    decoded++;
    let again: DhcpMessage | undefined;
    try {
      again = decodeMessage(encodeMessage(m));
    } catch (e) {
      t.fail(`seed ${SEED + 2} round ${i}: a decoded message does not re-encode: ${(e as Error).message}`);
      continue;
    }
    t.deepEqual(again, m, `seed ${SEED + 2} round ${i}`);
  }
  t.true(decoded > ROUNDS / 10, `only ${decoded} mutated messages decoded: the mutation is too destructive to test the fixed point`);
});

test('random and mutated packets parse or throw PacketError, never anything else', (t) => {
  const r = new Prng(SEED + 3);
  for (let i = 0; i < ROUNDS; i++) {
    let b: Uint8Array;
    if (r.bool()) {
      b = r.bytes(r.range(0, 400));
    } else {
      b = buildUdpIpv4({ src: r.bytes(4), dst: r.bytes(4), srcPort: 67, dstPort: 68, payload: r.bytes(r.range(0, 300)) });
      for (let k = r.range(1, 4); k > 0; k--) b[r.int(Math.min(b.length, 40))] = r.u32() & 0xff;
    }
    const trusted = r.bool();
    expectOnly(t, PacketError, () => parseUdpIpv4(b, { udpChecksumTrusted: trusted }), `seed ${SEED + 3} round ${i}`);
  }
  t.pass();
});

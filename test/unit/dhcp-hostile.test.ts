// Issue 10: a hostile DHCP server. At least 100,000 OFFERs and ACKs per run, built from a valid
// ACK by hostile option values and byte mutations (seeded: FUZZ_SEED=N reproduces a run; the seed
// is printed), go through what the client does with an answer: decode, lease, plan. Allowed
// outcomes: a DhcpDecodeError, a LeaseRefusedError, or a lease inside what options can mean.
import test from 'ava';
import { LeaseRefusedError, MIN_LEASE_SECONDS } from '../../src/dhcp/lease-checks.js';
import { leaseFromAck, leasePlan, type Lease } from '../../src/dhcp/lease.js';
import { chaddrOf, DhcpDecodeError, type DhcpOptions, MessageType, newMessage } from '../../src/dhcp/message.js';
import { decodeMessage, encodeMessage } from '../../src/dhcp/codec.js';
import { Prng } from '../helpers/bytes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5ec10);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 100_000);
const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));
const ctx = { ifname: 'eth1', mac: '02:42:ac:11:00:02', requestSentAt: 1_000_000 };

// addresses a hostile server likes: multicast, loopback, zero, broadcast, class E, edges of the subnet
const HOSTILE = ['0.0.0.0', '0.1.2.3', '127.0.0.1', '127.255.255.255', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '10.80.0.0', '10.80.0.255', '10.80.0.1', '10.80.0.100'];
const MASKS = ['255.255.255.0', '255.255.255.255', '255.255.255.254', '0.0.0.0', '255.0.255.0', '128.0.0.0', '255.255.255.252'];
const TIMES = [0, 1, 3, 4, 59, 60, 0xffffffff, 0xfffffffe, 0x7fffffff, 3600];
const MTUS = [0, 1, 67, 68, 576, 1500, 9000, 65535];

function hostileOptions(r: Prng): DhcpOptions {
  const pick = () => ip(r.pick(HOSTILE));
  const addr = () => (r.bool(0.6) ? pick() : r.bytes(4));
  const o: DhcpOptions = { messageType: r.bool(0.8) ? MessageType.ACK : MessageType.OFFER };
  if (r.bool(0.9)) o.serverId = r.bool(0.7) ? ip('10.80.0.1') : addr();
  if (r.bool(0.8)) o.subnetMask = r.bool(0.8) ? ip(r.pick(MASKS)) : r.bytes(4);
  if (r.bool()) o.routers = Array.from({ length: r.range(1, 4) }, addr);
  if (r.bool()) o.dnsServers = Array.from({ length: r.range(1, 5) }, addr);
  if (r.bool()) o.broadcastAddress = addr();
  if (r.bool()) o.mtu = r.bool(0.7) ? r.pick(MTUS) : r.int(0x10000);
  if (r.bool(0.8)) o.leaseTime = r.bool(0.7) ? r.pick(TIMES) : r.u32();
  if (r.bool(0.3)) o.renewalTime = r.bool() ? r.pick(TIMES) : r.u32();
  if (r.bool(0.3)) o.rebindingTime = r.bool() ? r.pick(TIMES) : r.u32();
  if (r.bool(0.5)) {
    o.classlessRoutes = Array.from({ length: r.range(0, 6) }, () => {
      const prefix = r.range(0, 32);
      const dst = r.bool(0.5) ? pick() : r.bytes(4);
      for (let bit = prefix; bit < 32; bit++) dst[bit >> 3] &= ~(0x80 >> (bit & 7));
      return { dst, prefix, gateway: r.bool(0.3) ? ip('0.0.0.0') : addr() };
    });
  }
  if (r.bool(0.2)) o.domainName = String.fromCharCode(...r.bytes(r.range(1, 40)));
  if (r.bool(0.2)) o.hostname = String.fromCharCode(...r.bytes(r.range(1, 40)));
  return o;
}

function message(r: Prng): Uint8Array {
  const m = newMessage({ op: 2, xid: r.u32(), yiaddr: r.bool(0.6) ? ip('10.80.0.100') : ip(r.pick(HOSTILE)), chaddr: chaddrOf(ip('2.66.172.17')), options: hostileOptions(r) });
  let b: Uint8Array;
  try {
    b = encodeMessage(m);
  } catch {
    b = encodeMessage({ ...m, options: { messageType: MessageType.ACK } });
  }
  // byte mutations in the options area, and a truncation now and then
  if (r.bool(0.5)) {
    for (let k = r.range(1, 6); k > 0; k--) {
      const at = r.range(240, Math.max(240, b.length - 1));
      if (at < b.length) b[at] = r.bool() ? r.u32() & 0xff : b[at] ^ (1 << r.int(8));
    }
  }
  return r.bool(0.1) ? b.subarray(0, r.range(0, b.length)) : b;
}

const octets = (s: string) => s.split('.').map(Number);

/** Everything a lease may hold; returns the first violation. */
function violation(l: Lease): string | undefined {
  const a = octets(l.address);
  if (!(l.prefix >= 1 && l.prefix <= 32)) return `prefix ${l.prefix}`;
  if (a[0] === 0 || a[0] === 127 || a[0] >= 224) return `address ${l.address}`;
  if (octets(l.serverId)[0] === 0 || octets(l.serverId)[0] === 127 || octets(l.serverId)[0] >= 224) return `server ${l.serverId}`;
  if (l.mtu !== undefined && (l.mtu < 68 || l.mtu > 65535)) return `mtu ${l.mtu}`;
  if (l.leaseTime !== undefined) {
    if (l.leaseTime < MIN_LEASE_SECONDS || l.leaseTime >= 0xffffffff) return `lease time ${l.leaseTime}`;
    if (!(l.renewalTime! <= l.rebindingTime! && l.rebindingTime! <= l.leaseTime)) return `T1 ${l.renewalTime} T2 ${l.rebindingTime} lease ${l.leaseTime}`;
  }
  for (const g of [...l.routers]) if (octets(g)[0] === 0 || octets(g)[0] === 127 || octets(g)[0] >= 224) return `router ${g}`;
  for (const r of l.classlessRoutes) {
    const d = octets(r.dst);
    if (r.prefix < 0 || r.prefix > 32) return `route prefix ${r.prefix}`;
    if (r.prefix > 0 && (d[0] === 127 || d[0] >= 224 || d[0] === 0)) return `route to ${r.dst}/${r.prefix}`;
    if (r.gateway && (octets(r.gateway)[0] === 0 || octets(r.gateway)[0] === 127 || octets(r.gateway)[0] >= 224)) return `route via ${r.gateway}`;
  }
  for (const d of l.dnsServers) if (octets(d)[0] === 0 || octets(d)[0] >= 224) return `DNS server ${d}`;
  return undefined;
}

test(`${ROUNDS} hostile OFFERs/ACKs: typed errors only, and every lease within what options mean (seed printed)`, (t) => {
  t.log(`FUZZ_SEED=${SEED} FUZZ_ROUNDS=${ROUNDS}`);
  const r = new Prng(SEED);
  const outcome = { decodeError: 0, refused: 0, leases: 0, clamped: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    const bytes = message(r);
    const label = `FUZZ_SEED=${SEED} round ${i}`;
    let lease: Lease;
    try {
      const m = decodeMessage(bytes);
      lease = leaseFromAck(m, { ...ctx, serverId: r.bool(0.2) ? ip('10.80.0.1') : undefined });
    } catch (e) {
      if (e instanceof DhcpDecodeError) outcome.decodeError++;
      else if (e instanceof LeaseRefusedError) outcome.refused++;
      else return t.fail(`${label}: ${(e as Error).name}: ${(e as Error).message}`);
      continue;
    }
    outcome.leases++;
    if (lease.notes?.length) outcome.clamped++;
    const bad = violation(lease);
    if (bad) return t.fail(`${label}: a lease with ${bad}: ${JSON.stringify(lease)}`);
    // the plan is built without throwing, and only from what the lease holds
    const plan = leasePlan(lease, { currentMtu: 1500 });
    if (plan.filter((s) => s.kind === 'address').length !== 1) return t.fail(`${label}: plan without exactly one address`);
  }
  t.log(JSON.stringify(outcome));
  // the generator must reach every outcome, or the run proves little
  t.true(outcome.decodeError > ROUNDS / 100 && outcome.refused > ROUNDS / 100 && outcome.leases > ROUNDS / 20 && outcome.clamped > ROUNDS / 50, JSON.stringify(outcome));
});

test('each hostile value is refused or clamped, with a note that says so', (t) => {
  const base: DhcpOptions = { messageType: MessageType.ACK, serverId: ip('10.80.0.1'), subnetMask: ip('255.255.255.0'), leaseTime: 3600 };
  const ack = (yiaddr: string, o: DhcpOptions) => leaseFromAck(newMessage({ op: 2, yiaddr: ip(yiaddr), chaddr: chaddrOf(ip('2.66.172.17')), options: { ...base, ...o } }), ctx);
  for (const bad of ['127.0.0.5', '224.0.0.5', '240.1.1.1', '255.255.255.255', '10.80.0.0', '10.80.0.255']) {
    t.throws(() => ack(bad, {}), { instanceOf: LeaseRefusedError }, bad);
  }
  t.throws(() => ack('10.80.0.100', { serverId: ip('127.0.0.1') }), { instanceOf: LeaseRefusedError, message: /server 127\.0\.0\.1, a loopback/ });
  t.throws(() => ack('10.80.0.100', { leaseTime: 0 }), { instanceOf: LeaseRefusedError, message: /lease of 0 s/ });
  const short = ack('10.80.0.100', { leaseTime: 1 });
  t.is(short.leaseTime, 4);
  t.true(short.renewalTime! <= short.rebindingTime! && short.rebindingTime! <= 4);
  t.regex(short.notes!.join('\n'), /lease time of 1 s was raised to 4 s/);
  const inf = ack('10.80.0.100', { leaseTime: 0xffffffff });
  t.is(inf.leaseTime, undefined);
  t.regex(inf.notes!.join('\n'), /infinite/);
  const mtu = ack('10.80.0.100', { mtu: 20 });
  t.is(mtu.mtu, undefined);
  t.regex(mtu.notes!.join('\n'), /ignored MTU 20/);
  const routes = ack('10.80.0.100', {
    routers: [ip('224.0.0.1'), ip('10.80.0.100'), ip('10.80.0.1')],
    classlessRoutes: [
      { dst: ip('224.0.0.0'), prefix: 4, gateway: ip('10.80.0.1') },
      { dst: ip('127.0.0.0'), prefix: 8, gateway: ip('10.80.0.1') },
      { dst: ip('10.9.0.0'), prefix: 16, gateway: ip('127.0.0.1') },
      { dst: ip('10.10.0.0'), prefix: 16, gateway: ip('10.80.0.1') },
    ],
    dnsServers: [ip('0.0.0.0'), ip('10.80.0.53'), ip('127.0.0.53')],
    broadcastAddress: ip('10.0.0.255'),
  });
  t.deepEqual(routes.routers, ['10.80.0.1']);
  t.deepEqual(routes.classlessRoutes, [{ dst: '10.10.0.0', prefix: 16, gateway: '10.80.0.1' }]);
  t.deepEqual(routes.dnsServers, ['10.80.0.53', '127.0.0.53']);
  t.is(routes.broadcast, undefined);
  t.is(routes.notes!.length, 7, routes.notes!.join('\n'));
});

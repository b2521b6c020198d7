// Leases as data: what a DHCPACK grants, the plan that applies it (option 121 over option 3,
// on-link gateways, MTU), plan diffs for renewals, resolv.conf text, the run directory, the
// retransmission schedule, and resolv.conf targets that must never be the host's.
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvConfPath, writeResolvConf } from '../../src/dhcp/apply.js';
import { boundRetransmitDelay, retransmitBase, retransmitDelay } from '../../src/dhcp/schedule.js';
import { diffPlans, isLease, type Lease, leaseFromAck, leasePlan, leaseTimes, maskToPrefix, resolvConfText } from '../../src/dhcp/lease.js';
import { chaddrOf, type DhcpOptions, MessageType, newMessage } from '../../src/dhcp/message.js';
import { dhcpRunDir, guestKey, readKeeper, readLeaseFile, stopDhcpClient, writeKeeperFiles, writeLeaseFile } from '../../src/dhcp/rundir.js';
import { InputError } from '../../src/util/errors.js';

const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));
const ctx = { ifname: 'eth1', mac: '02:42:ac:11:00:02', requestSentAt: 1_000_000 };

function ack(yiaddr: string, options: DhcpOptions) {
  return newMessage({ op: 2, yiaddr: ip(yiaddr), chaddr: chaddrOf(ip('2.66.172.17')), options: { messageType: MessageType.ACK, ...options } });
}

function lease(parts: Partial<Lease> = {}): Lease {
  return {
    ifname: 'eth1', mac: ctx.mac, address: '10.80.0.100', prefix: 24, serverId: '10.80.0.1', routers: ['10.80.0.1'],
    classlessRoutes: [], dnsServers: [], acquiredAt: 0, leaseTime: 3600, ...parts,
  };
}

test('a DHCPACK becomes a lease: prefix from the mask, RFC 2131 default T1/T2', (t) => {
  const l = leaseFromAck(
    ack('10.80.0.100', { serverId: ip('10.80.0.1'), leaseTime: 3600, subnetMask: ip('255.255.255.0'), routers: [ip('10.80.0.1')], dnsServers: [ip('10.80.0.53')], mtu: 1400 }),
    ctx,
  );
  t.like(l, { address: '10.80.0.100', prefix: 24, serverId: '10.80.0.1', leaseTime: 3600, renewalTime: 1800, rebindingTime: 3150, mtu: 1400, acquiredAt: 1_000_000 });
  t.deepEqual(l.routers, ['10.80.0.1']);
  t.deepEqual(l.dnsServers, ['10.80.0.53']);
  t.deepEqual(leaseTimes(l), { renewAt: 1_000_000 + 1_800_000, rebindAt: 1_000_000 + 3_150_000, expiresAt: 1_000_000 + 3_600_000 });
  t.true(isLease(JSON.parse(JSON.stringify(l))));
});

test('lease times from the server are kept when consistent and replaced when not', (t) => {
  const base = { serverId: ip('10.0.0.1'), subnetMask: ip('255.0.0.0') };
  t.like(leaseFromAck(ack('10.0.0.9', { ...base, leaseTime: 120, renewalTime: 5, rebindingTime: 10 }), ctx), { renewalTime: 5, rebindingTime: 10 });
  t.like(leaseFromAck(ack('10.0.0.9', { ...base, leaseTime: 120, renewalTime: 100, rebindingTime: 90 }), ctx), { renewalTime: 60, rebindingTime: 90 });
  t.like(leaseFromAck(ack('10.0.0.9', { ...base, leaseTime: 120, rebindingTime: 500 }), ctx), { renewalTime: 60, rebindingTime: 105 });
  const inf = leaseFromAck(ack('10.0.0.9', { ...base, leaseTime: 0xffffffff }), ctx);
  t.is(inf.leaseTime, undefined);
  t.is(leaseTimes(inf), undefined);
});

test("the server's hardware address (the ACK's Ethernet source) is kept in the lease and its file", (t) => {
  const a = ack('10.80.0.100', { serverId: ip('10.80.0.1'), leaseTime: 3600, subnetMask: ip('255.255.255.0') });
  const l = leaseFromAck(a, { ...ctx, serverMac: Uint8Array.of(0x02, 0, 0x0a, 0x50, 0, 0x01) });
  t.is(l.serverMac, '02:00:0a:50:00:01');
  const back = JSON.parse(JSON.stringify(l)) as unknown;
  t.true(isLease(back));
  t.is((back as Lease).serverMac, '02:00:0a:50:00:01');
  // unknown (no link-layer source): no field at all, as in lease files written before it was kept
  t.false('serverMac' in leaseFromAck(a, ctx));
  t.true(isLease(JSON.parse(JSON.stringify(leaseFromAck(a, ctx)))));
  t.false(isLease({ ...l, serverMac: 7 }));
});

test('unusable ACKs are refused with the reason', (t) => {
  t.throws(() => leaseFromAck(ack('0.0.0.0', { serverId: ip('10.0.0.1') }), ctx), { message: /yiaddr/ });
  t.throws(() => leaseFromAck(ack('10.0.0.9', {}), ctx), { message: /server identifier/ });
  t.throws(() => leaseFromAck(ack('10.0.0.9', { serverId: ip('10.0.0.1'), subnetMask: ip('255.0.255.0') }), ctx), { message: /non-contiguous/ });
  // no mask: classful; the server id of the REQUEST stands in for a missing option 54
  t.is(leaseFromAck(ack('172.16.5.5', {}), { ...ctx, serverId: ip('172.16.0.1') }).prefix, 16);
  t.is(maskToPrefix(ip('255.255.255.255')), 32);
  t.is(maskToPrefix(ip('255.255.254.0')), 23);
});

test('plan: address, then the default route from option 3', (t) => {
  t.deepEqual(leasePlan(lease()), [
    { kind: 'address', address: '10.80.0.100', prefix: 24, broadcast: undefined },
    { kind: 'route', dst: '0.0.0.0', prefix: 0, gateway: '10.80.0.1', onlink: false },
  ]);
  t.deepEqual(leasePlan(lease({ routers: [] })).map((s) => s.kind), ['address']);
  t.deepEqual(leasePlan(lease(), { applyRoutes: false }).map((s) => s.kind), ['address']);
});

test('plan: option 121 wins over option 3; on-link routes first; gateways outside the subnet on-link', (t) => {
  const l = lease({
    routers: ['10.80.0.1'],
    classlessRoutes: [
      { dst: '10.90.0.0', prefix: 16, gateway: '10.80.0.2' },
      { dst: '0.0.0.0', prefix: 0, gateway: '192.0.2.1' },
      { dst: '192.0.2.1', prefix: 32 },
      { dst: '10.80.0.0', prefix: 24 }, // the subnet itself: the kernel already routes it
      { dst: '10.90.0.0', prefix: 16, gateway: '10.80.0.3' }, // a duplicate destination: the first wins
    ],
  });
  t.deepEqual(leasePlan(l).slice(1), [
    { kind: 'route', dst: '192.0.2.1', prefix: 32, onlink: false },
    { kind: 'route', dst: '10.90.0.0', prefix: 16, gateway: '10.80.0.2', onlink: false },
    { kind: 'route', dst: '0.0.0.0', prefix: 0, gateway: '192.0.2.1', onlink: true },
  ]);
});

test('plan: MTU only when offered and different, remembering the old value', (t) => {
  t.deepEqual(leasePlan(lease({ mtu: 1400 }), { currentMtu: 1500 })[0], { kind: 'mtu', mtu: 1400, previous: 1500 });
  t.is(leasePlan(lease({ mtu: 1500 }), { currentMtu: 1500 })[0].kind, 'address');
  t.is(leasePlan(lease({ mtu: 1400 }), { currentMtu: 1500, applyMtu: false })[0].kind, 'address');
});

test('plan diff: an identical renewal (planned against the MTU from before the lease) changes nothing', (t) => {
  const p = leasePlan(lease({ mtu: 1400 }), { currentMtu: 1500 });
  const q = leasePlan(lease({ mtu: 1400 }), { currentMtu: 1500 });
  t.deepEqual(diffPlans(p, q), { remove: [], add: [] });
});

test('plan diff: a new address takes every route with it; a new MTU keeps the original to restore', (t) => {
  const p = leasePlan(lease({ mtu: 1400 }), { currentMtu: 1500 });
  const q = leasePlan(lease({ address: '10.80.0.101', mtu: 1300 }), { currentMtu: 1500 });
  const d = diffPlans(p, q);
  t.deepEqual(d.remove.map((s) => s.kind), ['route', 'address'], 'in reverse order');
  t.deepEqual(d.add, [
    { kind: 'mtu', mtu: 1300, previous: 1500 },
    { kind: 'address', address: '10.80.0.101', prefix: 24, broadcast: undefined },
    { kind: 'route', dst: '0.0.0.0', prefix: 0, gateway: '10.80.0.1', onlink: false },
  ]);
  // same address, a new router: only the route changes; MTU gone: restored
  const r = leasePlan(lease({ routers: ['10.80.0.254'] }), { currentMtu: 1500 });
  const e = diffPlans(p, r);
  t.deepEqual(e.remove.map((s) => s.kind), ['route', 'mtu']);
  t.deepEqual(e.add.map((s) => s.kind), ['route']);
  // from nothing: everything is added
  t.deepEqual(diffPlans([], p).add, p);
});

test('resolv.conf text: search domain and at most three nameservers; none without DNS servers', (t) => {
  t.is(resolvConfText(lease()), undefined);
  const text = resolvConfText(lease({ dnsServers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], domainName: 'example.com' }))!;
  t.regex(text, /^# written by pipework/);
  t.true(text.includes('search example.com\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\n'));
  t.false(text.includes('4.4.4.4'));
  t.false(resolvConfText(lease({ dnsServers: ['1.1.1.1'], domainName: 'bad domain\nnameserver 6.6.6.6' }))!.includes('6.6.6.6'), 'no injection through option 15');
});

test('resolv.conf targets: never the host file, never a process in the host mount namespace', (t) => {
  t.throws(() => resolvConfPath('/etc/resolv.conf'), { instanceOf: InputError, message: /host's/ });
  t.throws(() => resolvConfPath('/etc/../etc/resolv.conf'), { instanceOf: InputError });
  t.throws(() => resolvConfPath({ containerPid: process.pid }), { instanceOf: InputError, message: /shares the host's filesystem/ });
  t.throws(() => resolvConfPath({ containerPid: 0 }), { instanceOf: InputError });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-resolv-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'resolv.conf');
  t.is(writeResolvConf(file, lease({ dnsServers: ['10.80.0.53'] })), file);
  t.regex(fs.readFileSync(file, 'utf8'), /nameserver 10\.80\.0\.53\n/);
  t.is(writeResolvConf(path.join(dir, 'none'), lease()), undefined);
  t.false(fs.existsSync(path.join(dir, 'none')));
});

test('retransmission: doubling from the base, +-base/4 jitter, capped at 16x; bound-state waits 1..60 s', (t) => {
  t.is(retransmitDelay(4000, 0, () => 0.5), 4000);
  t.is(retransmitDelay(4000, 1, () => 0.5), 8000);
  t.is(retransmitDelay(4000, 4, () => 0.5), 64000);
  t.is(retransmitDelay(4000, 9, () => 0.5), 64000);
  t.is(retransmitDelay(4000, 0, () => 0), 3000);
  t.is(retransmitDelay(4000, 0, () => 0.999999), 4000 + 1000 - 0);
  t.is(retransmitBase(30_000), 1875);
  t.is(retransmitBase(1000), 250);
  t.is(retransmitBase(600_000), 4000);
  t.is(boundRetransmitDelay(500), 1000);
  t.is(boundRetransmitDelay(10_000), 5000);
  t.is(boundRetransmitDelay(3_600_000), 60_000);
});

test('run directory: names, lease.json round trip, keeper record', (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-run-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  t.is(guestKey('docker', 'ab/cd ef'), 'docker-ab_cd_ef');
  t.throws(() => dhcpRunDir('..', 'eth1', base), { instanceOf: InputError });
  t.throws(() => dhcpRunDir('pid-1', '../x', base), { instanceOf: InputError });
  const dir = dhcpRunDir(guestKey('netns', 'web'), 'eth1', base);
  t.is(dir, path.join(base, 'netns-web', 'eth1'));
  t.is(readLeaseFile(dir), undefined);
  const l = lease({ dnsServers: ['1.1.1.1'] });
  writeLeaseFile(dir, l);
  t.deepEqual(readLeaseFile(dir), l);
  writeKeeperFiles(dir, { ifname: 'eth1', guest: 'netns web' });
  t.is(fs.readFileSync(path.join(dir, 'pid'), 'utf8'), `${process.pid}\n`);
  t.like(readKeeper(dir), { pid: process.pid, ifname: 'eth1', guest: 'netns web' });
});

test('stopDhcpClient without a running keeper leaves lease.json for releaseRecordedLease', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-run-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const dir = dhcpRunDir('netns-x', 'eth1', base);
  // one-shot mode: a lease and no keeper
  writeLeaseFile(dir, lease());
  const r = await stopDhcpClient(dir);
  t.like(r, { signalled: false, stopped: true });
  t.is(r.lease?.address, '10.80.0.100');
  t.is(readLeaseFile(dir)?.address, '10.80.0.100', 'the lease is still there to be released');
  // a keeper that died without releasing: its files go, its lease stays
  fs.writeFileSync(path.join(dir, 'pid'), '2147483646\n');
  t.like(await stopDhcpClient(dir), { signalled: false, stopped: true });
  t.false(fs.existsSync(path.join(dir, 'pid')));
  t.is(readLeaseFile(dir)?.address, '10.80.0.100');
});

test('stopDhcpClient: signals a live keeper, waits for it, cleans up; stale files are removed', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-run-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const dir = dhcpRunDir('pid-1', 'eth1', base);
  // a stand-in keeper: any process that exits on SIGTERM
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  const exited = new Promise((r) => child.once('exit', (_code, sig) => r(sig)));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pid'), `${child.pid}\n`);
  writeLeaseFile(dir, lease());
  const r = await stopDhcpClient(dir, { timeoutMs: 5000 });
  t.like(r, { signalled: true, stopped: true, pid: child.pid });
  t.is(r.lease?.address, '10.80.0.100');
  t.is(await exited, 'SIGTERM');
  t.false(fs.existsSync(dir), 'the run directory is gone');
  t.false(fs.existsSync(path.dirname(dir)), 'and so is the empty guest directory');
  // stale: a PID that is not running
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'pid'), '2147483646\n');
  t.like(await stopDhcpClient(dir), { signalled: false, stopped: true });
  t.false(fs.existsSync(dir));
  // nothing there at all
  t.like(await stopDhcpClient(dir), { signalled: false, stopped: true });
});

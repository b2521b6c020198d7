// The bridge form, end to end against the real kernel, through the library. Every test makes its
// own host and guest namespaces; iproute2 (`ip -j`) is the oracle, ping the traffic check.
import test, { type ExecutionContext } from 'ava';
import { ConflictError, Pipework, type WiringSpec } from '../../src/index.js';
import { createNetns, ipj, ipn, ping, run, settledSnapshot, snapshot, waitForDad } from '../helpers/netns.js';

interface World {
  host: string;
  pw: Pipework;
}

function world(t: ExecutionContext): World {
  const host = createNetns(t, 'host');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  return { host, pw };
}

const linkIn = (ns: string, name: string) => ipj(ns, '-d', 'link', 'show', 'dev', name)[0];
const addrsOf = (ns: string, name: string) =>
  ipj(ns, 'address', 'show', 'dev', name)[0].addr_info.filter((a: { scope: string }) => a.scope !== 'link');

test('wires a guest onto a new bridge: veth, master, MTU, MAC, addresses, routes', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'g');
  const result = await pw.wire({ host: 'br1', guest, addresses: '10.0.0.5/24@10.0.0.1,fd00::5/64@fd00::1', mac: '02:aa:bb:cc:dd:05' });

  const br = linkIn(host, 'br1');
  t.is(br.linkinfo.info_kind, 'bridge');
  t.true(br.flags.includes('UP'));
  const hostEnd = linkIn(host, result.hostIfname!);
  t.is(hostEnd.linkinfo.info_kind, 'veth');
  t.is(hostEnd.master, 'br1');
  t.true(hostEnd.flags.includes('UP'));
  t.is(hostEnd.mtu, br.mtu);

  const eth1 = linkIn(guest, 'eth1');
  t.is(eth1.linkinfo.info_kind, 'veth');
  t.is(eth1.address, '02:aa:bb:cc:dd:05');
  t.is(eth1.mtu, br.mtu);
  t.true(eth1.flags.includes('UP'));

  const addrs = addrsOf(guest, 'eth1');
  const v4 = addrs.find((a: { family: string }) => a.family === 'inet');
  t.is(v4.local, '10.0.0.5');
  t.is(v4.prefixlen, 24);
  t.is(v4.broadcast, '10.0.0.255');
  const v6 = addrs.find((a: { family: string }) => a.family === 'inet6');
  t.is(v6.local, 'fd00::5');
  t.is(v6.prefixlen, 64);

  const def4 = ipj(guest, '-4', 'route', 'show', 'default');
  t.deepEqual(def4.map((r: { gateway: string; dev: string }) => [r.gateway, r.dev]), [['10.0.0.1', 'eth1']]);
  const def6 = ipj(guest, '-6', 'route', 'show', 'default');
  t.deepEqual(def6.map((r: { gateway: string; dev: string }) => [r.gateway, r.dev]), [['fd00::1', 'eth1']]);
  t.true(result.changed);
});

test('two guests on one bridge reach each other and the bridge over IPv4 and IPv6', async (t) => {
  const { host, pw } = world(t);
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  await pw.wire({ host: 'br0', guest: a, addresses: '10.1.0.2/24,fd01::2/64' });
  await pw.wire({ host: 'br0', guest: b, addresses: '10.1.0.3/24,fd01::3/64' });
  ipn(host, 'address', 'add', '10.1.0.1/24', 'dev', 'br0');
  ipn(host, 'address', 'add', 'fd01::1/64', 'dev', 'br0', 'nodad');
  await waitForDad(host);
  t.true(ping(a, '10.1.0.3', { count: 2 }), 'a -> b (IPv4)');
  t.true(ping(b, '10.1.0.1', { count: 2 }), 'b -> bridge (IPv4)');
  t.true(ping(a, 'fd01::3', { count: 2 }), 'a -> b (IPv6)');
  t.true(ping(b, 'fd01::1', { count: 2 }), 'b -> bridge (IPv6)');
  t.false(ping(a, '10.1.0.99', { count: 1, timeoutS: 0.5 }), 'no answer from an address nobody has');
});

test('a peer with arp_accept learns the guest from our gratuitous ARP alone; NA likewise for IPv6', async (t) => {
  const { host, pw } = world(t);
  const peer = createNetns(t, 'peer');
  const guest = createNetns(t, 'g');
  ipn(host, 'link', 'add', 'br7', 'type', 'bridge');
  ipn(host, 'link', 'set', 'br7', 'up');
  // The peer is attached with a plain veth made by ip, so only the guest's announcement can teach it.
  run('ip', ['-n', host, 'link', 'add', 'vpeer', 'master', 'br7', 'up', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer]);
  ipn(peer, 'address', 'add', '10.7.0.9/24', 'dev', 'eth0');
  ipn(peer, 'address', 'add', 'fd07::9/64', 'dev', 'eth0', 'nodad');
  ipn(peer, 'link', 'set', 'eth0', 'up');
  run('ip', ['netns', 'exec', peer, 'sysctl', '-q', '-w', 'net.ipv4.conf.eth0.arp_accept=1']);
  // RFC 9131: an untracked NA creates an entry only on a router (forwarding on) that accepts them.
  run('ip', ['netns', 'exec', peer, 'sysctl', '-q', '-w', 'net.ipv6.conf.eth0.forwarding=1']);
  run('ip', ['netns', 'exec', peer, 'sysctl', '-q', '-w', 'net.ipv6.conf.eth0.accept_untracked_na=1']);
  // Let the bridge port reach forwarding state before the guest announces.
  await new Promise((r) => setTimeout(r, 100));

  await pw.wire({ host: 'br7', guest, addresses: '10.7.0.5/24,fd07::5/64', mac: '02:00:00:07:00:05' });
  const deadline = Date.now() + 3000;
  let v4: { lladdr?: string } | undefined;
  let v6: { lladdr?: string } | undefined;
  while (Date.now() < deadline && !(v4 && v6)) {
    v4 = ipj(peer, '-4', 'neigh', 'show', '10.7.0.5', 'dev', 'eth0')[0];
    v6 = ipj(peer, '-6', 'neigh', 'show', 'fd07::5', 'dev', 'eth0')[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(v4?.lladdr, '02:00:00:07:00:05', 'IPv4 neighbour learned from the gratuitous ARP');
  t.is(v6?.lladdr, '02:00:00:07:00:05', 'IPv6 neighbour learned from the unsolicited NA');
});

test('an identical re-run is a no-op; a different one fails naming the difference and changes nothing', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'g');
  const spec: WiringSpec = { host: 'br1', guest, addresses: '10.2.0.5/24@10.2.0.1', mac: 'U:web' };
  await pw.wire(spec);
  const before = { host: await settledSnapshot(host), guest: await settledSnapshot(guest) };

  const again = await pw.wire(spec);
  t.false(again.changed);
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);

  const e1 = await t.throwsAsync(pw.wire({ ...spec, addresses: '10.2.0.6/24@10.2.0.1' }), { instanceOf: ConflictError });
  t.regex(e1!.message, /has address 10\.2\.0\.5\/24, which this command does not ask for/);
  t.regex(e1!.message, /pipework del/);
  const e2 = await t.throwsAsync(pw.wire({ ...spec, mac: '02:00:00:00:00:99' }), { instanceOf: ConflictError });
  t.regex(e2!.message, /MAC is 02:[0-9a-f:]+, asked for 02:00:00:00:00:99/);
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
});

test('a re-run completes what is missing (an address removed by hand comes back)', async (t) => {
  const { pw } = world(t);
  const guest = createNetns(t, 'g');
  const spec: WiringSpec = { host: 'br1', guest, addresses: '10.3.0.5/24@10.3.0.1' };
  await pw.wire(spec);
  ipn(guest, 'route', 'del', 'default');
  const r = await pw.wire(spec);
  t.true(r.changed);
  t.deepEqual(ipj(guest, '-4', 'route', 'show', 'default').map((x: { gateway: string }) => x.gateway), ['10.3.0.1']);
});

test('a failure injected at every step leaves host and guest exactly as they were', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'g');
  // An existing default route in the guest: the wiring replaces it, the rollback must restore it.
  run('ip', ['-n', guest, 'link', 'add', 'old0', 'type', 'veth', 'peer', 'name', 'old1']);
  ipn(guest, 'link', 'set', 'old0', 'up');
  ipn(guest, 'link', 'set', 'old1', 'up');
  ipn(guest, 'address', 'add', '192.168.9.2/24', 'dev', 'old0');
  ipn(guest, 'route', 'add', 'default', 'via', '192.168.9.1', 'dev', 'old0');
  await waitForDad(guest);
  const spec: WiringSpec = { host: 'br9', guest, addresses: '10.9.0.5/24@10.9.0.1,fd09::5/64@fd09::1', mac: '02:09:00:00:00:05' };
  const plan = await pw.wire(spec, { dryRun: true });
  t.true(plan.steps.length >= 7, `plan has ${plan.steps.length} steps`);
  const before = { host: snapshot(host), guest: snapshot(guest) };
  for (let i = 0; i < plan.steps.length; i++) {
    const err = await t.throwsAsync(
      pw.wire(spec, {
        beforeStep: (n) => {
          if (n === i) throw new Error(`injected failure at step ${i}`);
        },
      }),
    );
    t.regex(err!.message, new RegExp(`injected failure at step ${i}`));
    t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before, `after a failure at step ${i}: ${plan.steps[i]}`);
  }
  // And without injection it goes through, replacing the old default route.
  await pw.wire(spec);
  t.deepEqual(ipj(guest, '-4', 'route', 'show', 'default').map((x: { gateway: string }) => x.gateway), ['10.9.0.1']);
});

test('a kernel refusal half-way rolls back: a guest MTU above the bridge limit', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'g');
  ipn(host, 'link', 'add', 'br2', 'type', 'bridge');
  const before = { host: snapshot(host), guest: snapshot(guest) };
  // veth's maximum MTU is 65535 and the check comes from the kernel, not from us.
  ipn(guest, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'x1');
  const err = await t.throwsAsync(pw.wire({ host: 'br2', guest, addresses: '10.4.0.5/24' }));
  t.regex(err!.message, /eth1 .*already exists/);
  ipn(guest, 'link', 'del', 'eth1');
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
});

test('a gateway outside the subnet gets an on-link host route first; 0/0@GW sets only the gateway', async (t) => {
  const { pw } = world(t);
  const g1 = createNetns(t, 'g1');
  await pw.wire({ host: 'br1', guest: g1, addresses: '10.5.0.5/24@10.6.0.1' });
  const hostRoute = ipj(g1, '-4', 'route', 'show', '10.6.0.1/32');
  t.is(hostRoute[0]?.dev, 'eth1');
  t.is(hostRoute[0]?.scope, 'link');
  t.is(ipj(g1, '-4', 'route', 'show', 'default')[0]?.gateway, '10.6.0.1');

  const g2 = createNetns(t, 'g2');
  await pw.wire({ host: 'br1', guest: g2, addresses: '0/0@10.7.7.1' });
  t.deepEqual(addrsOf(g2, 'eth1'), []);
  t.is(ipj(g2, '-4', 'route', 'show', 'default')[0]?.gateway, '10.7.7.1');
  t.is(ipj(g2, '-4', 'route', 'show', '10.7.7.1/32')[0]?.scope, 'link');
});

test('unwire removes the guest interface and its host end; removing again succeeds', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'g');
  // A bridge already in use: a fixed MAC and a port with carrier, so that neither its MAC nor its
  // IPv6 link-local address changes because our port comes and goes (that is the kernel's doing).
  ipn(host, 'link', 'add', 'br3', 'address', '02:00:00:00:03:01', 'type', 'bridge');
  run('ip', ['-n', host, 'link', 'add', 'vold', 'master', 'br3', 'up', 'type', 'veth', 'peer', 'name', 'vold-peer']);
  ipn(host, 'link', 'set', 'vold-peer', 'up');
  ipn(host, 'link', 'set', 'br3', 'up');
  await waitForDad(host);
  const before = { host: snapshot(host), guest: snapshot(guest) };
  const wired = await pw.wire({ host: 'br3', guest, addresses: '10.8.0.5/24@10.8.0.1,fd08::5/64' });
  const gone = await pw.unwire(guest);
  t.true(gone.removed);
  t.is(gone.hostIfname, wired.hostIfname);
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
  const again = await pw.unwire(guest);
  t.false(again.removed);
  const missing = await pw.unwire('netns:pwt-no-such-netns');
  t.false(missing.removed);
});

test('a generated host name longer than 15 characters is replaced by a short stable one', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'long');
  const r1 = await pw.wire({ host: 'br1', guest, ifname: 'eth12345', addresses: '10.10.0.5/24' });
  t.true(r1.hostIfname!.length <= 15);
  t.truthy(r1.notes.find((n) => /longer than 15/.test(n)));
  t.truthy(linkIn(host, r1.hostIfname!));
  const r2 = await pw.wire({ host: 'br1', guest, ifname: 'eth12345', addresses: '10.10.0.5/24' });
  t.is(r2.hostIfname, r1.hostIfname);
  t.false(r2.changed);
});

test('bad input is refused before anything changes', async (t) => {
  const { host, pw } = world(t);
  const guest = createNetns(t, 'g');
  const before = { host: snapshot(host), guest: snapshot(guest) };
  const cases: [Partial<WiringSpec>, RegExp][] = [
    [{ addresses: '10.0.0.5' }, /should include a netmask.*10\.0\.0\.5\/24/],
    [{ addresses: '10.0.0.5/33' }, /prefix length "33"/],
    [{ addresses: '10.0.0.300/24' }, /not an IPv4 or IPv6 address/],
    [{ addresses: '10.0.0.5/24@fd00::1' }, /gateway fd00::1 is IPv6 but address 10\.0\.0\.5\/24 is IPv4/],
    [{ addresses: '10.0.0.5/24@10.0.0.1,10.0.1.5/24@10.0.1.1' }, /two IPv4 gateways/],
    [{ mac: '01:00:5e:00:00:01' }, /multicast/],
    [{ mac: 'zz:00:00:00:00:01' }, /not six hex bytes/],
    [{ ifname: 'averyveryverylongname' }, /15/],
    [{ local: 'averyveryverylongname' }, /15/],
    [{ host: 'eth0x' }, /I do not know how to setup interface eth0x/],
    [{ guest: 'pwt-no-such-thing' }, /neither a named netns nor a container/],
    [{ guest: 'pid:999999999' }, /process 999999999 does not exist/],
    [{ mtu: 20 }, /MTU 20 is out of range/],
  ];
  for (const [change, message] of cases) {
    const spec = { host: 'br1', guest, addresses: '10.0.0.5/24', ...change };
    const err = await t.throwsAsync(pw.wire(spec), undefined, JSON.stringify(change));
    t.regex(err!.message, message, JSON.stringify(change));
  }
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
});

test('the host side itself is refused as a guest', async (t) => {
  const { host, pw } = world(t);
  const err = await t.throwsAsync(pw.wire({ host: 'br1', guest: host, addresses: '10.0.0.5/24' }));
  t.regex(err!.message, /own network namespace/);
});

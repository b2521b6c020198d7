// Proves the full-kernel harness (scripts/vm/run.sh): the kernel features this machine's own kernel lacks
// work in the VM (User-Mode Linux or QEMU), with traffic asserted. iproute2 and ping build and check
// everything here; no product code is involved. Under the host kernel, each test that needs a missing
// feature is skipped with the reason in its title.
import test from 'ava';
import { createNetns, vethBetween, ipn, ipj, run } from '../helpers/netns.js';
import { kernelTest, kernelFeatures, kernelLabel, underVm } from './features.js';
import { avgRttMs, pingWithin, waitOperUp } from './traffic.js';

// The runner's promise: a full kernel with modules autoloading. On the host there is nothing to promise:
// what it lacks shows as the skipped tests below, each with its reason.
if (underVm) {
  test('the VM kernel has every feature the kernel tests need', (t) => {
    const report = kernelFeatures();
    const present = Object.entries(report).filter(([, v]) => v === undefined).map(([k]) => k);
    const absent = Object.entries(report).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} (${v})`);
    t.log(kernelLabel());
    t.log(`present: ${present.join(', ') || 'none'}`);
    t.deepEqual(absent, []);
  });
}

function addVlan(ns: string, parent: string, id: number, cidr: string): string {
  const name = `${parent}.${id}`;
  ipn(ns, 'link', 'add', 'link', parent, 'name', name, 'type', 'vlan', 'id', String(id));
  ipn(ns, 'address', 'add', cidr, 'dev', name);
  ipn(ns, 'link', 'set', name, 'up');
  return name;
}

kernelTest('802.1Q VLAN sub-interfaces over veth: same tag pings, different tags do not', ['veth', 'vlan', 'ping'], async (t) => {
  const a = createNetns(t, 'vlana');
  const b = createNetns(t, 'vlanb');
  vethBetween(a, 'eth0', b, 'eth0');
  addVlan(a, 'eth0', 7, '10.77.7.1/24');
  addVlan(b, 'eth0', 7, '10.77.7.2/24');
  const [vlan] = ipj(a, '-d', 'link', 'show', 'eth0.7');
  t.is(vlan.linkinfo.info_kind, 'vlan');
  t.is(vlan.linkinfo.info_data.id, 7);
  t.is(vlan.linkinfo.info_data.protocol, '802.1Q');

  t.true(pingWithin(a, '10.77.7.2'), 'VLAN 7 <-> VLAN 7 must ping');
  const [stats] = ipj(b, '-s', 'link', 'show', 'eth0.7');
  t.true(stats.stats64.rx.packets >= 1, `eth0.7 in ${b} received ${stats.stats64.rx.packets} packets`);

  // Tag 8 on one side, tag 9 on the other, one subnet: the frames are dropped by the receiving side.
  addVlan(a, 'eth0', 8, '10.77.8.1/24');
  addVlan(b, 'eth0', 9, '10.77.8.2/24');
  await waitOperUp(a, ['eth0.8']);
  await waitOperUp(b, ['eth0.9']);
  t.false(pingWithin(a, '10.77.8.2', 2), 'VLAN 8 must not reach VLAN 9');
  // ...while VLAN 7 still does: the failure above is the tag, not a broken link.
  t.true(pingWithin(a, '10.77.7.2'));
});

kernelTest('tc netem delay 50ms raises the measured RTT by about 50 ms', ['veth', 'netem', 'tc', 'ping'], (t) => {
  const a = createNetns(t, 'netema');
  const b = createNetns(t, 'netemb');
  vethBetween(a, 'eth0', b, 'eth0', { addrA: '10.77.1.1/24', addrB: '10.77.1.2/24' });
  t.true(pingWithin(a, '10.77.1.2'), 'warm-up ping (link ready, ARP resolved)');
  const before = avgRttMs(a, '10.77.1.2');

  run('tc', ['-n', a, 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '50ms']);
  const qdiscs = JSON.parse(run('tc', ['-j', '-n', a, 'qdisc', 'show', 'dev', 'eth0'])) as { kind: string; root?: boolean }[];
  t.true(qdiscs.some((q) => q.kind === 'netem' && q.root), `root qdisc on eth0: ${JSON.stringify(qdiscs)}`);

  const after = avgRttMs(a, '10.77.1.2');
  const increase = after - before;
  t.log(`avg RTT ${before.toFixed(3)} ms -> ${after.toFixed(3)} ms (+${increase.toFixed(1)} ms)`);
  // The delay applies to the echo request only (egress of eth0 in a): +50 ms, give or take timer slack.
  t.true(increase >= 48 && increase < 100, `RTT increase ${increase} ms should be about 50 ms`);

  run('tc', ['-n', a, 'qdisc', 'del', 'dev', 'eth0', 'root']);
  const restored = avgRttMs(a, '10.77.1.2', 3);
  t.true(restored < before + 20, `RTT back to ${restored} ms after removing netem`);
});

kernelTest('dummy link: created, addressed, reachable locally', ['dummy', 'ping'], (t) => {
  const a = createNetns(t, 'dummy');
  ipn(a, 'link', 'add', 'dummy0', 'type', 'dummy');
  ipn(a, 'address', 'add', '10.77.3.1/32', 'dev', 'dummy0');
  ipn(a, 'link', 'set', 'dummy0', 'up');
  const [link] = ipj(a, '-d', 'link', 'show', 'dummy0');
  t.is(link.linkinfo.info_kind, 'dummy');
  t.true(link.flags.includes('UP'));
  t.true(pingWithin(a, '10.77.3.1'), 'a local address on a dummy answers');
});

kernelTest('ipvlan l2 slave in its own netns talks to a peer through the parent', ['veth', 'ipvlan', 'ping'], (t) => {
  const host = createNetns(t, 'ivhost');
  const peer = createNetns(t, 'ivpeer');
  const guest = createNetns(t, 'ivguest');
  vethBetween(host, 'eth0', peer, 'eth0', { addrB: '10.77.2.2/24' });
  ipn(host, 'link', 'add', 'link', 'eth0', 'name', 'iv0', 'type', 'ipvlan', 'mode', 'l2');
  ipn(host, 'link', 'set', 'iv0', 'netns', guest);
  ipn(guest, 'address', 'add', '10.77.2.3/24', 'dev', 'iv0');
  ipn(guest, 'link', 'set', 'iv0', 'up');

  const [iv] = ipj(guest, '-d', 'link', 'show', 'iv0');
  t.is(iv.linkinfo.info_kind, 'ipvlan');
  t.is(iv.linkinfo.info_data.mode, 'l2');
  const [parent] = ipj(host, 'link', 'show', 'eth0');
  t.is(iv.address, parent.address, 'an ipvlan slave shares its parent MAC');

  t.true(pingWithin(guest, '10.77.2.2'), 'ipvlan guest -> peer');
  t.true(pingWithin(peer, '10.77.2.3'), 'peer -> ipvlan guest');
});

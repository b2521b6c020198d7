// The wiring features that need a full kernel (802.1Q, bridge VLAN filtering, ipvlan, dummy),
// with traffic. Skipped with the reason under a kernel that lacks them; run by `npm run test:kernel`.
import { Pipework } from '../../src/index.js';
import { createNetns, ipj, ipn, run } from '../helpers/netns.js';
import { kernelTest } from './features.js';
import { lan } from './lan.js';
import { pingWithin, waitOperUp } from './traffic.js';

kernelTest('@VLAN on a NIC: an 802.1Q sub-interface; VLAN 7 guests talk, a VLAN 8 guest cannot reach them', ['vlan', 'macvlan', 'ping'], async (t) => {
  const { host, pw } = lan(t);
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  const c = createNetns(t, 'c');
  await pw.wire({ host: 'eth0', guest: a, addresses: '10.80.0.2/24', vlan: 7 });
  await pw.wire({ host: 'eth0', guest: b, addresses: '10.80.0.3/24', vlan: 7 });
  await pw.wire({ host: 'eth0', guest: c, addresses: '10.80.0.4/24', vlan: 8 });
  const sub = ipj(host, '-d', 'link', 'show', 'dev', 'eth0.7')[0];
  t.is(sub.linkinfo.info_kind, 'vlan');
  t.is(sub.linkinfo.info_data.id, 7);
  t.is(ipj(a, '-d', 'link', 'show', 'dev', 'eth1')[0].linkinfo.info_kind, 'macvlan');
  await waitOperUp(a, ['eth1']);
  await waitOperUp(c, ['eth1']);
  t.true(pingWithin(a, '10.80.0.3'), 'VLAN 7 to VLAN 7');
  t.false(pingWithin(c, '10.80.0.2', 2), 'VLAN 8 cannot reach VLAN 7');
  // A second run reuses eth0.7; something else named eth0.9 is refused.
  ipn(host, 'link', 'add', 'eth0.9', 'type', 'dummy');
  const err = await t.throwsAsync(pw.wire({ host: 'eth0', guest: a, ifname: 'eth2', addresses: '10.80.1.2/24', vlan: 9 }));
  t.regex(err!.message, /eth0\.9 already exists but is not a VLAN device for tag 9/);
});

kernelTest('@VLAN on a Linux bridge: the guest port is an untagged access port of that VLAN', ['bridge_vlan_filtering', 'ping'], async (t) => {
  const host = createNetns(t, 'host');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  const c = createNetns(t, 'c');
  const ra = await pw.wire({ host: 'brv', guest: a, addresses: '10.81.0.2/24', vlan: 7 });
  await pw.wire({ host: 'brv', guest: b, addresses: '10.81.0.3/24', vlan: 7 });
  await pw.wire({ host: 'brv', guest: c, addresses: '10.81.0.4/24', vlan: 8 });
  t.is(ipj(host, '-d', 'link', 'show', 'dev', 'brv')[0].linkinfo.info_data.vlan_filtering, 1);
  const vlans = JSON.parse(run('bridge', ['-j', '-n', host, 'vlan', 'show', 'dev', ra.hostIfname!]));
  t.log(JSON.stringify(vlans));
  const entries = (vlans[0]?.vlans ?? []) as { vlan: number; flags?: string[] }[];
  t.deepEqual(entries.map((v) => v.vlan), [7]);
  t.true(entries[0].flags?.includes('PVID') && entries[0].flags?.includes('Egress Untagged'));
  await waitOperUp(a, ['eth1']);
  t.true(pingWithin(a, '10.81.0.3'));
  t.false(pingWithin(c, '10.81.0.2', 2));
});

kernelTest('--kind ipvlan, l2 and l3 modes, on a NIC', ['ipvlan', 'ping'], async (t) => {
  const { pw } = lan(t);
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  await pw.wire({ host: 'eth0', guest: a, addresses: '10.82.0.2/24', kind: 'ipvlan' });
  await pw.wire({ host: 'eth0', guest: b, addresses: '10.82.0.3/24', kind: 'ipvlan', mode: 'l2' });
  const l = ipj(a, '-d', 'link', 'show', 'dev', 'eth1')[0];
  t.is(l.linkinfo.info_kind, 'ipvlan');
  t.is(l.linkinfo.info_data.mode, 'l2');
  t.true(pingWithin(a, '10.82.0.3'));
  const c = createNetns(t, 'c');
  await pw.wire({ host: 'eth0', guest: c, addresses: '10.82.1.2/24', kind: 'ipvlan', mode: 'l3' });
  t.is(ipj(c, '-d', 'link', 'show', 'dev', 'eth1')[0].linkinfo.info_data.mode, 'l3');
  t.false((await pw.wire({ host: 'eth0', guest: c, addresses: '10.82.1.2/24', kind: 'ipvlan', mode: 'l3' })).changed);
});

kernelTest("pipework's dummy* host interface: a dummy interface in the guest", ['dummy'], async (t) => {
  const host = createNetns(t, 'host');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const g = createNetns(t, 'g');
  await pw.wire({ host: 'dummy0', guest: g, addresses: '10.83.0.2/24' });
  const l = ipj(g, '-d', 'link', 'show', 'dev', 'eth1')[0];
  t.is(l.linkinfo.info_kind, 'dummy');
  t.is(ipj(g, 'address', 'show', 'dev', 'eth1')[0].addr_info[0].local, '10.83.0.2');
  t.deepEqual(ipj(host, 'link', 'show').map((x: { ifname: string }) => x.ifname), ['lo']);
  t.true((await pw.unwire(g)).removed);
});

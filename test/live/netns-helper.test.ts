// The netns fixtures themselves: namespaces are fresh, deleted after the test, snapshots see
// changes and are stable otherwise, veth topologies carry traffic.
import test from 'ava';
import * as fs from 'node:fs';
import { createNetns, ipj, ipn, ping, snapshot, vethBetween, waitForDad } from '../helpers/netns.js';

let fromEarlierTest: string | undefined;

test.serial('createNetns makes a fresh namespace with only lo, up', (t) => {
  const ns = createNetns(t, 'Probe!');
  fromEarlierTest = ns;
  t.regex(ns, new RegExp(`^pwt-${process.pid}-\\d+-probe$`));
  t.true(fs.existsSync(`/var/run/netns/${ns}`));
  const links = ipj(ns, 'link', 'show');
  t.deepEqual(links.map((l: { ifname: string }) => l.ifname), ['lo']);
  t.true(links[0].flags.includes('UP'));
  t.not(fs.statSync(`/var/run/netns/${ns}`).ino, fs.statSync('/proc/self/ns/net').ino);
  t.not(createNetns(t), ns, 'names are unique');
});

test.serial('the namespace of an earlier test is gone after it ended', (t) => {
  t.truthy(fromEarlierTest);
  t.false(fs.existsSync(`/var/run/netns/${fromEarlierTest}`));
});

test('snapshot is stable, sees changes, and sees them undone', async (t) => {
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  ipn(a, 'link', 'add', 'br0', 'type', 'bridge');
  ipn(a, 'link', 'set', 'br0', 'up');
  vethBetween(a, 'va', b, 'vb', { addrB: '10.9.0.2/24' });
  ipn(a, 'link', 'set', 'va', 'master', 'br0');
  ipn(a, 'address', 'add', '10.9.0.1/24', 'dev', 'br0');
  ipn(a, 'address', 'add', 'fd09::1/64', 'dev', 'br0');
  ipn(b, 'route', 'add', 'default', 'via', '10.9.0.1');
  await waitForDad(a);
  await waitForDad(b);

  const before = snapshot(a);
  t.deepEqual(snapshot(a), before, 'two snapshots in a row are equal');
  t.deepEqual(before.links.map((l) => l.ifname), ['br0', 'lo', 'va']);
  const va = before.links.find((l) => l.ifname === 'va')!;
  t.is(va.kind, 'veth');
  t.is(va.master, 'br0');
  t.is(va.slaveKind, 'bridge');
  t.true(va.flags.includes('UP'));
  t.truthy(before.addresses.find((x) => x.dev === 'br0' && x.local === '10.9.0.1' && x.prefixlen === 24));
  t.truthy(before.addresses.find((x) => x.dev === 'br0' && x.local === 'fd09::1'));
  t.false(JSON.stringify(before).includes('life_time'), 'no lifetimes');
  t.truthy(before.routes.find((r) => r.dst === '10.9.0.0/24' && r.dev === 'br0'));
  t.truthy(before.routes.find((r) => r.table === 'local' && r.family === 'inet6'), 'routes of every table');
  t.truthy(before.rules.find((r) => r.family === 'inet' && r.table === 'main'));
  t.truthy(before.rules.find((r) => r.family === 'inet6' && r.table === 'main'));
  t.truthy(snapshot(b).routes.find((r) => r.dst === 'default' && r.gateway === '10.9.0.1'));

  ipn(a, 'link', 'set', 'va', 'mtu', '1400');
  ipn(a, 'address', 'add', '10.9.1.1/24', 'dev', 'br0');
  ipn(a, 'rule', 'add', 'priority', '100', 'table', '100');
  const changed = snapshot(a);
  t.notDeepEqual(changed.links, before.links);
  t.notDeepEqual(changed.addresses, before.addresses);
  t.notDeepEqual(changed.routes, before.routes);
  t.notDeepEqual(changed.rules, before.rules);

  ipn(a, 'link', 'set', 'va', 'mtu', '1500');
  ipn(a, 'address', 'del', '10.9.1.1/24', 'dev', 'br0');
  ipn(a, 'rule', 'del', 'priority', '100');
  t.deepEqual(snapshot(a), before);
});

test('vethBetween connects two namespaces; ping tells reachable from unreachable', (t) => {
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  vethBetween(a, 'eth-a', b, 'eth-b', { addrA: '10.8.0.1/24', addrB: '10.8.0.2/24', mtu: 1400 });
  const [ea] = ipj(a, 'link', 'show', 'eth-a');
  const [eb] = ipj(b, 'link', 'show', 'eth-b');
  t.is(ea.mtu, 1400);
  t.is(eb.mtu, 1400);
  t.true(ping(a, '10.8.0.2', { count: 3 }));
  t.true(ping(b, '10.8.0.1'));
  t.false(ping(a, '10.8.0.77', { timeoutS: 0.3 }));
  t.false(ping(a, '192.0.2.1', { timeoutS: 0.3 }), 'no route');
});

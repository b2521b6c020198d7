// Wirings over what a real LAN has and this machine's kernel lacks: a guest on a VXLAN overlay bridge, a
// macvlan whose parent is an 802.1Q sub-interface the admin made, and the DHCP client over a VLAN. Each with
// traffic (ping) or a lease from a real server (dnsmasq), and the kernel's state read back with iproute2.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pipework } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { dnsmasq } from '../helpers/dhcp-servers.js';
import { createNetns, ipj, ipn, run } from '../helpers/netns.js';
import { kernelTest } from './features.js';
import { lan } from './lan.js';
import { pingWithin, waitOperUp } from './traffic.js';


kernelTest('a guest on a bridge with a VXLAN port reaches a guest behind another host; it inherits the overlay MTU', ['veth', 'vxlan', 'bridge', 'ping'], async (t) => {
  // Two hosts joined by an underlay link; on each, bridge brx with a VXLAN (VNI 42) port to the other.
  const h1 = createNetns(t, 'h1');
  const h2 = createNetns(t, 'h2');
  run('ip', ['-n', h1, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h2]);
  const hosts = [
    { ns: h1, self: '172.30.0.1', peer: '172.30.0.2' },
    { ns: h2, self: '172.30.0.2', peer: '172.30.0.1' },
  ];
  for (const h of hosts) {
    ipn(h.ns, 'address', 'add', `${h.self}/24`, 'dev', 'eth0');
    ipn(h.ns, 'link', 'set', 'eth0', 'up');
    ipn(h.ns, 'link', 'add', 'brx', 'type', 'bridge');
    ipn(h.ns, 'link', 'add', 'vx42', 'type', 'vxlan', 'id', '42', 'remote', h.peer, 'local', h.self, 'dstport', '4789', 'dev', 'eth0');
    ipn(h.ns, 'link', 'set', 'vx42', 'master', 'brx', 'up');
    ipn(h.ns, 'link', 'set', 'brx', 'up');
  }
  const [a, b] = [createNetns(t, 'a'), createNetns(t, 'b')];
  const pw1 = new Pipework({ hostNetns: h1 });
  const pw2 = new Pipework({ hostNetns: h2 });
  t.teardown(() => (pw1.close(), pw2.close()));
  const ra = await pw1.wire({ host: 'brx', guest: a, addresses: '10.86.0.2/24' });
  await pw2.wire({ host: 'brx', guest: b, addresses: '10.86.0.3/24' });

  // VXLAN over IPv4 takes 50 bytes of each 1500-byte underlay frame: the bridge, and so the guest, get 1450.
  t.is(ipj(h1, 'link', 'show', 'dev', 'brx')[0].mtu, 1450);
  t.is(ipj(a, 'link', 'show', 'dev', 'eth1')[0].mtu, 1450, 'the guest interface takes the bridge MTU');
  t.is(ipj(h1, 'link', 'show', 'dev', ra.hostIfname!)[0].master, 'brx');
  await waitOperUp(a, ['eth1']);
  await waitOperUp(b, ['eth1']);
  t.true(pingWithin(a, '10.86.0.3'), 'a -> b across the overlay');
  // The guests' frames really crossed the underlay inside VXLAN: vx42 sent and received them.
  const [vx] = ipj(h1, '-s', 'link', 'show', 'dev', 'vx42');
  t.true(vx.stats64.tx.packets >= 1 && vx.stats64.rx.packets >= 1, `vx42 counters ${JSON.stringify(vx.stats64)}`);
  t.true((await pw1.unwire(a)).removed);
  t.deepEqual(ipj(h1, 'link', 'show', 'master', 'brx').map((l: { ifname: string }) => l.ifname), ['vx42']);
});

kernelTest('a macvlan on an existing 802.1Q sub-interface given as the host interface: same VLAN talks, untagged does not', ['vlan', 'macvlan', 'ping'], async (t) => {
  const { host, pw } = lan(t);
  ipn(host, 'link', 'add', 'link', 'eth0', 'name', 'eth0.7', 'type', 'vlan', 'id', '7');
  ipn(host, 'link', 'set', 'eth0.7', 'up');
  const [a, b, c] = [createNetns(t, 'a'), createNetns(t, 'b'), createNetns(t, 'c')];
  await pw.wire({ host: 'eth0.7', guest: a, addresses: '10.87.0.2/24', mode: 'bridge' });
  await pw.wire({ host: 'eth0.7', guest: b, addresses: '10.87.0.3/24', mode: 'bridge' });
  await pw.wire({ host: 'eth0', guest: c, addresses: '10.87.0.4/24' });
  const [mv] = ipj(a, '-d', 'link', 'show', 'dev', 'eth1');
  t.is(mv.linkinfo.info_kind, 'macvlan');
  t.is(mv.linkinfo.info_data.mode, 'bridge');
  // The parent is in the host netns: the guest sees its ifindex through the link-netnsid.
  const [parent] = ipj(host, 'link', 'show', 'dev', 'eth0.7');
  t.is(mv.link_index, parent.ifindex);
  await waitOperUp(a, ['eth1']);
  await waitOperUp(c, ['eth1']);
  t.true(pingWithin(a, '10.87.0.3'), 'VLAN 7 to VLAN 7 (macvlan bridge mode on eth0.7)');
  t.false(pingWithin(c, '10.87.0.2', 2), 'untagged eth0 cannot reach VLAN 7');
  // del takes the guest's macvlan and leaves the admin's sub-interface alone.
  t.true((await pw.unwire(a)).removed);
  t.is(ipj(host, '-d', 'link', 'show', 'dev', 'eth0.7')[0].linkinfo.info_data.id, 7);
});

kernelTest('the DHCP client over a VLAN: `pipework eth0 GUEST dhcp @7` gets its lease from a server on VLAN 7 only', ['vlan', 'macvlan', 'ping'], async (t) => {
  const { host, sw } = lan(t);
  // The server: a netns cabled to the switch, serving VLAN 7 (and nothing untagged).
  const srv = createNetns(t, 'srv');
  run('ip', ['-n', srv, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'up1', 'netns', sw]);
  ipn(sw, 'link', 'set', 'up1', 'master', 'sw0', 'up');
  ipn(srv, 'link', 'set', 'eth0', 'up');
  ipn(srv, 'link', 'add', 'link', 'eth0', 'name', 'eth0.7', 'type', 'vlan', 'id', '7');
  ipn(srv, 'address', 'add', '10.88.0.1/24', 'dev', 'eth0.7');
  ipn(srv, 'link', 'set', 'eth0.7', 'up');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-vlandhcp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await dnsmasq(t, { srv, dir, iface: 'eth0.7' }, [
    '--dhcp-range=10.88.0.100,10.88.0.199,255.255.255.0,1h',
    '--dhcp-option=option:router,10.88.0.1',
  ]);

  const g = createNetns(t, 'g');
  const r = await cli(['--host-netns', host, 'eth0', '-i', 'eth1', g, 'dhcp', '02:00:00:88:00:02@7', '--timeout', '60']);
  t.is(r.code, 0, r.stderr);
  t.is(ipj(host, '-d', 'link', 'show', 'dev', 'eth0.7')[0].linkinfo.info_data.id, 7, 'the sub-interface eth0.7 was made');
  const [addr] = ipj(g, '-4', 'address', 'show', 'dev', 'eth1')[0].addr_info as { local: string; prefixlen: number }[];
  t.regex(addr.local, /^10\.88\.0\.1\d\d$/);
  t.is(addr.prefixlen, 24);
  t.like(ipj(g, '-4', 'route', 'show', 'default')[0], { gateway: '10.88.0.1', dev: 'eth1' });
  t.regex(server.leases(), new RegExp(`02:00:00:88:00:02 ${addr.local.replace(/\./g, '\\.')} `), 'the VLAN 7 server handed it out');
  t.true(pingWithin(g, '10.88.0.1'), 'the guest reaches the server over VLAN 7');

  const d = await cli(['--host-netns', host, 'del', g, '-i', 'eth1']);
  t.is(d.code, 0, d.stderr);
  t.deepEqual(ipj(g, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
});

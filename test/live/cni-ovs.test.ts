// The plugin on an Open vSwitch bridge (a real ovsdb-server and ovs-vswitchd, userspace datapath, in a
// test netns that is the plugin's host side): the host end becomes an OVS port, and DEL without a
// netns and GC remove the port from OVSDB as well as the kernel. ovs-vsctl is the oracle.
import test, { type ExecutionContext } from 'ava';
import { call, installPlugin } from '../helpers/cni.js';
import { missingOvs, startOvs, stopOvs, vsctl } from '../helpers/ovs.js';
import { createNetns, ipj } from '../helpers/netns.js';

const skipReason = missingOvs();
const ovsTest = (title: string, impl: (t: ExecutionContext) => Promise<void>) =>
  skipReason === undefined ? test.serial(title, impl) : test.skip(`${title} [skipped: ${skipReason}]`, () => {});

ovsTest('OVS: ADD makes an OVS port; DEL with no netns and GC remove it from OVSDB and the kernel', async (t) => {
  const o = startOvs();
  t.teardown(() => stopOvs(o));
  const bin = installPlugin(t);
  const [g1, g2] = [createNetns(t, 'g1'), createNetns(t, 'g2')];
  const conf = { cniVersion: '1.1.0', name: 'ovsnet', type: 'pipework', host: 'ovsbr5', ovsdb: `unix:${o.sock}`, ovsDatapath: 'netdev' };
  const add = (netns: string, containerId: string, ip: string) => call({ command: 'ADD', conf: { ...conf, runtimeConfig: { ips: [ip] } }, hostNs: o.ns, netns, containerId, pluginDir: bin });
  const a = add(g1, 'a', '10.95.0.2/24');
  t.is(a.status, 0, a.stdout + a.stderr);
  const b = add(g2, 'b', '10.95.0.3/24');
  t.is(b.status, 0, b.stdout + b.stderr);
  t.deepEqual(a.json!.interfaces.map((i: { name: string }) => i.name).filter((n: string) => !n.startsWith('vpc')), ['ovsbr5', 'eth0']);
  const [endA, endB] = [a.json!.interfaces[1].name as string, b.json!.interfaces[1].name as string];
  t.deepEqual(vsctl(o, 'list-ports', 'ovsbr5').split('\n').sort(), [endA, endB].sort());

  const del = call({ command: 'DEL', conf, hostNs: o.ns, netns: '', containerId: 'a', pluginDir: bin });
  t.is(del.status, 0, del.stdout);
  t.deepEqual(vsctl(o, 'list-ports', 'ovsbr5').split('\n'), [endB]);
  t.false(ipj(o.ns, 'link', 'show').some((l: { ifname: string }) => l.ifname === endA));

  const gc = call({ command: 'GC', conf: { ...conf, 'cni.dev/valid-attachments': [] }, hostNs: o.ns, netns: '', pluginDir: bin });
  t.is(gc.status, 0, gc.stdout);
  t.is(vsctl(o, 'list-ports', 'ovsbr5'), '');
  t.false(ipj(o.ns, 'link', 'show').some((l: { ifname: string }) => l.ifname === endB));
  t.deepEqual(ipj(g2, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
});

// Open vSwitch with its kernel datapath (the openvswitch module), as production hosts run it: the live
// suite can only use the userspace datapath, since this machine's own kernel has no such module.
// ovs-vsctl and iproute2 are the oracles; traffic crosses the kernel datapath.
import { Pipework } from '../../src/index.js';
import { startOvs, stopOvs, vsctl } from '../helpers/ovs.js';
import { createNetns, ipj } from '../helpers/netns.js';
import { kernelTest } from './features.js';
import { pingWithin, waitOperUp } from './traffic.js';

kernelTest('OVS kernel datapath: tagged ports from pipework; 7 talks to 7 through the openvswitch module, not to 8', ['veth', 'openvswitch', 'ping'], async (t) => {
  const o = startOvs();
  t.teardown(() => stopOvs(o));
  const pw = new Pipework({ hostNetns: o.ns, ovsdb: `unix:${o.sock}`, ovsDatapath: 'system' });
  t.teardown(() => pw.close());
  const [a, b, c] = [createNetns(t, 'a'), createNetns(t, 'b'), createNetns(t, 'c')];
  const ra = await pw.wire({ host: 'ovsk0', guest: a, addresses: '10.89.0.2/24', vlan: 7 });
  const rb = await pw.wire({ host: 'ovsk0', guest: b, addresses: '10.89.0.3/24', vlan: 7 });
  await pw.wire({ host: 'ovsk0', guest: c, addresses: '10.89.0.4/24', vlan: 8 });

  t.is(vsctl(o, 'get', 'Bridge', 'ovsk0', 'datapath_type'), 'system');
  // The kernel datapath exists: vswitchd made the ovs-system device and enslaved our veths to it.
  const [dp] = ipj(o.ns, '-d', 'link', 'show', 'dev', 'ovs-system');
  t.is(dp.linkinfo.info_kind, 'openvswitch');
  for (const port of [ra.hostIfname!, rb.hostIfname!]) {
    t.is(ipj(o.ns, 'link', 'show', 'dev', port)[0].master, 'ovs-system', `${port} is a port of the kernel datapath`);
    t.is(vsctl(o, 'get', 'Port', port, 'tag'), '7');
  }
  await waitOperUp(a, ['eth1']);
  await waitOperUp(c, ['eth1']);
  t.true(pingWithin(a, '10.89.0.3'), 'tag 7 to tag 7');
  t.false(pingWithin(c, '10.89.0.2', 2), 'tag 8 cannot reach tag 7');
  for (const g of [a, b, c]) await pw.unwire(g);
  t.is(vsctl(o, 'list-ports', 'ovsk0'), '', 'del removed the ports');
});

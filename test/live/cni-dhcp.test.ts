// "ipam": {"type": "pipework-dhcp"}: the address comes from our built-in DHCP client (one lease,
// not renewed: a plugin call cannot outlive itself), served here by dnsmasq on the host's bridge.
// The result carries the lease; DEL releases it at the server. Needs `npm run build`.
import test from 'ava';
import { call, installPlugin, tempDir } from '../helpers/cni.js';
import { dnsmasq, until } from '../helpers/dhcp-servers.js';
import { createNetns, ipj, ipn } from '../helpers/netns.js';

test('pipework-dhcp: ADD takes a lease (hostname from K8S_POD_NAME), reports it as the result; DEL releases it', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  ipn(host, 'link', 'add', 'br-dh', 'type', 'bridge');
  ipn(host, 'address', 'add', '10.80.0.1/24', 'dev', 'br-dh');
  ipn(host, 'link', 'set', 'br-dh', 'up');
  const dir = tempDir(t, 'dhcp');
  const srv = await dnsmasq(t, { srv: host, dir }, ['--dhcp-option=option:router,10.80.0.1']);
  const bin = installPlugin(t);
  const conf = { cniVersion: '1.0.0', name: 'dh', type: 'pipework', bridge: 'br-dh', ipam: { type: 'pipework-dhcp', timeout: 10 } };

  const r = call({ command: 'ADD', conf, hostNs: host, netns: guest, pluginDir: bin, args: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web' });
  t.is(r.status, 0, r.stdout + r.stderr);
  const [ip] = r.json!.ips as { address: string; gateway: string; interface: number }[];
  t.regex(ip.address, /^10\.80\.0\.1\d\d\/24$/);
  t.is(ip.gateway, '10.80.0.1');
  t.is(r.json!.interfaces[ip.interface].name, 'eth0');
  t.deepEqual(r.json!.routes, [{ dst: '0.0.0.0/0', gw: '10.80.0.1' }]);
  const local = ip.address.split('/')[0];
  t.deepEqual(ipj(guest, '-4', 'address', 'show', 'dev', 'eth0')[0].addr_info.map((a: { local: string }) => a.local), [local]);
  t.regex(srv.leases(), new RegExp(`${local.replace(/\./g, '\\.')} web `));

  const d = call({ command: 'DEL', conf, hostNs: host, netns: guest, pluginDir: bin });
  t.is(d.status, 0, d.stdout + d.stderr);
  await until('the server to forget the lease', () => !srv.leases().includes(local));
  t.deepEqual(ipj(guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
});

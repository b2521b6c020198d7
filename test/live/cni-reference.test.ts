// The reference `bridge` plugin is the oracle where ours overlaps it: for the same network config
// (a bridge, host-local addresses and routes), the container must end up with the same addresses
// and routes, and the result must have the same shape. Needs `npm run build`.
import test from 'ava';
import { call, hostLocal, installPlugin, tempDir } from '../helpers/cni.js';
import { createNetns, ipj } from '../helpers/netns.js';

interface RouteJson {
  dst: string;
  gateway?: string;
  dev: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  flags: string[];
}

const guestState = (ns: string) => ({
  addresses: ipj(ns, 'address', 'show', 'dev', 'eth0')[0].addr_info
    .filter((a: { scope: string }) => a.scope !== 'link')
    .map((a: { family: string; local: string; prefixlen: number; broadcast?: string }) => ({ family: a.family, local: a.local, prefixlen: a.prefixlen, broadcast: a.broadcast })),
  routes: [...ipj<RouteJson[]>(ns, '-4', 'route', 'show'), ...ipj<RouteJson[]>(ns, '-6', 'route', 'show')]
    .filter((r) => !r.dst.startsWith('fe80') && r.dst !== 'multicast')
    .map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev, scope: r.scope, prefsrc: r.prefsrc })),
});

/** The result with what must differ (MACs, the host end's name, the netns path) masked. */
function shape(r: Record<string, unknown>) {
  const interfaces = (r.interfaces as { name: string; mac?: string; sandbox?: string }[]).map((i) => ({ name: i.sandbox ? i.name : i.name.startsWith('br') ? i.name : 'HOST-END', mac: i.mac ? 'MAC' : undefined, sandbox: i.sandbox ? 'NETNS' : undefined }));
  return { ...r, interfaces };
}

for (const version of ['0.4.0', '1.0.0']) {
  test(`same config, same outcome as the reference bridge plugin (dual stack, extra route, cniVersion ${version})`, (t) => {
    const bin = installPlugin(t);
    const ipam = (dir: string) =>
      hostLocal(dir, '10.5.0.0/24', {
        ranges: [[{ subnet: '10.5.0.0/24' }], [{ subnet: 'fd05::/64' }]],
        routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.77.0/24', gw: '10.5.0.254' }],
      });
    const outcome = (type: string) => {
      const host = createNetns(t, `h${type.slice(0, 3)}`);
      const guest = createNetns(t, `g${type.slice(0, 3)}`);
      const conf = { cniVersion: version, name: 'cmp', type, bridge: 'br5', ipam: ipam(tempDir(t, type)) };
      const r = call({ command: 'ADD', conf, hostNs: host, netns: guest, pluginDir: bin, plugin: type === 'bridge' ? 'bridge' : undefined });
      t.is(r.status, 0, `${type}: ${r.stdout} ${r.stderr}`);
      return { result: r.json!, guest: guestState(guest) };
    };
    const ours = outcome('pipework');
    const ref = outcome('bridge');
    t.true(ref.guest.routes.some((r) => r.dst === '192.168.77.0/24') && ref.guest.addresses.some((a: { family: string }) => a.family === 'inet6'), JSON.stringify(ref.guest));
    t.deepEqual(ours.guest, ref.guest);
    t.deepEqual(shape(ours.result), shape(ref.result));
  });
}

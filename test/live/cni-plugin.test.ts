// The CNI plugin called directly, as a runtime calls it: installed by `pipework cni install`, run
// inside the test's host netns with CNI_* and the config on stdin. The kernel's state (ip -j) and
// host-local's reservation files are the oracles. Needs `npm run build` (the plugin runs dist/).
import test, { type ExecutionContext } from 'ava';
import { call, type Call, hostLocal, installPlugin, netnsPath, reservations, tempDir } from '../helpers/cni.js';
import { createNetns, ipj, run, snapshot } from '../helpers/netns.js';

interface World {
  host: string;
  guest: string;
  bin: string;
  data: string;
  /** calls the plugin with the world's defaults */
  cni(command: string, conf: object, more?: Partial<Call>): ReturnType<typeof call>;
}

function world(t: ExecutionContext): World {
  const host = createNetns(t, 'host');
  const guest = createNetns(t, 'g');
  const bin = installPlugin(t);
  const data = tempDir(t, 'ipam');
  return { host, guest, bin, data, cni: (command, conf, more = {}) => call({ command, conf, hostNs: host, netns: guest, pluginDir: bin, ...more }) };
}

const conf = (w: World, extra: object = {}, version = '1.0.0') => ({
  cniVersion: version,
  name: 'net1',
  type: 'pipework',
  bridge: 'br7',
  ipam: hostLocal(w.data, '10.7.0.0/24'),
  ...extra,
});

const addrs = (ns: string, dev: string) =>
  ipj(ns, 'address', 'show', 'dev', dev)[0].addr_info.filter((a: { scope: string }) => a.scope !== 'link').map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`);

test('VERSION lists the versions spoken, echoing the config\'s', (t) => {
  const w = world(t);
  const r = w.cni('VERSION', { cniVersion: '1.1.0' }, { netns: 'dummy' });
  t.is(r.status, 0, r.stdout);
  t.deepEqual(r.json, { cniVersion: '1.1.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
});

test('ADD wires the container on the bridge with host-local\'s address; CHECK passes, then fails once the address is removed; DEL removes all', (t) => {
  const w = world(t);
  const c = conf(w);
  const r = w.cni('ADD', c);
  t.is(r.status, 0, r.stdout + r.stderr);
  const res = r.json!;
  t.is(res.cniVersion, '1.0.0');
  t.deepEqual(res.interfaces.map((i: { name: string }) => i.name).slice(0, 1), ['br7']);
  const [br, hostEnd, inside] = res.interfaces;
  t.is(inside.name, 'eth0');
  t.is(inside.sandbox, netnsPath(w.guest));
  t.deepEqual(res.ips, [{ address: '10.7.0.2/24', gateway: '10.7.0.1', interface: 2 }]);
  t.deepEqual(res.routes, [{ dst: '0.0.0.0/0' }]);

  // the kernel agrees with the result
  const eth0 = ipj(w.guest, 'link', 'show', 'dev', 'eth0')[0];
  t.is(eth0.address, inside.mac);
  t.deepEqual(addrs(w.guest, 'eth0'), ['10.7.0.2/24']);
  t.deepEqual(ipj(w.guest, '-4', 'route', 'show', 'default').map((x: { gateway: string; dev: string }) => [x.gateway, x.dev]), [['10.7.0.1', 'eth0']]);
  const he = ipj(w.host, '-d', 'link', 'show', 'dev', hostEnd.name)[0];
  t.is(he.master, 'br7');
  t.is(he.address, hostEnd.mac);
  t.is(he.ifalias, 'pipework-cni:ctr1:eth0');
  t.is(ipj(w.host, 'link', 'show', 'dev', 'br7')[0].address, br.mac);
  t.deepEqual(reservations(w.data, 'net1'), ['10.7.0.2']);

  const checked = { ...c, prevResult: res };
  const ok = w.cni('CHECK', checked);
  t.is(ok.status, 0, ok.stdout);
  run('ip', ['-n', w.guest, 'address', 'del', '10.7.0.2/24', 'dev', 'eth0']);
  const bad = w.cni('CHECK', checked);
  t.is(bad.status, 1);
  t.is(bad.json!.code, 101);
  t.regex(bad.json!.msg, /add address 10\.7\.0\.2\/24 to eth0/);

  const del = w.cni('DEL', checked);
  t.is(del.status, 0, del.stdout);
  t.deepEqual(ipj(w.guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  t.false(ipj(w.host, 'link', 'show').some((l: { ifname: string }) => l.ifname === hostEnd.name));
  t.deepEqual(reservations(w.data, 'net1'), []);
  // DEL is idempotent: again, and with no netns at all (ctr sends none)
  t.is(w.cni('DEL', c).status, 0);
  t.is(w.cni('DEL', c, { netns: '' }).status, 0);
});

test('DEL with no CNI_NETNS removes the host end the container left (netns kept alive elsewhere)', (t) => {
  const w = world(t);
  const c = conf(w);
  const added = w.cni('ADD', c).json!;
  const hostEnd = added.interfaces[1].name;
  const del = w.cni('DEL', c, { netns: '' });
  t.is(del.status, 0, del.stdout);
  t.false(ipj(w.host, 'link', 'show').some((l: { ifname: string }) => l.ifname === hostEnd));
  t.deepEqual(ipj(w.guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  t.deepEqual(reservations(w.data, 'net1'), []);
});

test('results follow the config\'s cniVersion: 0.4.0 ips carry "version"; 1.1.0 works with a 1.0.0-only IPAM plugin', (t) => {
  const w = world(t);
  const old = w.cni('ADD', conf(w, {}, '0.4.0'));
  t.is(old.status, 0, old.stdout);
  t.is(old.json!.cniVersion, '0.4.0');
  t.deepEqual(old.json!.ips, [{ version: '4', address: '10.7.0.2/24', gateway: '10.7.0.1', interface: 2 }]);
  const g2 = createNetns(t, 'g2');
  const next = w.cni('ADD', conf(w, {}, '1.1.0'), { netns: g2, containerId: 'ctr2' });
  t.is(next.status, 0, next.stdout);
  t.is(next.json!.cniVersion, '1.1.0');
  t.deepEqual(next.json!.ips, [{ address: '10.7.0.3/24', gateway: '10.7.0.1', interface: 2 }]);
});

test('a failed ADD leaves host, container and the IPAM store as they were', (t) => {
  const w = world(t);
  const beforeHost = snapshot(w.host);
  const beforeGuest = snapshot(w.guest);
  // the wiring succeeds, then its extra route cannot (gateway off-link): all of it is undone
  const c = conf(w, { ipam: hostLocal(w.data, '10.7.0.0/24', { routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.50.0/24', gw: '10.99.0.1' }] }) });
  const r = w.cni('ADD', c);
  t.is(r.status, 1, r.stdout);
  t.is(r.json!.code, 100);
  t.regex(r.json!.msg, /192\.168\.50\.0\/24/);
  t.deepEqual(snapshot(w.host), beforeHost);
  t.deepEqual(snapshot(w.guest), beforeGuest);
  t.deepEqual(reservations(w.data, 'net1'), []);
});

test('an interface already in the container fails the ADD with a conflict, and the address goes back to IPAM', (t) => {
  const w = world(t);
  run('ip', ['-n', w.guest, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other']);
  const beforeGuest = snapshot(w.guest);
  const r = w.cni('ADD', conf(w));
  t.is(r.status, 1);
  t.regex(r.json!.msg, /eth0 .*already exists/);
  t.deepEqual(snapshot(w.guest), beforeGuest);
  t.deepEqual(reservations(w.data, 'net1'), []);
});

test('errors are CNI error objects with the spec\'s codes and a message naming the fix', (t) => {
  const w = world(t);
  const cases: [string, Partial<Call> & { conf?: object; stdin?: string }, number, RegExp][] = [
    ['no host interface', { conf: { cniVersion: '1.0.0', name: 'n', type: 'pipework' } }, 7, /"host" is missing/],
    ['both host and bridge', { conf: { cniVersion: '1.0.0', name: 'n', type: 'pipework', host: 'eth0', bridge: 'br1' } }, 7, /keep one/],
    ['bad kind', { conf: { ...conf(w), kind: 'vxlan' } }, 7, /use macvlan or ipvlan/],
    ['unsupported version', { conf: { ...conf(w), cniVersion: '2.0.0' } }, 1, /not supported/],
    ['missing IPAM plugin', { conf: { ...conf(w), ipam: { type: 'nosuch' } } }, 7, /not in CNI_PATH/],
    ['unknown CNI_ARGS', { conf: conf(w), args: 'FOO=1' }, 4, /IgnoreUnknown=1/],
    ['netns missing', { conf: conf(w), netns: 'no-such-ns' }, 3, /does not exist/],
  ];
  for (const [what, c, code, msg] of cases) {
    const r = w.cni('ADD', c.conf!, c);
    t.is(r.status, 1, what);
    t.is(r.json?.code, code, `${what}: ${r.stdout}`);
    t.regex(String(r.json?.msg) + ' ' + String(r.json?.details ?? ''), msg, what);
  }
  const noCommand = call({ command: '', conf: conf(w), hostNs: w.host, pluginDir: w.bin });
  t.is(noCommand.json?.code, 4);
  t.deepEqual(reservations(w.data, 'net1'), []);
  t.deepEqual(ipj(w.guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
});

test('STATUS: available when the host interface exists (or is a br* ADD creates), code 50 otherwise', (t) => {
  const w = world(t);
  t.is(w.cni('STATUS', { ...conf(w, {}, '1.1.0') }, { netns: '' }).status, 0);
  const missing = w.cni('STATUS', { ...conf(w, {}, '1.1.0'), bridge: undefined, host: 'nic9' }, { netns: '' });
  t.is(missing.status, 1);
  t.is(missing.json!.code, 50);
  t.regex(missing.json!.msg, /nic9 does not exist/);
  run('ip', ['-n', w.host, 'link', 'add', 'nic9', 'type', 'bridge']);
  t.is(w.cni('STATUS', { ...conf(w, {}, '1.1.0'), bridge: undefined, host: 'nic9' }, { netns: '' }).status, 0);
});

test('GC removes the attachments not in cni.dev/valid-attachments and releases their addresses', (t) => {
  const w = world(t);
  const g2 = createNetns(t, 'g2');
  const c = conf(w, {}, '1.1.0');
  const a = w.cni('ADD', c, { containerId: 'keep' }).json!;
  const b = w.cni('ADD', c, { containerId: 'drop', netns: g2 }).json!;
  t.deepEqual(reservations(w.data, 'net1'), ['10.7.0.2', '10.7.0.3']);
  const gc = w.cni('GC', { ...c, 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] }, { netns: '' });
  t.is(gc.status, 0, gc.stdout);
  const hostLinks = ipj(w.host, 'link', 'show').map((l: { ifname: string }) => l.ifname);
  t.true(hostLinks.includes(a.interfaces[1].name));
  t.false(hostLinks.includes(b.interfaces[1].name));
  t.deepEqual(ipj(g2, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  t.deepEqual(addrs(w.guest, 'eth0'), ['10.7.0.2/24']);
  t.deepEqual(reservations(w.data, 'net1'), ['10.7.0.2']);
});

test('without IPAM: runtimeConfig mac and ips, or CNI_ARGS IP= and MAC=', (t) => {
  const w = world(t);
  const r = w.cni('ADD', { ...conf(w), ipam: undefined, runtimeConfig: { mac: '02:00:00:00:07:09', ips: ['10.7.0.9/24', 'fd07::9/64'] } });
  t.is(r.status, 0, r.stdout);
  t.deepEqual(r.json!.ips, [{ address: '10.7.0.9/24', interface: 2 }, { address: 'fd07::9/64', interface: 2 }]);
  t.is(ipj(w.guest, 'link', 'show', 'dev', 'eth0')[0].address, '02:00:00:00:07:09');
  t.deepEqual(addrs(w.guest, 'eth0').sort(), ['10.7.0.9/24', 'fd07::9/64']);
  const r2 = w.cni('ADD', { ...conf(w), ipam: undefined }, { ifname: 'net2', args: 'IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.7.0.10/24;MAC=02:00:00:00:07:0a' });
  t.is(r2.status, 0, r2.stdout);
  t.is(ipj(w.guest, 'link', 'show', 'dev', 'net2')[0].address, '02:00:00:00:07:0a');
  t.deepEqual(addrs(w.guest, 'net2'), ['10.7.0.10/24']);
});

test('prevResult: ours is appended to what the plugins before us made, ips index the merged list', (t) => {
  const w = world(t);
  const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'lo0', sandbox: '/elsewhere' }], ips: [{ address: '192.0.2.5/32', interface: 0 }], routes: [], dns: { nameservers: ['192.0.2.53'] } };
  const r = w.cni('ADD', conf(w, { prevResult }));
  t.is(r.status, 0, r.stdout);
  t.deepEqual(r.json!.interfaces.map((i: { name: string }) => i.name)[0], 'lo0');
  t.is(r.json!.interfaces.length, 4);
  t.deepEqual(r.json!.ips, [{ address: '192.0.2.5/32', interface: 0 }, { address: '10.7.0.2/24', gateway: '10.7.0.1', interface: 3 }]);
  t.deepEqual(r.json!.dns, { nameservers: ['192.0.2.53'] });
});

test('a NIC as host: a macvlan born in the container; the result has the container\'s interface only; DEL removes it', (t) => {
  const w = world(t);
  run('ip', ['-n', w.host, 'link', 'add', 'nic0', 'type', 'veth', 'peer', 'name', 'nic0peer']);
  run('ip', ['-n', w.host, 'link', 'set', 'nic0', 'up']);
  const c = { ...conf(w), bridge: undefined, host: 'nic0', mode: 'private', mac: '02:00:00:00:07:77' };
  const r = w.cni('ADD', c);
  t.is(r.status, 0, r.stdout);
  t.deepEqual(r.json!.interfaces, [{ name: 'eth0', mac: '02:00:00:00:07:77', sandbox: netnsPath(w.guest) }]);
  t.deepEqual(r.json!.ips, [{ address: '10.7.0.2/24', gateway: '10.7.0.1', interface: 0 }]);
  const eth0 = ipj(w.guest, '-d', 'link', 'show', 'dev', 'eth0')[0];
  t.is(eth0.linkinfo.info_kind, 'macvlan');
  t.is(eth0.linkinfo.info_data.mode, 'private');
  t.is(w.cni('CHECK', { ...c, prevResult: r.json }).status, 0);
  t.is(w.cni('DEL', c).status, 0);
  t.deepEqual(ipj(w.guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  t.deepEqual(reservations(w.data, 'net1'), []);
});

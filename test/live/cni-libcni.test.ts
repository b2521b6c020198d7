// The plugin under libcni, the library containerd and podman use (through a small Go driver of
// our own), chained with the reference `tuning` plugin: libcni's ADD, CHECK (it is the one client
// here that sends CHECK) and DEL. Needs `npm run build`, golang-go and golang-github-appc-cni-dev.
import test from 'ava';
import { buildLibcniDriver, hostLocal, installPlugin, REFERENCE_PLUGINS, reservations, tempDir, writeConflist } from '../helpers/cni.js';
import { CommandError, createNetns, ipj, run } from '../helpers/netns.js';

test('libcni ADD, CHECK and DEL of a conflist chaining pipework with tuning; CHECK fails once the address is removed by hand', (t) => {
  const host = createNetns(t, 'host');
  const guest = createNetns(t, 'g');
  const bin = installPlugin(t);
  const data = tempDir(t, 'ipam');
  const cache = tempDir(t, 'cache');
  const driver = buildLibcniDriver(t);
  const netd = writeConflist(t, 'chain', [
    { type: 'pipework', bridge: 'br8', ipam: hostLocal(data, '10.8.0.0/24') },
    { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.arp_notify': '1' } },
  ]);
  const libcni = (verb: string) => run('ip', ['netns', 'exec', host, driver, verb, netd, 'chain', 'ctr-lib', `/var/run/netns/${guest}`, 'eth0', cache, bin, REFERENCE_PLUGINS]);

  const result = JSON.parse(libcni('add')) as { ips: { address: string; interface: number }[]; interfaces: { name: string; sandbox?: string }[] };
  t.deepEqual(result.ips.map((i) => i.address), ['10.8.0.2/24']);
  t.is(result.interfaces[result.ips[0].interface].name, 'eth0');
  // tuning got our result as its prevResult and found the interface in the sandbox
  t.is(run('ip', ['netns', 'exec', guest, 'cat', '/proc/sys/net/ipv4/conf/eth0/arp_notify']).trim(), '1');
  const addrs = ipj(guest, '-4', 'address', 'show', 'dev', 'eth0')[0].addr_info.map((a: { local: string }) => a.local);
  t.deepEqual(addrs, ['10.8.0.2']);

  t.notThrows(() => libcni('check'));
  run('ip', ['-n', guest, 'address', 'del', '10.8.0.2/24', 'dev', 'eth0']);
  const err = t.throws(() => libcni('check'), { instanceOf: CommandError }) as CommandError;
  t.regex(err.stderr, /add address 10\.8\.0\.2\/24 to eth0/);

  libcni('del');
  t.deepEqual(ipj(guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  t.false(ipj(host, 'link', 'show').some((l: { ifalias?: string }) => l.ifalias?.startsWith('pipework-cni:')));
  t.deepEqual(reservations(data, 'chain'), []);
  t.notThrows(() => libcni('del'), 'DEL again succeeds');
});

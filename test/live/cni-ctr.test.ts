// containerd's `ctr run --cni` runs our plugin (installed by `pipework cni install`) for a real
// container from a busybox rootfs: the container sees the address, and `--rm` (a DEL with an
// empty CNI_NETNS) leaves nothing in the host netns or the IPAM store. Needs `npm run build`.
import test from 'ava';
import { hostLocal, installPlugin, reservations, tempDir } from '../helpers/cni.js';
import { busyboxRootfs, cniEtc, ctr, ctrCleanup, startContainerd } from '../helpers/ctr.js';
import { createNetns, ipj } from '../helpers/netns.js';

test('ctr run --cni --rm: the container gets its address from pipework, and nothing is left after', async (t) => {
  const host = createNetns(t, 'host');
  const data = tempDir(t, 'ipam');
  const d = await startContainerd(t);
  const rootfs = busyboxRootfs(t);
  const overlay = { etc: cniEtc(t, 'pwnet', [{ type: 'pipework', bridge: 'br9', ipam: hostLocal(data, '10.9.0.0/24') }]), bin: installPlugin(t) };
  const id = `pwcni-${process.pid}`;
  t.teardown(() => ctrCleanup(d, id));

  const out = ctr(host, d, overlay, ['run', '--cni', '--rm', '--rootfs', rootfs, id, '/bin/ip', '-o', 'addr', 'show', 'eth0']);
  t.regex(out, /inet 10\.9\.0\.2\/24/);

  t.false(ipj(host, 'link', 'show').some((l: { ifalias?: string; linkinfo?: unknown }) => l.ifalias?.startsWith('pipework-cni:')));
  t.deepEqual(ipj(host, 'link', 'show').map((l: { ifname: string }) => l.ifname).sort(), ['br9', 'lo']);
  t.deepEqual(reservations(data, 'pwnet'), []);
});

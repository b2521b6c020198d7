// podman 4.3 with its CNI backend runs our plugin (installed by `pipework cni install`): a private
// containers.conf/storage.conf (vfs, cgroupfs, file events), a private /run/netns, and podman
// itself run inside the test's host netns. The container sees its address; `podman run --rm`
// (DEL from `podman container cleanup`) leaves nothing behind. Needs `npm run build` and podman.
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostLocal, installPlugin, reservations, tempDir } from '../helpers/cni.js';
import { busyboxRootfs } from '../helpers/ctr.js';
import { createNetns, ipj, run } from '../helpers/netns.js';

test('podman run --network NET (CNI backend): the container has its address from pipework, and --rm removes it', (t) => {
  const host = createNetns(t, 'host');
  const dir = tempDir(t, 'podman');
  const bin = installPlugin(t);
  const data = tempDir(t, 'ipam');
  const netd = join(dir, 'net.d');
  mkdirSync(netd);
  writeFileSync(join(netd, 'pwnet.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'pwnet', plugins: [{ type: 'pipework', bridge: 'br6', ipam: hostLocal(data, '10.6.0.0/24') }] }));
  writeFileSync(
    join(dir, 'containers.conf'),
    [
      '[network]',
      'network_backend="cni"',
      `cni_plugin_dirs=["${bin}", "/usr/lib/cni"]`,
      `network_config_dir="${netd}"`,
      '[engine]',
      'cgroup_manager="cgroupfs"',
      'events_logger="file"',
      `tmp_dir="${dir}/tmp"`,
      '[containers]',
      // without these runc fails here: no CAP_SYS_RESOURCE to raise the limits
      'default_ulimits=["nofile=1024:1024","nproc=4096:4096"]',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver="vfs"\ngraphroot="${dir}/graph"\nrunroot="${dir}/run"\n`);
  const rootfs = busyboxRootfs(t);
  run('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
  const env = { CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  // nsenter, not `ip netns exec`: that remounts /sys, which hides the cgroup mount runc needs
  const podman = (script: string) =>
    run('nsenter', [`--net=/var/run/netns/${host}`, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs pwcni /run/netns && ${script}`], { env, timeoutMs: 120_000 });

  run('podman', ['import', join(dir, 'rootfs.tar'), 'pwbusybox'], { env, timeoutMs: 120_000 });
  const out = podman('podman run --rm --network pwnet pwbusybox ip -o addr show eth0');
  t.regex(out, /inet 10\.6\.0\.2\/24/);

  t.deepEqual(ipj(host, 'link', 'show').map((l: { ifname: string }) => l.ifname).sort(), ['br6', 'lo']);
  t.deepEqual(reservations(data, 'pwnet'), []);
});

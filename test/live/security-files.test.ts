// Issue 10: nothing a container controls can make pipework write outside it. The container is a
// process chrooted into a busybox root in its own mount and network namespaces; its root user's
// tricks are planted in that root: an absolute symlink to a host file, a ".." symlink, a symlinked
// /etc, a FIFO. Each run asserts the host file byte for byte and the message; the DHCP server's log
// says whether any packet went out. The host files are temp files of the test, never /etc.
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli.js';
import { makeRoot, startContainer } from '../helpers/container.js';
import { dhcpWorld } from '../helpers/dhcp-servers.js';
import { createNetns, ipj, run } from '../helpers/netns.js';

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** A host netns with br-dh served by dnsmasq (DNS server 10.80.0.53), and a host temp folder holding a "secret" file. */
async function world(t: ExecutionContext) {
  const { host, dir, srv } = await dhcpWorld(t, { hint: 'sech', extra: ['--dhcp-option=option:dns-server,10.80.0.53'] });
  const secret = path.join(dir, 'host-file');
  fs.writeFileSync(secret, 'the host file: must never change\n');
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(path.join(dir, 'etc', 'resolv.conf'), 'the host etc: must never change\n');
  return { host, dir, srv, secret };
}

interface Attack {
  name: string;
  plant: (root: string, w: { dir: string; secret: string }) => void;
  /** the file(s) of the host that must stay as they were */
  hostFiles: (w: { dir: string; secret: string }) => string[];
  message: RegExp;
}

const attacks: Attack[] = [
  {
    name: 'an absolute symlink to a host file',
    plant: (root, w) => fs.symlinkSync(w.secret, path.join(root, 'etc/resolv.conf')),
    hostFiles: (w) => [w.secret],
    message: /\/etc\/resolv\.conf in .* is a dangling symbolic link; refusing/,
  },
  {
    name: 'a relative symlink climbing out with ".."',
    plant: (root, w) => fs.symlinkSync(`../../../../../../../../..${w.secret}`, path.join(root, 'etc/resolv.conf')),
    hostFiles: (w) => [w.secret],
    message: /is a dangling symbolic link; refusing/,
  },
  {
    name: 'a symlinked /etc',
    plant: (root, w) => {
      fs.rmSync(path.join(root, 'etc'), { recursive: true });
      fs.symlinkSync(path.join(w.dir, 'etc'), path.join(root, 'etc'));
    },
    hostFiles: (w) => [path.join(w.dir, 'etc', 'resolv.conf')],
    message: /\/etc\/resolv\.conf in .* cannot be created: its directory does not exist/,
  },
  {
    name: 'a FIFO',
    plant: (root) => run('mkfifo', [path.join(root, 'etc/resolv.conf')]),
    hostFiles: () => [],
    message: /\/etc\/resolv\.conf in .* is a FIFO, not a regular file; refusing to write it/,
  },
];

for (const a of attacks) {
  test(`--resolv-conf container: ${a.name} is refused before any DHCP packet; the host file is unchanged`, async (t) => {
    const w = await world(t);
    const root = makeRoot(t);
    a.plant(root, w);
    const c = await startContainer(t, root);
    const files = a.hostFiles(w);
    const before = files.map(sha);
    const r = await cli(['--host-netns', w.host, 'br-dh', '-i', 'eth1', `pid:${c.pid}`, 'dhcp', '--resolv-conf', 'container', '--timeout', '5']);
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, a.message);
    t.deepEqual(files.map(sha), before, 'the host file is byte for byte the same');
    t.false(w.srv.log().includes('DHCPDISCOVER'), 'no DHCP packet went out');
    // and nothing was left behind: no eth1 in the container, no veth on the bridge
    const inside = JSON.parse(run('nsenter', [`--net=${c.netnsPath}`, 'ip', '-j', 'link', 'show'])) as { ifname: string }[];
    t.deepEqual(inside.map((l) => l.ifname), ['lo'], 'nothing left in the container');
    t.deepEqual((ipj(w.host, 'link', 'show', 'master', 'br-dh') as unknown[]).length, 0, 'rolled back on the host');
  });
}

test("--resolv-conf container: a symlink inside the container's root is followed there, and only there", async (t) => {
  const w = await world(t);
  const root = makeRoot(t);
  fs.writeFileSync(path.join(root, 'run/resolv.conf'), '# old\n');
  // absolute, as systemd-resolved sets it up: resolved against the container's root
  fs.symlinkSync('/run/resolv.conf', path.join(root, 'etc/resolv.conf'));
  // the same path exists on the host side of the test: it must not be the one written
  const c = await startContainer(t, root);
  const r = await cli(['--host-netns', w.host, 'br-dh', '-i', 'eth1', `pid:${c.pid}`, 'dhcp', '--resolv-conf', 'container', '--timeout', '10']);
  t.is(r.code, 0, r.stderr);
  t.regex(fs.readFileSync(path.join(root, 'run/resolv.conf'), 'utf8'), /^# written by pipework[^\n]*\nnameserver 10\.80\.0\.53\n$/);
  t.true(fs.lstatSync(path.join(root, 'etc/resolv.conf')).isSymbolicLink(), 'the link itself is left alone');
});

test('--resolv-conf PATH: a FIFO or a device there is refused with a message, before any DHCP packet', async (t) => {
  const w = await world(t);
  const guest = createNetns(t, 'secg');
  const fifo = path.join(w.dir, 'fifo');
  run('mkfifo', [fifo]);
  const r = await cli(['--host-netns', w.host, 'br-dh', '-i', 'eth1', guest, 'dhcp', '--resolv-conf', fifo, '--timeout', '5']);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, new RegExp(`${fifo} is a FIFO, not a regular file; refusing to write it`));
  const r2 = await cli(['--host-netns', w.host, 'br-dh', '-i', 'eth1', guest, 'dhcp', '--resolv-conf', '/dev/null', '--timeout', '5']);
  t.is(r2.code, 1, r2.stderr);
  t.regex(r2.stderr, /\/dev\/null is a character device, not a regular file/);
  t.false(w.srv.log().includes('DHCPDISCOVER'), 'no DHCP packet went out');
  t.deepEqual((ipj(guest, 'link', 'show') as { ifname: string }[]).map((l) => l.ifname), ['lo'], 'nothing left in the guest');
});

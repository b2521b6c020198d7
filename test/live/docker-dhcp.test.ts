// DHCP with real Docker containers. Issue 13 item 7, as reported: `pipework BR -i eth2 web dhcp`, a
// restart of `web`, then `pipework del web -i eth2`: the answer is "nothing to remove" (the restart
// took eth2 away), no record of the old lease remains, and nothing is sent for it. And issue 10:
// `--resolv-conf container` writes the container's own resolv.conf (a bind mount Docker made),
// resolved inside its root, and nothing of the host.
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli.js';
import { dhcpWorld } from '../helpers/dhcp-servers.js';
import { useDockerd } from '../helpers/docker.js';


const docker = useDockerd();
const pipework = (args: string[]) => cli(args, { env: docker().env });

const world = (t: ExecutionContext, extra: string[] = []) => dhcpWorld(t, { hint: 'lrdh', extra });

test.serial("--resolv-conf container: the container's own resolv.conf (Docker's bind mount) gets the lease's DNS servers; the host's is untouched", async (t) => {
  const { host } = await world(t, ['--dhcp-option=option:dns-server,10.80.0.53']);
  const sha = () => (fs.existsSync('/etc/resolv.conf') ? createHash('sha256').update(fs.readFileSync('/etc/resolv.conf')).digest('hex') : 'absent');
  const before = sha();
  docker().runContainer('lrdns');
  t.teardown(() => docker().removeContainer('lrdns'));
  const r = await pipework(['--host-netns', host, 'br-dh', '-i', 'eth1', 'lrdns', 'dhcp', '--resolv-conf', 'container', '--timeout', '10', '-v']);
  t.is(r.code, 0, r.stderr);
  t.regex(docker().docker(['exec', 'lrdns', 'cat', '/etc/resolv.conf']), /^# written by pipework[^\n]*\nnameserver 10\.80\.0\.53\n$/);
  t.is(sha(), before);
  const d = await pipework(['--host-netns', host, 'del', 'lrdns', '-i', 'eth1']);
  t.is(d.code, 0, d.stderr);
});

test.serial('a one-shot lease record does not outlive its container: del after a restart leaves nothing and sends nothing', async (t) => {
  const { host, srv } = await world(t);
  const web = docker().runContainer('lrweb');
  t.teardown(() => docker().removeContainer('lrweb'));
  const r = await pipework(['--host-netns', host, 'br-dh', '-i', 'eth2', 'lrweb', 'dhcp', '--timeout', '10']);
  t.is(r.code, 0, r.stderr);
  const record = `/run/pipework/dhcp/container-${web.id}`;
  t.teardown(() => fs.rmSync(record, { recursive: true, force: true }));
  t.true(fs.existsSync(path.join(record, 'eth2', 'lease.json')), 'the one-shot lease is recorded');
  docker().docker(['restart', '-t', '0', 'lrweb']);
  const d = await pipework(['--host-netns', host, 'del', 'lrweb', '-i', 'eth2']);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stderr, /eth2 is not in container lrweb.*: nothing to remove|eth2 is not in .*: nothing to remove/);
  t.false(fs.existsSync(record), 'no stale record remains');
  t.false(srv.log().includes('DHCPRELEASE'), 'nothing was sent for the old namespace');
});

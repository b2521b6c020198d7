// Real Docker containers (a private dockerd, busybox image, --net none) wired by name through the
// CLI, as pipework's users do it, and removed by name.
import test from 'ava';
import { cli } from '../helpers/cli.js';
import { useDockerd } from '../helpers/docker.js';
import { createNetns, ipj, run } from '../helpers/netns.js';

const docker = useDockerd();
const pipework = (args: string[]) => cli(args, { env: docker().env });

/** `ip -j` inside a container's netns, reached by its PID. */
const inContainer = (pid: number, ...args: string[]) => JSON.parse(run('nsenter', ['-t', String(pid), '-n', 'ip', '-j', ...args]) || '[]');

test.serial('two containers wired by name onto one bridge ping each other; del by name', async (t) => {
  const host = createNetns(t, 'h');
  const web = docker().runContainer('web');
  const db = docker().runContainer('db');
  t.teardown(() => {
    docker().removeContainer('web');
    docker().removeContainer('db');
  });
  const r1 = await pipework(['--host-netns', host, 'br1', '-i', 'eth1', 'web', '10.40.0.5/24@10.40.0.1', 'U:web']);
  t.is(r1.code, 0, r1.stderr);
  const r2 = await pipework(['--host-netns', host, 'br1', 'db', '10.40.0.6/24']);
  t.is(r2.code, 0, r2.stderr);

  const eth1 = inContainer(web.pid, 'address', 'show', 'dev', 'eth1')[0];
  t.regex(eth1.address, /^02:/, 'the U:web MAC is locally administered');
  t.is(eth1.addr_info.find((a: { family: string }) => a.family === 'inet').local, '10.40.0.5');
  t.is(inContainer(web.pid, 'route', 'show', 'default')[0].gateway, '10.40.0.1');
  // pipework's host-side name: v<ifname>pl<pid>
  const hostEnd = ipj(host, 'link', 'show', `veth1pl${web.pid}`)[0];
  t.is(hostEnd.master, 'br1');
  // Traffic, from inside the container with its own busybox.
  const pingOut = docker().docker(['exec', 'web', 'ping', '-c', '2', '-W', '2', '10.40.0.6']);
  t.regex(pingOut, /2 packets received/);

  const d = await pipework(['--host-netns', host, 'del', 'web']);
  t.is(d.code, 0, d.stderr);
  t.deepEqual(inContainer(web.pid, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  t.deepEqual(ipj(host, 'link', 'show', 'master', 'br1').map((l: { ifname: string }) => l.ifname), [`veth1pl${db.pid}`]);
});

test.serial("pipework's stable MAC U:<name> is the one upstream computes", async (t) => {
  const host = createNetns(t, 'h');
  const c = docker().runContainer('mac1');
  t.teardown(() => docker().removeContainer('mac1'));
  const r = await pipework(['--host-netns', host, 'br1', 'mac1', '10.41.0.5/24', 'U:myhost.foo.com']);
  t.is(r.code, 0, r.stderr);
  t.is(inContainer(c.pid, 'link', 'show', 'dev', 'eth1')[0].address, '02:72:6c:cd:9b:8d');
});

test.serial('a container by ID prefix; a stopped container and a --net=host one are refused clearly', async (t) => {
  const host = createNetns(t, 'h');
  const c = docker().runContainer('byid');
  docker().runContainer('stopped');
  const hostNet = docker().runContainer('hostnet', { options: ['--net', 'host'] });
  t.teardown(() => {
    for (const n of ['byid', 'stopped', 'hostnet']) docker().removeContainer(n);
  });
  docker().docker(['stop', '-t', '0', 'stopped']);
  const r = await pipework(['--host-netns', host, 'br1', c.id.slice(0, 10), '10.42.0.5/24']);
  t.is(r.code, 0, r.stderr);
  t.is(inContainer(c.pid, 'address', 'show', 'dev', 'eth1')[0].addr_info[0].local, '10.42.0.5');

  const s = await pipework(['--host-netns', host, 'br1', 'stopped', '10.42.0.6/24']);
  t.is(s.code, 1);
  t.regex(s.stderr, /container stopped is not running \(exited\); start it first: docker start stopped/);
  const h = await pipework(['--host-netns', host, 'br1', 'hostnet', '10.42.0.7/24']);
  t.is(h.code, 1);
  t.regex(h.stderr, /--net=host/);
  t.true(hostNet.pid > 0);
  const u = await pipework(['--host-netns', host, 'br1', 'docker:nosuchcontainer', '10.42.0.8/24']);
  t.is(u.code, 1);
  t.regex(u.stderr, /Docker knows no container nosuchcontainer/);
  // del of a stopped container: its namespace and interfaces are already gone
  const d = await pipework(['--host-netns', host, 'del', 'stopped']);
  t.is(d.code, 0, d.stderr);
});

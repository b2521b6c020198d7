// Smoke test of the private-dockerd fixture: it starts, runs a busybox container with no network
// in a namespace of its own, and leaves nothing behind when stopped.
import test from 'ava';
import * as fs from 'node:fs';
import { Dockerd, TEST_IMAGE, processesMentioning } from '../helpers/docker.js';

test.serial('a private dockerd runs a container in its own netns and stops without leftovers', async (t) => {
  const docker = await Dockerd.start();
  t.teardown(() => docker.stop());
  t.regex(docker.host, /^unix:\/\/\/tmp\/pwt-docker-[^/]+\/docker\.sock$/);
  t.true(fs.statSync(docker.socket).isSocket());
  // The engine is ours alone: its socket is the one in DOCKER_HOST, and it has only our image.
  const images = docker.docker(['images', '--format', '{{.Repository}}']).split('\n').filter(Boolean);
  t.deepEqual(images, [TEST_IMAGE]);

  const c = docker.runContainer('smoke1');
  t.true(c.pid > 0);
  t.regex(c.id, /^[0-9a-f]{64}$/);
  const ours = fs.statSync('/proc/self/ns/net').ino;
  const theirs = fs.statSync(`/proc/${c.pid}/ns/net`).ino;
  t.not(theirs, ours, 'the container has a network namespace of its own');
  // --net none: loopback only.
  const devs = fs
    .readFileSync(`/proc/${c.pid}/net/dev`, 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0].trim())
    .filter(Boolean);
  t.deepEqual(devs, ['lo']);
  t.is(docker.docker(['exec', c.name, 'cat', '/etc/passwd']).trim(), 'root:x:0:0:root:/root:/bin/sh');

  const { pid, dir } = docker;
  await docker.stop();
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'dockerd is gone');
  t.throws(() => process.kill(c.pid, 0), { code: 'ESRCH' }, 'the container is gone');
  t.deepEqual(processesMentioning(dir), [], 'no containerd or shim left behind');
  t.false(fs.existsSync(dir), 'its directory is removed');
  await docker.stop(); // idempotent
});

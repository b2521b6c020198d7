// Completing a half-made wiring (what a SIGKILL leaves behind) in a namespace whose loopback was
// never brought up: such a namespace has no IPv4 main table yet, and the kernel answers a filtered
// route dump of it with ENOENT. A re-run must read that as "no routes" and finish the job, through
// the one-guest path and through `apply -f`. iproute2 is the oracle.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipework } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { createNetns, ipj, ipn, run } from '../helpers/netns.js';

/** A host netns with bridge br0, and a guest netns (loopback down) holding eth1 of a veth on br0 (host end up, as the creation makes it) and nothing else. */
function halfWired(t: ExecutionContext, hostEnd: string): { host: string; guest: string } {
  const host = createNetns(t, 'host');
  const guest = createNetns(t, 'g', { loopbackUp: false });
  ipn(host, 'link', 'add', 'br0', 'type', 'bridge');
  ipn(host, 'link', 'set', 'br0', 'up');
  run('ip', ['-n', host, 'link', 'add', hostEnd, 'master', 'br0', 'up', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', guest]);
  return { host, guest };
}

function assertComplete(t: ExecutionContext, host: string, guest: string, hostEnd: string, address: string, gateway: string): void {
  const lo = ipj(guest, 'link', 'show', 'dev', 'lo')[0];
  t.false(lo.flags.includes('UP'), 'the loopback was left as it was');
  const eth1 = ipj(guest, 'address', 'show', 'dev', 'eth1')[0];
  t.true(eth1.flags.includes('UP'));
  t.deepEqual(
    eth1.addr_info.filter((a: { family: string }) => a.family === 'inet').map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`),
    [address],
  );
  t.deepEqual(ipj(guest, '-4', 'route', 'show', 'default').map((r: { gateway: string; dev: string }) => [r.gateway, r.dev]), [[gateway, 'eth1']]);
  const end = ipj(host, 'link', 'show', 'dev', hostEnd)[0];
  t.is(end.master, 'br0');
  t.true(end.flags.includes('UP'));
}

test('one guest: a re-run completes a half-made wiring in a namespace whose loopback is down', async (t) => {
  const { host, guest } = halfWired(t, 'vhalf1');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const r = await pw.wire({ host: 'br0', guest: `netns:${guest}`, local: 'vhalf1', addresses: '10.61.0.5/24@10.61.0.1' });
  t.true(r.changed);
  assertComplete(t, host, guest, 'vhalf1', '10.61.0.5/24', '10.61.0.1');
  const again = await pw.wire({ host: 'br0', guest: `netns:${guest}`, local: 'vhalf1', addresses: '10.61.0.5/24@10.61.0.1' });
  t.false(again.changed);
});

test('apply -f: a re-apply completes half-made wirings in namespaces whose loopback is down', async (t) => {
  const { host, guest } = halfWired(t, 'vhalf2');
  const guest2 = createNetns(t, 'g', { loopbackUp: false });
  const dir = mkdtempSync(join(tmpdir(), 'pw-crash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'w.json');
  writeFileSync(
    file,
    JSON.stringify([
      { host: 'br0', guest: `netns:${guest}`, local: 'vhalf2', address: '10.62.0.5/24@10.62.0.1' },
      { host: 'br0', guest: `netns:${guest2}`, local: 'vfresh2', address: '10.62.0.6/24@10.62.0.1' },
    ]),
  );
  const r = await cli(['--host-netns', host, 'apply', '-f', file]);
  t.is(r.code, 0, r.stderr);
  assertComplete(t, host, guest, 'vhalf2', '10.62.0.5/24', '10.62.0.1');
  assertComplete(t, host, guest2, 'vfresh2', '10.62.0.6/24', '10.62.0.1');
  const again = await cli(['--host-netns', host, 'apply', '-f', file]);
  t.is(again.code, 0, again.stderr);
});

// `pipework ls` (what is wired, read back from the kernel) and `pipework --wait` (inside the guest,
// returns when the interface is ready).
import test from 'ava';
import { Pipework } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { createNetns, ipn, run } from '../helpers/netns.js';

test('ls finds what is wired from the kernel alone: veth on a bridge, macvlan on a NIC', async (t) => {
  const host = createNetns(t, 'h');
  const lan = createNetns(t, 'lan');
  const a = createNetns(t, 'a');
  const b = createNetns(t, 'b');
  const other = createNetns(t, 'other');
  run('ip', ['-n', host, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'wire0', 'netns', lan]);
  ipn(host, 'link', 'set', 'eth0', 'up');
  // An interface in a guest that is not connected to our host: not listed.
  ipn(other, 'link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const ra = await pw.wire({ host: 'br1', guest: a, addresses: '10.70.0.2/24,fd70::2/64', mac: '02:00:00:70:00:02' });
  await pw.wire({ host: 'eth0', guest: b, ifname: 'eth5', addresses: '10.71.0.2/24' });

  const one = await cli(['--host-netns', host, 'ls', a, '--json']);
  t.is(one.code, 0, one.stderr);
  t.like(JSON.parse(one.stdout), [
    { guest: `netns ${a}`, ifname: 'eth1', kind: 'veth', hostIfname: ra.hostIfname, bridge: 'br1', mac: '02:00:00:70:00:02', up: true, addresses: ['10.70.0.2/24', 'fd70::2/64'] },
  ]);

  const all = await cli(['--host-netns', host, 'ls', '--json']);
  t.is(all.code, 0, all.stderr);
  const rows = JSON.parse(all.stdout) as { guest: string; ifname: string; kind: string; hostIfname?: string }[];
  t.deepEqual(
    rows.map((r) => [r.guest, r.ifname, r.kind, r.hostIfname]).sort(),
    [
      [`netns ${a}`, 'eth1', 'veth', ra.hostIfname],
      [`netns ${b}`, 'eth5', 'macvlan', 'eth0'],
    ].sort(),
  );
  const text = await cli(['--host-netns', host, 'ls']);
  t.regex(text.stdout, /^GUEST\s+IFNAME\s+KIND\s+HOST SIDE/);
  t.regex(text.stdout, new RegExp(`${ra.hostIfname} on br1`));
});

test('--wait wakes on the kernel\'s events: returns soon after another process wired the interface', async (t) => {
  const host = createNetns(t, 'h');
  const g = createNetns(t, 'g');
  const startedAt = Date.now();
  const waiter = cli(['--wait', '-i', 'eth1', '--timeout', '20'], { prefix: ['ip', 'netns', 'exec', g] });
  await new Promise((r) => setTimeout(r, 1500));
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  await pw.wire({ host: 'br1', guest: g, addresses: '10.72.0.2/24' });
  const wiredAt = Date.now();
  const r = await waiter;
  t.is(r.code, 0, r.stderr);
  // A bound against the 20 s timeout (and the once-a-minute wake-up), not a benchmark: a waiter that
  // missed the events would end at 20 s, exit 1.
  t.true(r.endedAt - wiredAt < 5000, `the waiter ended ${r.endedAt - wiredAt} ms after the wiring (${r.endedAt - startedAt} ms after it started)`);
});

test('--wait --timeout gives up with a message and exit 1', async (t) => {
  const g = createNetns(t, 'g');
  ipn(g, 'link', 'add', 'eth7', 'type', 'veth', 'peer', 'name', 'eth8');
  const r = await cli(['--wait', '-i', 'eth7', '--timeout', '1'], { prefix: ['ip', 'netns', 'exec', g] });
  t.is(r.code, 1);
  t.regex(r.stderr, /eth7 was not ready after 1 s \(it is down\)/);
  const r2 = await cli(['--wait', '-i', 'eth9', '--timeout', '0.5'], { prefix: ['ip', 'netns', 'exec', g] });
  t.regex(r2.stderr, /eth9 was not ready after 0\.5 s \(it is not there\)/);
});

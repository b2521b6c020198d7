// Issue 10: least privilege, checked up front. The CLI run with a capability dropped (setpriv
// removes it from the bounding set, hence from the effective set of the root process it runs)
// fails at once with exit 1 and a message naming the capability; the kernel state is unchanged.
import test from 'ava';
import { cli } from '../helpers/cli.js';
import { createNetns, ipn, snapshot } from '../helpers/netns.js';

const drop = (cap: string) => ['setpriv', `--inh-caps=-${cap}`, `--bounding-set=-${cap}`];

for (const [cap, name] of [
  ['net_raw', 'CAP_NET_RAW'],
  ['net_admin', 'CAP_NET_ADMIN'],
  ['sys_admin', 'CAP_SYS_ADMIN'],
] as const) {
  test(`wiring without ${name}: exit 1 at once, the capability named, nothing changed`, async (t) => {
    const host = createNetns(t, 'caph');
    const guest = createNetns(t, 'capg');
    ipn(host, 'link', 'add', 'br1', 'type', 'bridge');
    const before = [snapshot(host), snapshot(guest)];
    const r = await cli(['--host-netns', host, 'br1', '-i', 'eth1', guest, '10.70.0.2/24'], { prefix: drop(cap) });
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, new RegExp(`needs ${name} \\(`));
    t.regex(r.stderr, /nothing was changed/);
    t.deepEqual([snapshot(host), snapshot(guest)], before);
  });
}

test('ls and route show need only CAP_SYS_ADMIN; a route change needs CAP_NET_ADMIN', async (t) => {
  const guest = createNetns(t, 'capr');
  const show = await cli(['route', guest, 'show'], { prefix: drop('net_admin') });
  t.is(show.code, 0, show.stderr);
  const before = snapshot(guest);
  const add = await cli(['route', guest, 'add', 'blackhole', '10.9.0.0/16'], { prefix: drop('net_admin') });
  t.is(add.code, 1, add.stderr);
  t.regex(add.stderr, /pipework route needs CAP_NET_ADMIN/);
  t.deepEqual(snapshot(guest), before);
  const ls = await cli(['ls'], { prefix: drop('sys_admin') });
  t.is(ls.code, 1);
  t.regex(ls.stderr, /pipework ls needs CAP_SYS_ADMIN/);
});

// Issue 10: a guest chooses its interface names, and may put terminal escape sequences in them.
// What the CLI prints (ls, -v, route show, errors) shows them escaped; --json stays JSON that
// decodes to the exact name.
import test from 'ava';
import { Pipework } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { createNetns, ipn } from '../helpers/netns.js';

// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
// an OSC "set window title" and a C1 CSI "clear screen": 7 and 5 bytes, within IFNAMSIZ
const EVIL = ['\x1b]0;pw\x07', 'e\u009b2J'];

test('a guest interface named with escape sequences is printed escaped by ls, route show and errors; --json keeps it exact', async (t) => {
  const host = createNetns(t, 'eh');
  const g = createNetns(t, 'eg');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  await pw.wire({ host: 'br1', guest: g, addresses: '10.70.0.2/24' });
  await pw.wire({ host: 'br1', guest: g, ifname: 'eth2', addresses: '10.70.1.2/24' });
  // what the guest's root does
  ipn(g, 'link', 'set', 'eth1', 'name', EVIL[0]);
  ipn(g, 'link', 'set', 'eth2', 'name', EVIL[1]);

  const ls = await cli(['--host-netns', host, 'ls', g]);
  t.is(ls.code, 0, ls.stderr);
  t.false(RAW.test(ls.stdout + ls.stderr), JSON.stringify(ls.stdout));
  t.true(ls.stdout.includes('\\x1b]0;pw\\x07'), ls.stdout);
  t.true(ls.stdout.includes('e\\u009b2J'), ls.stdout);

  const json = await cli(['--host-netns', host, 'ls', g, '--json']);
  t.is(json.code, 0, json.stderr);
  t.false(RAW.test(json.stdout));
  t.deepEqual((JSON.parse(json.stdout) as { ifname: string }[]).map((r) => r.ifname).sort(), [...EVIL].sort());

  const routes = await cli(['--host-netns', host, 'route', g, 'show']);
  t.is(routes.code, 0, routes.stderr);
  t.false(RAW.test(routes.stdout));
  t.true(routes.stdout.includes('dev \\x1b]0;pw\\x07'), routes.stdout);

  // an error that names the interface
  const err = await cli(['--host-netns', host, 'route', g, 'add', '10.9.0.0/24', 'via', '10.99.0.1', 'dev', EVIL[0]]);
  t.is(err.code, 1, err.stderr);
  t.false(RAW.test(err.stderr), JSON.stringify(err.stderr));
  t.regex(err.stderr, /dev \\x1b\]0;pw\\x07 in netns .*: Network is unreachable/);

  // -v of a wiring next to them: the steps print, nothing raw
  const v = await cli(['--host-netns', host, 'br1', '-i', 'eth3', g, '10.70.3.2/24', '-v']);
  t.is(v.code, 0, v.stderr);
  t.false(RAW.test(v.stdout + v.stderr));
});

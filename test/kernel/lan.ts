// A host netns whose NIC eth0 is cabled to a switch netns (a plain bridge that forwards tagged frames as
// they are), and a Pipework session bound to that host: the LAN the kernel tests wire guests onto.
import type { ExecutionContext } from 'ava';
import { Pipework } from '../../src/index.js';
import { createNetns, ipn, run } from '../helpers/netns.js';

export function lan(t: ExecutionContext): { host: string; sw: string; pw: Pipework } {
  const host = createNetns(t, 'host');
  const sw = createNetns(t, 'sw');
  run('ip', ['-n', host, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', sw]);
  ipn(host, 'link', 'set', 'eth0', 'up');
  ipn(sw, 'link', 'add', 'sw0', 'type', 'bridge');
  ipn(sw, 'link', 'set', 'up0', 'master', 'sw0', 'up');
  ipn(sw, 'link', 'set', 'sw0', 'up');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  return { host, sw, pw };
}

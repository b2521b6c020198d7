// netem through `pipework tc`'s native runner, on a kernel that has netem (User-Mode Linux: `npm run
// test:kernel`). The runner adds, changes and deletes netem on a veth inside a test namespace; ping's
// round-trip time and loss, and tc itself, are the oracles. Under a kernel without netem (this machine's
// own) the tests are registered as skipped, with the reason found by trying netem in a scratch namespace
// when this module loads.
import type { ExecutionContext } from 'ava';
import { NetlinkSocket } from '../../src/netlink/session.js';
import { inNetns } from '../../src/netns/enter.js';
import { Netns } from '../../src/netns/netns.js';
import { runTc } from '../../src/passthrough/run.js';
import { createNetns, run, vethBetween } from '../helpers/netns.js';
import { kernelTest } from './features.js';
import { avgRttMs, pingWithin, waitOperUp } from './traffic.js';

/** Two namespaces cabled eth0 <-> eth0 (10.77.9.1/24, 10.77.9.2/24), and `tc` run natively in the first. */
function pair(t: ExecutionContext): { a: string; b: string; tc: (s: string) => string } {
  const a = createNetns(t, 'netema');
  const b = createNetns(t, 'netemb');
  vethBetween(a, 'eth0', b, 'eth0', { addrA: '10.77.9.1/24', addrB: '10.77.9.2/24' });
  const handle = Netns.byName(a);
  t.teardown(() => handle.close());
  const sock = inNetns(handle, () => NetlinkSocket.open());
  t.teardown(() => sock.close());
  return { a, b, tc: (s) => runTc(sock, s.split(' '), { where: ` in netns ${a}` }) };
}

const lines = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter(Boolean);

kernelTest('netem delay 50ms added by the native runner raises the ping RTT by about 50 ms; change to 100ms; delete restores it', ['veth', 'netem', 'tc', 'ping'], (t) => {
  const { a, tc } = pair(t);
  t.true(pingWithin(a, '10.77.9.2'), 'warm-up ping (link ready, ARP resolved)');
  const before = avgRttMs(a, '10.77.9.2');

  t.is(tc('qdisc add dev eth0 root netem delay 50ms'), '');
  const [q] = JSON.parse(run('tc', ['-j', '-n', a, 'qdisc', 'show', 'dev', 'eth0'])) as { kind: string; root?: boolean }[];
  t.like(q, { kind: 'netem', root: true });
  const with50 = avgRttMs(a, '10.77.9.2');
  t.log(`avg RTT ${before.toFixed(3)} ms -> ${with50.toFixed(3)} ms with netem delay 50ms`);
  // Only the echo request is delayed (egress of eth0 in a): +50 ms, give or take timer slack.
  t.true(with50 - before >= 48 && with50 - before < 100, `RTT increase ${with50 - before} ms should be about 50 ms`);

  tc('qdisc change dev eth0 root netem delay 100ms');
  const with100 = avgRttMs(a, '10.77.9.2', 3);
  t.log(`avg RTT ${with100.toFixed(3)} ms with netem delay 100ms`);
  t.true(with100 - before >= 98 && with100 - before < 150, `RTT increase ${with100 - before} ms should be about 100 ms`);

  // The runner prints what tc prints for the same qdisc.
  t.deepEqual(lines(tc('qdisc show dev eth0')), lines(run('tc', ['-n', a, 'qdisc', 'show', 'dev', 'eth0'])));
  t.deepEqual(JSON.parse(tc('-j qdisc show dev eth0')), JSON.parse(run('tc', ['-j', '-n', a, 'qdisc', 'show', 'dev', 'eth0'])));

  tc('qdisc del dev eth0 root');
  const restored = avgRttMs(a, '10.77.9.2', 3);
  t.true(restored < before + 20, `RTT back to ${restored} ms after deleting netem`);
});

kernelTest('netem loss 100% drops every packet, loss 0% none; jitter, correlation, duplicate, reorder and rate are accepted as tc sends them', ['veth', 'netem', 'tc', 'ping'], async (t) => {
  const { a, tc } = pair(t);
  await waitOperUp(a, ['eth0']);
  t.true(pingWithin(a, '10.77.9.2'), 'warm-up ping');
  tc('qdisc add dev eth0 root netem loss 100%');
  t.false(pingWithin(a, '10.77.9.2', 2), 'loss 100% (probability 0xffffffff) drops every echo request');
  t.deepEqual(lines(tc('qdisc show dev eth0')), lines(run('tc', ['-n', a, 'qdisc', 'show', 'dev', 'eth0'])));
  t.deepEqual(JSON.parse(tc('-j qdisc show dev eth0')), JSON.parse(run('tc', ['-j', '-n', a, 'qdisc', 'show', 'dev', 'eth0'])));
  tc('qdisc change dev eth0 root netem loss 0%');
  t.true(pingWithin(a, '10.77.9.2'), 'loss 0% lets them through');

  tc('qdisc replace dev eth0 root netem limit 500 delay 20ms 5ms 25% loss 1% 30% duplicate 2% corrupt 0.1% reorder 25% 50% rate 10mbit');
  const text = lines(run('tc', ['-n', a, 'qdisc', 'show', 'dev', 'eth0']));
  t.log(text.join('\n'));
  t.regex(text[0], /netem .*limit 500 delay 20ms\s+5ms 25%/);
  t.regex(text[0], /loss 1% 30%/);
  t.regex(text[0], /duplicate 2%/);
  t.regex(text[0], /reorder 25% 50%/);
  t.regex(text[0], /corrupt 0.1%/);
  t.regex(text[0], /rate 10Mbit/);
  t.deepEqual(lines(tc('qdisc show dev eth0')), text, 'the runner prints what tc prints');
  t.deepEqual(JSON.parse(tc('-j qdisc show dev eth0')), JSON.parse(run('tc', ['-j', '-n', a, 'qdisc', 'show', 'dev', 'eth0'])), 'and the same JSON');
});

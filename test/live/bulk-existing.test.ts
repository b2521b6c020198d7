// wireMany over guests that are already there, compared with the kernel inside the engine as the
// one-guest path compares them: unchanged when wired as asked, completed when half-made (only what
// is missing is done), refused with the same words as wire() when different, the kernel untouched.
import test from 'ava';
import { ConflictError, Pipework } from '../../src/index.js';
import { createNetns, ipj, ipn, settledSnapshot, snapshot } from '../helpers/netns.js';

test('already wired: unchanged; half-made: completed; different: refused as wire() refuses, nothing changed', async (t) => {
  const host = createNetns(t, 'host');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const [same, half, other] = [createNetns(t, 'g'), createNetns(t, 'g'), createNetns(t, 'g')];
  const spec = (g: string, a: string) => ({ host: 'br0', guest: `netns:${g}`, addresses: `${a}/24@10.67.0.1`, mac: `U:${g}` });
  const first = await pw.wireMany([spec(same, '10.67.0.2'), spec(half, '10.67.0.3'), spec(other, '10.67.0.4')]);
  t.is(first.wired, 3);
  ipn(half, 'route', 'del', 'default');
  const before = { host: await settledSnapshot(host), other: await settledSnapshot(other) };

  const again = await pw.wireMany([spec(same, '10.67.0.2'), spec(half, '10.67.0.3'), spec(other, '10.67.0.9')]);
  t.is(again.fallback, 0, 'no guest left the engine');
  t.is(again.items[0].status, 'unchanged');
  t.deepEqual(again.items[0].result?.steps, []);
  t.is(again.items[1].status, 'wired');
  t.deepEqual(again.items[1].result?.steps, [
    `[guest] set route default via 10.67.0.1 dev eth1 in netns ${half}`,
    '[guest] announce 10.67.0.3 on eth1 (gratuitous ARP / unsolicited NA)',
  ]);
  t.deepEqual(again.items[1].result?.addresses, ['10.67.0.3/24']);
  t.deepEqual(ipj(half, '-4', 'route', 'show', 'default').map((r: { gateway: string }) => r.gateway), ['10.67.0.1']);
  t.is(again.items[2].status, 'failed');
  const one = await t.throwsAsync(pw.wire(spec(other, '10.67.0.9')), { instanceOf: ConflictError });
  t.is(again.items[2].error?.message, one?.message, 'the same words as the one-guest path');
  t.regex(one!.message, /has address 10\.67\.0\.4\/24, which this command does not ask for/);
  t.deepEqual({ host: snapshot(host), other: snapshot(other) }, before);
});

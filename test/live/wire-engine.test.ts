// wire() and unwire() are the engine's N=1: the same phases as wireMany / unwireMany, for one guest.
// The engine's progress hook is the witness: the driver path it replaced never called it. iproute2
// (`ip -j`) is the oracle for what the kernel holds.
import test from 'ava';
import { type BulkProgress, ConflictError, Pipework } from '../../src/index.js';
import { createNetns, ipj, snapshot } from '../helpers/netns.js';

const stagesOf = (seen: BulkProgress[]) => [...new Set(seen.map((p) => p.stage))];

test('a one-guest wiring and its removal run through the engine, stage by stage', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const before = { host: snapshot(host), guest: snapshot(guest) };

  const seen: BulkProgress[] = [];
  const r = await pw.wire({ host: 'br7', guest, addresses: '10.7.0.5/24@10.7.0.1' }, { onProgress: (p) => seen.push({ ...p }) });
  t.true(r.changed);
  // The batched phases took it: its veth made on the host socket, its guest side in one sendmsg.
  const stages = stagesOf(seen);
  for (const s of ['validate', 'resolve', 'links', 'sockets', 'guests', 'announce', 'close', 'done'] as const) t.true(stages.includes(s), `stage ${s} in ${stages.join(', ')}`);
  t.is(stages.at(-1), 'done');
  t.true(seen.every((p) => p.total === 1 && p.failed === 0), JSON.stringify(seen));
  const eth1 = ipj(guest, '-d', 'link', 'show', 'dev', 'eth1')[0];
  t.is(eth1.linkinfo.info_kind, 'veth');
  t.is(eth1.address, r.mac, 'the MAC reported is the one the kernel holds');
  t.is(ipj(host, '-d', 'link', 'show', 'dev', r.hostIfname!)[0].master, 'br7');
  t.deepEqual(ipj(guest, '-4', 'route', 'show', 'default').map((x: { gateway: string }) => x.gateway), ['10.7.0.1']);

  // A re-run is unchanged, and a dry run is planned by the driver inside the engine (its planned phase).
  const again: BulkProgress[] = [];
  t.false((await pw.wire({ host: 'br7', guest, addresses: '10.7.0.5/24@10.7.0.1' }, { onProgress: (p) => again.push({ ...p }) })).changed);
  t.true(stagesOf(again).includes('done'));
  const planned: BulkProgress[] = [];
  const plan = await pw.wire({ host: 'br7', guest, ifname: 'eth2', addresses: '10.7.1.5/24' }, { dryRun: true, onProgress: (p) => planned.push({ ...p }) });
  t.true(plan.dryRun);
  t.true(plan.steps.some((s) => s.startsWith('[host] create veth')), plan.steps.join('\n'));
  t.true(stagesOf(planned).includes('fallback'), stagesOf(planned).join(', '));
  t.is(ipj(guest, 'link', 'show').filter((l: { ifname: string }) => l.ifname === 'eth2').length, 0, 'a dry run changes nothing');

  // A failure is thrown as wire() always threw it, typed, and reported to the hook as a failure.
  const refused: BulkProgress[] = [];
  await t.throwsAsync(pw.wire({ host: 'br7', guest, addresses: '10.7.0.6/24' }, { onProgress: (p) => refused.push({ ...p }) }), { instanceOf: ConflictError, message: /already wired to br7 but differs/ });
  t.is(refused.at(-1)?.failed, 1);

  const removal: BulkProgress[] = [];
  const gone = await pw.unwire(guest, { onProgress: (p) => removal.push({ ...p }) });
  t.true(gone.removed);
  t.is(gone.hostIfname, r.hostIfname);
  t.true(stagesOf(removal).includes('links') && stagesOf(removal).includes('done'), stagesOf(removal).join(', '));
  t.deepEqual(snapshot(guest), before.guest, 'the guest is as it was');
  t.deepEqual(ipj(host, 'link', 'show').map((l: { ifname: string }) => l.ifname).sort(), ['br7', 'lo']);
});

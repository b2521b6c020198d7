// One guest named twice in different words (netns:g, g, its /var/run/netns path): found on the
// namespace's inode before anything changes. `apply -f` refuses the file as a whole, as it does
// for the same spelling twice; the library fails the later entry and wires the others.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipework } from '../../src/index.js';
import { cli } from '../helpers/cli.js';
import { createNetns, settledSnapshot, snapshot } from '../helpers/netns.js';

test('apply -f: the same guest spelled two ways is refused before anything changes', async (t) => {
  const host = createNetns(t, 'host');
  const guest = createNetns(t, 'g');
  const other = createNetns(t, 'g');
  const dir = mkdtempSync(join(tmpdir(), 'pw-alias-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'w.json');
  writeFileSync(
    file,
    JSON.stringify([
      { host: 'br0', guest: `netns:${other}`, address: '10.63.0.4/24' },
      { host: 'br0', guest: `netns:${guest}`, address: '10.63.0.5/24' },
      { host: 'br0', guest: `/var/run/netns/${guest}`, address: '10.63.0.6/24' },
    ]),
  );
  const before = { host: await settledSnapshot(host), guest: await settledSnapshot(guest), other: await settledSnapshot(other) };
  const r = await cli(['--host-netns', host, 'apply', '-f', file]);
  t.is(r.code, 1);
  t.regex(r.stderr, /1 of 3 entries are invalid; nothing was changed/);
  t.regex(r.stderr, new RegExp(`entry 2 \\(/var/run/netns/${guest}\\): eth1 in .* is already wired by entry 1 \\(netns:${guest} names the same namespace\\)`));
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest), other: snapshot(other) }, before);
});

test('wireMany: the later alias fails, the others are wired', async (t) => {
  const host = createNetns(t, 'host');
  const guest = createNetns(t, 'g');
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  const r = await pw.wireMany([
    { host: 'br0', guest: `netns:${guest}`, addresses: '10.64.0.5/24' },
    { host: 'br0', guest: `/var/run/netns/${guest}`, addresses: '10.64.0.6/24' },
  ]);
  t.is(r.wired, 1);
  t.is(r.items[1].status, 'failed');
  t.is(r.items[1].stage, 'resolve');
  t.regex(r.items[1].error!.message, /already wired by entry 0/);
});

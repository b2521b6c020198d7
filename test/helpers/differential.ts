// The differential machinery shared by test/live/differential.test.ts and test/kernel/differential.test.ts:
// one form of wiring done through wire(), wireMany() and `pipework apply -f` on fresh namespaces, the
// kernel's state compared (full `ip -j` dumps minus what is random by design), then undone through
// unwire(), unwireMany() and `del -f` and compared again, and with the guest as it was.
import type { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pipework } from '../../src/index.js';
import { specFromFields, type FieldValues } from '../../src/wire/spec.js';
import { stableMac } from '../../src/util/ip.js';
import { cli } from './cli.js';
import { createNetns, ipn, run, settledSnapshot, type Snapshot } from './netns.js';

export type Json = Record<string, unknown>;

export interface Form {
  name: string;
  /** the wirings-file entry, without guest */
  entry: FieldValues;
  /** prepares a fresh host namespace for this form */
  setup?(t: ExecutionContext, host: string, dir: string): Promise<void> | void;
}

export function bridge(host: string, name: string): void {
  ipn(host, 'link', 'add', name, 'address', '02:00:00:00:0b:01', 'type', 'bridge');
  ipn(host, 'link', 'set', name, 'up');
}

/** A "NIC": one end of a veth pair whose other end stays in the host namespace, fixed MACs. */
export function nic(host: string): void {
  run('ip', ['-n', host, 'link', 'add', 'nic0', 'address', '02:00:00:00:0a:01', 'type', 'veth', 'peer', 'name', 'nic0p', 'address', '02:00:00:00:0a:02']);
  ipn(host, 'link', 'set', 'nic0', 'up');
  ipn(host, 'link', 'set', 'nic0p', 'up');
}

/** What is random by design left out; everything else compared. */
export function normalize(s: Snapshot, fixedMacs: Set<string>, indexes = true): Json {
  const linkLocal = (x: unknown) => /"fe80:|"ff00::\/8"|"multicast"/.test(JSON.stringify(x));
  const text = JSON.stringify({
    links: s.links.map((l) => ({
      ...l,
      address: l.address && fixedMacs.has(l.address) ? l.address : l.address ? 'random' : undefined,
      // in a namespace shared by turns, indexes grow from one turn to the next
      link: !indexes && typeof l.link === 'number' ? 'index' : l.link,
      linkNetnsid: !indexes && l.linkNetnsid !== undefined ? 'id' : l.linkNetnsid,
    })),
    addresses: s.addresses.filter((a) => !String(a.local).startsWith('fe80:')),
    routes: s.routes.filter((r) => !linkLocal(r)),
    rules: s.rules,
  });
  // Kernel-chosen MACs also show in a bridge's ids (8000.<mac>, leading zeros dropped).
  const macsOut = text.replace(/\b(?:[0-9a-f]{1,2}:){5}[0-9a-f]{1,2}\b/g, (m) => (fixedMacs.has(m) || [...fixedMacs].some((f) => f.replace(/\b0(?=[0-9a-f])/g, '') === m) ? m : 'random'));
  return JSON.parse(macsOut.replace(/vpw[0-9a-f]{11}/g, 'vpwHASH')) as Json;
}

export interface World {
  host: string;
  guest: string;
  dir: string;
  pw: Pipework;
  before: Snapshot;
}

export async function world(t: ExecutionContext, form: Form): Promise<World> {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-diff-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  await form.setup?.(t, host, dir);
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  return { host, guest, dir, pw, before: await settledSnapshot(guest) };
}

export async function picture(w: World, macs: Set<string>): Promise<Json> {
  return { host: normalize(await settledSnapshot(w.host), macs), guest: normalize(await settledSnapshot(w.guest), macs) };
}

/** The whole comparison for one form (see the header). */
export async function differential(t: ExecutionContext, form: Form): Promise<void> {
  const [a, b, c] = [await world(t, form), await world(t, form), await world(t, form)];
  const entry = (w: World) => ({ ...form.entry, guest: `netns:${w.guest}` });
  const macs = new Set(['02:00:00:00:0b:01', '02:00:00:00:0a:01', '02:00:00:00:0a:02']);
  const mac = specFromFields(entry(a)).mac;
  if (mac?.startsWith('U:')) macs.add(stableMac(mac.slice(2)));
  else if (mac) macs.add(mac);

  const one = await a.pw.wire(specFromFields(entry(a)));
  const many = await b.pw.wireMany([specFromFields(entry(b))]);
  t.is(many.wired, 1, many.items[0].error?.message);
  const reported = (r: { mac?: string; addresses: string[]; gateways: string[]; kind: string }) => ({ mac: macs.has(r.mac!) ? r.mac : 'random', addresses: r.addresses, gateways: r.gateways, kind: r.kind });
  t.deepEqual(reported(many.items[0].result!), reported(one), 'the results say the same');
  const file = path.join(c.dir, 'w.json');
  fs.writeFileSync(file, JSON.stringify([entry(c)]));
  const applied = await cli(['--host-netns', c.host, 'apply', '-f', file]);
  t.is(applied.code, 0, applied.stderr);

  const [pa, pb, pc] = [await picture(a, macs), await picture(b, macs), await picture(c, macs)];
  t.deepEqual(pb, pa, 'wireMany() = wire()');
  t.deepEqual(pc, pa, 'apply -f = wire()');
  t.true(JSON.stringify(pa.guest).includes('"ifname":"eth1"'), 'the guest interface is there');

  const ifname = (form.entry.ifname as string | undefined) ?? 'eth1';
  t.true((await a.pw.unwire(`netns:${a.guest}`, { ifname })).removed);
  t.is((await b.pw.unwireMany([{ guest: `netns:${b.guest}`, ifname }])).removed, 1);
  const del = await cli(['--host-netns', c.host, 'del', '-f', file]);
  t.is(del.code, 0, del.stderr);
  const [ua, ub, uc] = [await picture(a, macs), await picture(b, macs), await picture(c, macs)];
  t.deepEqual(ub, ua, 'unwireMany() = unwire()');
  t.deepEqual(uc, ua, 'del -f = unwire()');
  t.deepEqual(ua.guest, normalize(a.before, macs), 'the guest is as it was before the wiring');
}

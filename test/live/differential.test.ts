// One model of a wiring, whatever the path: each form wired through wire(), through wireMany()
// and through `pipework apply -f` leaves the same kernel state (full `ip -j` dumps of the host and
// guest namespaces, minus what is random by design: kernel-chosen MACs, the IPv6 link-local
// addresses and routes derived from them, and the host-side name hashed from the guest's name);
// unwiring through unwire(), unwireMany() and `del -f` leaves the same state too: the guest as it was.
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pipework } from '../../src/index.js';
import { specFromFields, type FieldValues } from '../../src/wire/spec.js';
import { cli } from '../helpers/cli.js';
import { dnsmasq } from '../helpers/dhcp-servers.js';
import { createNetns, ipn, run, settledSnapshot, type Snapshot } from '../helpers/netns.js';
import { missingOvs, startOvs, stopOvs, vsctl, vsctlList } from '../helpers/ovs.js';

type Json = Record<string, unknown>;

interface Form {
  name: string;
  /** the wirings-file entry, without guest */
  entry: FieldValues;
  /** prepares a fresh host namespace for this form */
  setup?(t: ExecutionContext, host: string, dir: string): Promise<void> | void;
}

const forms: Form[] = [
  { name: 'bridge made by the wiring, static IPv4 + IPv6 with gateways, stable MAC', entry: { host: 'br0', address: '10.70.0.5/24@10.70.0.1,fd70::5/64@fd70::1', mac: 'U:diff' } },
  { name: 'existing bridge, local name, MTU, off-subnet gateway', entry: { host: 'br0', address: '10.72.0.5/24@10.72.9.1', local: 'vdiff', mtu: 1400, mac: 'U:diff2' }, setup: (_t, h) => bridge(h, 'br0') },
  { name: 'macvlan on a NIC, mode private', entry: { host: 'nic0', address: '10.71.0.5/24@10.71.0.1', mac: 'U:diff3', mode: 'private' }, setup: (_t, h) => nic(h) },
  { name: 'macvlan on a NIC, default mode, gateway only (0/0@GW) and IPv6', entry: { host: 'nic0', address: '0/0@10.73.0.1,fd73::5/64', mac: 'U:diff4' }, setup: (_t, h) => nic(h) },
  { name: 'direct-phys: the NIC itself moved in (and home again on undo)', entry: { host: 'nic0', address: '10.76.0.5/24@10.76.0.1', directPhys: true }, setup: (_t, h) => nic(h) },
  {
    name: 'DHCP (one-shot) from dnsmasq on the bridge',
    entry: { host: 'br-dh', address: 'dhcp', mac: 'U:diffdh', timeout: 10 },
    setup: async (t, h, dir) => {
      bridge(h, 'br-dh');
      ipn(h, 'address', 'add', '10.74.0.1/24', 'dev', 'br-dh');
      await dnsmasq(t, { srv: h, dir }, ['--dhcp-range=10.74.0.100,10.74.0.199,255.255.255.0,1h', '--dhcp-option=option:router,10.74.0.1']);
    },
  },
];

function bridge(host: string, name: string): void {
  ipn(host, 'link', 'add', name, 'address', '02:00:00:00:0b:01', 'type', 'bridge');
  ipn(host, 'link', 'set', name, 'up');
}

/** A "NIC": one end of a veth pair whose other end stays in the host namespace, fixed MACs. */
function nic(host: string): void {
  run('ip', ['-n', host, 'link', 'add', 'nic0', 'address', '02:00:00:00:0a:01', 'type', 'veth', 'peer', 'name', 'nic0p', 'address', '02:00:00:00:0a:02']);
  ipn(host, 'link', 'set', 'nic0', 'up');
  ipn(host, 'link', 'set', 'nic0p', 'up');
}

/** What is random by design left out; everything else compared. */
function normalize(s: Snapshot, fixedMacs: Set<string>, indexes = true): Json {
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

interface World {
  host: string;
  guest: string;
  dir: string;
  pw: Pipework;
  before: Snapshot;
}

async function world(t: ExecutionContext, form: Form): Promise<World> {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-diff-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  await form.setup?.(t, host, dir);
  const pw = new Pipework({ hostNetns: host });
  t.teardown(() => pw.close());
  return { host, guest, dir, pw, before: await settledSnapshot(guest) };
}

async function picture(w: World, macs: Set<string>): Promise<Json> {
  return { host: normalize(await settledSnapshot(w.host), macs), guest: normalize(await settledSnapshot(w.guest), macs) };
}

for (const form of forms) {
  test(`same state through wire(), wireMany() and apply -f; same after unwire(), unwireMany() and del -f: ${form.name}`, async (t) => {
    const [a, b, c] = [await world(t, form), await world(t, form), await world(t, form)];
    const entry = (w: World) => ({ ...form.entry, guest: `netns:${w.guest}` });
    const macs = new Set(['02:00:00:00:0b:01', '02:00:00:00:0a:01', '02:00:00:00:0a:02']);
    const mac = specFromFields(entry(a)).mac;
    if (mac?.startsWith('U:')) macs.add((await import('../../src/util/ip.js')).stableMac(mac.slice(2)));
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
  });
}

// Open vSwitch (userspace datapath): one daemon pair, so the three paths take turns on its namespace;
// OVSDB's ports (name, tag, external_ids) are part of the picture.
const noOvs = missingOvs();
(noOvs === undefined ? test.serial : test.skip)(`same state and OVSDB through wire(), wireMany() and apply -f, and after unwire(), unwireMany(), del -f: OVS bridge, VLAN tag${noOvs ? ` [skipped: ${noOvs}]` : ''}`, async (t) => {
  const o = startOvs();
  t.teardown(() => stopOvs(o));
  const pw = new Pipework({ hostNetns: o.ns, ovsdb: `unix:${o.sock}`, ovsDatapath: 'netdev' });
  t.teardown(() => pw.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-diff-ovs-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fields: FieldValues = { host: 'ovsdiff', address: '10.75.0.5/24@10.75.0.1', mac: 'U:diffovs', vlan: 7 };
  const macs = new Set([(await import('../../src/util/ip.js')).stableMac('diffovs')]);
  const ovsdbRows = (guest: string) =>
    JSON.parse(JSON.stringify(vsctlList(o, 'Port', undefined, ['name', 'tag', 'external_ids'])).replaceAll(guest, 'GUEST').replace(/vpw[0-9a-f]{11}/g, 'vpwHASH')) as Json[];
  const pictureOf = async (guest: string) => ({
    host: normalize(await settledSnapshot(o.ns), macs, false),
    guest: normalize(await settledSnapshot(guest), macs, false),
    ports: ovsdbRows(guest).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
  });
  const paths: [string, (g: string) => Promise<void>, (g: string) => Promise<void>][] = [
    ['wire()', async (g) => void (await pw.wire(specFromFields({ ...fields, guest: `netns:${g}` }))), async (g) => void (await pw.unwire(`netns:${g}`))],
    [
      'wireMany()',
      async (g) => void t.is((await pw.wireMany([specFromFields({ ...fields, guest: `netns:${g}` })])).wired, 1),
      async (g) => void t.is((await pw.unwireMany([{ guest: `netns:${g}` }])).removed, 1),
    ],
    [
      'apply -f',
      async (g) => {
        fs.writeFileSync(path.join(dir, 'w.json'), JSON.stringify([{ ...fields, guest: `netns:${g}` }]));
        const r = await cli(['--host-netns', o.ns, '--ovsdb', `unix:${o.sock}`, '--ovs-datapath', 'netdev', 'apply', '-f', path.join(dir, 'w.json')]);
        t.is(r.code, 0, r.stderr);
      },
      async () => {
        const r = await cli(['--host-netns', o.ns, '--ovsdb', `unix:${o.sock}`, 'del', '-f', path.join(dir, 'w.json')]);
        t.is(r.code, 0, r.stderr);
      },
    ],
  ];
  const wired: Json[] = [];
  const unwired: Json[] = [];
  for (const [, wire, unwire] of paths) {
    const guest = createNetns(t, 'g');
    await wire(guest);
    wired.push(await pictureOf(guest));
    await unwire(guest);
    unwired.push(await pictureOf(guest));
    vsctl(o, 'del-br', 'ovsdiff');
  }
  t.deepEqual((wired[0].ports as Json[]).map((p) => p.name).sort(), ['ovsdiff', 'vpwHASH'], "the bridge's own port and the guest's");
  t.deepEqual(wired[1], wired[0], 'wireMany() = wire()');
  t.deepEqual(wired[2], wired[0], 'apply -f = wire()');
  t.deepEqual((unwired[0].ports as Json[]).map((p) => p.name), ['ovsdiff'], "unwire() removed the guest's port");
  t.deepEqual(unwired[1], unwired[0], 'unwireMany() = unwire()');
  t.deepEqual(unwired[2], unwired[0], 'del -f = unwire()');
});

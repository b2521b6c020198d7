// One model of a wiring, whatever the path: each form wired through wire(), through wireMany()
// and through `pipework apply -f` leaves the same kernel state (full `ip -j` dumps of the host and
// guest namespaces, minus what is random by design: kernel-chosen MACs, the IPv6 link-local
// addresses and routes derived from them, and the host-side name hashed from the guest's name);
// unwiring through unwire(), unwireMany() and `del -f` leaves the same state too: the guest as it was.
// Forms that need a full kernel (802.1Q, ipvlan, dummy) are in test/kernel/differential.test.ts.
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pipework } from '../../src/index.js';
import { specFromFields, type FieldValues } from '../../src/wire/spec.js';
import { cli } from '../helpers/cli.js';
import { dnsmasq } from '../helpers/dhcp-servers.js';
import { bridge, differential, type Form, type Json, nic, normalize } from '../helpers/differential.js';
import { createNetns, ipn, settledSnapshot } from '../helpers/netns.js';
import { missingOvs, startOvs, stopOvs, vsctl, vsctlList } from '../helpers/ovs.js';

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

for (const form of forms) {
  test(`same state through wire(), wireMany() and apply -f; same after unwire(), unwireMany() and del -f: ${form.name}`, (t) => differential(t, form));
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

// The guest side of a wiring as data (guest-config.ts guestOps), which the one-guest plan and the
// bulk engine both execute: what is asked, minus what the interface already has. Pure: no kernel.
import test from 'ava';
import { guestOps } from '../../src/wire/guest-config.js';
import { parseAddresses } from '../../src/wire/spec.js';
import { parseCidr, parseIp } from '../../src/util/ip.js';

const whats = (ops: { what: string }[]) => ops.map((o) => o.what);

test('a fresh interface: up, every address, an on-link route before an off-subnet gateway, the default routes', (t) => {
  const ops = guestOps('eth1 in g', parseAddresses('10.0.0.5/24@10.9.9.1,fd00::5/64@fd00::1'));
  t.deepEqual(whats(ops), [
    'set eth1 in g up',
    'add address 10.0.0.5/24 to eth1 in g',
    'add address fd00::5/64 to eth1 in g',
    "add on-link route 10.9.9.1/32 dev eth1 in g (the gateway is outside the interface's prefixes)",
    'set route default via 10.9.9.1 dev eth1 in g',
    'set route default via fd00::1 dev eth1 in g',
  ]);
});

test('an interface that has part of it: only what is missing', (t) => {
  const local = parseCidr('10.0.0.5/24');
  const existing = {
    up: true,
    addresses: [{ family: 4 as const, index: 7, prefix: 24, local: local.bytes, flags: 0, scope: 0 }],
    defaults: [],
  };
  t.deepEqual(whats(guestOps('eth1', parseAddresses('10.0.0.5/24@10.0.0.1'), existing as never, 7)), ['set route default via 10.0.0.1 dev eth1']);
  const routed = { ...existing, defaults: [{ gateway: parseIp('10.0.0.1')!.bytes, oif: 7 }] };
  t.deepEqual(guestOps('eth1', parseAddresses('10.0.0.5/24@10.0.0.1'), routed as never, 7), [], 'wired as asked: nothing to do');
  t.deepEqual(whats(guestOps('eth1', parseAddresses('10.0.0.5/24@10.0.0.1'), routed as never, 8)), ['set route default via 10.0.0.1 dev eth1'], 'a default route through another interface does not count');
});

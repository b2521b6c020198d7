// DHCP through every path, against dnsmasq on the host side's bridge: a re-run on an interface that
// holds the lease pipework obtained is a no-op, a static re-run over it is a conflict naming both,
// `apply -f` gets the lease as the one-guest command does, and `del -f` releases it as `del` does.
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, cli } from '../helpers/cli.js';
import { dhcpWorld, until } from '../helpers/dhcp-servers.js';
import { createNetns, ipj, settledSnapshot, snapshot } from '../helpers/netns.js';

const world = (t: ExecutionContext) => dhcpWorld(t, { hint: 'h', subnet: '10.81.0', extra: ['--dhcp-option=option:router,10.81.0.1'] });

const v4 = (ns: string) => ((ipj(ns, '-4', 'address', 'show', 'dev', 'eth1')[0]?.addr_info ?? []) as { local: string; prefixlen: number }[]).map((a) => `${a.local}/${a.prefixlen}`);

test('one guest: a DHCP re-run is a no-op; a static re-run over the lease is a conflict naming both', async (t) => {
  const { host, srv } = await world(t);
  const guest = createNetns(t, 'g');
  const first = await cli(['--host-netns', host, 'br-dh', guest, 'dhcp', '--timeout', '10']);
  t.is(first.code, 0, first.stderr);
  const [leased] = v4(guest);
  t.regex(leased, /^10\.81\.0\.1\d\d\/24$/);
  const before = { host: await settledSnapshot(host), guest: await settledSnapshot(guest), leases: srv.leases() };

  const again = await cli(['--host-netns', host, 'br-dh', guest, 'dhcp', '--timeout', '10', '--json']);
  t.is(again.code, 0, again.stderr);
  const r = JSON.parse(again.stdout);
  t.false(r.changed);
  t.deepEqual(r.addresses, [leased]);
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest), leases: srv.leases() }, before);

  const stat = await cli(['--host-netns', host, 'br-dh', guest, '10.81.0.50/24']);
  t.is(stat.code, 1);
  t.regex(stat.stderr, new RegExp(`holds the lease of ${leased.replace(/\./g, '\\.')} pipework obtained.*static 10\\.81\\.0\\.50/24`));
  t.deepEqual(v4(guest), [leased]);

  const d = await cli(['--host-netns', host, 'del', guest, '-v']);
  t.is(d.code, 0, d.stderr);
  await until('the server to forget the lease', () => !srv.leases().includes(leased.split('/')[0]));
});

test('apply -f: DHCP entries get their lease (concurrently); a re-apply is a no-op; del -f releases every lease', async (t) => {
  const { host, dir, srv } = await world(t);
  const guests = [createNetns(t, 'g'), createNetns(t, 'g'), createNetns(t, 'g')];
  const file = path.join(dir, 'w.yaml');
  fs.writeFileSync(file, guests.map((g) => `- {host: br-dh, guest: "netns:${g}", address: dhcp}\n`).join('') + `- {host: br-dh, guest: "netns:${createNetns(t, 's')}", address: 10.81.0.60/24}\n`);
  const r = await cli(['--host-netns', host, 'apply', '-f', file, '--json']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.is(out.wired, 4);
  const leased = guests.map((g) => v4(g));
  for (const [i, l] of leased.entries()) {
    t.is(l.length, 1, `guest ${i} holds one address`);
    t.regex(l[0], /^10\.81\.0\.1\d\d\/24$/);
    t.deepEqual(out.entries[i].addresses, l, 'the result reports the leased address');
    t.deepEqual(ipj(guests[i], '-4', 'route', 'show', 'default').map((x: { gateway: string }) => x.gateway), ['10.81.0.1']);
  }
  t.is(new Set(leased.flat()).size, 3);

  const again = await cli(['--host-netns', host, 'apply', '-f', file, '--json']);
  t.is(again.code, 0, again.stderr);
  t.is(JSON.parse(again.stdout).unchanged, 4);
  t.deepEqual(guests.map((g) => v4(g)), leased);

  const d = await cli(['--host-netns', host, 'del', '-f', file]);
  t.is(d.code, 0, d.stderr);
  for (const g of guests) t.false(ipj(g, 'link', 'show').some((l: { ifname: string }) => l.ifname === 'eth1'));
  await until('the server to forget every lease', () => leased.every((l) => !srv.leases().includes(l[0].split('/')[0])));
});

test('apply -f with keep: the leases are kept in the foreground and released on SIGTERM', async (t) => {
  const { host, dir, srv } = await world(t);
  const guests = [createNetns(t, 'g'), createNetns(t, 'g')];
  const file = path.join(dir, 'keep.json');
  fs.writeFileSync(file, JSON.stringify(guests.map((g) => ({ host: 'br-dh', guest: `netns:${g}`, address: 'dhcp', keep: true, timeout: 10 }))));
  const child = spawn(process.execPath, [BIN, '--host-netns', host, 'apply', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  t.teardown(() => void child.kill('SIGKILL'));
  await until('the leases to be kept', () => /keeping 2 DHCP leases/.test(stderr), 20_000);
  const leased = guests.map((g) => v4(g)[0]);
  for (const l of leased) t.regex(l ?? '', /^10\.81\.0\.1\d\d\/24$/);
  t.true(leased.every((l) => srv.leases().includes(l.split('/')[0])));
  child.kill('SIGTERM');
  t.is(await exited, 0, stderr);
  t.regex(stderr, /DHCP leases released/);
  t.deepEqual(guests.map((g) => v4(g)), [[], []], 'each address went with its lease');
  await until('the server to forget the leases', () => leased.every((l) => !srv.leases().includes(l.split('/')[0])));
});

// Issue 13 item 7 / issue 9: a lease's record lives with what it describes. A namespace that
// reuses a name (a restarted container, `ip netns add` of a name used before) never inherits an old
// lease: no DHCPRELEASE is sent for it, no address is removed from it, and the stale record is gone.
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { obtainLease, releaseRecordedLease } from '../../src/dhcp/oneshot.js';
import { heldLease, pruneLeaseRecords } from '../../src/dhcp/record.js';
import { dhcpRunDir, readLeaseRecord } from '../../src/dhcp/rundir.js';
import { Netns } from '../../src/netns/netns.js';
import { spawn } from 'node:child_process';
import { cli } from '../helpers/cli.js';
import { dhcpWorld, until } from '../helpers/dhcp-servers.js';
import { createNetns, deleteNetns, ipj, ipn, run } from '../helpers/netns.js';

const world = (t: ExecutionContext) => dhcpWorld(t, { hint: 'lrh' });

/** The namespace deleted and made again under its name (deleted again at teardown). */
function remake(t: ExecutionContext, name: string): void {
  deleteNetns(name);
  run('ip', ['netns', 'add', name]);
  t.teardown(() => deleteNetns(name));
}

/** eth1 in guest, its peer on the host's bridge; a fixed MAC, as `U:name` would give at every start. */
function plug(host: string, guest: string, peer: string, mac = '02:00:5e:10:00:01'): void {
  ipn(host, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', guest, 'address', mac);
  ipn(host, 'link', 'set', peer, 'master', 'br-dh', 'up');
}

const v4 = (ns: string) => (ipj(ns, '-4', 'address', 'show', 'dev', 'eth1')[0]?.addr_info ?? []).map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`);

test('a re-made namespace under the same name: the old record is not its lease; no RELEASE, no address removed, record gone', async (t) => {
  const w = await world(t);
  const guest = createNetns(t, 'lrg');
  plug(w.host, guest, 'vlr0');
  const runDir = dhcpRunDir(`netns-${guest}`, 'eth1', path.join(w.dir, 'run'));
  let ns = Netns.byName(guest);
  const lease = await obtainLease({ netns: ns, ifname: 'eth1', timeoutMs: 10_000, runDir });
  t.deepEqual(heldLease({ netns: ns, ifname: 'eth1', runDir })?.lease.address, lease.address, 'held while it is there');
  ns.close();
  // "restart": the namespace goes, one of the same name comes, same MAC, even the same address
  remake(t, guest);
  plug(w.host, guest, 'vlr1');
  ipn(guest, 'address', 'add', `${lease.address}/${lease.prefix}`, 'dev', 'eth1');
  ipn(guest, 'link', 'set', 'eth1', 'up');
  ns = Netns.byName(guest);
  t.teardown(() => ns.close());
  t.truthy(readLeaseRecord(runDir), 'the record is still on disk before anyone looks');
  t.is(heldLease({ netns: ns, ifname: 'eth1', runDir }), undefined, 'not a lease of this namespace');
  t.is(readLeaseRecord(runDir), undefined, 'the stale record was removed where it was found');
  t.deepEqual(v4(guest), [`${lease.address}/${lease.prefix}`], 'the address of the new namespace is left alone');
  t.false(w.srv.log().includes('DHCPRELEASE'), 'no DHCPRELEASE was sent');
});

test('releaseRecordedLease: an old record for a re-made namespace sends nothing and is removed', async (t) => {
  const w = await world(t);
  const guest = createNetns(t, 'lrr');
  plug(w.host, guest, 'vlr2');
  const runDir = dhcpRunDir(`netns-${guest}`, 'eth1', path.join(w.dir, 'run'));
  let ns = Netns.byName(guest);
  const lease = await obtainLease({ netns: ns, ifname: 'eth1', timeoutMs: 10_000, runDir });
  ns.close();
  // the old namespace lingers (held by a process, as the kernel's cleanup can hold a container's):
  // not pruned then, so the owner check is what refuses it
  const holder = spawn('ip', ['netns', 'exec', guest, 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  await until('the holder to enter the namespace', () => fs.readlinkSync(`/proc/${holder.pid}/ns/net`) === `net:[${fs.statSync(`/run/netns/${guest}`).ino}]`);
  remake(t, guest);
  plug(w.host, guest, 'vlr3');
  ipn(guest, 'address', 'add', `${lease.address}/${lease.prefix}`, 'dev', 'eth1');
  ns = Netns.byName(guest);
  t.teardown(() => ns.close());
  const logs: string[] = [];
  t.is(await releaseRecordedLease({ netns: ns, ifname: 'eth1', runDir, log: (m) => logs.push(m) }), undefined);
  t.regex(logs.join('\n'), /was for an earlier interface or namespace; removed, nothing released/);
  t.false(fs.existsSync(path.join(runDir, 'lease.json')));
  t.deepEqual(v4(guest), [`${lease.address}/${lease.prefix}`]);
  t.false(w.srv.log().includes('DHCPRELEASE'));
});

test('records of namespaces that are gone are pruned; a live one is kept', async (t) => {
  const w = await world(t);
  const a = createNetns(t, 'lrpa');
  const b = createNetns(t, 'lrpb');
  plug(w.host, a, 'vlr4', '02:00:5e:10:00:04');
  plug(w.host, b, 'vlr5', '02:00:5e:10:00:05');
  const base = path.join(w.dir, 'run');
  const nsA = Netns.byName(a);
  const nsB = Netns.byName(b);
  t.teardown(() => nsB.close());
  await obtainLease({ netns: nsA, ifname: 'eth1', timeoutMs: 10_000, runDir: dhcpRunDir(`netns-${a}`, 'eth1', base) });
  await obtainLease({ netns: nsB, ifname: 'eth1', timeoutMs: 10_000, runDir: dhcpRunDir(`netns-${b}`, 'eth1', base) });
  nsA.close();
  deleteNetns(a);
  t.deepEqual(pruneLeaseRecords(base, { force: true }), [dhcpRunDir(`netns-${a}`, 'eth1', base)]);
  t.false(fs.existsSync(path.join(base, `netns-${a}`)), 'its folder is gone too');
  t.truthy(readLeaseRecord(dhcpRunDir(`netns-${b}`, 'eth1', base)));
});

test('CLI: pipework del after the guest was re-made under its name: "nothing to remove", and no record remains', async (t) => {
  const w = await world(t);
  const guest = createNetns(t, 'lrc');
  const r = await cli(['--host-netns', w.host, 'br-dh', '-i', 'eth2', guest, 'dhcp', '--timeout', '10']);
  t.is(r.code, 0, r.stderr);
  const runDir = `/run/pipework/dhcp/netns-${guest}/eth2`;
  t.true(fs.existsSync(path.join(runDir, 'lease.json')), 'a one-shot lease is recorded');
  t.is(fs.statSync(runDir).mode & 0o777, 0o700, 'run folders are 0700');
  t.is(fs.statSync(path.join(runDir, 'lease.json')).mode & 0o777, 0o600);
  remake(t, guest);
  const d = await cli(['--host-netns', w.host, 'del', guest, '-i', 'eth2']);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stderr, /eth2 is not in netns .*: nothing to remove/);
  t.false(fs.existsSync(`/run/pipework/dhcp/netns-${guest}`), 'no stale record remains');
  t.false(w.srv.log().includes('DHCPRELEASE'), 'nothing was sent for the old namespace');
});

test('a symlink planted in the run folder path is refused, not followed, before any DHCP packet', async (t) => {
  const w = await world(t);
  const guest = createNetns(t, 'lrs');
  plug(w.host, guest, 'vlr6');
  const base = path.join(w.dir, 'run');
  const elsewhere = path.join(w.dir, 'elsewhere');
  fs.mkdirSync(base);
  fs.mkdirSync(elsewhere);
  fs.symlinkSync(elsewhere, path.join(base, `netns-${guest}`));
  const ns = Netns.byName(guest);
  t.teardown(() => ns.close());
  await t.throwsAsync(obtainLease({ netns: ns, ifname: 'eth1', timeoutMs: 5000, runDir: dhcpRunDir(`netns-${guest}`, 'eth1', base) }), {
    message: /netns-.* is a symbolic link or not a folder; refusing to follow it/,
  });
  t.deepEqual(fs.readdirSync(elsewhere), [], 'nothing written through the link');
  t.false(w.srv.log().includes('DHCPDISCOVER'));
  t.deepEqual(v4(guest), []);
});

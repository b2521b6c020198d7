// pipework's DHCP forms through the CLI, served by the built-in client: one-shot, keep mode with
// release on SIGTERM, and a timeout that leaves nothing behind. dnsmasq serves the bridge from the
// host-side namespace.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dhcpWorld, until } from '../helpers/dhcp-servers.js';
import { createNetns, ipj, snapshot } from '../helpers/netns.js';

const BIN = new URL('../../bin/pipework.js', import.meta.url).pathname;

interface Proc {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (sig: NodeJS.Signals) => void;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return {
    code: new Promise((resolve) => child.on('close', resolve)),
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (sig) => child.kill(sig),
  };
}

/** host netns with bridge br-dh (10.80.0.1/24) served by dnsmasq; a guest netns. */
async function world(t: ExecutionContext) {
  const w = await dhcpWorld(t, { hint: 'h', extra: ['--dhcp-option=option:router,10.80.0.1', '--dhcp-option=option:dns-server,10.80.0.53'] });
  return { ...w, guest: createNetns(t, 'g') };
}

const v4 = (ns: string) => (ipj(ns, '-4', 'address', 'show', 'dev', 'eth1')[0]?.addr_info ?? []) as { local: string; prefixlen: number }[];

test('pipework br-dh GUEST dhcp: a lease applied once, said not to be renewed; the host resolv.conf untouched', async (t) => {
  const { host, guest, srv } = await world(t);
  const hostResolv = fs.existsSync('/etc/resolv.conf') ? crypto.createHash('sha256').update(fs.readFileSync('/etc/resolv.conf')).digest('hex') : '';
  const p = start(['--host-netns', host, 'br-dh', guest, 'dhcp', '--timeout', '10']);
  t.is(await p.code, 0, p.stderr());
  t.regex(p.stderr(), /DHCP lease of 10\.80\.0\.1\d\d\/24 applied; it will not be renewed/);
  const [addr] = v4(guest);
  t.regex(addr.local, /^10\.80\.0\.1\d\d$/);
  t.is(addr.prefixlen, 24);
  t.is(ipj(guest, '-4', 'route', 'show', 'default')[0].gateway, '10.80.0.1');
  t.regex(srv.leases(), new RegExp(addr.local.replace(/\./g, '\\.')));
  t.regex(srv.leases(), new RegExp(` ${guest} `), 'the guest name is sent as the hostname');
  const after = fs.existsSync('/etc/resolv.conf') ? crypto.createHash('sha256').update(fs.readFileSync('/etc/resolv.conf')).digest('hex') : '';
  t.is(after, hostResolv);
  // del releases the recorded lease, then removes the interface
  const d = start(['--host-netns', host, 'del', guest, '-v']);
  t.is(await d.code, 0, d.stderr());
  t.regex(d.stderr(), /released the DHCP lease/);
  await until('the server to forget the lease', () => !srv.leases().includes(addr.local));
});

test('dhcp-f keeps the lease in the foreground and releases it on SIGTERM; DNS goes only where asked', async (t) => {
  const { host, guest, dir, srv } = await world(t);
  const resolv = path.join(dir, 'resolv.conf');
  const p = start(['--host-netns', host, 'br-dh', '-i', 'eth1', guest, 'udhcpc-f', '--resolv-conf', resolv]);
  await until('the keeper to hold a lease', () => /keeping the DHCP lease/.test(p.stderr()), 15_000);
  const [addr] = v4(guest);
  t.truthy(addr);
  t.regex(fs.readFileSync(resolv, 'utf8'), /nameserver 10\.80\.0\.53/);
  p.kill('SIGTERM');
  t.is(await p.code, 0, p.stderr());
  t.regex(p.stderr(), /DHCP lease released/);
  t.deepEqual(v4(guest), [], 'the address went with the lease');
  await until('the server to forget the lease', () => !srv.leases().includes(addr.local));
});

test('no server: --timeout ends with a clear error and nothing is left behind', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const before = { host: snapshot(host), guest: snapshot(guest) };
  const p = start(['--host-netns', host, 'br-none', guest, 'dhcp', '--timeout', '2']);
  t.is(await p.code, 1);
  t.regex(p.stderr(), /pipework: .*(no|No) .*(lease|answer|OFFER)/i);
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
});

test('DHCP options are checked: --keep without dhcp, -a 6 with dhcp, unknown client words', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const a = start(['--host-netns', host, 'br1', guest, '10.0.0.5/24', '--keep']);
  t.is(await a.code, 2);
  t.regex(a.stderr(), /--keep goes with a DHCP address/);
  const b = start(['--host-netns', host, 'br1', '-a', '6', guest, 'dhcp']);
  t.is(await b.code, 1);
  t.regex(b.stderr(), /DHCPv4 only/);
  const c = start(['--host-netns', host, 'br1', guest, 'udhcpc:--bogus']);
  t.is(await c.code, 1);
  t.regex(c.stderr(), /--bogus/);
});

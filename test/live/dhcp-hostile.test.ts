// Issue 10: a hostile DHCP server on the guest's link. Its answers are refused or clamped by the
// client, and the kernel state (`ip -j addr/route/link` in the guest) shows only sane values.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli.js';
import { createNetns, ipj, ipn } from '../helpers/netns.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function hostileServer(t: ExecutionContext, ns: string, yiaddr: string, options: Record<string, unknown>): Promise<void> {
  const cfg = JSON.stringify({ yiaddr, broadcastTo: '10.80.0.255', options });
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', path.join(here, 'hostile-dhcp.fixture.ts'), cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the hostile server exited with ${code}`)));
  });
}

function world(t: ExecutionContext) {
  const host = createNetns(t, 'hdh');
  const guest = createNetns(t, 'hdg');
  ipn(host, 'link', 'add', 'br-dh', 'type', 'bridge');
  ipn(host, 'address', 'add', '10.80.0.1/24', 'dev', 'br-dh');
  ipn(host, 'link', 'set', 'br-dh', 'up');
  return { host, guest };
}

interface Route { dst: string; gateway?: string; dev: string }

test('hostile options: multicast/loopback routes and routers, a tiny MTU, a 2 s lease, a foreign broadcast: only sane values reach the kernel', async (t) => {
  const { host, guest } = world(t);
  await hostileServer(t, host, '10.80.0.150', {
    serverId: '10.80.0.1',
    subnetMask: '255.255.255.0',
    routers: ['224.0.0.1', '127.0.0.1'],
    classlessRoutes: [
      { dst: '224.0.0.0', prefix: 4, gateway: '10.80.0.1' },
      { dst: '127.0.0.0', prefix: 8, gateway: '10.80.0.1' },
      { dst: '10.9.0.0', prefix: 16, gateway: '239.1.1.1' },
      { dst: '10.10.0.0', prefix: 16, gateway: '10.80.0.1' },
    ],
    mtu: 20,
    leaseTime: 2,
    dnsServers: ['0.0.0.0', '255.255.255.255'],
    broadcastAddress: '10.0.0.255',
  });
  const r = await cli(['--host-netns', host, 'br-dh', '-i', 'eth1', guest, 'dhcp', '--timeout', '10', '-v']);
  t.is(r.code, 0, r.stderr);
  // each refusal and clamp is said (notes go to stderr)
  for (const note of [/DHCP: ignored router 224\.0\.0\.1: a multicast address/, /DHCP: ignored route 224\.0\.0\.0\/4: a multicast destination/, /DHCP: ignored route 127\.0\.0\.0\/8: a loopback destination/,
    /DHCP: ignored route 10\.9\.0\.0\/16 via 239\.1\.1\.1/, /DHCP: ignored MTU 20/, /DHCP: the server's lease time of 2 s was raised to 4 s/, /DHCP: ignored broadcast address 10\.0\.0\.255/]) {
    t.regex(r.stderr, note);
  }
  const link = ipj(guest, 'addr', 'show', 'dev', 'eth1')[0] as { mtu: number; addr_info: { family: string; local: string; prefixlen: number; broadcast?: string }[] };
  t.is(link.mtu, 1500, 'the MTU of 20 was not applied');
  t.deepEqual(link.addr_info.filter((a) => a.family === 'inet').map((a) => [a.local, a.prefixlen, a.broadcast]), [['10.80.0.150', 24, '10.80.0.255']]);
  const routes = (ipj(guest, '-4', 'route', 'show', 'table', 'all') as (Route & { type?: string; table?: string })[]).filter((x) => x.table !== 'local');
  t.deepEqual(routes.map((x) => `${x.dst}${x.gateway ? ` via ${x.gateway}` : ''}`).sort(), ['10.10.0.0/16 via 10.80.0.1', '10.80.0.0/24'].sort());
});

test('a hostile ACK that cannot be used (a loopback address, a 0 s lease) is refused: no lease, nothing applied, exit 1', async (t) => {
  for (const [yiaddr, opts] of [
    ['127.0.0.5', { leaseTime: 3600 }],
    ['10.80.0.160', { leaseTime: 0 }],
  ] as const) {
    const { host, guest } = world(t);
    await hostileServer(t, host, yiaddr, { serverId: '10.80.0.1', subnetMask: '255.255.255.0', ...opts });
    const r = await cli(['--host-netns', host, 'br-dh', '-i', 'eth1', guest, 'dhcp', '--timeout', '3']);
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, /no DHCP lease for eth1 .* within 3 s: 1 DHCPOFFER received but no DHCPACK|no DHCP lease for eth1/);
    const v4 = (ipj(guest, '-4', 'addr', 'show') as { ifname: string }[]).map((l) => l.ifname);
    t.deepEqual(v4, ['lo'], `${yiaddr}: no IPv4 address in the guest but loopback's`);
    t.deepEqual((ipj(guest, 'link', 'show') as { ifname: string }[]).map((l) => l.ifname), ['lo'], 'rolled back');
  }
});

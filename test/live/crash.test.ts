// Crash safety: `pipework apply -f` of 200 guests killed with SIGKILL at several instants, then
// applied again, completes every guest (a quarter of them in namespaces whose loopback is down:
// no IPv4 main table); `del -f` then leaves nothing. iproute2 is the oracle.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, cli } from '../helpers/cli.js';
import { createNetns, ipj, ipn } from '../helpers/netns.js';

const N = 200;
const addr = (i: number) => `10.66.${Math.floor(i / 250)}.${(i % 250) + 2}`;

/** Starts apply -f and kills it (SIGKILL) after ms; resolves once it is gone. */
function applyKilledAfter(host: string, file: string, ms: number): Promise<void> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS; // node starts ~70 ms sooner: the kill lands in the work, not in start-up
  const child = spawn(process.execPath, [BIN, '--host-netns', host, 'apply', '-f', file], { env, stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    }),
  );
}

interface GuestState {
  eth1: boolean;
  up: boolean;
  address: boolean;
  gateway: boolean;
}

function stateOf(guest: string, i: number): GuestState {
  const link = ipj(guest, 'address', 'show').find((l: { ifname: string }) => l.ifname === 'eth1');
  const routes = link ? ipj(guest, '-4', 'route', 'show', 'default') : [];
  return {
    eth1: link !== undefined,
    up: link?.flags.includes('UP') ?? false,
    address: link?.addr_info.some((a: { local: string; prefixlen: number }) => a.local === addr(i) && a.prefixlen === 16) ?? false,
    gateway: routes.some((r: { gateway: string; dev: string }) => r.gateway === '10.66.255.254' && r.dev === 'eth1'),
  };
}

const complete = (s: GuestState) => s.eth1 && s.up && s.address && s.gateway;

function setup(t: ExecutionContext): { host: string; guests: string[]; file: string } {
  const host = createNetns(t, 'host');
  ipn(host, 'link', 'add', 'br0', 'type', 'bridge');
  ipn(host, 'address', 'add', '10.66.255.254/16', 'dev', 'br0');
  ipn(host, 'link', 'set', 'br0', 'up');
  const guests = Array.from({ length: N }, (_, i) => createNetns(t, 'g', { loopbackUp: i % 4 !== 0 }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwt-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'w.json');
  fs.writeFileSync(file, JSON.stringify(guests.map((g, i) => ({ host: 'br0', guest: `netns:${g}`, address: `${addr(i)}/16@10.66.255.254` }))));
  return { host, guests, file };
}

test.serial('apply -f killed at several instants, re-applied: every guest complete; del -f: nothing left', async (t) => {
  const { host, guests, file } = setup(t);
  for (const ms of [150, 300, 500]) {
    await applyKilledAfter(host, file, ms);
    const left = guests.map((g, i) => stateOf(g, i));
    t.log(`killed after ${ms} ms: ${left.filter((s) => s.eth1).length} guests with eth1, ${left.filter(complete).length} complete`);
    const again = await cli(['--host-netns', host, 'apply', '-f', file]);
    t.is(again.code, 0, again.stderr);
    const incomplete = guests.map((g, i) => [g, stateOf(g, i)] as const).filter(([, s]) => !complete(s));
    t.deepEqual(incomplete, [], `after the kill at ${ms} ms and a re-apply`);
    const del = await cli(['--host-netns', host, 'del', '-f', file]);
    t.is(del.code, 0, del.stderr);
    t.deepEqual(guests.filter((g, i) => stateOf(g, i).eth1), [], 'no guest keeps an eth1');
    t.deepEqual(ipj(host, 'link', 'show', 'type', 'veth'), [], 'no veth left on the host side');
  }
});

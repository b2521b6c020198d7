// The CLI as users run it: a separate process, exit codes, messages, no child processes, and
// concurrent invocations. The host side runs in a test namespace (--host-netns).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { createNetns, ipj, ping, run, snapshot } from '../helpers/netns.js';

test('wires, is silent on success, and a re-run is a no-op (exit 0)', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const r1 = await cli(['--host-netns', host, 'br1', '-i', 'eth1', guest, '10.20.0.5/24@10.20.0.1']);
  t.is(r1.code, 0, r1.stderr);
  t.is(r1.stdout, '');
  t.is(ipj(guest, '-4', 'address', 'show', 'dev', 'eth1')[0].addr_info[0].local, '10.20.0.5');
  const r2 = await cli(['--host-netns', host, 'br1', guest, '10.20.0.5/24@10.20.0.1', '-v']);
  t.is(r2.code, 0, r2.stderr);
  t.regex(r2.stdout, /already wired as asked/);
});

test('--json prints the result; --dry-run prints the plan and changes nothing', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const before = { host: snapshot(host), guest: snapshot(guest) };
  const dry = await cli(['--host-netns', host, '--dry-run', 'br1', guest, '10.21.0.5/24']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /create bridge br1/);
  t.regex(dry.stdout, /add address 10\.21\.0\.5\/24/);
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
  const json = await cli(['--host-netns', host, '--json', 'br1', guest, '10.21.0.5/24']);
  t.is(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  t.is(result.ifname, 'eth1');
  t.deepEqual(result.addresses, ['10.21.0.5/24']);
  t.true(result.changed);
});

test('exit codes: 2 with usage on stderr for a wrong call, 1 with a message for a failed request', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const before = { host: snapshot(host), guest: snapshot(guest) };
  const usage = await cli(['--host-netns', host, 'br1', guest]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /missing the address/);
  t.regex(usage.stderr, /Usage:/);
  t.is(usage.stdout, '');
  const cases: [string[], RegExp][] = [
    [['br1', guest, '10.0.0.5'], /The IP address should include a netmask\. Maybe you meant 10\.0\.0\.5\/24 \?/],
    [['br1', guest, '10.0.0.5/24', 'nonsense'], /MAC address nonsense is not six hex bytes/],
    [['br1', '-a', '6', guest, '10.0.0.5/24'], /-a 6 was given, but 10\.0\.0\.5\/24 is an IPv4 address/],
    [['eth9', guest, '10.0.0.5/24'], /I do not know how to setup interface eth9\./],
    [['br1', 'pwt-nonexistent', '10.0.0.5/24'], /neither a named netns nor a container/],
    [['br1', '-i', 'waytoolonginterface', guest, '10.0.0.5/24'], /at most 15|limit is 15/],
    [['br1', guest, '10.125.3.5/24@10.125.3.5'], /gateway 10\.125\.3\.5 is the guest's own address \(10\.125\.3\.5\/24\)/],
    [['lo', guest, '10.0.0.5/24'], /lo is a loopback interface: it leads to no network a guest could join; give a bridge/],
    [['--dry-run', 'lo', guest, '10.0.0.5/24'], /lo is a loopback interface/],
    [['br1', 'netns:../../etc', '10.0.0.5/24'], /invalid netns name "\.\.\/\.\.\/etc": it contains "\/"/],
    [['del', 'netns:../../etc'], /invalid netns name "\.\.\/\.\.\/etc": it contains "\/"/],
    [['br1', 'netns:..', '10.0.0.5/24'], /invalid netns name "\.\.": it is "\.\."/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(['--host-netns', host, ...args]);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    t.regex(r.stderr, /^pipework: /);
  }
  t.deepEqual({ host: snapshot(host), guest: snapshot(guest) }, before);
});

test('del removes what wire made, by the same guest name; twice is fine', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  t.is((await cli(['--host-netns', host, 'br1', guest, '10.22.0.5/24'])).code, 0);
  const hostEnds = () => ipj(host, 'link', 'show', 'type', 'veth').length;
  t.is(hostEnds(), 1);
  const d1 = await cli(['--host-netns', host, 'del', guest, '-v']);
  t.is(d1.code, 0, d1.stderr);
  t.regex(d1.stdout, /removed eth1/);
  t.is(hostEnds(), 0);
  t.deepEqual(ipj(guest, 'link', 'show').map((l: { ifname: string }) => l.ifname), ['lo']);
  const d2 = await cli(['--host-netns', host, 'del', guest]);
  t.is(d2.code, 0, d2.stderr);
  t.regex(d2.stderr, /nothing to remove/);
});

test('the CLI starts no process: an execve trace shows node alone', async (t) => {
  const host = createNetns(t, 'h');
  const guest = createNetns(t, 'g');
  const dir = mkdtempSync(join(tmpdir(), 'pwt-strace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'trace');
  const r = await cli(['--host-netns', host, 'br1', guest, '10.23.0.5/24@10.23.0.1,fd23::5/64'], { prefix: ['strace', '-f', '-qq', '-e', 'trace=execve', '-o', trace] });
  t.is(r.code, 0, r.stderr);
  const execs = readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.includes('execve('));
  t.true(execs.length >= 1);
  for (const line of execs) t.regex(line, /execve\("[^"]*\/node"/, line);
  t.is(ipj(guest, '-4', 'address', 'show', 'dev', 'eth1')[0].addr_info[0].local, '10.23.0.5');
});

test('eight CLI processes at once, each wiring its own guest onto one new bridge', async (t) => {
  const host = createNetns(t, 'h');
  const guests = Array.from({ length: 8 }, (_, i) => createNetns(t, `g${i}`));
  const results = await Promise.all(guests.map((g, i) => cli(['--host-netns', host, 'brc', g, `10.30.0.${10 + i}/24`])));
  for (const [i, r] of results.entries()) t.is(r.code, 0, `guest ${i}: ${r.stderr}`);
  const ports = ipj(host, 'link', 'show', 'master', 'brc');
  t.is(ports.length, 8);
  t.true(ping(guests[0], '10.30.0.17', { count: 2 }));
});

test('route, rule and tc pass through natively into the guest (iproute2 grammar)', async (t) => {
  const g = createNetns(t, 'g');
  run('ip', ['-n', g, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  run('ip', ['-n', g, 'link', 'set', 'v0', 'up']);
  run('ip', ['-n', g, 'address', 'add', '10.24.0.1/24', 'dev', 'v0']);
  const add = await cli(['route', g, 'add', '10.50.0.0/16', 'via', '10.24.0.2', 'metric', '7']);
  t.is(add.code, 0, add.stderr);
  t.like(ipj(g, 'route', 'show', '10.50.0.0/16')[0], { gateway: '10.24.0.2', dev: 'v0', metric: 7 });
  const show = await cli(['route', g, 'show']);
  t.regex(show.stdout, /10\.50\.0\.0\/16 via 10\.24\.0\.2 dev v0 metric 7/);
  const rule = await cli(['rule', g, 'add', 'from', '10.24.0.0/24', 'table', '100', 'priority', '100']);
  t.is(rule.code, 0, rule.stderr);
  t.like(ipj(g, 'rule', 'show', 'priority', '100')[0], { src: '10.24.0.0', srclen: 24, table: '100' });
  const tc = await cli(['tc', g, 'qdisc', 'add', 'dev', 'v0', 'root', 'tbf', 'rate', '1mbit', 'burst', '32k', 'latency', '50ms']);
  t.is(tc.code, 0, tc.stderr);
  t.is(JSON.parse(run('tc', ['-j', '-n', g, 'qdisc', 'show', 'dev', 'v0']))[0].kind, 'tbf');
  const bad = await cli(['route', g, 'add', '10.60.0.0/16', 'nexthop', 'via', '10.24.0.3']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /"nexthop" is not supported/);
  const refused = await cli(['route', g, 'add', '10.70.0.0/16', 'via', '10.99.0.1']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /Network is unreachable \(ENETUNREACH\)/);
});

// `pipework route|rule|tc` natively, against the real kernel: the runners get a netlink socket opened
// inside a fresh namespace (as the CLI opens one inside the guest), and iproute2 (`ip -j`, `tc -j`, and
// their text output) is the independent oracle. A tbf qdisc shapes a real TCP transfer between two
// namespaces, measured against an unshaped baseline. Nothing here touches the root namespace.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { KernelError } from '../../src/netlink/errors.js';
import { NetlinkSocket } from '../../src/netlink/session.js';
import { inNetns } from '../../src/netns/enter.js';
import { Netns } from '../../src/netns/netns.js';
import { runRoute, runRule, runTc } from '../../src/passthrough/run.js';
import { InputError } from '../../src/util/errors.js';
import { createNetns, ipj, ipn, run, vethBetween } from '../helpers/netns.js';
import { missing } from '../kernel/features.js';

type Json = Record<string, unknown>;

interface Guest {
  ns: string;
  sock: NetlinkSocket;
  route: (s: string) => string;
  rule: (s: string) => string;
  tc: (s: string) => string;
}

const words = (s: string) => s.split(' ').filter(Boolean);

/** A fresh namespace and the runners bound to a netlink socket opened inside it. */
function guest(t: ExecutionContext, hint: string): Guest {
  const ns = createNetns(t, hint);
  const handle = Netns.byName(ns);
  t.teardown(() => handle.close());
  const sock = inNetns(handle, () => NetlinkSocket.open());
  t.teardown(() => sock.close());
  const where = ` in netns ${ns}`;
  return {
    ns,
    sock,
    route: (s) => runRoute(sock, words(s), { where }),
    rule: (s) => runRule(sock, words(s), { where }),
    tc: (s) => runTc(sock, words(s), { where }),
  };
}

/** The guest with eth0 (10.1.0.1/24, fd00::1/64) wired to a peer namespace (10.1.0.2/24, fd00::2/64). */
function wired(t: ExecutionContext, hint: string): Guest & { peer: string } {
  const g = guest(t, hint);
  const peer = createNetns(t, `${hint}p`);
  vethBetween(g.ns, 'eth0', peer, 'eth0', { addrA: '10.1.0.1/24', addrB: '10.1.0.2/24' });
  ipn(g.ns, '-6', 'address', 'add', 'fd00::1/64', 'dev', 'eth0', 'nodad');
  ipn(peer, '-6', 'address', 'add', 'fd00::2/64', 'dev', 'eth0', 'nodad');
  return { ...g, peer };
}

const routes = (ns: string, ...sel: string[]) => ipj<Json[]>(ns, 'route', 'show', ...sel);
const findRoute = (ns: string, dst: string, ...sel: string[]) => routes(ns, ...sel).filter((r) => r.dst === dst);
const textLines = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter(Boolean);

test('ip route add with every keyword: what the kernel holds is what was asked (ip -j as oracle)', (t) => {
  const g = wired(t, 'radd');
  t.is(g.route('add 10.10.0.0/16 via 10.1.0.2 dev eth0 metric 5 proto static'), '', 'modifying commands print nothing');
  t.like(findRoute(g.ns, '10.10.0.0/16')[0], { gateway: '10.1.0.2', dev: 'eth0', metric: 5, protocol: 'static' });

  g.route('add 10.11.0.0/16 dev eth0 scope link src 10.1.0.1 table 100 mtu 1400');
  t.deepEqual(findRoute(g.ns, '10.11.0.0/16', 'table', '100'), [
    { dst: '10.11.0.0/16', dev: 'eth0', scope: 'link', prefsrc: '10.1.0.1', flags: [], metrics: [{ mtu: 1400 }] },
  ], 'ip leaves out the table it was asked to show');
  t.like(routes(g.ns, 'table', 'all').find((r) => r.dst === '10.11.0.0/16'), { table: '100' });

  g.route('add blackhole 10.12.0.0/16');
  g.route('add unreachable 10.13.0.0/16 metric 7');
  g.route('add to prohibit 10.14.0.0/16');
  g.route('add throw 10.15.0.0/16 table 100');
  t.like(findRoute(g.ns, '10.12.0.0/16')[0], { type: 'blackhole' });
  t.like(findRoute(g.ns, '10.13.0.0/16')[0], { type: 'unreachable', metric: 7 });
  t.like(findRoute(g.ns, '10.14.0.0/16')[0], { type: 'prohibit' });
  t.like(findRoute(g.ns, '10.15.0.0/16', 'table', '100')[0], { type: 'throw' });

  g.route('add local 10.16.0.1 dev eth0 table local');
  t.like(findRoute(g.ns, '10.16.0.1', 'table', 'local')[0], { type: 'local', dev: 'eth0', scope: 'host' });

  g.route('add 10.17.0.0/16 via 10.99.0.1 dev eth0 onlink');
  t.deepEqual(findRoute(g.ns, '10.17.0.0/16')[0].flags, ['onlink']);

  g.route('add 10.18.0.0/16 dev eth0 table 1000 proto 99 scope host');
  t.like(routes(g.ns, 'table', 'all').find((r) => r.dst === '10.18.0.0/16'), { table: '1000', protocol: 'openr', scope: 'host' });

  g.route('add default via 10.1.0.2');
  t.like(findRoute(g.ns, 'default')[0], { gateway: '10.1.0.2', dev: 'eth0' });

  g.route('-6 add 2001:db8:5::/64 via fd00::2 dev eth0 metric 7');
  t.like(ipj<Json[]>(g.ns, '-6', 'route', 'show').find((r) => r.dst === '2001:db8:5::/64'), { gateway: 'fd00::2', dev: 'eth0', metric: 7 });
  g.route('add 2001:db8:6::/64 from ::/0 dev eth0 preference 9');
  t.like(ipj<Json[]>(g.ns, '-6', 'route', 'show').find((r) => r.dst === '2001:db8:6::/64'), { dev: 'eth0', metric: 9 });
});

test('ip route replace/change/append/prepend/delete and flush', (t) => {
  const g = wired(t, 'rmod');
  g.route('add 10.20.0.0/16 via 10.1.0.2 metric 5');
  g.route('replace 10.20.0.0/16 via 10.1.0.3 metric 5');
  t.deepEqual(findRoute(g.ns, '10.20.0.0/16').map((r) => r.gateway), ['10.1.0.3'], 'replaced in place');
  g.route('change 10.20.0.0/16 via 10.1.0.4 metric 5');
  t.deepEqual(findRoute(g.ns, '10.20.0.0/16').map((r) => r.gateway), ['10.1.0.4']);
  t.throws(() => g.route('change 10.21.0.0/16 via 10.1.0.4'), { instanceOf: KernelError, message: /No such file or directory \(ENOENT\)/ }, 'change needs an existing route');
  g.route('replace 10.21.0.0/16 via 10.1.0.5');
  t.is(findRoute(g.ns, '10.21.0.0/16').length, 1, 'replace creates when missing');

  g.route('append 10.22.0.0/16 via 10.1.0.2 metric 9');
  g.route('append 10.22.0.0/16 via 10.1.0.3 metric 9');
  t.deepEqual(findRoute(g.ns, '10.22.0.0/16').map((r) => r.gateway), ['10.1.0.2', '10.1.0.3'], 'append adds after');
  g.route('prepend 10.22.0.0/16 via 10.1.0.4 metric 9');
  t.is(findRoute(g.ns, '10.22.0.0/16')[0].gateway, '10.1.0.4', 'prepend adds before');

  g.route('del 10.20.0.0/16');
  t.deepEqual(findRoute(g.ns, '10.20.0.0/16'), []);
  g.route('add throw 10.23.0.0/16 table 100');
  g.route('delete throw 10.23.0.0/16 table 100');
  t.deepEqual(findRoute(g.ns, '10.23.0.0/16', 'table', '100'), []);
  t.throws(() => g.route('del 10.20.0.0/16'), { instanceOf: KernelError, message: /No such process/ });

  g.route('add 10.30.0.0/16 dev eth0 table 100');
  g.route('add 10.31.0.0/16 dev eth0 table 100');
  g.route('add 10.32.0.0/16 via 10.1.0.2 proto static');
  g.route('flush table 100');
  t.deepEqual(routes(g.ns, 'table', '100'), []);
  g.route('flush proto static');
  t.deepEqual(findRoute(g.ns, '10.32.0.0/16'), []);
  t.true(findRoute(g.ns, '10.22.0.0/16').length > 0, 'flush proto static left the boot routes');
  t.is(g.route('flush cache'), '', 'flush cache: accepted, nothing to do');
  g.route('flush 10.22.0.0/16');
  t.deepEqual(findRoute(g.ns, '10.22.0.0/16'), [], 'flush PREFIX removes every route of that prefix');
  t.like(findRoute(g.ns, '10.1.0.0/24')[0], { protocol: 'kernel' }, 'and nothing else');
});

test('ip route show / get print what ip prints, as text and as JSON', (t) => {
  const g = wired(t, 'rshow');
  g.route('add 10.40.0.0/16 via 10.1.0.2 metric 5 proto static');
  g.route('add blackhole 10.41.0.0/16');
  g.route('add 10.42.0.0/16 dev eth0 table 100 mtu 1300 src 10.1.0.1');
  g.route('add 10.43.0.0/16 via 10.99.0.1 dev eth0 onlink');
  g.route('-6 add 2001:db8:7::/64 via fd00::2 metric 3');
  const cases: [string, string[]][] = [
    ['show', ['route', 'show']],
    ['show table all', ['route', 'show', 'table', 'all']],
    ['-6 show', ['-6', 'route', 'show']],
    ['-6 show table all', ['-6', 'route', 'show', 'table', 'all']],
    ['show dev eth0', ['route', 'show', 'dev', 'eth0']],
    ['show table 100', ['route', 'show', 'table', '100']],
    ['show proto kernel', ['route', 'show', 'proto', 'kernel']],
    ['show root 10.40.0.0/15', ['route', 'show', 'root', '10.40.0.0/15']],
    ['show type blackhole', ['route', 'show', 'type', 'blackhole']],
    ['get 10.40.1.1', ['route', 'get', '10.40.1.1']],
    ['get 10.1.0.1', ['route', 'get', '10.1.0.1']],
    ['-6 get 2001:db8:7::1', ['-6', 'route', 'get', '2001:db8:7::1']],
  ];
  for (const [mine, theirs] of cases) {
    t.deepEqual(textLines(g.route(mine)), textLines(run('ip', ['-n', g.ns, ...theirs])), mine);
    t.deepEqual(JSON.parse(g.route(`-j ${mine}`)), ipj(g.ns, ...theirs), `-j ${mine}`);
  }
  const viaOption = runRoute(g.sock, ['show', 'table', '100'], { json: true });
  t.deepEqual(JSON.parse(viaOption), ipj(g.ns, 'route', 'show', 'table', '100'), 'the json option does what -j does');
});

test('ip route errors: the kernel\'s own message with the command; bad input before any request', (t) => {
  const g = wired(t, 'rerr');
  const before = routes(g.ns, 'table', 'all');
  const e1 = t.throws(() => g.route('add 10.50.0.0/16 via 10.77.0.1'), { instanceOf: KernelError });
  t.is(e1!.code, 'ENETUNREACH');
  t.regex(e1!.message, /^ip route add 10\.50\.0\.0\/16 via 10\.77\.0\.1 in netns pwt-\S+: Network is unreachable \(ENETUNREACH\): Nexthop has invalid gateway/);
  g.route('add 10.51.0.0/16 via 10.1.0.2');
  const e2 = t.throws(() => g.route('add 10.51.0.0/16 via 10.1.0.2'), { instanceOf: KernelError });
  t.is(e2!.code, 'EEXIST');
  const e3 = t.throws(() => g.route('add 10.52.0.0/16 dev nosuch0'), { instanceOf: InputError });
  t.regex(e3!.message, /cannot find device "nosuch0" in netns pwt-/);
  t.throws(() => g.route('add 10.53.0.0/16 via 10.1.0.2 nexthop via 10.1.0.3'), { instanceOf: InputError, message: /"nexthop" is not supported/ });
  t.throws(() => g.route('add 10.54.0.5/16 dev eth0'), { instanceOf: InputError, message: /host bits set/ });
  const after = routes(g.ns, 'table', 'all').filter((r) => r.dst !== '10.51.0.0/16');
  t.deepEqual(after, before, 'nothing but the one successful add changed');
});

const rules = (ns: string, ...a: string[]) => ipj<Json[]>(ns, ...a, 'rule', 'show');
const rulePrio = (ns: string, prio: number, ...a: string[]) => rules(ns, ...a).filter((r) => r.priority === prio);

test('ip rule add/del with every selector and action; the kernel follows them (ip route get as oracle)', (t) => {
  const g = wired(t, 'rule');
  g.route('add 10.60.0.0/16 via 10.1.0.2 table 6');
  t.is(g.rule('add fwmark 7 table 6 priority 100'), '');
  t.deepEqual(rulePrio(g.ns, 100), [{ priority: 100, src: 'all', fwmark: '0x7', table: '6' }]);
  // the kernel now routes marked packets by table 6, and unmarked ones by main (where 10.60/16 is unknown)
  t.like(ipj<Json[]>(g.ns, 'route', 'get', '10.60.1.1', 'mark', '7')[0], { gateway: '10.1.0.2', table: '6' });
  t.throws(() => ipj(g.ns, 'route', 'get', '10.60.1.1'), { message: /Network is unreachable/ });
  g.rule('del fwmark 7 table 6');
  t.throws(() => ipj(g.ns, 'route', 'get', '10.60.1.1', 'mark', '7'), { message: /Network is unreachable/ }, 'the rule is gone');
  g.rule('add fwmark 7 table 6 priority 100');

  g.rule('add from 10.1.0.0/24 to 10.9.0.0/16 lookup 100 pref 200');
  g.rule('add not from 10.2.0.0/24 table 7 pref 210');
  g.rule('add iif eth0 oif lo fwmark 0x10/0xff tos 0x10 table 1000 order 220 proto static');
  g.rule('add from all unreachable pref 230');
  g.rule('add blackhole pref 231');
  g.rule('add prohibit pref 232');
  g.rule('add goto 300 pref 240');
  g.rule('add nop pref 300');
  g.rule('add lookup main suppress_prefixlength 0 pref 310');
  g.rule('-6 add from 2001:db8::/32 table 100 pref 400');
  const got = Object.fromEntries(rules(g.ns).map((r) => [r.priority, r]));
  t.deepEqual(got[200], { priority: 200, src: '10.1.0.0', srclen: 24, dst: '10.9.0.0', dstlen: 16, table: '100' });
  t.deepEqual(got[210], { priority: 210, not: null, src: '10.2.0.0', srclen: 24, table: '7' });
  t.deepEqual(got[220], { priority: 220, src: 'all', tos: '0x10', fwmark: '0x10', fwmask: '0xff', iif: 'eth0', oif: 'lo', table: '1000', protocol: 'static' });
  t.like(got[230], { action: 'unreachable' });
  t.like(got[231], { action: 'blackhole' });
  t.like(got[232], { action: 'prohibit' });
  t.like(got[240], { goto: 300 });
  t.like(got[300], { nop: null });
  t.like(got[310], { table: 'main', suppress_prefixlen: 0 });
  t.deepEqual(rulePrio(g.ns, 400, '-6'), [{ priority: 400, src: '2001:db8::', srclen: 32, table: '100' }]);

  g.rule('del pref 200');
  t.deepEqual(rulePrio(g.ns, 200), []);
  g.rule('del not from 10.2.0.0/24 table 7');
  t.deepEqual(rulePrio(g.ns, 210), [], 'deleted by its selector');
  g.rule('-6 del from 2001:db8::/32');
  t.deepEqual(rulePrio(g.ns, 400, '-6'), []);
  const e = t.throws(() => g.rule('del pref 12345'), { instanceOf: KernelError });
  t.is(e!.code, 'ENOENT');
  t.regex(e!.message, /^ip rule del pref 12345 in netns /);
  t.throws(() => g.rule('add fwmark 7 table 6 priority 100'), { instanceOf: KernelError, message: /EEXIST/ });
});

test('ip rule show prints what ip prints; flush leaves only priority 0, as ip rule flush does', (t) => {
  const g = guest(t, 'rshow');
  g.rule('add from 10.1.0.0/24 table 100 pref 100');
  g.rule('add fwmark 0x1/0xff iif lo table 5 pref 110');
  g.rule('add not to 10.3.0.0/16 prohibit pref 120');
  g.rule('-6 add to 2001:db8:1::/48 table 1000 pref 130');
  for (const [mine, theirs] of [
    ['show', ['rule', 'show']],
    ['-6 show', ['-6', 'rule', 'show']],
    ['show table 5', ['rule', 'show', 'table', '5']],
    ['show pref 100', ['rule', 'show', 'pref', '100']],
  ] as [string, string[]][]) {
    t.deepEqual(textLines(g.rule(mine)), textLines(run('ip', ['-n', g.ns, ...theirs])), mine);
    t.deepEqual(JSON.parse(g.rule(`-j ${mine}`)), ipj(g.ns, ...theirs), `-j ${mine}`);
  }
  g.rule('flush');
  t.deepEqual(rules(g.ns), [{ priority: 0, src: 'all', table: 'local' }]);
  t.true(rules(g.ns, '-6').some((r) => r.priority === 130), 'IPv6 rules untouched by an IPv4 flush');
  g.rule('-6 flush');
  t.deepEqual(rules(g.ns, '-6'), [{ priority: 0, src: 'all', table: 'local' }]);
});

// ---- tc ----

interface Qdisc {
  kind: string;
  handle: string;
  root?: boolean;
  parent?: string;
  options: Json;
}
const qdiscs = (ns: string, dev = 'eth0') => JSON.parse(run('tc', ['-j', '-n', ns, 'qdisc', 'show', 'dev', dev])) as Qdisc[];
const rootQdisc = (ns: string) => qdiscs(ns).find((q) => q.root)!;
const tcText = (ns: string, ...a: string[]) => textLines(run('tc', ['-n', ns, ...a]));

test('tc qdisc tbf add/replace/change/delete (tc -j as oracle)', (t) => {
  const g = wired(t, 'tbf');
  t.is(g.tc('qdisc add dev eth0 root tbf rate 1mbit burst 32kbit latency 400ms'), '');
  t.like(rootQdisc(g.ns), { kind: 'tbf', options: { rate: 125000, burst: 4096, lat: 400000 } });
  const e = t.throws(() => g.tc('qdisc add dev eth0 root tbf rate 2mbit burst 32kbit latency 400ms'), { instanceOf: KernelError });
  t.is(e!.code, 'EEXIST');
  t.regex(e!.message, /^tc qdisc add dev eth0 root tbf .* in netns pwt-\S+: File exists \(EEXIST\): Exclusivity flag on, cannot modify/);

  g.tc('qdisc replace dev eth0 root tbf rate 50gbit burst 200000 latency 1ms');
  const big = rootQdisc(g.ns);
  t.like(big, { kind: 'tbf', options: { rate: 6250000000 } }, 'a rate beyond 32 bits (TCA_TBF_RATE64)');
  // the kernel keeps the bucket as time (499 ticks of 64 ns here); tc prints it back in whole microseconds
  t.true(Math.abs((big.options.burst as number) - 200000) <= 200000 * 0.04, `burst ${big.options.burst}`);
  g.tc('qdisc change dev eth0 root tbf rate 1mbit burst 10kb limit 30000 peakrate 2mbit mtu 1600');
  t.like(rootQdisc(g.ns), { kind: 'tbf', options: { rate: 125000, burst: 10240, minburst: 1600, lat: 158080 } });
  t.regex(tcText(g.ns, 'qdisc', 'show', 'dev', 'eth0')[0], /^qdisc tbf \w+: root refcnt \d+ rate 1Mbit burst 10Kb peakrate 2Mbit minburst 1600b lat 158ms$/);
  g.tc('qdisc del dev eth0 root');
  t.is(rootQdisc(g.ns).kind, 'noqueue', 'back to the veth default');
  g.tc('qdisc add dev eth0 root handle 5: tbf rate 1mbit burst 10k latency 50ms');
  t.is(rootQdisc(g.ns).handle, '5:');
  g.tc('qdisc del dev eth0 root tbf');
  t.is(rootQdisc(g.ns).kind, 'noqueue', 'deleted by kind alone');
});

test('tc htb qdisc and classes, leaf fifos, ingress and clsact (tc as oracle)', (t) => {
  const g = wired(t, 'htb');
  g.tc('qdisc add dev eth0 root handle 1: htb default 10 r2q 100 direct_qlen 50');
  t.like(rootQdisc(g.ns), { kind: 'htb', handle: '1:', options: { r2q: 100, default: '0x10', direct_qlen: 50 } });
  g.tc('class add dev eth0 parent 1: classid 1:1 htb rate 10mbit');
  g.tc('class add dev eth0 parent 1:1 classid 1:10 htb rate 1mbit ceil 2mbit burst 15k prio 1');
  g.tc('class add dev eth0 parent 1:1 classid 1:20 htb rate 50gbit ceil 60gbit quantum 200000');
  g.tc('class add dev eth0 parent 1:1 classid 1:30 htb rate 1mbit burst 10k/64 linklayer atm overhead 10 mpu 100');
  g.tc('qdisc add dev eth0 parent 1:10 handle 20: pfifo limit 5');
  g.tc('qdisc add dev eth0 parent 1:20 handle 30: bfifo limit 10000');
  t.deepEqual(tcText(g.ns, 'class', 'show', 'dev', 'eth0'), [
    'class htb 1:1 root rate 10Mbit ceil 10Mbit burst 1600b cburst 1600b',
    'class htb 1:10 parent 1:1 leaf 20: prio 1 rate 1Mbit ceil 2Mbit burst 15Kb cburst 1600b',
    'class htb 1:20 parent 1:1 leaf 30: prio 0 rate 50Gbit ceil 60Gbit burst 0b cburst 0b',
    'class htb 1:30 parent 1:1 prio 0 rate 1Mbit overhead 10 ceil 1Mbit linklayer atm burst 10Kb cburst 1600b',
  ]);
  const leafs = qdiscs(g.ns).filter((q) => !q.root);
  t.deepEqual(
    leafs.map((q) => [q.kind, q.handle, q.parent, q.options]).sort(),
    [['bfifo', '30:', '1:20', { limit: 10000 }], ['pfifo', '20:', '1:10', { limit: 5 }]],
  );

  g.tc('class change dev eth0 parent 1:1 classid 1:10 htb rate 2mbit ceil 3mbit');
  t.true(
    tcText(g.ns, 'class', 'show', 'dev', 'eth0').some((l) => /^class htb 1:10 parent 1:1 leaf 20: prio 0 rate 2Mbit ceil 3Mbit burst 1600b cburst 1\d{3}b$/.test(l)),
    'changed in place (prio back to 0: change sends every parameter)',
  );
  g.tc('class change dev eth0 classid 1:10 htb rate 4mbit');
  t.true(tcText(g.ns, 'class', 'show', 'dev', 'eth0').some((l) => l.startsWith('class htb 1:10 parent 1:1 leaf 20: prio 0 rate 4Mbit ceil 4Mbit')), 'found by its class id alone');
  g.tc('class replace dev eth0 parent 1:1 classid 1:40 htb rate 500kbit');
  t.true(tcText(g.ns, 'class', 'show', 'dev', 'eth0').some((l) => l.startsWith('class htb 1:40 parent 1:1 prio 0 rate 500Kbit')), 'replace creates');
  g.tc('class del dev eth0 classid 1:40');
  t.false(tcText(g.ns, 'class', 'show', 'dev', 'eth0').some((l) => l.includes('1:40')));
  t.throws(() => g.tc('class add dev eth0 parent 7: classid 7:1 htb rate 1mbit'), { instanceOf: KernelError, message: /ENOENT|EINVAL/ });

  // what the runner prints for the same state, against tc's own text and JSON
  for (const [mine, theirs] of [
    ['class show dev eth0', ['class', 'show', 'dev', 'eth0']],
    ['qdisc show dev eth0', ['qdisc', 'show', 'dev', 'eth0']],
    ['qdisc show', ['qdisc', 'show']],
    ['-s qdisc show dev eth0', ['-s', 'qdisc', 'show', 'dev', 'eth0']],
    ['qdisc show dev eth0 parent 1:10', ['qdisc', 'show', 'dev', 'eth0', 'parent', '1:10']],
  ] as [string, string[]][]) {
    t.deepEqual(textLines(g.tc(mine)), tcText(g.ns, ...theirs), mine);
  }
  t.deepEqual(JSON.parse(g.tc('-j qdisc show')), JSON.parse(run('tc', ['-n', g.ns, '-j', 'qdisc', 'show'])));

  g.tc('qdisc add dev eth0 ingress');
  t.like(qdiscs(g.ns).find((q) => q.kind === 'ingress'), { handle: 'ffff:', parent: 'ffff:fff1' });
  g.tc('qdisc del dev eth0 ingress');
  t.false(qdiscs(g.ns).some((q) => q.kind === 'ingress'));
  g.tc('qdisc add dev eth0 clsact');
  t.like(qdiscs(g.ns).find((q) => q.kind === 'clsact'), { handle: 'ffff:', parent: 'ffff:fff1' });
  t.deepEqual(textLines(g.tc('qdisc show dev eth0 ingress')), tcText(g.ns, 'qdisc', 'show', 'dev', 'eth0', 'ingress'));
  g.tc('qdisc del dev eth0 clsact');
  g.tc('qdisc del dev eth0 root');
  t.deepEqual(qdiscs(g.ns).map((q) => q.kind), ['noqueue']);
  g.tc('qdisc replace dev eth0 root pfifo limit 100');
  t.like(rootQdisc(g.ns), { kind: 'pfifo', options: { limit: 100 } });
  g.tc('qdisc replace dev eth0 root bfifo');
  t.is(rootQdisc(g.ns).kind, 'bfifo');
});

test('tc errors: unknown device, unsupported parts, and netem where the kernel lacks it', (t) => {
  const g = wired(t, 'tcerr');
  t.throws(() => g.tc('qdisc add dev nosuch0 root pfifo'), { instanceOf: InputError, message: /cannot find device "nosuch0"/ });
  t.throws(() => g.tc('filter add dev eth0 parent 1: u32 match ip dst 10.0.0.1 flowid 1:1'), { instanceOf: InputError, message: /"tc filter" is not supported/ });
  t.throws(() => g.tc('qdisc add dev eth0 root fq_codel'), { instanceOf: InputError, message: /"fq_codel" is not supported/ });
  const why = missing(['netem']);
  if (why !== undefined) {
    const e = t.throws(() => g.tc('qdisc add dev eth0 root netem delay 50ms'), { instanceOf: KernelError });
    t.log(`netem: ${why}`);
    t.is(e!.code, 'ENOENT');
    t.regex(e!.message, /Specified qdisc kind is unknown/);
  } else {
    g.tc('qdisc add dev eth0 root netem delay 50ms');
    t.is(rootQdisc(g.ns).kind, 'netem');
  }
  t.deepEqual(qdiscs(g.ns).map((q) => q.kind), [why === undefined ? 'netem' : 'noqueue']);
});

// ---- tbf shaping a real transfer ----

/**
 * Sends `bytes` over TCP from client namespace to a server in the other namespace, both plain node.
 * The server times from the connection to the last byte and reports it; everything is bounded.
 */
async function transfer(serverNs: string, clientNs: string, addr: string, bytes: number): Promise<number> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = `
    const net = require('net');
    const srv = net.createServer((s) => {
      const t0 = process.hrtime.bigint(); let n = 0;
      s.on('data', (d) => { n += d.length; if (n >= ${bytes}) { console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - t0) / 1e6, n })); process.exit(0); } });
    });
    srv.listen(${port}, '${addr}', () => console.log('listening'));
    setTimeout(() => { console.log(JSON.stringify({ error: 'timeout' })); process.exit(1); }, 30000);`;
  const client = `
    const s = require('net').connect(${port}, '${addr}', () => { s.end(Buffer.alloc(${bytes}, 120)); });
    s.on('error', (e) => { console.error(e.message); process.exit(1); });
    setTimeout(() => process.exit(1), 30000);`;
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: '' };
  const srv = spawn('ip', ['netns', 'exec', serverNs, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let out = '';
  const listening = new Promise<void>((resolve, reject) => {
    srv.stdout.on('data', (d) => {
      out += d;
      if (out.includes('listening')) resolve();
    });
    srv.on('exit', () => reject(new Error(`server exited early: ${out}`)));
  });
  const done = new Promise<string>((resolve) => srv.on('exit', () => resolve(out)));
  await listening;
  const cli = spawn('ip', ['netns', 'exec', clientNs, process.execPath, '-e', client], { stdio: 'inherit', env });
  const result = await done;
  cli.kill();
  const line = result.split('\n').find((l) => l.startsWith('{'));
  const r = JSON.parse(line ?? '{}') as { ms?: number; n?: number; error?: string };
  if (r.ms === undefined) throw new Error(`transfer failed: ${result}`);
  return r.ms;
}

test('tbf rate 1mbit shapes a real 300 KB TCP transfer: it takes at least what the rate implies', async (t) => {
  const g = wired(t, 'shape');
  const BYTES = 300 * 1024;
  const baseline = await transfer(g.peer, g.ns, '10.1.0.2', BYTES);
  g.tc('qdisc add dev eth0 root tbf rate 1mbit burst 10kb latency 100ms');
  t.like(rootQdisc(g.ns), { kind: 'tbf', options: { rate: 125000, burst: 10240 } });
  const shaped = await transfer(g.peer, g.ns, '10.1.0.2', BYTES);
  // The bucket lets `burst` through at once; the rest goes at 125000 bytes/s (plus TCP/IP headers,
  // which make the real time a little longer still).
  const floorMs = ((BYTES - 10240) / 125000) * 1000;
  t.log(`300 KB unshaped: ${baseline.toFixed(1)} ms; through tbf 1mbit: ${shaped.toFixed(1)} ms (the rate implies >= ${floorMs.toFixed(0)} ms)`);
  t.true(baseline < floorMs / 5, `unshaped transfer took ${baseline} ms`);
  t.true(shaped >= floorMs, `shaped transfer took ${shaped} ms, less than the ${floorMs} ms the rate allows`);
  t.true(shaped < floorMs * 1.6, `shaped transfer took ${shaped} ms: far slower than 1mbit (${floorMs} ms)`);

  g.tc('qdisc del dev eth0 root');
  const after = await transfer(g.peer, g.ns, '10.1.0.2', BYTES);
  t.true(after < floorMs / 5, `after deleting the qdisc: ${after} ms`);
});

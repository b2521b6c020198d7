// `ip route` grammar: every verb and keyword pipework accepts, and each class of bad input with its message.
import test from 'ava';
import { parseRoute, type RouteCommand, type RouteGetCommand, type RouteListCommand, type RouteModifyCommand } from '../../src/grammar/route.js';
import type { RouteOp } from '../../src/ops/route.js';
import { InputError } from '../../src/util/errors.js';
import { formatIp } from '../../src/util/ip.js';

const words = (s: string) => s.split(' ').filter(Boolean);
const parse = (s: string): RouteCommand => parseRoute(words(s));
function modify(s: string): RouteModifyCommand {
  const c = parse(s);
  if (c.kind !== 'modify') throw new Error(`${s}: ${c.kind}`);
  return c;
}
function list(s: string): RouteListCommand {
  const c = parse(s);
  if (c.kind !== 'show' && c.kind !== 'flush') throw new Error(`${s}: ${c.kind}`);
  return c;
}
function get(s: string): RouteGetCommand {
  const c = parse(s);
  if (c.kind !== 'get') throw new Error(`${s}: ${c.kind}`);
  return c;
}
const dst = (c: RouteModifyCommand) => (c.spec.dst ? `${formatIp(c.spec.dst.bytes)}/${c.spec.dst.prefix}` : 'default');

function fails(t: import('ava').ExecutionContext, s: string, message: RegExp) {
  const e = t.throws(() => parse(s), { instanceOf: InputError }, s);
  t.regex(e!.message, message, s);
}

test('verbs and their iproute2 abbreviations', (t) => {
  const ops: [string, RouteOp][] = [
    ['add', 'add'], ['a', 'add'], ['change', 'change'], ['chg', 'change'], ['replace', 'replace'], ['r', 'replace'],
    ['prepend', 'prepend'], ['append', 'append'], ['app', 'append'], ['delete', 'delete'], ['del', 'delete'], ['d', 'delete'],
  ];
  for (const [w, op] of ops) t.is(modify(`${w} 10.1.0.0/16 dev eth0`).op, op, w);
  for (const w of ['show', 'list', 'lst', 'sh', 'l', 's']) t.is(parse(w).kind, 'show', w);
  t.is(parse('flush table main').kind, 'flush');
  t.is(parse('get 10.1.2.3').kind, 'get');
  t.is(parseRoute([]).kind, 'show', '`ip route` alone lists the main table');
});

test('destination: prefix, host address, default/all/any, `to`, and type prefixes', (t) => {
  t.is(dst(modify('add 10.1.0.0/16 dev eth0')), '10.1.0.0/16');
  t.is(dst(modify('add 10.1.2.3 dev eth0')), '10.1.2.3/32', 'an address alone is a host route');
  t.is(dst(modify('add to 10.1.0.0/16 dev eth0')), '10.1.0.0/16');
  for (const d of ['default', 'all', 'any']) t.is(modify(`add ${d} via 10.0.0.1`).spec.dst, undefined, d);
  t.is(dst(modify('add 2001:db8::/32 dev eth0')), '2001:db8::/32');
  const types: [string, number][] = [
    ['unicast', 1], ['local', 2], ['broadcast', 3], ['anycast', 4], ['multicast', 5], ['blackhole', 6], ['unreachable', 7], ['prohibit', 8], ['throw', 9],
  ];
  for (const [w, n] of types) {
    t.is(modify(`add ${w} 10.9.0.0/16`).spec.type, n, w);
    t.is(modify(`add to ${w} 10.9.0.0/16`).spec.type, n, `to ${w}`);
  }
  t.is(modify('add blackhole default').spec.type, 6);
  t.is(modify('add 10.1.0.0/16 dev eth0').spec.type, undefined, 'unicast unless said otherwise');
});

test('via, dev/oif, src, from, onlink', (t) => {
  const c = modify('replace 10.1.0.0/16 via 10.0.0.1 dev eth0 src 10.0.0.5 onlink');
  t.is(formatIp(c.spec.gateway!), '10.0.0.1');
  t.is(c.dev, 'eth0', 'dev stays a name: it is resolved in the guest');
  t.is(c.spec.oif, undefined);
  t.is(formatIp(c.spec.prefsrc!), '10.0.0.5');
  t.true(c.spec.onlink);
  t.is(modify('add 10.1.0.0/16 oif veth1').dev, 'veth1');
  t.is(formatIp(modify('add 10.1.0.0/16 via inet 10.0.0.1').spec.gateway!), '10.0.0.1');
  t.is(formatIp(modify('add 2001:db8::/32 via inet6 fe80::1 dev eth0').spec.gateway!), 'fe80::1');
  const f = modify('add 2001:db8::/32 from 2001:db8:1::/48 dev eth0');
  t.is(formatIp(f.spec.src!.bytes), '2001:db8:1::');
  t.is(f.spec.src!.prefix, 48);
});

test('metric/preference/priority, table, proto(col), scope, mtu', (t) => {
  for (const w of ['metric', 'preference', 'priority']) t.is(modify(`add 10.1.0.0/16 dev eth0 ${w} 7`).spec.metric, 7, w);
  t.is(modify('add 10.1.0.0/16 dev eth0 metric 0x10').spec.metric, 16, 'hex as strtoul reads it');
  const tables: [string, number][] = [['main', 254], ['local', 255], ['default', 253], ['100', 100], ['1000', 1000], ['4294967295', 0xffffffff]];
  for (const [w, n] of tables) t.is(modify(`add 10.1.0.0/16 dev eth0 table ${w}`).spec.table, n, w);
  const protos: [string, number][] = [['boot', 3], ['static', 4], ['kernel', 2], ['dhcp', 16], ['99', 99], ['bird', 12], ['unspec', 0]];
  for (const w of ['proto', 'protocol']) for (const [p, n] of protos) t.is(modify(`add 10.1.0.0/16 dev eth0 ${w} ${p}`).spec.protocol, n, `${w} ${p}`);
  const scopes: [string, number][] = [['global', 0], ['universe', 0], ['site', 200], ['link', 253], ['host', 254], ['100', 100]];
  for (const [s, n] of scopes) t.is(modify(`add 10.1.0.0/16 dev eth0 scope ${s}`).spec.scope, n, s);
  t.is(modify('add 10.1.0.0/16 dev eth0 mtu 1400').spec.mtu, 1400);
  const none = modify('add 10.1.0.0/16 dev eth0').spec;
  t.deepEqual([none.metric, none.table, none.protocol, none.scope, none.mtu], [undefined, undefined, undefined, undefined, undefined], 'defaults are left to the encoder');
});

test('families: -4/-6 in front, or from the first address', (t) => {
  t.is(modify('add 10.1.0.0/16 dev eth0').spec.family, 4);
  t.is(modify('add 2001:db8::/32 dev eth0').spec.family, 6);
  t.is(modify('-6 add default via fe80::1 dev eth0').spec.family, 6);
  t.is(modify('-6 add default dev eth0').spec.family, 6);
  t.is(modify('add default dev eth0').spec.family, 4, 'IPv4 when nothing says otherwise, as ip');
  t.is(modify('-4 add blackhole default').spec.family, 4);
  t.true(modify('-j add 10.1.0.0/16 dev eth0').json);
  t.deepEqual(list('-6 show').families, [6]);
  t.deepEqual(list('show').families, [4]);
  t.deepEqual(list('show table all').families, [4, 6], '`table all` without a family lists both, as ip');
  t.deepEqual(list('-4 show table all').families, [4]);
});

test('show and flush selectors', (t) => {
  t.is(list('show').selector.table, 254, 'main by default');
  t.is(list('show table all').selector.table, 'all');
  t.is(list('show table 100').selector.table, 100);
  const s = list('show dev eth0 proto kernel scope link type unicast metric 5 via 10.0.0.1 src 10.0.0.5').selector;
  t.like(s, { dev: 'eth0', protocol: 2, scope: 253, type: 1, metric: 5 });
  t.is(formatIp(s.via!.bytes), '10.0.0.1');
  t.is(formatIp(s.src!.bytes), '10.0.0.5');
  t.like(list('show 10.1.0.0/16').selector.to, { mode: 'exact', cidr: { prefix: 16 } });
  t.like(list('show to 10.1.0.0/16').selector.to, { mode: 'exact' });
  t.like(list('show root 10.0.0.0/8').selector.to, { mode: 'root', cidr: { prefix: 8 } });
  t.like(list('show match 10.1.2.3').selector.to, { mode: 'match', cidr: { prefix: 32 } });
  t.like(list('show to exact 10.1.0.0/16').selector.to, { mode: 'exact' });
  t.like(list('show default').selector.to, { mode: 'exact', cidr: { prefix: 0, family: 4 } });
  t.like(list('show from root 2001:db8::/32').selector.from, { mode: 'root', cidr: { prefix: 32, family: 6 } });
  t.is(list('flush dev eth0').kind, 'flush');
  t.is(list('flush table main').selector.table, 254);
  t.deepEqual(list('flush cache').families, [], 'flush cache: nothing to flush, nothing done');
});

test('get: destination, from, iif, oif/dev, mark', (t) => {
  const g = get('get 10.1.2.3 from 10.0.0.5 iif eth1 oif eth0 mark 0x10');
  t.is(formatIp(g.to.bytes), '10.1.2.3');
  t.is(formatIp(g.from!.bytes), '10.0.0.5');
  t.like(g, { family: 4, iif: 'eth1', dev: 'eth0', mark: 16 });
  t.is(get('get to 2001:db8::1').family, 6);
  t.is(formatIp(get('get 10.1.2.3/32').to.bytes), '10.1.2.3', 'a full-length prefix is an address');
  t.is(get('get 10.1.2.3 dev eth0').dev, 'eth0');
});

test('errors name the word and the fix: unknown and unsupported keywords', (t) => {
  fails(t, 'add 10.1.0.0/16 dev eth0 bogus', /unknown keyword "bogus"; supported: .*via ADDR.*dev NAME/);
  for (const w of ['nexthop', 'encap', 'realm', 'tos', 'advmss', 'initcwnd', 'pref', 'expires', 'vrf', 'weight']) {
    fails(t, `add 10.1.0.0/16 dev eth0 ${w} 1`, new RegExp(`"${w}" is not supported by pipework's native ip route; supported:`));
  }
  fails(t, 'add 10.1.0.0/16 dev eth0 mtu lock 1400', /"mtu lock" is not supported.*use mtu N without lock/);
  fails(t, 'show cached', /selector "cached" is not supported/);
  fails(t, 'show wobble', /unknown selector "wobble"/);
  fails(t, 'get 10.1.2.3 fibmatch', /"fibmatch" is not supported/);
  fails(t, 'get 10.1.2.3 sideways', /get: unknown keyword "sideways"/);
  fails(t, 'frobnicate', /unknown command "frobnicate"; use add, delete/);
  fails(t, 'save', /"save" is not supported by pipework's native ip route/);
  fails(t, 'monitor', /"monitor" is not supported/);
  fails(t, '-s show', /option "-s" is not supported; supported options in front: -4, -6, -j/);
});

test('errors: missing and bad values', (t) => {
  fails(t, 'add 10.1.0.0/16 via', /"via" needs a value; write via ADDRESS/);
  fails(t, 'add 10.1.0.0/16 dev', /"dev" needs a value/);
  fails(t, 'add 10.1.0.0/16 dev eth0 metric', /"metric" needs a value/);
  fails(t, 'add 10.1.0.0/16 via 10.0.0.300', /gateway "10.0.0.300" is not an IPv4 or IPv6 address/);
  fails(t, 'add 10.1.0.0/16 dev eth0 metric fast', /metric "fast" is not a number/);
  fails(t, 'add 10.1.0.0/16 dev eth0 metric 4294967296', /metric "4294967296" is out of range/);
  fails(t, 'add 10.1.0.0/16 dev eth0 table mytable', /unknown table "mytable"; use main, local, default or a table number/);
  fails(t, 'add 10.1.0.0/16 dev eth0 proto martian', /unknown protocol "martian"/);
  fails(t, 'add 10.1.0.0/16 dev eth0 proto 256', /protocol "256" is out of range/);
  fails(t, 'add 10.1.0.0/16 dev eth0 scope galaxy', /unknown scope "galaxy"; use global, site, link, host/);
  fails(t, 'add 10.1.0.5/16 dev eth0', /destination 10.1.0.5\/16 has host bits set; did you mean 10.1.0.0\/16\?/);
  fails(t, 'add 10.1.0.0/33 dev eth0', /prefix length "33" is not a number from 0 to 32/);
  fails(t, 'add 10.1.0.0/16 10.2.0.0/16 dev eth0', /two destinations/);
  fails(t, 'add dev eth0', /no destination; give a prefix \(e.g. 10.1.0.0\/16\) or default/);
  fails(t, 'add 10.1.0.0/16 dev eth0 metric 1 metric 2', /"metric" is given twice/);
  fails(t, 'add blackhole unreachable 10.1.0.0/16', /destination "unreachable" is not a prefix/);
  fails(t, 'flush', /flush needs a selector; e.g. ip route flush table main/);
  fails(t, 'get', /get: no destination address/);
  fails(t, 'show type sideways', /unknown route type "sideways"/);
});

test('errors: families that do not agree', (t) => {
  fails(t, 'add 10.1.0.0/16 via fe80::1', /fe80::1 is an IPv6 address but the command is IPv4 \(from an earlier IPv4 address\)/);
  fails(t, '-6 add 10.1.0.0/16 dev eth0', /10.1.0.0\/16 is an IPv4 address but the command is IPv6 \(from -6\)/);
  fails(t, '-4 add 10.1.0.0/16 via inet6 fe80::1', /gateway of another family .* is not supported/);
  fails(t, 'add 10.1.0.0/16 via inet6 10.0.0.1', /the address is IPv4/);
  fails(t, 'show default table all', /"default" needs a family with table all; add -4 or -6/);
});

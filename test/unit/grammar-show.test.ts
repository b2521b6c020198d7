// Decoding and printing of routes and rules: the kernel's own dump messages (grammar-show.fixture.ts)
// must print as the real ip printed them for the same state, as text and as JSON.
import test from 'ava';
import { parseRoute } from '../../src/grammar/route.js';
import type { NetlinkMessage } from '../../src/netlink/message.js';
import { decodeShownRoute, routeJson, routeMatches, routeText, ruleJson, ruleText } from '../../src/passthrough/show.js';
import { decodeRule } from '../../src/ops/rule.js';
import { IP_SHOW } from './grammar-show.fixture.js';

const msg = (b64: string): NetlinkMessage => ({ type: 0, flags: 0, seq: 0, port: 0, payload: new Uint8Array(Buffer.from(b64, 'base64')) });
const names = new Map(Object.entries(IP_SHOW.links).map(([i, n]) => [Number(i), n]));
const lines = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
const routes4 = IP_SHOW.routes4.map((b) => decodeShownRoute(msg(b))!);
const routes6 = IP_SHOW.routes6.map((b) => decodeShownRoute(msg(b))!);
const rules4 = IP_SHOW.rules4.map((b) => decodeRule(msg(b))!);
const rules6 = IP_SHOW.rules6.map((b) => decodeRule(msg(b))!);

test('route show table all: text as ip prints it (both families, every route type, metrics, flags, pref)', (t) => {
  t.deepEqual([...routes4, ...routes6].map((r) => routeText(r, names)), lines(IP_SHOW.ip.route4All));
});

test('route show table all: JSON as ip -j prints it', (t) => {
  t.deepEqual(routes4.map((r) => routeJson(r, names)), JSON.parse(IP_SHOW.ip.route4AllJson));
  t.deepEqual(routes6.map((r) => routeJson(r, names)), JSON.parse(IP_SHOW.ip.route6AllJson));
});

test('route show -6 table all: text as ip -6 prints it', (t) => {
  t.deepEqual(routes6.map((r) => routeText(r, names)), lines(IP_SHOW.ip.route6All));
});

test('route selectors pick what ip would (the main table by default; root/match/exact)', (t) => {
  const pick = (argv: string[]) => {
    const cmd = parseRoute(argv);
    if (cmd.kind !== 'show') throw new Error('show expected');
    return routes4.filter((r) => routeMatches(r, cmd.selector)).map((r) => routeText(r, names));
  };
  const main = pick(['show']);
  t.true(main.length > 3);
  t.false(main.some((l) => / table /.test(l)), 'only the main table');
  t.deepEqual(pick(['show', 'root', '10.4.0.0/16']), main.filter((l) => /10\.4\./.test(l)));
  // every route whose prefix covers 10.4.1.5, longest or not, in the kernel's order
  t.deepEqual(pick(['show', 'match', '10.4.1.5']), ['blackhole 10.4.0.0/16', 'unreachable 10.4.1.0/24 metric 7']);
  t.deepEqual(pick(['show', '10.4.0.0/16']), ['blackhole 10.4.0.0/16']);
  t.deepEqual(pick(['show', 'type', 'blackhole']), ['blackhole 10.4.0.0/16']);
  t.true(pick(['show', 'table', 'local']).every((l) => /^(local|broadcast) /.test(l)));
});

test('rule show: text and JSON as ip prints them (not, fwmark/mask, iif/oif, detached, goto, nop, actions, tos, proto)', (t) => {
  t.deepEqual(rules4.map(ruleText), lines(IP_SHOW.ip.rule4));
  t.deepEqual(rules4.map(ruleJson), JSON.parse(IP_SHOW.ip.rule4Json));
  t.deepEqual(rules6.map(ruleText), lines(IP_SHOW.ip.rule6));
  t.deepEqual(rules6.map(ruleJson), JSON.parse(IP_SHOW.ip.rule6Json));
});

// `ip rule` grammar and the rule encoder's defaults: every keyword, and each class of bad input.
import test from 'ava';
import { parseRule, type RuleListCommand, type RuleModifyCommand } from '../../src/grammar/rule.js';
import {
  FIB_RULE_HDR_LEN, FIB_RULE_INVERT, FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL, FR_ACT_UNREACHABLE,
  FRA_FWMARK, FRA_FWMASK, FRA_GOTO, FRA_IIFNAME, FRA_OIFNAME, FRA_PRIORITY, FRA_PROTOCOL, FRA_SRC, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE,
  ruleRequest,
} from '../../src/ops/rule.js';
import { parseAttrs } from '../../src/netlink/attributes.js';
import { RTM_DELRULE, RTM_NEWRULE, NLM_F_CREATE, NLM_F_EXCL } from '../../src/netlink/constants.js';
import { InputError } from '../../src/util/errors.js';
import { formatIp } from '../../src/util/ip.js';

const words = (s: string) => s.split(' ').filter(Boolean);
function modify(s: string): RuleModifyCommand {
  const c = parseRule(words(s));
  if (c.kind !== 'modify') throw new Error(`${s}: ${c.kind}`);
  return c;
}
function list(s: string): RuleListCommand {
  const c = parseRule(words(s));
  if (c.kind === 'modify') throw new Error(`${s}: modify`);
  return c;
}
function fails(t: import('ava').ExecutionContext, s: string, message: RegExp) {
  const e = t.throws(() => parseRule(words(s)), { instanceOf: InputError }, s);
  t.regex(e!.message, message, s);
}

test('verbs and abbreviations', (t) => {
  for (const w of ['add', 'a']) t.is(modify(`${w} from 10.0.0.0/24 table 5`).op, 'add', w);
  for (const w of ['delete', 'del', 'd']) t.is(modify(`${w} priority 100`).op, 'delete', w);
  for (const w of ['show', 'list', 'lst', 's', 'l']) t.is(list(w).kind, 'show', w);
  t.is(list('flush').kind, 'flush');
  t.is(parseRule([]).kind, 'show');
});

test('selectors: from/to (prefix, host, all), not, iif/dev, oif, fwmark[/mask], tos', (t) => {
  const c = modify('add not from 10.0.0.0/24 to 10.9.0.5 iif eth0 oif eth1 fwmark 0x10/0xff tos 0x10 table 5').spec;
  t.is(formatIp(c.src!.bytes), '10.0.0.0');
  t.is(c.src!.prefix, 24);
  t.is(c.dst!.prefix, 32, 'an address is a host prefix');
  t.like(c, { invert: true, iif: 'eth0', oif: 'eth1', fwmark: 0x10, fwmask: 0xff, tos: 0x10, table: 5, family: 4 });
  t.is(modify('add from all table 5').spec.src, undefined, 'from all is no selector');
  t.is(modify('add to all table 5').spec.dst, undefined);
  t.is(modify('add dev eth0 table 5').spec.iif, 'eth0');
  t.is(modify('add iifname eth0 oifname eth1 table 5').spec.oif, 'eth1');
  t.is(modify('add fwmark 7 table 6').spec.fwmask, undefined, 'no mask unless given');
  t.is(modify('add from 2001:db8::/32 table 100').spec.family, 6);
  t.is(modify('-6 add table 100').spec.family, 6);
  t.is(modify('add table 100').spec.family, 4);
});

test('table/lookup, priority/preference/pref/order, protocol, suppress_prefixlength', (t) => {
  for (const w of ['table', 'lookup']) t.is(modify(`add ${w} main`).spec.table, 254, w);
  t.is(modify('add lookup local').spec.table, 255);
  t.is(modify('add lookup default').spec.table, 253);
  t.is(modify('add lookup 1000').spec.table, 1000);
  for (const w of ['priority', 'preference', 'pref', 'order']) t.is(modify(`add ${w} 300 table 5`).spec.priority, 300, w);
  t.is(modify('add table 5 protocol static').spec.protocol, 4);
  t.is(modify('add table 5 proto 99').spec.protocol, 99);
  t.is(modify('add table main suppress_prefixlength 0').spec.suppressPrefixlen, 0);
});

test('actions: blackhole, unreachable, prohibit, nop, goto, type ...', (t) => {
  const actions: [string, number][] = [
    ['blackhole', FR_ACT_BLACKHOLE], ['unreachable', FR_ACT_UNREACHABLE], ['prohibit', FR_ACT_PROHIBIT], ['nop', FR_ACT_NOP], ['unicast', FR_ACT_TO_TBL],
  ];
  for (const [w, a] of actions) {
    t.is(modify(`add ${w} pref 400`).spec.action, a, w);
    t.is(modify(`add type ${w} pref 400`).spec.action, a, `type ${w}`);
  }
  const g = modify('add goto 200 pref 150').spec;
  t.is(g.action, FR_ACT_GOTO);
  t.is(g.goto, 200);
  t.is(modify('add type goto 300').spec.goto, 300);
  t.is(modify('add table 5').spec.action, undefined, 'a lookup unless said otherwise (the encoder makes it FR_ACT_TO_TBL)');
});

test('show/flush filters and families', (t) => {
  const l = list('show from 10.0.0.0/24 table 7 pref 100 iif eth0 fwmark 0x10 not');
  t.deepEqual(l.families, [4]);
  t.like(l.filter, { table: 7, priority: 100, iif: 'eth0', fwmark: 16, invert: true });
  t.deepEqual(list('-6 show').families, [6]);
  t.deepEqual(list('show from 2001:db8::/32').families, [6]);
  t.true(list('-j show').json);
});

test('encoding defaults: add looks up main unless told, delete matches any action, tables above 255 in FRA_TABLE', (t) => {
  const add = ruleRequest('add', modify('add from 10.0.0.0/24').spec, 'x');
  t.is(add.type, RTM_NEWRULE);
  t.is(add.flags, NLM_F_CREATE | NLM_F_EXCL);
  const h = add.message.subarray(16);
  t.deepEqual([...h.subarray(0, 8)], [2, 0, 24, 0, 254, 0, 0, FR_ACT_TO_TBL]);
  t.is(parseAttrs(h, FIB_RULE_HDR_LEN).raw(FRA_SRC)!.length, 4);

  const del = ruleRequest('delete', modify('del pref 100').spec, 'x');
  t.is(del.type, RTM_DELRULE);
  const dh = del.message.subarray(16);
  t.is(dh[4], 0, 'no table: any');
  t.is(dh[7], 0, 'FR_ACT_UNSPEC: any action');
  t.is(parseAttrs(dh, FIB_RULE_HDR_LEN).u32(FRA_PRIORITY), 100);

  const big = ruleRequest('add', modify('add lookup 1000').spec, 'x').message.subarray(16);
  t.is(big[4], 0);
  t.is(parseAttrs(big, FIB_RULE_HDR_LEN).u32(FRA_TABLE), 1000);

  const all = ruleRequest('add', modify('add not iif eth0 oif eth1 fwmark 1/3 goto 5 proto static suppress_prefixlength 8').spec, 'x').message.subarray(16);
  const a = parseAttrs(all, FIB_RULE_HDR_LEN);
  t.is(all[7], FR_ACT_GOTO);
  t.is(new DataView(all.buffer, all.byteOffset).getUint32(8, true), FIB_RULE_INVERT);
  t.is(all[4], 0, 'a goto rule looks up no table');
  t.like(
    { iif: a.str(FRA_IIFNAME), oif: a.str(FRA_OIFNAME), mark: a.u32(FRA_FWMARK), mask: a.u32(FRA_FWMASK), goto: a.u32(FRA_GOTO), proto: a.u8(FRA_PROTOCOL), spl: a.u32(FRA_SUPPRESS_PREFIXLEN) },
    { iif: 'eth0', oif: 'eth1', mark: 1, mask: 3, goto: 5, proto: 4, spl: 8 },
  );
});

test('errors name the word and the fix', (t) => {
  fails(t, 'add from 10.0.0.0/24 sideways', /unknown keyword "sideways"; supported: \[not\] from PREFIX/);
  for (const w of ['realms', 'uidrange', 'ipproto', 'sport', 'dport', 'nat', 'l3mdev', 'suppress_ifgroup']) {
    fails(t, `add ${w} 1 table 5`, new RegExp(`"${w}" is not supported by pipework's native ip rule`));
  }
  fails(t, 'add from', /"from" needs a value; write from PREFIX\|all/);
  fails(t, 'add from 10.0.0.1/24 table 5', /source 10.0.0.1\/24 has host bits set; did you mean 10.0.0.0\/24\?/);
  fails(t, 'add from 10.0.0.0/24 to 2001:db8::/32', /2001:db8::\/32 is an IPv6 address but the rule is IPv4/);
  fails(t, '-6 add from 10.0.0.0/24', /is an IPv4 address but the rule is IPv6 \(-6\)/);
  fails(t, 'add fwmark 1/2/3', /fwmark "1\/2\/3" is not MARK or MARK\/MASK/);
  fails(t, 'add fwmark red', /fwmark "red" is not a number/);
  fails(t, 'add tos 256', /tos "256" is out of range/);
  fails(t, 'add pref 1 pref 2', /"priority" is given twice/);
  fails(t, 'add blackhole unreachable', /two actions \("unreachable" after another\)/);
  fails(t, 'add blackhole table 5', /a table with a rule that does not look one up/);
  fails(t, 'add type sideways', /unknown rule type "sideways"/);
  fails(t, 'add iif this-name-is-far-too-long', /is not an interface name/);
  fails(t, 'add table mine', /unknown table "mine"/);
  fails(t, 'save', /"save" is not supported/);
  fails(t, 'bounce', /unknown command "bounce"/);
  fails(t, '-s show', /option "-s" is not supported/);
});

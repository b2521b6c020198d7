// `ip rule` argv (what follows `ip rule`) -> a typed command: add/delete with iproute2's selectors and
// actions, show/flush with the same words as filters. Interface names (iif/oif) stay names: rules
// carry names, not indexes, so nothing needs resolving.
import {
  FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, type RuleOp, type RuleSpec,
} from '../ops/rule.js';
import { InputError } from '../util/errors.js';
import type { Cidr, Family } from '../util/ip.js';
import { isAnyPrefix, leadingOptions, matchVerb, onceEach, parseNetworkPrefix, parseUint, Tokens } from './common.js';
import { parseProtocol, parseTable } from './names.js';

const TOOL = 'ip rule';

export interface RuleModifyCommand {
  kind: 'modify';
  op: RuleOp;
  spec: RuleSpec;
  json: boolean;
}

/** show/flush: the rules whose fields equal every one given here. */
export interface RuleListCommand {
  kind: 'show' | 'flush';
  /** [4] unless -6 was given */
  families: Family[];
  filter: Partial<Omit<RuleSpec, 'family'>>;
  json: boolean;
}

export type RuleCommand = RuleModifyCommand | RuleListCommand;

type Verb = 'add' | 'delete' | 'show' | 'flush';
const VERBS: readonly (readonly [string, Verb])[] = [
  ['add', 'add'],
  ['delete', 'delete'],
  ['flush', 'flush'],
  ['list', 'show'],
  ['show', 'show'],
  ['lst', 'show'],
];

const UNSUPPORTED = new Set([
  'realms', 'realm', 'suppress_ifgroup', 'sup_group', 'l3mdev', 'uidrange', 'ipproto', 'sport', 'dport', 'nat',
  'map-to', 'tun_id', 'flowlabel', 'dscp',
]);

const HELP =
  'supported: [not] from PREFIX|all, to PREFIX|all, iif NAME, oif NAME, fwmark N[/MASK], tos N, table|lookup ID, priority|pref|order N, protocol P, suppress_prefixlength N, and the actions goto N, nop, blackhole, unreachable, prohibit';

const ACTIONS: Record<string, number> = {
  unicast: FR_ACT_TO_TBL,
  blackhole: FR_ACT_BLACKHOLE,
  unreachable: FR_ACT_UNREACHABLE,
  prohibit: FR_ACT_PROHIBIT,
  nop: FR_ACT_NOP,
};

export function parseRule(argv: readonly string[]): RuleCommand {
  const tok = new Tokens(argv, TOOL);
  const { family, json } = leadingOptions(tok);
  const word = tok.next();
  if (word === undefined) return { kind: 'show', families: [family ?? 4], filter: {}, json };
  const verb = matchVerb(word, VERBS);
  if (!verb) {
    if (word === 'save' || word === 'restore') throw new InputError(`${TOOL}: "${word}" is not supported by pipework's native ip rule`, 'supported: add, delete, show, flush');
    throw new InputError(`${TOOL}: unknown command "${word}"`, 'use add, delete, show or flush');
  }

  let fam = family;
  const explicit = family !== undefined;
  // "from all" (or any, default) is no selector at all
  const prefix = (text: string, what: string): Cidr | undefined => {
    if (isAnyPrefix(text)) return undefined;
    return parseNetworkPrefix(text, TOOL, what, 'write an address with an optional /length, e.g. 10.0.0.0/24, or all', (ip) => {
      if (fam === undefined) fam = ip.family;
      else if (fam !== ip.family) {
        throw new InputError(`${TOOL}: ${text} is an IPv${ip.family} address but the rule is IPv${fam}${explicit ? ` (-${fam})` : ''}`, 'use addresses of one family in one rule');
      }
    });
  };

  const spec: Partial<RuleSpec> = {};
  const once = onceEach(TOOL);
  const setAction = (a: number, word: string) => {
    if (spec.action !== undefined) throw new InputError(`${TOOL}: two actions ("${word}" after another)`, 'a rule has one action: a table lookup, goto, nop, blackhole, unreachable or prohibit');
    spec.action = a;
  };
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'not':
        spec.invert = true;
        break;
      case 'from':
        once('from');
        spec.src = prefix(tok.value('from', 'PREFIX|all'), 'source');
        break;
      case 'to':
        once('to');
        spec.dst = prefix(tok.value('to', 'PREFIX|all'), 'destination');
        break;
      case 'iif':
      case 'dev':
      case 'iifname':
        once('iif');
        spec.iif = ifname(tok.value(w, 'NAME'));
        break;
      case 'oif':
      case 'oifname':
        once('oif');
        spec.oif = ifname(tok.value(w, 'NAME'));
        break;
      case 'fwmark': {
        once('fwmark');
        const v = tok.value('fwmark', 'MARK[/MASK]');
        const [mark, mask, extra] = v.split('/');
        if (extra !== undefined) throw new InputError(`${TOOL}: fwmark "${v}" is not MARK or MARK/MASK`);
        spec.fwmark = parseUint(mark, TOOL, 'fwmark');
        if (mask !== undefined) spec.fwmask = parseUint(mask, TOOL, 'fwmark mask');
        break;
      }
      case 'tos':
      case 'dsfield':
        once('tos');
        spec.tos = parseUint(tok.value(w, 'TOS'), TOOL, w, 255);
        break;
      case 'table':
      case 'lookup':
        once('table');
        spec.table = parseTable(tok.value(w, 'ID'), TOOL);
        break;
      case 'priority':
      case 'preference':
      case 'pref':
      case 'order':
        once('priority');
        spec.priority = parseUint(tok.value(w, 'NUMBER'), TOOL, w);
        break;
      case 'protocol':
      case 'proto':
        once('protocol');
        spec.protocol = parseProtocol(tok.value(w, 'PROTO'), TOOL);
        break;
      case 'suppress_prefixlength':
      case 'sup_pl':
        once('suppress_prefixlength');
        spec.suppressPrefixlen = parseUint(tok.value(w, 'NUMBER'), TOOL, w, 128);
        break;
      case 'goto':
        setAction(FR_ACT_GOTO, w);
        spec.goto = parseUint(tok.value('goto', 'PRIORITY'), TOOL, 'goto');
        break;
      case 'type': {
        const v = tok.value('type', 'unicast|blackhole|unreachable|prohibit|nop');
        if (v === 'goto') {
          setAction(FR_ACT_GOTO, v);
          spec.goto = parseUint(tok.value('goto', 'PRIORITY'), TOOL, 'goto');
        } else if (Object.prototype.hasOwnProperty.call(ACTIONS, v)) setAction(ACTIONS[v], v);
        else throw new InputError(`${TOOL}: unknown rule type "${v}"`, 'use unicast, blackhole, unreachable, prohibit, nop or goto N');
        break;
      }
      default:
        if (Object.prototype.hasOwnProperty.call(ACTIONS, w)) {
          setAction(ACTIONS[w], w);
          break;
        }
        if (UNSUPPORTED.has(w)) throw new InputError(`${TOOL}: "${w}" is not supported by pipework's native ip rule`, HELP);
        throw new InputError(`${TOOL}: unknown keyword "${w}"`, HELP);
    }
  }
  if (spec.table !== undefined && spec.action !== undefined && spec.action !== FR_ACT_TO_TBL) {
    throw new InputError(`${TOOL}: a table with a rule that does not look one up`, 'drop "table", or the goto/nop/blackhole/unreachable/prohibit action');
  }
  if (verb === 'show' || verb === 'flush') return { kind: verb, families: [fam ?? 4], filter: spec, json };
  return { kind: 'modify', op: verb, spec: { ...spec, family: fam ?? 4 }, json };
}

function ifname(name: string): string {
  if (name.length === 0 || name.length > 15 || /[\s/]/.test(name)) {
    throw new InputError(`${TOOL}: "${name}" is not an interface name`, 'names are 1-15 characters without spaces or slashes');
  }
  return name;
}

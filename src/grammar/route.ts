// `ip route` argv (what follows `ip route`, as `pipework route <guest> ...` passes it) -> a typed command.
// The grammar is iproute2's, for the part of it pipework users need: add/delete/replace/append/change/
// prepend with to/via/dev/src/from/metric/table/proto/scope/onlink/mtu and the route type prefixes;
// show/flush with their selectors; get. Anything else is an InputError that names the word and says
// what is supported. `dev NAME` stays a name here: it is resolved in the guest's namespace later.
import type { RouteOp, RouteSpec } from '../ops/route.js';
import { InputError } from '../util/errors.js';
import { type Cidr, type Family, type IpAddress, parseIp } from '../util/ip.js';
import { leadingOptions, matchVerb, onceEach, parseUint, Tokens } from './common.js';
import { parseProtocol, parseScope, parseTable } from './names.js';
import { getCommand } from './route-get.js';
import {
  defaultCidr, FamilyTracker, isPrefixMatch, isPrefixWord, parseAddress, parsePrefix, parseRouteType, TOOL,
} from './route-words.js';

export interface RouteModifyCommand {
  kind: 'modify';
  op: RouteOp;
  /** everything but oif, which comes from `dev` once resolved in the guest */
  spec: RouteSpec;
  dev?: string;
  json: boolean;
}

export type PrefixMatch = 'exact' | 'root' | 'match';

export interface RouteSelector {
  /** main unless given; 'all' for every table */
  table: number | 'all';
  dev?: string;
  protocol?: number;
  scope?: number;
  type?: number;
  metric?: number;
  /** destination selector: exact prefix (default), root (this prefix or longer), match (covering) */
  to?: { mode: PrefixMatch; cidr: Cidr };
  /** source-prefix selector (RTA_SRC) */
  from?: { mode: PrefixMatch; cidr: Cidr };
  via?: IpAddress;
  /** preferred source address (RTA_PREFSRC) */
  src?: IpAddress;
}

export interface RouteListCommand {
  kind: 'show' | 'flush';
  /** the families to list: [4] unless -6 was given or `table all` without a family; none for `flush cache` */
  families: Family[];
  selector: RouteSelector;
  json: boolean;
}

export interface RouteGetCommand {
  kind: 'get';
  family: Family;
  to: IpAddress;
  from?: IpAddress;
  iif?: string;
  dev?: string;
  mark?: number;
  json: boolean;
}

export type RouteCommand = RouteModifyCommand | RouteListCommand | RouteGetCommand;

type Verb = RouteOp | 'show' | 'flush' | 'get';

// iproute2's order: a prefix ("a", "del", "sh") means the first verb here that starts with it.
const VERBS: readonly (readonly [string, Verb])[] = [
  ['add', 'add'],
  ['change', 'change'],
  ['chg', 'change'],
  ['replace', 'replace'],
  ['prepend', 'prepend'],
  ['append', 'append'],
  ['delete', 'delete'],
  ['list', 'show'],
  ['show', 'show'],
  ['lst', 'show'],
  ['get', 'get'],
  ['flush', 'flush'],
];

const OTHER_VERBS = ['test', 'save', 'restore', 'showdump', 'monitor'];

/** iproute2 route keywords this grammar knows and refuses, so that the message says "not supported". */
const UNSUPPORTED_MODIFY = new Set([
  'nexthop', 'nhid', 'encap', 'realm', 'realms', 'tos', 'dsfield', 'advmss', 'rtt', 'rttvar', 'reordering',
  'window', 'cwnd', 'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'expires', 'ssthresh',
  'hoplimit', 'fastopen_no_cookie', 'ttl-propagate', 'as', 'mpath', 'equalize', 'weight', 'rto_min', 'vrf',
  'mark', 'iif', 'ipproto', 'sport', 'dport', 'uid', 'fibmatch', 'connected', 'nh',
]);

const MODIFY_HELP =
  'supported: [to] [TYPE] PREFIX|default, via ADDR, dev NAME, src ADDR, from PREFIX, metric N, table ID, proto P, scope S, onlink, mtu N; TYPE is one of unicast, local, blackhole, unreachable, prohibit, throw, broadcast, anycast, multicast';
const SELECT_HELP =
  'supported selectors: [to] [root|match|exact] PREFIX, table ID|all, dev NAME, proto P, scope S, type TYPE, metric N, via ADDR, src ADDR, from PREFIX';

export function parseRoute(argv: readonly string[]): RouteCommand {
  const tok = new Tokens(argv, TOOL);
  const { family, json } = leadingOptions(tok, { familyWord: true, dashedNumbersAreWords: true });
  const word = tok.next();
  // `ip route` alone lists the main table.
  if (word === undefined) return listCommand('show', new Tokens([], TOOL), family, json);
  const verb = matchVerb(word, VERBS);
  if (!verb) {
    if (OTHER_VERBS.includes(word)) throw new InputError(`${TOOL}: "${word}" is not supported by pipework's native ip route`, 'supported: add, delete, replace, append, prepend, change, show, flush, get');
    throw new InputError(`${TOOL}: unknown command "${word}"`, 'use add, delete, replace, append, prepend, change, show, flush or get');
  }
  if (verb === 'show' || verb === 'flush') return listCommand(verb, tok, family, json);
  if (verb === 'get') return getCommand(tok, family, json);
  return modifyCommand(verb, tok, family, json);
}

function modifyCommand(op: RouteOp, tok: Tokens, family: Family | undefined, json: boolean): RouteModifyCommand {
  const fam = new FamilyTracker(family);
  let dst: Cidr | 'default' | undefined;
  let type: number | undefined;
  let gateway: IpAddress | undefined;
  let prefsrc: IpAddress | undefined;
  let src: Cidr | 'default' | undefined;
  let dev: string | undefined;
  const spec: Partial<RouteSpec> = {};
  const single = onceEach(TOOL);
  const setDst = (text: string) => {
    if (dst !== undefined) throw new InputError(`${TOOL}: two destinations ("${text}" after an earlier one)`, 'a route has one destination prefix');
    dst = parsePrefix(text, 'destination', fam);
  };

  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'to': {
        let v = tok.value('to', '[TYPE] PREFIX');
        const t = parseRouteType(v);
        if (t !== undefined) {
          if (type !== undefined) throw new InputError(`${TOOL}: two route types`, 'give one of unicast, local, blackhole, unreachable, prohibit, throw');
          type = t;
          v = tok.value(`to ${v}`, 'PREFIX');
        }
        setDst(v);
        break;
      }
      case 'via': {
        single('via');
        let v = tok.value('via', 'ADDRESS');
        if (v === 'inet' || v === 'inet6') {
          const viaFamily = v === 'inet' ? 4 : 6;
          v = tok.value(`via ${v}`, 'ADDRESS');
          const ip = parseIp(v);
          if (ip && ip.family !== viaFamily) throw new InputError(`${TOOL}: via ${viaFamily === 4 ? 'inet' : 'inet6'} ${v}: the address is IPv${ip.family}`);
          if (ip && fam.family !== undefined && ip.family !== fam.family) {
            throw new InputError(`${TOOL}: a gateway of another family (via ${viaFamily === 4 ? 'inet' : 'inet6'} ${v} for an IPv${fam.family} route) is not supported by pipework's native ip route`, 'use a gateway of the route\'s own family');
          }
        }
        gateway = parseAddress(v, 'gateway', fam);
        break;
      }
      case 'dev':
      case 'oif':
        single('dev');
        dev = tok.value(w, 'NAME');
        break;
      case 'src':
        single('src');
        prefsrc = parseAddress(tok.value('src', 'ADDRESS'), 'source address', fam);
        break;
      case 'from':
        single('from');
        src = parsePrefix(tok.value('from', 'PREFIX'), 'source prefix', fam);
        break;
      case 'metric':
      case 'preference':
      case 'priority':
        single('metric');
        spec.metric = parseUint(tok.value(w, 'NUMBER'), TOOL, w);
        break;
      case 'table':
        single('table');
        spec.table = parseTable(tok.value('table', 'ID'), TOOL);
        break;
      case 'proto':
      case 'protocol':
        single('proto');
        spec.protocol = parseProtocol(tok.value(w, 'PROTO'), TOOL);
        break;
      case 'scope':
        single('scope');
        spec.scope = parseScope(tok.value('scope', 'SCOPE'), TOOL);
        break;
      case 'onlink':
        spec.onlink = true;
        break;
      case 'mtu': {
        single('mtu');
        const v = tok.value('mtu', 'NUMBER');
        if (v === 'lock') throw new InputError(`${TOOL}: "mtu lock" is not supported by pipework's native ip route`, 'use mtu N without lock');
        spec.mtu = parseUint(v, TOOL, 'mtu');
        break;
      }
      default: {
        if (UNSUPPORTED_MODIFY.has(w)) throw new InputError(`${TOOL}: "${w}" is not supported by pipework's native ip route`, MODIFY_HELP);
        const t = parseRouteType(w);
        if (t !== undefined) {
          if (type !== undefined) throw new InputError(`${TOOL}: two route types ("${w}")`, 'give one route type');
          type = t;
          setDst(tok.value(w, 'PREFIX'));
          break;
        }
        if (isPrefixWord(w)) {
          setDst(w);
          break;
        }
        throw new InputError(`${TOOL}: unknown keyword "${w}"`, MODIFY_HELP);
      }
    }
  }
  if (dst === undefined) throw new InputError(`${TOOL} ${op}: no destination`, 'give a prefix (e.g. 10.1.0.0/16) or default');
  const f: Family = fam.family ?? 4;
  const out: RouteSpec = { ...spec, family: f };
  if (dst !== 'default') out.dst = dst;
  if (src !== undefined) out.src = src === 'default' ? defaultCidr(f) : src;
  if (gateway) out.gateway = gateway.bytes;
  if (prefsrc) out.prefsrc = prefsrc.bytes;
  if (type !== undefined) out.type = type;
  return { kind: 'modify', op, spec: out, dev, json };
}

function listCommand(verb: 'show' | 'flush', tok: Tokens, family: Family | undefined, json: boolean): RouteListCommand {
  const fam = new FamilyTracker(family);
  const sel: RouteSelector = { table: 254 };
  let anySelector = false;
  let toMode: PrefixMatch = 'exact';
  // 0/0 is filled in at the end, when the family is known
  let toDefault: PrefixMatch | undefined;
  let fromDefault: PrefixMatch | undefined;
  const setTo = (mode: PrefixMatch, text: string) => {
    const p = parsePrefix(text, 'destination', fam);
    if (p === 'default') toDefault = mode;
    else sel.to = { mode, cidr: p };
  };
  const setFrom = (mode: PrefixMatch, text: string) => {
    const p = parsePrefix(text, 'source prefix', fam);
    if (p === 'default') fromDefault = mode;
    else sel.from = { mode, cidr: p };
  };
  /** `KEYWORD [root|match|exact] PREFIX`: the match mode, `mode` unless named, and the prefix text. */
  const modeAndPrefix = (keyword: string, mode: PrefixMatch): [PrefixMatch, string] => {
    const v = tok.value(keyword, 'PREFIX');
    return isPrefixMatch(v) ? [v, tok.value(`${keyword} ${v}`, 'PREFIX')] : [mode, v];
  };
  // `ip route flush cache`: IPv4 has had no route cache since Linux 3.6 and IPv6 keeps its cached
  // routes per socket; there is nothing to flush, so, for scripts that still say it, it does nothing.
  if (verb === 'flush' && tok.peek() === 'cache' && tok.argv.length === 2) return { kind: 'flush', families: [], selector: sel, json };
  while (!tok.done) {
    const w = tok.next()!;
    anySelector = true;
    switch (w) {
      case 'table': {
        const v = tok.value('table', 'ID|all');
        sel.table = v === 'all' ? 'all' : parseTable(v, TOOL);
        break;
      }
      case 'dev':
      case 'oif':
        sel.dev = tok.value(w, 'NAME');
        break;
      case 'proto':
      case 'protocol':
        sel.protocol = parseProtocol(tok.value(w, 'PROTO'), TOOL);
        break;
      case 'scope':
        sel.scope = parseScope(tok.value('scope', 'SCOPE'), TOOL);
        break;
      case 'type': {
        const v = tok.value('type', 'TYPE');
        const t = parseRouteType(v);
        if (t === undefined) throw new InputError(`${TOOL}: unknown route type "${v}"`, 'use unicast, local, blackhole, unreachable, prohibit, throw, broadcast, anycast or multicast');
        sel.type = t;
        break;
      }
      case 'metric':
      case 'preference':
      case 'priority':
        sel.metric = parseUint(tok.value(w, 'NUMBER'), TOOL, w);
        break;
      case 'via':
        sel.via = parseAddress(tok.value('via', 'ADDRESS'), 'gateway', fam);
        break;
      case 'src':
        sel.src = parseAddress(tok.value('src', 'ADDRESS'), 'source address', fam);
        break;
      case 'from':
        setFrom(...modeAndPrefix('from', 'exact'));
        break;
      case 'root':
      case 'match':
      case 'exact':
        // the mode also holds for a bare prefix later on
        toMode = w;
        sel.to = undefined;
        setTo(w, tok.value(w, 'PREFIX'));
        break;
      case 'to':
        setTo(...modeAndPrefix('to', toMode));
        break;
      default: {
        if (UNSUPPORTED_MODIFY.has(w) || ['cached', 'cloned', 'tos', 'dsfield', 'realm', 'realms', 'iif', 'mark', 'vrf', 'nhid'].includes(w)) {
          throw new InputError(`${TOOL} ${verb}: selector "${w}" is not supported by pipework's native ip route`, SELECT_HELP);
        }
        if (isPrefixWord(w)) {
          setTo(toMode, w);
          break;
        }
        throw new InputError(`${TOOL} ${verb}: unknown selector "${w}"`, SELECT_HELP);
      }
    }
  }
  if (verb === 'flush' && !anySelector) {
    throw new InputError(`${TOOL} flush needs a selector`, 'e.g. ip route flush table main, ip route flush dev eth0, ip route flush 10.1.0.0/16');
  }
  // Without -4/-6 iproute2 lists IPv4 only, except for `table all`, which lists both families.
  const families: Family[] = fam.family !== undefined ? [fam.family] : sel.table === 'all' ? [4, 6] : [4];
  const f0 = families.length === 1 ? families[0] : undefined;
  if (toDefault !== undefined) {
    if (f0 === undefined) throw new InputError(`${TOOL} ${verb}: "default" needs a family with table all`, 'add -4 or -6');
    // "default" with root matches everything; as exact or match it is the 0/0 route itself.
    sel.to = { mode: toDefault, cidr: defaultCidr(f0) };
  }
  if (fromDefault !== undefined && f0 !== undefined) sel.from = { mode: fromDefault, cidr: defaultCidr(f0) };
  return { kind: verb, families, selector: sel, json };
}

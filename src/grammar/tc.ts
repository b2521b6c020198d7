// `tc` argv (what follows `tc`) -> a typed command, for the qdiscs users put in containers: tbf, htb (with
// classes), netem, pfifo/bfifo, ingress, clsact; verbs add/delete/replace/change/link/show. Units are tc's
// (see ops/tc/units.ts). Filters, actions and other qdisc kinds are InputErrors naming the unsupported part.
import { TC_H_INGRESS, TC_H_ROOT, TC_H_UNSPEC, formatHandle, tcHandle, tcMinor } from '../ops/tc/constants.js';
import type { HtbClassSpec, HtbQdiscSpec } from '../ops/tc/htb.js';
import type { NetemSpec } from '../ops/tc/netem.js';
import { type ClassOp, QDISC_KINDS, type QdiscKindSpec, type QdiscOp } from '../ops/tc/qdisc.js';
import { TC_LINKLAYER_ATM, TC_LINKLAYER_ETHERNET } from '../ops/tc/rate.js';
import type { TbfSpec } from '../ops/tc/tbf.js';
import { isPercent, parsePercent, parseRate, parseSize, parseTime } from '../ops/tc/units.js';
import { InputError } from '../util/errors.js';
import { matchVerb, parseHex, parseUint, Tokens } from './common.js';

export interface TcOutput {
  json: boolean;
  pretty: boolean;
  stats: boolean;
}

export interface QdiscModifyCommand extends TcOutput {
  object: 'qdisc';
  verb: QdiscOp;
  dev: string;
  /** TC_H_ROOT, a class, or TC_H_INGRESS (ingress/clsact); TC_H_UNSPEC when not given (delete by handle) */
  parent: number;
  handle?: number;
  qdisc?: QdiscKindSpec;
}

export interface QdiscShowCommand extends TcOutput {
  object: 'qdisc';
  verb: 'show';
  dev?: string;
  root?: boolean;
  ingress?: boolean;
  handle?: number;
  parent?: number;
}

export interface ClassModifyCommand extends TcOutput {
  object: 'class';
  verb: ClassOp;
  dev: string;
  classid: number;
  parent: number;
  htb?: HtbClassSpec;
}

export interface ClassShowCommand extends TcOutput {
  object: 'class';
  verb: 'show';
  dev: string;
  root?: boolean;
  parent?: number;
  classid?: number;
}

export type TcCommand = QdiscModifyCommand | QdiscShowCommand | ClassModifyCommand | ClassShowCommand;

const SUPPORTED_KINDS = QDISC_KINDS.join(', ');

const OBJECTS: readonly (readonly [string, string])[] = [
  ['qdisc', 'qdisc'],
  ['class', 'class'],
  ['filter', 'filter'],
  ['chain', 'chain'],
  ['actions', 'actions'],
  ['monitor', 'monitor'],
  ['exec', 'exec'],
];

const QDISC_VERBS: readonly (readonly [string, QdiscOp | 'show'])[] = [
  ['add', 'add'],
  ['change', 'change'],
  ['replace', 'replace'],
  ['link', 'link'],
  ['delete', 'delete'],
  ['show', 'show'],
  ['list', 'show'],
  ['lst', 'show'],
];

/** A class takes the qdisc verbs but link, in the same order (so "l" is list for a class). */
const CLASS_VERBS = QDISC_VERBS.filter((v): v is readonly [string, ClassOp | 'show'] => v[1] !== 'link');

/** Other qdisc kinds tc knows: named as unsupported rather than unknown. */
const OTHER_KINDS = new Set([
  'sfq', 'fq_codel', 'fq', 'codel', 'prio', 'red', 'gred', 'choke', 'cake', 'cbs', 'drr', 'ets', 'hfsc', 'hhf', 'mq',
  'mqprio', 'multiq', 'noqueue', 'pfifo_fast', 'pfifo_head_drop', 'pie', 'fq_pie', 'plug', 'qfq', 'sfb', 'skbprio',
  'taprio', 'etf', 'cbq', 'dsmark', 'atm', 'teql', 'blackhole', 'bpf',
]);

export function parseTc(argv: readonly string[]): TcCommand {
  const tok = new Tokens(argv, 'tc');
  const out: TcOutput = { json: false, pretty: false, stats: false };
  for (;;) {
    const w = tok.peek();
    if (w === undefined || !w.startsWith('-')) break;
    tok.next();
    const o = w.replace(/^--?/, '');
    if (o === 'j' || o === 'json') out.json = true;
    else if (o === 'p' || o === 'pretty') out.pretty = true;
    else if (o === 's' || o === 'stats' || o === 'statistics') out.stats = true;
    else if (o === 'd' || o === 'details') continue; // everything decoded is printed anyway
    else throw new InputError(`tc: option "${w}" is not supported by pipework's native tc`, 'supported options: -j (JSON), -p (pretty JSON), -s (statistics), -d');
  }
  const objWord = tok.next();
  if (objWord === undefined) throw new InputError('tc: no object given', 'write tc qdisc ... or tc class ...');
  const obj = matchVerb(objWord, OBJECTS);
  if (obj === 'qdisc') return qdiscCommand(tok, out);
  if (obj === 'class') return classCommand(tok, out);
  if (obj) {
    throw new InputError(`tc: "tc ${obj}" is not supported by pipework's native tc`, `only qdiscs (${SUPPORTED_KINDS}) and htb classes are; ${obj === 'filter' ? 'filters are not' : `tc ${obj} is not`}`);
  }
  throw new InputError(`tc: unknown object "${objWord}"`, 'write tc qdisc ... or tc class ...');
}

/** A qdisc handle: "1:", "1", "1:0", or "none". */
export function parseQdiscHandle(text: string): number {
  if (text === 'none') return 0;
  const m = /^([0-9a-fA-F]{1,4})(?::(0*))?$/.exec(text);
  if (!m) {
    if (/^[0-9a-fA-F]+:[0-9a-fA-F]*[1-9a-fA-F]/.test(text)) throw new InputError(`tc: qdisc handle "${text}" has a minor number`, `a qdisc handle is MAJOR: (e.g. ${text.split(':')[0]}:)`);
    throw new InputError(`tc: "${text}" is not a qdisc handle`, 'write MAJOR: in hex, e.g. 1: or 8001:');
  }
  return tcHandle(parseInt(m[1], 16), 0);
}

/** A class id or parent: "1:10", "1:", ":10", "root", "none", or a raw hex number. */
export function parseClassid(text: string, what: string): number {
  if (text === 'root') return TC_H_ROOT;
  if (text === 'none') return TC_H_UNSPEC;
  const m = /^([0-9a-fA-F]{0,4}):([0-9a-fA-F]{0,4})$/.exec(text);
  if (m) return tcHandle(m[1] ? parseInt(m[1], 16) : 0, m[2] ? parseInt(m[2], 16) : 0);
  if (/^[0-9a-fA-F]{1,8}$/.test(text)) return parseInt(text, 16) >>> 0;
  throw new InputError(`tc: ${what} "${text}" is not a class id`, 'write MAJOR:MINOR in hex, e.g. 1:10');
}

function placementKeywords(tok: Tokens, w: string, place: { parent?: number; handle?: number; kind?: string; dev?: string }, verb: string): boolean {
  const setParent = (p: number, word: string) => {
    if (place.parent !== undefined) throw new InputError(`tc qdisc ${verb}: "${word}" given with another parent`, 'give one of root, parent ID, ingress, clsact');
    place.parent = p;
  };
  switch (w) {
    case 'dev':
      if (place.dev !== undefined) throw new InputError(`tc qdisc ${verb}: "dev" is given twice`);
      place.dev = tok.value('dev', 'NAME');
      return true;
    case 'root':
      setParent(TC_H_ROOT, w);
      return true;
    case 'parent':
      setParent(parseClassid(tok.value('parent', 'MAJOR:MINOR'), 'parent'), w);
      return true;
    case 'handle':
      if (place.handle !== undefined) throw new InputError(`tc qdisc ${verb}: "handle" is given twice`);
      place.handle = parseQdiscHandle(tok.value('handle', 'MAJOR:'));
      return true;
    case 'ingress':
    case 'clsact':
      setParent(TC_H_INGRESS, w);
      place.kind = w;
      return true;
    case 'estimator':
    case 'stab':
    case 'ingress_block':
    case 'egress_block':
      throw new InputError(`tc qdisc ${verb}: "${w}" is not supported by pipework's native tc`, 'supported: dev, root, parent, handle, ingress, clsact, then the qdisc kind and its parameters');
    default:
      return false;
  }
}

function qdiscCommand(tok: Tokens, out: TcOutput): TcCommand {
  const vw = tok.next();
  const verb = vw === undefined ? 'show' : matchVerb(vw, QDISC_VERBS);
  if (!verb) throw new InputError(`tc qdisc: unknown command "${vw}"`, 'use add, delete, replace, change, link or show');
  if (verb === 'show') return qdiscShow(tok, out);
  const place: { parent?: number; handle?: number; kind?: string; dev?: string } = {};
  let kindWord: string | undefined;
  while (!tok.done) {
    const w = tok.next()!;
    if (placementKeywords(tok, w, place, verb)) continue;
    // ingress and clsact are their own kind: nothing but placement words may come with them
    if (place.kind) throw new InputError(`tc qdisc ${verb}: ${place.kind} takes no parameters ("${w}")`, `write tc qdisc ${verb} dev NAME ${place.kind}`);
    if (w === 'help') throw new InputError('tc: help is not available in pipework\'s native tc', 'see tc(8)');
    kindWord = w;
    break;
  }
  if (place.dev === undefined) throw new InputError(`tc qdisc ${verb}: no device`, `write tc qdisc ${verb} dev NAME ...`);
  let qdisc: QdiscKindSpec | undefined;
  if (place.kind === 'ingress' || place.kind === 'clsact') qdisc = { kind: place.kind };
  else if (kindWord !== undefined) qdisc = parseKind(kindWord, tok, verb);
  if (place.parent === undefined && place.handle === undefined) {
    throw new InputError(`tc qdisc ${verb}: where? no root, parent, ingress or clsact given`, `e.g. tc qdisc ${verb} dev ${place.dev} root ${kindWord ?? 'tbf ...'}`);
  }
  if (place.parent === undefined && verb !== 'delete') {
    throw new InputError(`tc qdisc ${verb}: no parent given`, `add root (or parent MAJOR:MINOR) before the qdisc kind`);
  }
  if (!qdisc && verb !== 'delete') throw new InputError(`tc qdisc ${verb}: no qdisc kind given`, `name one of ${SUPPORTED_KINDS}`);
  return { ...out, object: 'qdisc', verb, dev: place.dev, parent: place.parent ?? TC_H_UNSPEC, handle: place.handle, qdisc };
}

function qdiscShow(tok: Tokens, out: TcOutput): QdiscShowCommand {
  const cmd: QdiscShowCommand = { ...out, object: 'qdisc', verb: 'show' };
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'dev':
        cmd.dev = tok.value('dev', 'NAME');
        break;
      case 'root':
        cmd.root = true;
        break;
      case 'ingress':
      case 'clsact':
        cmd.ingress = true;
        break;
      case 'handle':
        cmd.handle = parseQdiscHandle(tok.value('handle', 'MAJOR:'));
        break;
      case 'parent':
        cmd.parent = parseClassid(tok.value('parent', 'MAJOR:MINOR'), 'parent');
        break;
      case 'invisible':
        throw new InputError('tc qdisc show: "invisible" is not supported by pipework\'s native tc', 'supported: dev NAME, root, ingress, handle H, parent P');
      default:
        throw new InputError(`tc qdisc show: unknown selector "${w}"`, 'supported: dev NAME, root, ingress, handle H, parent P');
    }
  }
  return cmd;
}

function classCommand(tok: Tokens, out: TcOutput): TcCommand {
  const vw = tok.next();
  const verb = vw === undefined ? 'show' : matchVerb(vw, CLASS_VERBS);
  if (!verb) throw new InputError(`tc class: unknown command "${vw}"`, 'use add, delete, replace, change or show');
  let dev: string | undefined;
  let parent: number | undefined;
  let classid: number | undefined;
  let root = false;
  let kindWord: string | undefined;
  while (!tok.done) {
    const w = tok.next()!;
    if (w === 'dev') dev = tok.value('dev', 'NAME');
    else if (w === 'parent') parent = parseClassid(tok.value('parent', 'MAJOR:MINOR'), 'parent');
    else if (w === 'classid') classid = parseClassid(tok.value('classid', 'MAJOR:MINOR'), 'classid');
    else if (w === 'root') {
      root = true;
      parent = TC_H_ROOT;
    } else if (w === 'estimator' || w === 'handle') {
      throw new InputError(`tc class ${verb}: "${w}" is not supported by pipework's native tc`, 'supported: dev, parent, classid, root, then htb and its parameters');
    } else {
      kindWord = w;
      break;
    }
  }
  if (dev === undefined) throw new InputError(`tc class ${verb}: no device`, `write tc class ${verb} dev NAME ...`);
  if (verb === 'show') {
    if (kindWord !== undefined) throw new InputError(`tc class show: unknown selector "${kindWord}"`, 'supported: dev NAME, root, parent P, classid C');
    return { ...out, object: 'class', verb, dev, root: root || undefined, parent: root ? undefined : parent, classid };
  }
  if (classid === undefined) throw new InputError(`tc class ${verb}: no classid`, 'write classid MAJOR:MINOR, e.g. classid 1:10');
  if (tcMinor(classid) === 0 && classid !== TC_H_ROOT) {
    throw new InputError(`tc class ${verb}: classid ${formatHandle(classid)} has no minor number`, 'a class id is MAJOR:MINOR with MINOR > 0, e.g. 1:10');
  }
  let htb: HtbClassSpec | undefined;
  if (kindWord !== undefined) {
    if (kindWord !== 'htb') {
      throw new InputError(`tc class ${verb}: class kind "${kindWord}" is not supported by pipework's native tc`, 'only htb classes are');
    }
    htb = parseHtbClass(tok, verb);
  } else if (verb !== 'delete') {
    throw new InputError(`tc class ${verb}: no class kind given`, 'write ... htb rate RATE [ceil RATE] [burst SIZE] [prio N]');
  }
  // to change or delete, the class id alone finds the class; to create one, say where it hangs
  if (parent === undefined && (verb === 'add' || verb === 'replace')) {
    throw new InputError(`tc class ${verb}: no parent`, 'write parent MAJOR:[MINOR], e.g. parent 1:');
  }
  return { ...out, object: 'class', verb, dev, classid, parent: parent ?? TC_H_UNSPEC, htb };
}

// ---- kinds ----

function parseKind(kind: string, tok: Tokens, verb: string): QdiscKindSpec {
  // To delete, the kind alone is enough (tc would demand every tbf parameter).
  const kindOnly = verb === 'delete' && tok.done;
  switch (kind) {
    case 'tbf':
      return kindOnly ? { kind } : { kind, options: parseTbf(tok) };
    case 'htb':
      return kindOnly ? { kind } : { kind, options: parseHtbQdisc(tok) };
    case 'netem':
      return kindOnly ? { kind } : { kind, options: parseNetem(tok) };
    case 'pfifo':
    case 'bfifo':
      return kindOnly ? { kind } : { kind, options: parseFifo(tok, kind) };
    default:
      if (OTHER_KINDS.has(kind)) {
        throw new InputError(`tc qdisc: qdisc kind "${kind}" is not supported by pipework's native tc`, `supported kinds: ${SUPPORTED_KINDS}`);
      }
      throw new InputError(`tc qdisc: unknown qdisc kind or keyword "${kind}"`, `supported kinds: ${SUPPORTED_KINDS}; before the kind: dev, root, parent, handle`);
  }
}

function linklayer(text: string): number {
  if (text === 'ethernet') return TC_LINKLAYER_ETHERNET;
  if (text === 'atm' || text === 'adsl') return TC_LINKLAYER_ATM;
  throw new InputError(`tc: linklayer "${text}" is not known`, 'use ethernet, atm or adsl');
}

function overhead(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffff) throw new InputError(`tc: overhead "${text}" is not a number from 0 to 65535`);
  return Number(text);
}

function mpu(text: string): number {
  const s = parseSize(text, 'mpu').bytes;
  if (s > 0xffff) throw new InputError(`tc: mpu "${text}" is too large`, 'at most 65535 bytes');
  return s;
}

/**
 * mpu, overhead and linklayer: how packet sizes are counted in the rate tables, the same words in tbf
 * and in htb classes. Reads the value of `w` into `s` and says whether `w` was one of them.
 */
function linkLayerWord(tok: Tokens, w: string, s: { mpu?: number; overhead?: number; linklayer?: number }): boolean {
  switch (w) {
    case 'mpu':
      s.mpu = mpu(tok.value('mpu', 'SIZE'));
      return true;
    case 'overhead':
      s.overhead = overhead(tok.value('overhead', 'BYTES'));
      return true;
    case 'linklayer':
      s.linklayer = linklayer(tok.value('linklayer', 'TYPE'));
      return true;
    default:
      return false;
  }
}

/** SIZE[/CELL] after a burst word: the bytes, and the log2 of the rate table's cell when one is given. */
function sizeAndCell(tok: Tokens, word: string, kind: string): [bytes: number, cellLog: number | undefined] {
  const z = parseSize(tok.value(word, 'SIZE[/CELL]'), `${kind} ${word}`);
  return [z.bytes, z.cellLog];
}

function kindError(kind: string, word: string, help: string): InputError {
  return new InputError(`tc: ${kind}: unknown parameter "${word}"`, help);
}

const TBF_HELP = 'tbf rate RATE burst SIZE[/CELL] (latency TIME | limit BYTES) [peakrate RATE mtu SIZE] [mpu SIZE] [overhead N] [linklayer ethernet|atm]';

function parseTbf(tok: Tokens): TbfSpec {
  const s: Partial<TbfSpec> = {};
  while (!tok.done) {
    const w = tok.next()!;
    if (linkLayerWord(tok, w, s)) continue;
    switch (w) {
      case 'rate':
        s.rate = parseRate(tok.value('rate', 'RATE'), 'tbf rate');
        break;
      case 'burst':
      case 'buffer':
      case 'maxburst': {
        if (s.burst !== undefined) throw new InputError('tc: tbf: more than one of burst, buffer, maxburst', 'they are the same thing: give one');
        [s.burst, s.cellLog] = sizeAndCell(tok, w, 'tbf');
        break;
      }
      case 'limit':
        s.limit = parseSize(tok.value('limit', 'BYTES'), 'tbf limit').bytes;
        break;
      case 'latency':
        s.latency = parseTime(tok.value('latency', 'TIME'), 'tbf latency');
        break;
      case 'peakrate':
        s.peakrate = parseRate(tok.value('peakrate', 'RATE'), 'tbf peakrate');
        break;
      case 'mtu':
      case 'minburst':
        [s.mtu, s.mtuCellLog] = sizeAndCell(tok, w, 'tbf');
        break;
      default:
        throw kindError('tbf', w, TBF_HELP);
    }
  }
  const missing: string[] = [];
  if (s.rate === undefined) missing.push('rate');
  if (s.burst === undefined) missing.push('burst');
  if (s.limit === undefined && s.latency === undefined) missing.push('latency or limit');
  if (missing.length) throw new InputError(`tc: tbf needs ${missing.join(', ')}`, TBF_HELP);
  if (s.limit !== undefined && s.latency !== undefined) throw new InputError('tc: tbf: both limit and latency given', 'give one: latency derives the limit');
  if (s.peakrate !== undefined && s.mtu === undefined) throw new InputError('tc: tbf: peakrate needs mtu (minburst)', 'add mtu SIZE, e.g. mtu 1600');
  return s as TbfSpec;
}

function parseHtbQdisc(tok: Tokens): HtbQdiscSpec {
  const s: HtbQdiscSpec = {};
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'default':
        s.defaultClass = parseHex(tok.value('default', 'MINOR'), 'tc', 'htb default class', 0xffff);
        break;
      case 'r2q':
        s.r2q = parseUint(tok.value('r2q', 'NUMBER'), 'tc', 'htb r2q');
        break;
      case 'direct_qlen':
        s.directQlen = parseUint(tok.value('direct_qlen', 'PACKETS'), 'tc', 'htb direct_qlen');
        break;
      case 'offload':
      case 'debug':
        throw new InputError(`tc: htb "${w}" is not supported by pipework's native tc`, 'htb qdisc parameters: default MINOR, r2q N, direct_qlen N');
      default:
        throw kindError('htb', w, 'htb qdisc parameters: default MINOR, r2q N, direct_qlen N');
    }
  }
  return s;
}

const HTB_CLASS_HELP = 'htb rate RATE [ceil RATE] [burst SIZE] [cburst SIZE] [prio 0-7] [quantum BYTES] [mtu BYTES] [mpu SIZE] [overhead N] [linklayer ethernet|atm]';

function parseHtbClass(tok: Tokens, verb: string): HtbClassSpec | undefined {
  if (verb === 'delete' && tok.done) return undefined;
  const s: Partial<HtbClassSpec> = {};
  while (!tok.done) {
    const w = tok.next()!;
    if (linkLayerWord(tok, w, s)) continue;
    switch (w) {
      case 'rate':
        s.rate = parseRate(tok.value('rate', 'RATE'), 'htb rate');
        break;
      case 'ceil':
        s.ceil = parseRate(tok.value('ceil', 'RATE'), 'htb ceil');
        break;
      case 'burst':
      case 'buffer':
      case 'maxburst':
        [s.burst, s.burstCellLog] = sizeAndCell(tok, w, 'htb');
        break;
      case 'cburst':
      case 'cbuffer':
      case 'cmaxburst':
        [s.cburst, s.cburstCellLog] = sizeAndCell(tok, w, 'htb');
        break;
      case 'prio':
        s.prio = parseUint(tok.value('prio', '0-7'), 'tc', 'htb prio', 7);
        break;
      case 'quantum':
        s.quantum = parseSize(tok.value('quantum', 'BYTES'), 'htb quantum').bytes;
        break;
      case 'mtu':
        s.mtu = parseUint(tok.value('mtu', 'BYTES'), 'tc', 'htb mtu');
        break;
      default:
        throw kindError('htb class', w, HTB_CLASS_HELP);
    }
  }
  if (s.rate === undefined) throw new InputError('tc: htb class needs a rate', HTB_CLASS_HELP);
  return s as HtbClassSpec;
}

const NETEM_HELP =
  'netem [limit PACKETS] [delay TIME [JITTER [CORRELATION]]] [loss [random] PERCENT [CORRELATION]] [duplicate PERCENT [CORRELATION]] [corrupt PERCENT [CORRELATION]] [reorder PERCENT [CORRELATION]] [gap N] [rate RATE [PACKETOVERHEAD [CELLSIZE [CELLOVERHEAD]]]] [ecn]';

function parseNetem(tok: Tokens): NetemSpec {
  const s: NetemSpec = {};
  const optional = (test: (x: string | undefined) => boolean): string | undefined => (test(tok.peek()) ? tok.next() : undefined);
  const isTime = (x: string | undefined) => x !== undefined && /^(\d|\.\d)/.test(x);
  const isInt = (x: string | undefined) => x !== undefined && /^-?\d+$/.test(x);
  /** PERCENT [CORRELATION]: the probability of an effect, and how much it follows the previous packet's */
  const withCorrelation = (effect: 'loss' | 'duplicate' | 'corrupt' | 'reorder', text: string) => {
    s[effect] = parsePercent(text, `netem ${effect}`);
    const c = optional(isPercent);
    if (c !== undefined) s[`${effect}Correlation`] = parsePercent(c, `netem ${effect} correlation`);
  };
  while (!tok.done) {
    const w = tok.next()!;
    switch (w) {
      case 'limit':
        s.limit = parseUint(tok.value('limit', 'PACKETS'), 'tc', 'netem limit');
        break;
      case 'delay':
      case 'latency': {
        s.delay = parseTime(tok.value(w, 'TIME'), 'netem delay');
        const j = optional(isTime);
        if (j !== undefined) {
          s.jitter = parseTime(j, 'netem jitter');
          const c = optional(isPercent);
          if (c !== undefined) s.delayCorrelation = parsePercent(c, 'netem delay correlation');
        }
        break;
      }
      case 'loss':
      case 'drop': {
        let v = tok.value(w, 'PERCENT');
        if (v === 'random') v = tok.value(`${w} random`, 'PERCENT');
        else if (v === 'state' || v === 'gemodel') {
          throw new InputError(`tc: netem "loss ${v}" is not supported by pipework's native tc`, 'use loss [random] PERCENT [CORRELATION]');
        }
        withCorrelation('loss', v);
        break;
      }
      case 'duplicate':
      case 'corrupt':
      case 'reorder':
        withCorrelation(w, tok.value(w, 'PERCENT'));
        break;
      case 'gap':
        s.gap = parseUint(tok.value('gap', 'N'), 'tc', 'netem gap');
        break;
      case 'rate': {
        s.rate = parseRate(tok.value('rate', 'RATE'), 'netem rate');
        const po = optional(isInt);
        if (po !== undefined) {
          s.packetOverhead = Number(po);
          const cs = optional((x) => x !== undefined && /^\d+$/.test(x));
          if (cs !== undefined) {
            s.cellSize = Number(cs);
            const co = optional(isInt);
            if (co !== undefined) s.cellOverhead = Number(co);
          }
        }
        break;
      }
      case 'ecn':
        s.ecn = true;
        break;
      case 'distribution':
      case 'slot':
        throw new InputError(`tc: netem "${w}" is not supported by pipework's native tc`, w === 'distribution' ? 'netem delays are uniformly distributed around the delay; distribution tables are not loaded' : NETEM_HELP);
      default:
        throw kindError('netem', w, NETEM_HELP);
    }
  }
  if (s.reorder !== undefined && !s.delay) {
    throw new InputError('tc: netem: reordering needs a delay', 'add delay TIME, e.g. netem delay 10ms reorder 25%');
  }
  return s;
}

function parseFifo(tok: Tokens, kind: 'pfifo' | 'bfifo'): { limit?: number } {
  const s: { limit?: number } = {};
  while (!tok.done) {
    const w = tok.next()!;
    if (w !== 'limit') throw kindError(kind, w, `${kind} [limit ${kind === 'pfifo' ? 'PACKETS' : 'BYTES'}]`);
    const v = tok.value('limit', kind === 'pfifo' ? 'PACKETS' : 'BYTES');
    s.limit = kind === 'pfifo' ? parseUint(v, 'tc', 'pfifo limit') : parseSize(v, 'bfifo limit').bytes;
  }
  return s;
}

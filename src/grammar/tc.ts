// `tc` argv (what follows `tc`) -> a typed command, for the qdiscs users put in containers: tbf, htb (with
// classes), netem, pfifo/bfifo, ingress, clsact; verbs add/delete/replace/change/link/show. Units are tc's
// (see grammar/units.ts); one file per qdisc kind under grammar/qdisc/. Filters, actions and other qdisc kinds are InputErrors naming the unsupported part.
import { TC_H_INGRESS, TC_H_ROOT, TC_H_UNSPEC, formatHandle, tcHandle, tcMinor } from '../ops/tc/constants.js';
import type { HtbClassSpec } from '../ops/tc/htb.js';
import type { ClassOp, QdiscKindSpec, QdiscOp } from '../ops/tc/qdisc.js';
import { InputError } from '../util/errors.js';
import { matchVerb, Tokens } from './common.js';
import { parseHtbClass } from './qdisc/htb.js';
import { parseKind, SUPPORTED_KINDS } from './qdisc/kinds.js';

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

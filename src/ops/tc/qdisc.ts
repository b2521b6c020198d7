// Queueing disciplines and classes over rtnetlink: RTM_{NEW,DEL,GET}QDISC and RTM_{NEW,DEL,GET}TCLASS.
// A message is a struct tcmsg (interface, handle, parent) followed by TCA_KIND (the qdisc's name) and
// TCA_OPTIONS (the kind's own encoding, written by the kind's module). Dumps are decoded back and printed
// close to `tc qdisc show` / `tc class show`, as text or as JSON.
import { type Attrs, parseAttrs } from '../../netlink/attributes.js';
import {
  AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELQDISC, RTM_DELTCLASS, RTM_GETQDISC, RTM_GETTCLASS, RTM_NEWQDISC,
  RTM_NEWTCLASS,
} from '../../netlink/constants.js';
import { NetlinkDecodeError } from '../../netlink/errors.js';
import type { NetlinkMessage } from '../../netlink/message.js';
import type { NetlinkSocket, Request } from '../../netlink/session.js';
import { MessageWriter } from '../../netlink/writer.js';
import { InputError } from '../../util/errors.js';
import { clsactText, CLSACT_HANDLE, CLSACT_PARENT } from './clsact.js';
import {
  formatHandle, TCA_KIND, TCA_OPTIONS, TCA_STATS2, TCA_STATS_BASIC, TCA_STATS_PKT64, TCA_STATS_QUEUE, TCMSG_LEN, TC_H_ROOT,
} from './constants.js';
import { decodeFifo, fifoHasOptions, fifoJson, fifoText, type FifoSpec, writeFifo } from './fifo.js';
import {
  decodeHtbClass, decodeHtbQdisc, type HtbClassSpec, htbClassJson, htbClassText, htbQdiscJson, htbQdiscText, type HtbQdiscSpec,
  writeHtbClass, writeHtbQdisc,
} from './htb.js';
import { INGRESS_HANDLE, INGRESS_PARENT, ingressText } from './ingress.js';
import { decodeNetem, netemJson, netemText, type NetemSpec, writeNetem } from './netem.js';
import { psched, type Psched } from './rate.js';
import { decodeTbf, tbfJson, tbfText, type TbfSpec, writeTbf } from './tbf.js';
import { formatSize } from './units.js';

/** The qdisc kinds pipework builds natively, with their options. Options may be left out only to delete. */
export type QdiscKindSpec =
  | { kind: 'tbf'; options?: TbfSpec }
  | { kind: 'htb'; options?: HtbQdiscSpec }
  | { kind: 'netem'; options?: NetemSpec }
  | { kind: 'pfifo' | 'bfifo'; options?: FifoSpec }
  | { kind: 'ingress' | 'clsact' };

export const QDISC_KINDS = ['tbf', 'htb', 'netem', 'pfifo', 'bfifo', 'ingress', 'clsact'] as const;

export interface QdiscSpec {
  ifindex: number;
  /** TC_H_ROOT, a class (major:minor), or TC_H_INGRESS for ingress/clsact */
  parent: number;
  /** major:0; 0 lets the kernel pick (add) or means "whatever is at parent" (delete) */
  handle?: number;
  /** required to create or change; optional to delete (then checked by the kernel against what is there) */
  qdisc?: QdiscKindSpec;
}

/** add: create, fail if one is there; replace: create or replace; change: modify in place; link: replace only. */
export type QdiscOp = 'add' | 'replace' | 'change' | 'link' | 'delete';

const QDISC_FLAGS: Record<QdiscOp, number> = {
  add: NLM_F_CREATE | NLM_F_EXCL,
  replace: NLM_F_CREATE | NLM_F_REPLACE,
  change: 0,
  link: NLM_F_REPLACE,
  delete: 0,
};

function tcmsg(ifindex: number, handle: number, parent: number, info = 0): MessageWriter {
  return new MessageWriter(64).header().u8(AF_UNSPEC).u8(0).u16(0).i32(ifindex).u32(handle >>> 0).u32(parent >>> 0).u32(info);
}

function writeQdiscKind(w: MessageWriter, q: QdiscKindSpec, op: QdiscOp, clock: Psched): void {
  w.attrString(TCA_KIND, q.kind);
  if (q.kind === 'ingress' || q.kind === 'clsact') return;
  if (!('options' in q) || q.options === undefined) {
    // To delete, the kind alone is enough: the kernel checks that it matches the qdisc found.
    if (op === 'delete') return;
    if (q.kind === 'tbf') throw new InputError('tc: qdisc tbf needs its parameters', 'e.g. tbf rate 1mbit burst 32kbit latency 400ms');
  }
  switch (q.kind) {
    case 'tbf':
      w.nest(TCA_OPTIONS, () => writeTbf(w, q.options!, clock));
      break;
    case 'htb':
      w.nest(TCA_OPTIONS, () => writeHtbQdisc(w, q.options ?? {}));
      break;
    case 'netem':
      w.nest(TCA_OPTIONS, () => writeNetem(w, q.options ?? {}, clock));
      break;
    case 'pfifo':
    case 'bfifo':
      if (q.options && fifoHasOptions(q.options)) w.nest(TCA_OPTIONS, () => writeFifo(w, q.options!));
      break;
  }
}

/** ingress and clsact live at a fixed place; anything else given there is the user's mistake. */
function placement(spec: QdiscSpec): { handle: number; parent: number } {
  const kind = spec.qdisc?.kind;
  if (kind === 'ingress' || kind === 'clsact') {
    const fixedHandle = kind === 'ingress' ? INGRESS_HANDLE : CLSACT_HANDLE;
    const fixedParent = kind === 'ingress' ? INGRESS_PARENT : CLSACT_PARENT;
    if (spec.handle && spec.handle !== fixedHandle) throw new InputError(`tc: ${kind} has the fixed handle ffff:`, `drop "handle ${formatHandle(spec.handle)}"`);
    return { handle: fixedHandle, parent: fixedParent };
  }
  return { handle: spec.handle ?? 0, parent: spec.parent };
}

export function qdiscRequest(op: QdiscOp, spec: QdiscSpec, what: string, clock: Psched = psched()): Request {
  const { handle, parent } = placement(spec);
  const w = tcmsg(spec.ifindex, handle, parent);
  if (spec.qdisc) writeQdiscKind(w, spec.qdisc, op, clock);
  else if (op !== 'delete') throw new InputError(`tc qdisc ${op}: no qdisc kind given`, `name one of ${QDISC_KINDS.join(', ')}`);
  return { type: op === 'delete' ? RTM_DELQDISC : RTM_NEWQDISC, flags: QDISC_FLAGS[op], message: w.finish(), what };
}

export interface ClassSpec {
  ifindex: number;
  /** major:minor of the class */
  classid: number;
  /** the parent class or qdisc (major:0); may be 0 to delete */
  parent: number;
  /** required to create or change; optional to delete */
  htb?: HtbClassSpec;
}

/** add: create; replace: create or change (tc sends NLM_F_CREATE only); change: modify; delete. */
export type ClassOp = 'add' | 'replace' | 'change' | 'delete';

const CLASS_FLAGS: Record<ClassOp, number> = { add: NLM_F_CREATE | NLM_F_EXCL, replace: NLM_F_CREATE, change: 0, delete: 0 };

export function classRequest(op: ClassOp, spec: ClassSpec, what: string, clock: Psched = psched()): Request {
  const w = tcmsg(spec.ifindex, spec.classid, spec.parent);
  if (spec.htb) {
    w.attrString(TCA_KIND, 'htb');
    w.nest(TCA_OPTIONS, () => writeHtbClass(w, spec.htb!, clock));
  } else if (op !== 'delete') {
    throw new InputError(`tc class ${op}: no class kind given`, 'write htb rate RATE [ceil RATE] ...');
  }
  return { type: op === 'delete' ? RTM_DELTCLASS : RTM_NEWTCLASS, flags: CLASS_FLAGS[op], message: w.finish(), what };
}

// ---- dumps ----

export interface TcStats {
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  backlog: number;
  qlen: number;
}

/** A qdisc or class as the kernel reports it. */
export interface TcObject {
  ifindex: number;
  handle: number;
  parent: number;
  /** qdiscs: the reference count (tc's "refcnt"); classes: the leaf qdisc's handle */
  info: number;
  kind: string;
  options?: Uint8Array;
  stats?: TcStats;
  attrs: Attrs;
}

export function decodeTc(msg: NetlinkMessage): TcObject {
  const p = msg.payload;
  if (p.length < TCMSG_LEN) throw new NetlinkDecodeError(`tcmsg of ${p.length} bytes`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const attrs = parseAttrs(p, TCMSG_LEN);
  return {
    ifindex: v.getInt32(4, true),
    handle: v.getUint32(8, true),
    parent: v.getUint32(12, true),
    info: v.getUint32(16, true),
    kind: attrs.str(TCA_KIND) ?? '',
    options: attrs.raw(TCA_OPTIONS)?.slice(),
    stats: decodeStats(attrs),
    attrs,
  };
}

const NO_STATS: Readonly<TcStats> = { bytes: 0, packets: 0, drops: 0, overlimits: 0, requeues: 0, backlog: 0, qlen: 0 };

function decodeStats(attrs: Attrs): TcStats | undefined {
  const s = attrs.nested(TCA_STATS2);
  if (!s) return undefined;
  const out: TcStats = { ...NO_STATS };
  const basic = s.raw(TCA_STATS_BASIC);
  if (basic && basic.length >= 12) {
    const v = new DataView(basic.buffer, basic.byteOffset, basic.byteLength);
    out.bytes = Number(v.getBigUint64(0, true));
    out.packets = v.getUint32(8, true);
  }
  const pkt64 = s.u64(TCA_STATS_PKT64);
  if (pkt64 !== undefined) out.packets = Number(pkt64);
  const queue = s.raw(TCA_STATS_QUEUE);
  if (queue && queue.length >= 20) {
    const v = new DataView(queue.buffer, queue.byteOffset, queue.byteLength);
    out.qlen = v.getUint32(0, true);
    out.backlog = v.getUint32(4, true);
    out.drops = v.getUint32(8, true);
    out.requeues = v.getUint32(12, true);
    out.overlimits = v.getUint32(16, true);
  }
  return out;
}

/** Every qdisc, or those of one interface. */
export function listQdiscs(sock: NetlinkSocket, ifindex?: number, where = ''): TcObject[] {
  const found = sock.dump({ type: RTM_GETQDISC, message: tcmsg(ifindex ?? 0, 0, 0).finish(), what: `listing qdiscs${where}` });
  return found.map(decodeTc).filter((q) => ifindex === undefined || q.ifindex === ifindex);
}

/** The classes of one interface (the kernel dumps classes per interface only). */
export function listClasses(sock: NetlinkSocket, ifindex: number, where = ''): TcObject[] {
  const found = sock.dump({ type: RTM_GETTCLASS, message: tcmsg(ifindex, 0, 0).finish(), what: `listing classes${where}` });
  return found.map(decodeTc).filter((c) => c.ifindex === ifindex);
}

// ---- printing ----

interface KindPrinter {
  text(options: Uint8Array | undefined, clock: Psched): string;
  json(options: Uint8Array | undefined, clock: Psched): Record<string, unknown>;
}

const need = (o: Uint8Array | undefined, kind: string): Uint8Array => {
  if (!o) throw new NetlinkDecodeError(`${kind} without TCA_OPTIONS`);
  return o;
};

const QDISC_PRINTERS: Record<string, KindPrinter> = {
  tbf: { text: (o, c) => tbfText(decodeTbf(need(o, 'tbf'), c)), json: (o, c) => tbfJson(decodeTbf(need(o, 'tbf'), c)) },
  htb: { text: (o) => htbQdiscText(decodeHtbQdisc(need(o, 'htb'))), json: (o) => htbQdiscJson(decodeHtbQdisc(need(o, 'htb'))) },
  netem: { text: (o, c) => netemText(decodeNetem(need(o, 'netem'), c)), json: (o, c) => netemJson(decodeNetem(need(o, 'netem'), c)) },
  pfifo: { text: (o) => (o ? fifoText('pfifo', decodeFifo(o)) : ''), json: (o) => (o ? fifoJson(decodeFifo(o)) : {}) },
  bfifo: { text: (o) => (o ? fifoText('bfifo', decodeFifo(o)) : ''), json: (o) => (o ? fifoJson(decodeFifo(o)) : {}) },
  ingress: { text: () => ingressText(), json: () => ({}) },
  clsact: { text: () => clsactText(), json: () => ({}) },
};

const CLASS_PRINTERS: Record<string, KindPrinter> = {
  htb: { text: (o, c) => htbClassText(decodeHtbClass(need(o, 'htb class'), c)), json: (o, c) => htbClassJson(decodeHtbClass(need(o, 'htb class'), c)) },
};

export interface PrintOptions {
  /** interface names by index: printed as "dev NAME" when given (tc does so when no dev was selected) */
  devNames?: Map<number, string>;
  stats?: boolean;
  clock?: Psched;
}

function placeText(o: TcObject): string {
  return o.parent === TC_H_ROOT ? 'root' : `parent ${formatHandle(o.parent)}`;
}

/** root: true, or the parent's handle, into `out` */
function placeJson(o: TcObject, out: Record<string, unknown>): void {
  if (o.parent === TC_H_ROOT) out.root = true;
  else out.parent = formatHandle(o.parent);
}

function devName(o: TcObject, devNames: Map<number, string>): string {
  return devNames.get(o.ifindex) ?? `if${o.ifindex}`;
}

function statsText(s: TcStats | undefined): string {
  const x = s ?? NO_STATS;
  return `\n Sent ${x.bytes} bytes ${x.packets} pkt (dropped ${x.drops}, overlimits ${x.overlimits} requeues ${x.requeues})\n backlog ${formatSize(x.backlog)} ${x.qlen}p requeues ${x.requeues}`;
}

function statsJson(s: TcStats | undefined): Record<string, number> {
  const x = s ?? NO_STATS;
  return { bytes: x.bytes, packets: x.packets, drops: x.drops, overlimits: x.overlimits, requeues: x.requeues, backlog: x.backlog, qlen: x.qlen };
}

function optionsText(printers: Record<string, KindPrinter>, o: TcObject, clock: Psched): string {
  const p = printers[o.kind];
  return p ? p.text(o.options, clock) : '';
}

function optionsJson(printers: Record<string, KindPrinter>, o: TcObject, clock: Psched): Record<string, unknown> {
  const p = printers[o.kind];
  return p ? p.json(o.options, clock) : {};
}

/** `qdisc tbf 8001: dev eth0 root refcnt 2 rate 1Mbit burst 4Kb lat 400ms`, one line per qdisc. */
export function qdiscText(q: TcObject, opts: PrintOptions = {}): string {
  const clock = opts.clock ?? psched();
  const parts = [`qdisc ${q.kind} ${formatHandle(q.handle)}`];
  if (opts.devNames) parts.push(`dev ${devName(q, opts.devNames)}`);
  parts.push(placeText(q));
  if (q.parent === TC_H_ROOT && q.info > 1) parts.push(`refcnt ${q.info}`);
  const o = optionsText(QDISC_PRINTERS, q, clock);
  if (o) parts.push(o);
  return parts.join(' ') + (opts.stats ? statsText(q.stats) : '');
}

export function qdiscJson(q: TcObject, opts: PrintOptions = {}): Record<string, unknown> {
  const clock = opts.clock ?? psched();
  const out: Record<string, unknown> = { kind: q.kind, handle: formatHandle(q.handle) };
  if (opts.devNames) out.dev = devName(q, opts.devNames);
  placeJson(q, out);
  if (q.parent === TC_H_ROOT && q.info > 1) out.refcnt = q.info;
  out.options = optionsJson(QDISC_PRINTERS, q, clock);
  return opts.stats ? { ...out, ...statsJson(q.stats) } : out;
}

/** `class htb 1:10 parent 1:1 leaf 20: prio 1 rate 1Mbit ceil 2Mbit burst 15Kb cburst 1600b`. */
export function classText(c: TcObject, opts: PrintOptions = {}): string {
  const clock = opts.clock ?? psched();
  const parts = [`class ${c.kind} ${formatHandle(c.handle)}`];
  if (opts.devNames) parts.push(`dev ${devName(c, opts.devNames)}`);
  parts.push(placeText(c));
  if (c.info) parts.push(`leaf ${formatHandle(c.info)}`);
  const o = optionsText(CLASS_PRINTERS, c, clock);
  if (o) parts.push(o);
  return parts.join(' ') + (opts.stats ? statsText(c.stats) : '');
}

export function classJson(c: TcObject, opts: PrintOptions = {}): Record<string, unknown> {
  const clock = opts.clock ?? psched();
  const out: Record<string, unknown> = { class: c.kind, handle: formatHandle(c.handle) };
  if (opts.devNames) out.dev = devName(c, opts.devNames);
  placeJson(c, out);
  if (c.info) out.leaf = formatHandle(c.info);
  Object.assign(out, optionsJson(CLASS_PRINTERS, c, clock));
  return opts.stats ? { ...out, ...statsJson(c.stats) } : out;
}

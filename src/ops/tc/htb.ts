// htb, the hierarchy token bucket (tc-htb(8)). The qdisc takes TCA_HTB_INIT (struct tc_htb_glob: version 3,
// rate-to-quantum divisor, default class minor) and optionally TCA_HTB_DIRECT_QLEN. A class takes
// TCA_HTB_PARMS (struct tc_htb_opt: rate and ceil ratespecs, buffer and cbuffer in psched ticks, quantum,
// level, prio), the 64-bit rates when needed, and the rate and ceil tables.
import { parseAttrs } from '../../netlink/attributes.js';
import { NetlinkDecodeError } from '../../netlink/errors.js';
import type { MessageWriter } from '../../netlink/writer.js';
import { linkLayerOf, type Psched, psched, rateTable, readRatespec, shownLinklayer, writeRatespec, xmitSize, xmitTime } from './rate.js';
import { formatRate, formatSize } from './units.js';

export const TCA_HTB_PARMS = 1;
export const TCA_HTB_INIT = 2;
export const TCA_HTB_CTAB = 3;
export const TCA_HTB_RTAB = 4;
export const TCA_HTB_DIRECT_QLEN = 5;
export const TCA_HTB_RATE64 = 6;
export const TCA_HTB_CEIL64 = 7;

export const TC_HTB_PROTOVER = 3;
const TC_HTB_GLOB_LEN = 20;
const TC_HTB_OPT_LEN = 44;
/** tc's default MTU for htb's rate tables and default bursts */
export const HTB_DEFAULT_MTU = 1600;

export interface HtbQdiscSpec {
  /** minor number of the class unclassified traffic goes to (0: sent unshaped, "direct") */
  defaultClass?: number;
  /** divisor from rate to quantum; 10 unless given */
  r2q?: number;
  directQlen?: number;
}

export function writeHtbQdisc(w: MessageWriter, spec: HtbQdiscSpec): void {
  w.begin(TCA_HTB_INIT).u32(TC_HTB_PROTOVER).u32(spec.r2q ?? 10).u32(spec.defaultClass ?? 0).u32(0).u32(0).end();
  if (spec.directQlen !== undefined) w.attrU32(TCA_HTB_DIRECT_QLEN, spec.directQlen);
}

export interface HtbQdiscInfo {
  version: number;
  r2q: number;
  defaultClass: number;
  directPackets: number;
  directQlen?: number;
}

export function decodeHtbQdisc(options: Uint8Array): HtbQdiscInfo {
  const a = parseAttrs(options);
  const g = a.raw(TCA_HTB_INIT);
  if (!g || g.length < TC_HTB_GLOB_LEN) throw new NetlinkDecodeError('htb options without TCA_HTB_INIT');
  const v = new DataView(g.buffer, g.byteOffset, g.byteLength);
  return {
    version: v.getUint32(0, true),
    r2q: v.getUint32(4, true),
    defaultClass: v.getUint32(8, true),
    directPackets: v.getUint32(16, true),
    directQlen: a.u32(TCA_HTB_DIRECT_QLEN),
  };
}

export function htbQdiscText(i: HtbQdiscInfo): string {
  let s = `r2q ${i.r2q} default 0x${i.defaultClass.toString(16)} direct_packets_stat ${i.directPackets}`;
  if (i.directQlen !== undefined) s += ` direct_qlen ${i.directQlen}`;
  return s;
}

export function htbQdiscJson(i: HtbQdiscInfo): Record<string, unknown> {
  const o: Record<string, unknown> = { r2q: i.r2q, default: `0x${i.defaultClass.toString(16)}`, direct_packets_stat: i.directPackets };
  if (i.directQlen !== undefined) o.direct_qlen = i.directQlen;
  return o;
}

export interface HtbClassSpec {
  /** guaranteed rate, bytes/s */
  rate: number;
  /** upper limit when borrowing, bytes/s; the rate unless given */
  ceil?: number;
  /** bytes that may be sent at full speed at once; rate/HZ + mtu unless given */
  burst?: number;
  burstCellLog?: number;
  cburst?: number;
  cburstCellLog?: number;
  /** 0 (highest) to 7 */
  prio?: number;
  quantum?: number;
  /** for the rate tables and default bursts; 1600 unless given */
  mtu?: number;
  mpu?: number;
  overhead?: number;
  linklayer?: number;
}

export function writeHtbClass(w: MessageWriter, spec: HtbClassSpec, clock: Psched = psched()): void {
  const mtu = spec.mtu ?? HTB_DEFAULT_MTU;
  const rate = spec.rate;
  const ceil = spec.ceil ?? rate;
  const buffer = spec.burst ?? Math.floor(rate / clock.hz) + mtu;
  const cbuffer = spec.cburst ?? Math.floor(ceil / clock.hz) + mtu;
  const common = linkLayerOf(spec);
  const rtab = rateTable({ rate, cellLog: spec.burstCellLog, ...common }, mtu, clock);
  const ctab = rateTable({ rate: ceil, cellLog: spec.cburstCellLog, ...common }, mtu, clock);
  if (rate >= 2 ** 32) w.attrU64(TCA_HTB_RATE64, BigInt(rate));
  if (ceil >= 2 ** 32) w.attrU64(TCA_HTB_CEIL64, BigInt(ceil));
  w.begin(TCA_HTB_PARMS);
  writeRatespec(w, { rate, ...common }, rtab.cellLog);
  writeRatespec(w, { rate: ceil, ...common }, ctab.cellLog);
  // Unlike tbf's, htb's tick fields come from the exact (64-bit) rates, as tc computes them.
  w.u32(xmitTime(rate, buffer, clock))
    .u32(xmitTime(ceil, cbuffer, clock))
    .u32(spec.quantum ?? 0)
    .u32(0) // level: set by the kernel
    .u32(spec.prio ?? 0);
  w.end();
  w.attr(TCA_HTB_RTAB, rtab.table);
  w.attr(TCA_HTB_CTAB, ctab.table);
}

export interface HtbClassInfo {
  rate: number;
  ceil: number;
  burst: number;
  cburst: number;
  quantum: number;
  level: number;
  prio: number;
  overhead: number;
  linklayer: number;
}

export function decodeHtbClass(options: Uint8Array, clock: Psched = psched()): HtbClassInfo {
  const a = parseAttrs(options);
  const p = a.raw(TCA_HTB_PARMS);
  if (!p || p.length < TC_HTB_OPT_LEN) throw new NetlinkDecodeError('htb class options without TCA_HTB_PARMS');
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const r = readRatespec(v, 0);
  const c = readRatespec(v, 12);
  const rate = Number(a.u64(TCA_HTB_RATE64) ?? r.rate);
  const ceil = Number(a.u64(TCA_HTB_CEIL64) ?? c.rate);
  return {
    rate,
    ceil,
    burst: xmitSize(rate, v.getUint32(24, true), clock),
    cburst: xmitSize(ceil, v.getUint32(28, true), clock),
    quantum: v.getUint32(32, true),
    level: v.getUint32(36, true),
    prio: v.getUint32(40, true),
    overhead: r.overhead,
    linklayer: r.linklayer,
  };
}

export function htbClassText(i: HtbClassInfo): string {
  // tc's order: the overhead after the rate, the link layer after the ceil
  let s = i.level === 0 ? `prio ${i.prio} ` : '';
  s += `rate ${formatRate(i.rate)}`;
  if (i.overhead) s += ` overhead ${i.overhead}`;
  s += ` ceil ${formatRate(i.ceil)}`;
  const ll = shownLinklayer(i.linklayer);
  if (ll) s += ` linklayer ${ll}`;
  return `${s} burst ${formatSize(i.burst)} cburst ${formatSize(i.cburst)}`;
}

export function htbClassJson(i: HtbClassInfo): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (i.level === 0) o.prio = i.prio;
  Object.assign(o, { rate: i.rate, ceil: i.ceil, burst: i.burst, cburst: i.cburst });
  if (i.overhead) o.overhead = i.overhead;
  const ll = shownLinklayer(i.linklayer);
  if (ll) o.linklayer = ll;
  return o;
}

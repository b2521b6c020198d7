// tbf, the token bucket filter (tc-tbf(8)). TCA_OPTIONS holds TCA_TBF_PARMS (struct tc_tbf_qopt: rate and
// peakrate ratespecs, limit in bytes, buffer and mtu in psched ticks), TCA_TBF_BURST (the bucket in bytes,
// which the kernel prefers to the ticks), the 64-bit rates when a rate needs them, and the rate tables.
import { parseAttrs } from '../../netlink/attributes.js';
import { NetlinkDecodeError } from '../../netlink/errors.js';
import type { MessageWriter } from '../../netlink/writer.js';
import {
  linkLayerOf, type Psched, psched, rate32, rateTable, readRatespec, shownLinklayer, ticksToTime, writeRatespec, xmitSize, xmitTime,
} from './rate.js';
import { formatRate, formatSize, formatTime } from './units.js';

export const TCA_TBF_PARMS = 1;
export const TCA_TBF_RTAB = 2;
export const TCA_TBF_PTAB = 3;
export const TCA_TBF_RATE64 = 4;
export const TCA_TBF_PRATE64 = 5;
export const TCA_TBF_BURST = 6;
export const TCA_TBF_PBURST = 7;

const TC_TBF_QOPT_LEN = 36;

export interface TbfSpec {
  /** bytes per second */
  rate: number;
  /** bucket size in bytes */
  burst: number;
  /** log2 of the rate table's cell (from "burst SIZE/CELL") */
  cellLog?: number;
  /** queue limit in bytes; or give latency and the limit is derived */
  limit?: number;
  /** longest time a packet may wait, in microseconds */
  latency?: number;
  peakrate?: number;
  /** the peak bucket (minburst) in bytes; required with peakrate */
  mtu?: number;
  mtuCellLog?: number;
  mpu?: number;
  overhead?: number;
  linklayer?: number;
}

/** The queue limit tc derives from a latency: what the rate sends in that time plus the bucket. */
export function tbfLimit(spec: TbfSpec): number {
  if (spec.limit !== undefined) return spec.limit;
  const latency = spec.latency ?? 0;
  let lim = (spec.rate * latency) / 1e6 + spec.burst;
  if (spec.peakrate) {
    const lim2 = (spec.peakrate * latency) / 1e6 + (spec.mtu ?? 0);
    if (lim2 < lim) lim = lim2;
  }
  return Math.min(0xffffffff, Math.floor(lim));
}

/** Writes the contents of TCA_OPTIONS for tbf. */
export function writeTbf(w: MessageWriter, spec: TbfSpec, clock: Psched = psched()): void {
  const common = linkLayerOf(spec);
  const mtu = spec.mtu ?? 0;
  const rtab = rateTable({ rate: spec.rate, cellLog: spec.cellLog, ...common }, mtu, clock);
  const ptab = spec.peakrate ? rateTable({ rate: spec.peakrate, cellLog: spec.mtuCellLog, ...common }, mtu, clock) : undefined;
  // The tick fields are computed from the 32-bit rate fields, as tc computes them; the kernel prefers
  // TCA_TBF_BURST / TCA_TBF_PBURST (bytes) and the exact 64-bit rates anyway.
  w.begin(TCA_TBF_PARMS);
  writeRatespec(w, { rate: spec.rate, ...common }, rtab.cellLog);
  if (spec.peakrate && ptab) writeRatespec(w, { rate: spec.peakrate, ...common }, ptab.cellLog);
  else w.bytes(new Uint8Array(12));
  w.u32(tbfLimit(spec))
    .u32(xmitTime(rate32(spec.rate), spec.burst, clock))
    .u32(spec.peakrate ? xmitTime(rate32(spec.peakrate), mtu, clock) : 0);
  w.end();
  w.attrU32(TCA_TBF_BURST, spec.burst);
  if (spec.rate >= 2 ** 32) w.attrU64(TCA_TBF_RATE64, BigInt(spec.rate));
  w.attr(TCA_TBF_RTAB, rtab.table);
  if (spec.peakrate && ptab) {
    if (spec.peakrate >= 2 ** 32) w.attrU64(TCA_TBF_PRATE64, BigInt(spec.peakrate));
    w.attrU32(TCA_TBF_PBURST, mtu);
    w.attr(TCA_TBF_PTAB, ptab.table);
  }
}

export interface TbfInfo {
  rate: number;
  burst: number;
  peakrate?: number;
  minburst?: number;
  limit: number;
  /** derived as tc does: how long a full queue takes to drain (undefined when negative) */
  latency?: number;
  mpu: number;
  overhead: number;
  linklayer: number;
}

export function decodeTbf(options: Uint8Array, clock: Psched = psched()): TbfInfo {
  const a = parseAttrs(options);
  const parms = a.raw(TCA_TBF_PARMS);
  if (!parms || parms.length < TC_TBF_QOPT_LEN) throw new NetlinkDecodeError(`tbf options without a ${TC_TBF_QOPT_LEN}-byte TCA_TBF_PARMS`);
  const v = new DataView(parms.buffer, parms.byteOffset, parms.byteLength);
  const r = readRatespec(v, 0);
  const p = readRatespec(v, 12);
  const limit = v.getUint32(24, true);
  const buffer = v.getUint32(28, true);
  const mtuTicks = v.getUint32(32, true);
  const rate = Number(a.u64(TCA_TBF_RATE64) ?? r.rate);
  const prate = Number(a.u64(TCA_TBF_PRATE64) ?? p.rate);
  let latency = (1e6 * limit) / rate - ticksToTime(buffer, clock);
  if (prate) {
    const lat2 = (1e6 * limit) / prate - ticksToTime(mtuTicks, clock);
    if (lat2 > latency) latency = lat2;
  }
  return {
    rate,
    burst: xmitSize(rate, buffer, clock),
    peakrate: prate || undefined,
    minburst: prate ? xmitSize(prate, mtuTicks, clock) : undefined,
    limit,
    latency: latency >= 0 ? Math.floor(latency) : undefined,
    mpu: r.mpu,
    overhead: r.overhead,
    linklayer: r.linklayer,
  };
}

export function tbfText(i: TbfInfo): string {
  let s = `rate ${formatRate(i.rate)} burst ${formatSize(i.burst)}`;
  if (i.peakrate) s += ` peakrate ${formatRate(i.peakrate)} minburst ${formatSize(i.minburst ?? 0)}`;
  s += i.latency !== undefined ? ` lat ${formatTime(i.latency)}` : ` limit ${formatSize(i.limit)}`;
  if (i.mpu) s += ` mpu ${formatSize(i.mpu)}`;
  if (i.overhead) s += ` overhead ${i.overhead}`;
  const ll = shownLinklayer(i.linklayer);
  if (ll) s += ` linklayer ${ll}`;
  return s;
}

export function tbfJson(i: TbfInfo): Record<string, unknown> {
  const o: Record<string, unknown> = { rate: i.rate, burst: i.burst };
  if (i.peakrate) {
    o.peakrate = i.peakrate;
    o.minburst = i.minburst;
  }
  if (i.latency !== undefined) o.lat = i.latency;
  else o.limit = i.limit;
  if (i.mpu) o.mpu = i.mpu;
  if (i.overhead) o.overhead = i.overhead;
  const ll = shownLinklayer(i.linklayer);
  if (ll) o.linklayer = ll;
  return o;
}

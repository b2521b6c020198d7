// netem, the network emulator (tc-netem(8)). Its TCA_OPTIONS is unusual: a struct tc_netem_qopt (six u32:
// latency and jitter in psched ticks, limit in packets, loss and duplicate probabilities, reorder gap)
// comes first, and the nested TCA_NETEM_* attributes follow it inside the same TCA_OPTIONS.
// Probabilities are scaled to u32 (0 = never, 0xffffffff = always); correlations likewise.
import { parseAttrs } from '../../netlink/attributes.js';
import { NetlinkDecodeError } from '../../netlink/errors.js';
import type { MessageWriter } from '../../netlink/writer.js';
import { type Psched, psched, rate32 } from './rate.js';
import { formatPercent, formatRate, formatTime } from './units.js';

export const TCA_NETEM_CORR = 1;
export const TCA_NETEM_DELAY_DIST = 2;
export const TCA_NETEM_REORDER = 3;
export const TCA_NETEM_CORRUPT = 4;
export const TCA_NETEM_LOSS = 5;
export const TCA_NETEM_RATE = 6;
export const TCA_NETEM_ECN = 7;
export const TCA_NETEM_RATE64 = 8;
export const TCA_NETEM_LATENCY64 = 10;
export const TCA_NETEM_JITTER64 = 11;
export const TCA_NETEM_SLOT = 12;

const TC_NETEM_QOPT_LEN = 24;
export const NETEM_DEFAULT_LIMIT = 1000;

export interface NetemSpec {
  /** queue limit in packets (1000 unless given) */
  limit?: number;
  /** added delay and its jitter, microseconds */
  delay?: number;
  jitter?: number;
  /** probabilities and correlations are fractions from 0 to 1 */
  delayCorrelation?: number;
  loss?: number;
  lossCorrelation?: number;
  duplicate?: number;
  duplicateCorrelation?: number;
  corrupt?: number;
  corruptCorrelation?: number;
  reorder?: number;
  reorderCorrelation?: number;
  /** reorder every gap-th packet (1 when reorder is given without gap) */
  gap?: number;
  /** bytes/s */
  rate?: number;
  packetOverhead?: number;
  cellSize?: number;
  cellOverhead?: number;
  ecn?: boolean;
}

/** A fraction 0..1 as netem's u32 scale, rounded to nearest with ties to even (as rint does). */
export function probability(p: number): number {
  const x = p * 0xffffffff;
  const f = Math.floor(x);
  const d = x - f;
  const n = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.min(0xffffffff, Math.max(0, n));
}

export function writeNetem(w: MessageWriter, spec: NetemSpec, clock: Psched = psched()): void {
  const latencyTicks = spec.delay ? Math.floor(spec.delay * clock.ticksPerUs) : 0;
  const jitterTicks = spec.jitter ? Math.floor(spec.jitter * clock.ticksPerUs) : 0;
  const gap = spec.gap ?? (spec.reorder !== undefined ? 1 : 0);
  w.u32(Math.min(latencyTicks, 0xffffffff))
    .u32(spec.limit ?? NETEM_DEFAULT_LIMIT)
    .u32(probability(spec.loss ?? 0))
    .u32(gap)
    .u32(probability(spec.duplicate ?? 0))
    .u32(Math.min(jitterTicks, 0xffffffff));
  if (spec.delayCorrelation !== undefined || spec.lossCorrelation !== undefined || spec.duplicateCorrelation !== undefined) {
    w.begin(TCA_NETEM_CORR)
      .u32(probability(spec.delayCorrelation ?? 0))
      .u32(probability(spec.lossCorrelation ?? 0))
      .u32(probability(spec.duplicateCorrelation ?? 0))
      .end();
  }
  if (spec.reorder !== undefined) {
    w.begin(TCA_NETEM_REORDER).u32(probability(spec.reorder)).u32(probability(spec.reorderCorrelation ?? 0)).end();
  }
  if (spec.corrupt !== undefined) {
    w.begin(TCA_NETEM_CORRUPT).u32(probability(spec.corrupt)).u32(probability(spec.corruptCorrelation ?? 0)).end();
  }
  if (spec.ecn) w.attrU32(TCA_NETEM_ECN, 1);
  if (spec.rate !== undefined) {
    if (spec.rate >= 2 ** 32) w.attrU64(TCA_NETEM_RATE64, BigInt(spec.rate));
    w.begin(TCA_NETEM_RATE)
      .u32(rate32(spec.rate))
      .i32(spec.packetOverhead ?? 0)
      .u32(spec.cellSize ?? 0)
      .i32(spec.cellOverhead ?? 0)
      .end();
  }
  // Delays beyond the u32 tick field (about 274 s) go as nanoseconds in the 64-bit attributes.
  if (latencyTicks > 0xffffffff) w.attrU64(TCA_NETEM_LATENCY64, BigInt(Math.floor(spec.delay!)) * 1000n);
  if (jitterTicks > 0xffffffff) w.attrU64(TCA_NETEM_JITTER64, BigInt(Math.floor(spec.jitter!)) * 1000n);
}

export interface NetemInfo {
  limit: number;
  /** microseconds */
  delay: number;
  jitter: number;
  delayCorrelation: number;
  loss: number;
  lossCorrelation: number;
  duplicate: number;
  duplicateCorrelation: number;
  reorder: number;
  reorderCorrelation: number;
  corrupt: number;
  corruptCorrelation: number;
  gap: number;
  rate?: { rate: number; packetOverhead: number; cellSize: number; cellOverhead: number };
  ecn: boolean;
}

const frac = (n: number) => n / 0xffffffff;

export function decodeNetem(options: Uint8Array, clock: Psched = psched()): NetemInfo {
  if (options.length < TC_NETEM_QOPT_LEN) throw new NetlinkDecodeError(`netem options of ${options.length} bytes, expected at least ${TC_NETEM_QOPT_LEN}`);
  const v = new DataView(options.buffer, options.byteOffset, options.byteLength);
  const a = parseAttrs(options, TC_NETEM_QOPT_LEN);
  const pair = (type: number, n: number): number[] => {
    const d = a.raw(type);
    if (!d) return new Array(n).fill(0);
    if (d.length < 4 * n) throw new NetlinkDecodeError(`netem attribute ${type} of ${d.length} bytes`);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return Array.from({ length: n }, (_, i) => dv.getUint32(i * 4, true));
  };
  const [dc, lc, uc] = pair(TCA_NETEM_CORR, 3);
  const [rp, rc] = pair(TCA_NETEM_REORDER, 2);
  const [cp, cc] = pair(TCA_NETEM_CORRUPT, 2);
  const lat64 = a.u64(TCA_NETEM_LATENCY64);
  const jit64 = a.u64(TCA_NETEM_JITTER64);
  const rateRaw = a.raw(TCA_NETEM_RATE);
  let rate: NetemInfo['rate'];
  // the kernel always reports TCA_NETEM_RATE; a rate of 0 means none
  if (rateRaw && rateRaw.length >= 16 && (rateRaw.some((b) => b !== 0) || a.has(TCA_NETEM_RATE64))) {
    const rv = new DataView(rateRaw.buffer, rateRaw.byteOffset, rateRaw.byteLength);
    rate = {
      rate: Number(a.u64(TCA_NETEM_RATE64) ?? rv.getUint32(0, true)),
      packetOverhead: rv.getInt32(4, true),
      cellSize: rv.getUint32(8, true),
      cellOverhead: rv.getInt32(12, true),
    };
  }
  return {
    limit: v.getUint32(4, true),
    delay: lat64 !== undefined ? Number(lat64) / 1000 : v.getUint32(0, true) / clock.ticksPerUs,
    jitter: jit64 !== undefined ? Number(jit64) / 1000 : v.getUint32(20, true) / clock.ticksPerUs,
    delayCorrelation: frac(dc),
    loss: frac(v.getUint32(8, true)),
    lossCorrelation: frac(lc),
    duplicate: frac(v.getUint32(16, true)),
    duplicateCorrelation: frac(uc),
    reorder: frac(rp),
    reorderCorrelation: frac(rc),
    corrupt: frac(cp),
    corruptCorrelation: frac(cc),
    gap: v.getUint32(12, true),
    rate,
    ecn: a.has(TCA_NETEM_ECN),
  };
}

const pct = (p: number) => formatPercent(Number(p.toPrecision(6)));

export function netemText(i: NetemInfo): string {
  let s = `limit ${i.limit}`;
  if (i.delay) {
    s += ` delay ${formatTime(i.delay)}`;
    if (i.jitter) {
      s += `  ${formatTime(i.jitter)}`;
      if (i.delayCorrelation) s += ` ${pct(i.delayCorrelation)}`;
    }
  }
  const two = (name: string, p: number, c: number) => {
    if (!p) return;
    s += ` ${name} ${pct(p)}`;
    if (c) s += ` ${pct(c)}`;
  };
  two('loss', i.loss, i.lossCorrelation);
  two('duplicate', i.duplicate, i.duplicateCorrelation);
  two('reorder', i.reorder, i.reorderCorrelation);
  two('corrupt', i.corrupt, i.corruptCorrelation);
  if (i.rate) {
    s += ` rate ${formatRate(i.rate.rate)}`;
    if (i.rate.packetOverhead) s += ` packetoverhead ${i.rate.packetOverhead}`;
    if (i.rate.cellSize) s += ` cellsize ${i.rate.cellSize}`;
    if (i.rate.cellOverhead) s += ` celloverhead ${i.rate.cellOverhead}`;
  }
  if (i.ecn) s += ' ecn';
  if (i.gap) s += ` gap ${i.gap}`;
  return s;
}

export function netemJson(i: NetemInfo): Record<string, unknown> {
  const round = (x: number) => Number(x.toPrecision(6));
  const o: Record<string, unknown> = { limit: i.limit };
  // as tc -j: an object per effect that is in use
  if (i.delay) o.delay = { delay: round(i.delay / 1e6), jitter: round(i.jitter / 1e6), correlation: round(i.delayCorrelation) };
  if (i.loss) o['loss-random'] = { loss: round(i.loss), correlation: round(i.lossCorrelation) };
  if (i.duplicate) o.duplicate = { duplicate: round(i.duplicate), correlation: round(i.duplicateCorrelation) };
  if (i.reorder) o.reorder = { reorder: round(i.reorder), correlation: round(i.reorderCorrelation) };
  if (i.corrupt) o.corrupt = { corrupt: round(i.corrupt), correlation: round(i.corruptCorrelation) };
  if (i.rate) o.rate = { rate: i.rate.rate, packetoverhead: i.rate.packetOverhead, cellsize: i.rate.cellSize, celloverhead: i.rate.cellOverhead };
  o.ecn = i.ecn;
  o.gap = i.gap;
  return o;
}

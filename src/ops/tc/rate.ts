// Packet scheduler clock and rate tables.
//
// Old-style qdisc parameters (tbf's buffer, htb's buffer/cbuffer, netem's latency) are in psched ticks,
// and tbf/htb also take a rate table: 256 u32 transmission times, entry i for a packet of (i+1) << cell_log
// bytes. The kernel publishes its tick in /proc/net/psched: four hex words t2us, us2t, clock resolution,
// and hz. A microsecond is t2us/us2t ticks, scaled by the clock resolution when that is 1 GHz (then the
// first word is taken to equal the second), as tc(8) reads it. On kernels since 2.6.x with high-resolution
// timers the file says 000003e8 00000040 000f4240 3b9aca00: 1000/64 = 15.625 ticks per microsecond
// (a tick is 64 ns, PSCHED_SHIFT 6 in the kernel).
//
// struct tc_ratespec (linux/pkt_sched.h): u8 cell_log, u8 linklayer, u16 overhead, s16 cell_align,
// u16 mpu, u32 rate (bytes/s; rates from 2^32 bytes/s on go in a separate u64 attribute and this
// field holds ~0).
import { readFileSync } from 'node:fs';
import type { MessageWriter } from '../../netlink/writer.js';

export const TC_LINKLAYER_UNAWARE = 0;
export const TC_LINKLAYER_ETHERNET = 1;
export const TC_LINKLAYER_ATM = 2;

export const TC_RATESPEC_LEN = 12;
export const TC_RTAB_SIZE = 1024;

const TIME_UNITS_PER_SEC = 1e6;
const ATM_CELL_SIZE = 53;
const ATM_CELL_PAYLOAD = 48;

export interface Psched {
  /** psched ticks per microsecond */
  ticksPerUs: number;
  /** the kernel's timer frequency as tc derives it from the 4th word (for htb's default bursts) */
  hz: number;
}

/** Parses the text of /proc/net/psched. */
export function parsePsched(text: string): Psched {
  const words = text.trim().split(/\s+/).map((w) => parseInt(w, 16));
  if (words.length < 3 || words.slice(0, 3).some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`unexpected /proc/net/psched contents: ${JSON.stringify(text)}`);
  }
  let [t2us] = words;
  const [, us2t, clockRes] = words;
  if (clockRes === 1e9) t2us = us2t;
  const clockFactor = clockRes / TIME_UNITS_PER_SEC;
  const hz = clockRes === 1e6 && words.length >= 4 && words[3] > 0 ? words[3] : 100;
  return { ticksPerUs: (t2us / us2t) * clockFactor, hz };
}

let cached: Psched | undefined;

/** The running kernel's psched clock (read once; a kernel constant). */
export function psched(): Psched {
  if (!cached) {
    let text: string;
    try {
      text = readFileSync('/proc/net/psched', 'utf8');
    } catch {
      text = '000003e8 00000040 000f4240 3b9aca00'; // every kernel with high-resolution timers says this
    }
    cached = parsePsched(text);
  }
  return cached;
}

/** Microseconds -> ticks, whole ticks (both steps truncate, as the u32 fields need). */
export function timeToTicks(us: number, clock: Psched = psched()): number {
  return Math.min(0xffffffff, Math.floor(Math.floor(us) * clock.ticksPerUs));
}

/** Ticks -> microseconds, whole microseconds (tc prints times and bursts from these). */
export function ticksToTime(ticks: number, clock: Psched = psched()): number {
  return Math.floor(ticks / clock.ticksPerUs);
}

/**
 * Ticks to send `size` bytes at `rate` bytes/s: whole microseconds first, then ticks. The seconds are
 * computed as size/rate in floating point and then scaled, so a result like 15935.999... truncates to
 * 15935 us; tc computes it in this order, and the rate tables must match what tc sends to the byte.
 */
export function xmitTime(rate: number, size: number, clock: Psched = psched()): number {
  if (rate <= 0) return 0;
  return timeToTicks(Math.floor(TIME_UNITS_PER_SEC * (size / rate)), clock);
}

/**
 * Bytes sent at `rate` bytes/s during `ticks`: the inverse, for printing bursts. The time is whole
 * microseconds first, as tc computes it, so a 200000-byte burst at 50gbit that the kernel keeps as 499
 * ticks (31.9 us) prints as 193750 bytes, as tc prints it.
 */
export function xmitSize(rate: number, ticks: number, clock: Psched = psched()): number {
  return Math.floor((rate * ticksToTime(ticks, clock)) / TIME_UNITS_PER_SEC);
}

export interface RateSpec {
  /** bytes per second (any size; the u32 field is clamped) */
  rate: number;
  /** log2 of the rate table's cell size; derived from the MTU when not given */
  cellLog?: number;
  linklayer?: number;
  overhead?: number;
  mpu?: number;
}

/** The rate field of tc_ratespec: the rate, or ~0 when it needs the 64-bit attribute. */
export const rate32 = (rate: number) => (rate >= 2 ** 32 ? 0xffffffff : rate);

/** The smallest cell_log whose 256 cells cover the MTU (2047 bytes when none is given). */
export function cellLogFor(mtu: number): number {
  const m = mtu > 0 ? mtu : 2047;
  let cl = 0;
  while (m >> cl > 255) cl++;
  return cl;
}

/** A packet's size on the wire for the rate table: at least the mpu, and in whole cells on ATM. */
function adjustSize(size: number, mpu: number, linklayer: number): number {
  const sz = Math.max(size, mpu);
  if (linklayer === TC_LINKLAYER_ATM) return Math.ceil(sz / ATM_CELL_PAYLOAD) * ATM_CELL_SIZE;
  return sz;
}

/**
 * The 256-entry rate table for a ratespec and the cell_log it used. The table is the kernel's legacy
 * interface: its times are computed from the 32-bit rate field (as tc does), so for rates from 2^32
 * bytes/s they describe ~4.29 GB/s; the kernel itself uses the exact 64-bit rate.
 */
export function rateTable(spec: RateSpec, mtu: number, clock: Psched = psched()): { table: Uint8Array; cellLog: number } {
  const cellLog = spec.cellLog ?? cellLogFor(mtu);
  const r = rate32(spec.rate);
  const out = new Uint8Array(TC_RTAB_SIZE);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 256; i++) {
    const size = adjustSize((i + 1) << cellLog, spec.mpu ?? 0, spec.linklayer ?? TC_LINKLAYER_ETHERNET);
    v.setUint32(i * 4, xmitTime(r, size, clock), true);
  }
  return { table: out, cellLog };
}

/** Writes a struct tc_ratespec. */
export function writeRatespec(w: MessageWriter, spec: RateSpec, cellLog: number): void {
  w.u8(cellLog)
    .u8(spec.linklayer ?? TC_LINKLAYER_ETHERNET)
    .u16(spec.overhead ?? 0)
    .u16(0xffff) // cell_align -1
    .u16(spec.mpu ?? 0)
    .u32(rate32(spec.rate));
}

export interface DecodedRatespec {
  cellLog: number;
  linklayer: number;
  overhead: number;
  cellAlign: number;
  mpu: number;
  rate: number;
}

export function readRatespec(v: DataView, at: number): DecodedRatespec {
  return {
    cellLog: v.getUint8(at),
    linklayer: v.getUint8(at + 1) & 0x0f,
    overhead: v.getUint16(at + 2, true),
    cellAlign: v.getInt16(at + 4, true),
    mpu: v.getUint16(at + 6, true),
    rate: v.getUint32(at + 8, true),
  };
}

export function linklayerName(l: number): string | undefined {
  return l === TC_LINKLAYER_ATM ? 'atm' : l === TC_LINKLAYER_ETHERNET ? 'ethernet' : undefined;
}

/** The link layer as tc prints it after a rate: only when it is not ethernet, the default. */
export function shownLinklayer(l: number): string | undefined {
  const name = linklayerName(l);
  return name === 'ethernet' ? undefined : name;
}

/** mpu, overhead and link layer (ethernet unless given): one set per qdisc or class, in each of its ratespecs and rate tables. */
export function linkLayerOf(spec: { mpu?: number; overhead?: number; linklayer?: number }): Omit<RateSpec, 'rate' | 'cellLog'> {
  return { mpu: spec.mpu, overhead: spec.overhead, linklayer: spec.linklayer ?? TC_LINKLAYER_ETHERNET };
}

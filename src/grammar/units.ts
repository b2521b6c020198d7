// tc's units (tc(8), "PARAMETERS"): rates, sizes, times and percentages, parsed the way tc does (printed by
// ops/tc/units.ts). Parsers throw an InputError naming the parameter and the accepted forms.
//   rates: bit (or a bare number), kbit mbit gbit tbit (x1000), kibit mibit gibit tibit (x1024), and the
//          same in bytes per second: bps kbps mbps gbps tbps kibps mibps gibps tibps. Result in bytes/s.
//   sizes: b (or bare), k/kb, m/mb, g/gb (x1024 bytes), kbit mbit gbit (x1024 bits). Result in bytes.
//   times: s/sec/secs, ms/msec/msecs, us/usec/usecs (or bare). Result in microseconds.
import { InputError } from '../util/errors.js';

const RATE_UNITS: Record<string, number> = {
  bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12,
  kibit: 1024, mibit: 1024 ** 2, gibit: 1024 ** 3, tibit: 1024 ** 4,
  bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9, tbps: 8e12,
  kibps: 8 * 1024, mibps: 8 * 1024 ** 2, gibps: 8 * 1024 ** 3, tibps: 8 * 1024 ** 4,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3,
  kbit: 1024 / 8, mbit: 1024 ** 2 / 8, gbit: 1024 ** 3 / 8,
};

const TIME_UNITS: Record<string, number> = {
  s: 1e6, sec: 1e6, secs: 1e6, ms: 1e3, msec: 1e3, msecs: 1e3, us: 1, usec: 1, usecs: 1,
};

const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

function split(text: string): { n: number; unit: string } | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  return { n: Number(m[0]), unit: text.slice(m[0].length).toLowerCase() };
}

/** A rate in bytes per second (tc keeps whole bytes: the fraction of a byte is dropped). */
export function parseRate(text: string, what = 'rate'): number {
  const s = split(text);
  if (s && s.unit.endsWith('%')) {
    throw new InputError(`tc: ${what} "${text}": a rate in percent of the link speed is not supported by pipework's native tc`, 'give the rate in bit/s, e.g. 10mbit');
  }
  const scale = s ? (s.unit === '' ? 1 : RATE_UNITS[s.unit]) : undefined;
  if (!s || scale === undefined) {
    throw new InputError(`tc: ${what} "${text}" is not a rate`, 'write a number with a unit: bit, kbit, mbit, gbit, tbit (or kibit...), bps, kbps, mbps, gbps (bytes/s)');
  }
  const bytes = Math.floor((s.n * scale) / 8);
  if (!Number.isFinite(bytes) || bytes > Number.MAX_SAFE_INTEGER) throw new InputError(`tc: ${what} "${text}" is too large`);
  if (bytes === 0) throw new InputError(`tc: ${what} "${text}" is zero`, 'give a rate of at least 8bit');
  return bytes;
}

/** A size in bytes, optionally with a cell size after a slash ("10kb/8"): then cellLog is log2(cell). */
export function parseSize(text: string, what = 'size'): { bytes: number; cellLog?: number } {
  const slash = text.indexOf('/');
  const main = slash < 0 ? text : text.slice(0, slash);
  const s = split(main);
  const scale = s ? (s.unit === '' ? 1 : SIZE_UNITS[s.unit]) : undefined;
  if (!s || scale === undefined) {
    throw new InputError(`tc: ${what} "${text}" is not a size`, 'write a number with an optional unit: b, k or kb, m or mb, g or gb (x1024 bytes), kbit, mbit, gbit');
  }
  const bytes = Math.floor(s.n * scale);
  if (bytes > 0xffffffff) throw new InputError(`tc: ${what} "${text}" is too large`, 'sizes are at most 4 GB');
  if (slash < 0) return { bytes };
  const cellText = text.slice(slash + 1);
  const cell = /^\d+$/.test(cellText) ? Number(cellText) : NaN;
  if (!(cell >= 1) || (cell & (cell - 1)) !== 0 || cell > 1 << 16) {
    throw new InputError(`tc: ${what} "${text}": cell size "${cellText}" is not a power of two`, 'write SIZE/CELL with CELL 1, 2, 4, ... e.g. 10kb/8');
  }
  return { bytes, cellLog: Math.log2(cell) };
}

/** A time in microseconds (tc's time unit), fractions dropped. */
export function parseTime(text: string, what = 'time'): number {
  const s = split(text);
  const scale = s ? (s.unit === '' ? 1 : TIME_UNITS[s.unit]) : undefined;
  if (!s || scale === undefined) {
    throw new InputError(`tc: ${what} "${text}" is not a time`, 'write a number with a unit: s, ms or us (bare numbers are microseconds)');
  }
  const us = Math.floor(s.n * scale);
  if (us > 0xffffffff) throw new InputError(`tc: ${what} "${text}" is too large`, 'times are at most 4294 s');
  return us;
}

/** A percentage ("1%", "0.5%", or a bare "1") as a fraction 0..1. */
export function parsePercent(text: string, what = 'percentage'): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)%?$/.exec(text);
  const v = m ? Number(m[1]) / 100 : NaN;
  if (!(v >= 0 && v <= 1)) throw new InputError(`tc: ${what} "${text}" is not a percentage`, 'write a number from 0 to 100, e.g. 1% or 0.5%');
  return v;
}

/** Whether a word reads as a percentage (for optional correlation arguments). */
export function isPercent(text: string | undefined): boolean {
  return text !== undefined && /^(\d+(?:\.\d*)?|\.\d+)%?$/.test(text);
}

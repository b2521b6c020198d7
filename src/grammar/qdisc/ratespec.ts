// What tbf and htb classes share: how packet sizes are counted in their rate tables (mpu, overhead,
// linklayer), SIZE[/CELL] bursts, and the error for a word a kind does not know.
import { TC_LINKLAYER_ATM, TC_LINKLAYER_ETHERNET } from '../../ops/tc/rate.js';
import { InputError } from '../../util/errors.js';
import type { Tokens } from '../common.js';
import { parseSize } from '../units.js';

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
export function linkLayerWord(tok: Tokens, w: string, s: { mpu?: number; overhead?: number; linklayer?: number }): boolean {
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
export function sizeAndCell(tok: Tokens, word: string, kind: string): [bytes: number, cellLog: number | undefined] {
  const z = parseSize(tok.value(word, 'SIZE[/CELL]'), `${kind} ${word}`);
  return [z.bytes, z.cellLog];
}

export function kindError(kind: string, word: string, help: string): InputError {
  return new InputError(`tc: ${kind}: unknown parameter "${word}"`, help);
}

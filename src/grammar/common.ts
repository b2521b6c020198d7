// Shared pieces of the iproute2/tc grammars: a cursor over argv that names the keyword a
// missing or bad value belongs to, and number parsing as iproute2 does it (decimal, 0x hex).
import { InputError } from '../util/errors.js';

export class Tokens {
  private i = 0;

  constructor(
    readonly argv: readonly string[],
    /** the command as the user knows it, for messages: "ip route", "tc qdisc" */
    readonly tool: string,
  ) {}

  get done(): boolean {
    return this.i >= this.argv.length;
  }
  peek(): string | undefined {
    return this.argv[this.i];
  }
  next(): string | undefined {
    return this.argv[this.i++];
  }
  /** The value after a keyword; an error naming the keyword if there is none. */
  value(keyword: string, expected: string): string {
    const v = this.argv[this.i++];
    if (v === undefined) throw new InputError(`${this.tool}: "${keyword}" needs a value`, `write ${keyword} ${expected}`);
    return v;
  }
}

/**
 * An unsigned integer as iproute2 reads them: decimal, or hex with 0x (and octal with a leading 0,
 * which strtoul accepts and which we accept the same way).
 */
export function parseUint(text: string, tool: string, what: string, max = 0xffffffff): number {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = parseInt(text.slice(1), 8);
  else if (/^\d+$/.test(text)) n = Number(text);
  else throw new InputError(`${tool}: ${what} "${text}" is not a number`, `give a whole number from 0 to ${max}`);
  if (!Number.isSafeInteger(n) || n > max) throw new InputError(`${tool}: ${what} "${text}" is out of range`, `give a whole number from 0 to ${max}`);
  return n;
}

/** A hex number as tc writes class minors and marks ("10" is 0x10), with or without 0x. */
export function parseHex(text: string, tool: string, what: string, max = 0xffffffff): number {
  const t = text.replace(/^0[xX]/, '');
  if (!/^[0-9a-fA-F]{1,8}$/.test(t)) throw new InputError(`${tool}: ${what} "${text}" is not a hex number`, `give a hex number up to ${max.toString(16)}`);
  const n = parseInt(t, 16);
  if (n > max) throw new InputError(`${tool}: ${what} "${text}" is out of range`, `give a hex number up to ${max.toString(16)}`);
  return n;
}

/**
 * iproute2 accepts any prefix of a verb ("sh" for show, "a" for add) and checks verbs in a fixed
 * order, so an ambiguous prefix means the first in that order. Returns the full verb or undefined.
 */
export function matchVerb<V extends string>(word: string, verbs: readonly (readonly [string, V])[]): V | undefined {
  if (!word) return undefined;
  for (const [full, verb] of verbs) if (full.startsWith(word)) return verb;
  return undefined;
}

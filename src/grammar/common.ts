// Shared pieces of the iproute2/tc grammars: a cursor over argv that names the keyword a
// missing or bad value belongs to, number parsing as iproute2 does it (decimal, 0x hex), and the
// words `ip route` and `ip rule` read alike (options in front, prefixes, keywords given once).
import { InputError } from '../util/errors.js';
import { type Cidr, type Family, type IpAddress, equalBytes, formatIp, networkOf, parseIp } from '../util/ip.js';

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

export interface IpOptions {
  /** from -4/-6 (or -f inet|inet6); undefined: the command's addresses decide */
  family?: Family;
  json: boolean;
}

/**
 * The options in front of an `ip` object's verb that pipework honours: -4, -6, -j (-json, --json), and
 * with `familyWord` also -f/-family inet|inet6. Any other dashed word is refused, except that with
 * `dashedNumbersAreWords` a word like "-1" ends the options (it is then read, and refused, as the verb).
 */
export function leadingOptions(tok: Tokens, accept: { familyWord?: boolean; dashedNumbersAreWords?: boolean } = {}): IpOptions {
  const out: IpOptions = { json: false };
  for (;;) {
    const w = tok.peek();
    if (w === '-4') out.family = 4;
    else if (w === '-6') out.family = 6;
    else if (w === '-j' || w === '-json' || w === '--json') out.json = true;
    else if (accept.familyWord && (w === '-f' || w === '-family')) {
      tok.next();
      const f = tok.value(w, 'inet|inet6');
      if (f === 'inet') out.family = 4;
      else if (f === 'inet6') out.family = 6;
      else throw new InputError(`${tok.tool}: family "${f}" is not supported`, 'use inet or inet6 (-4 or -6)');
      continue;
    } else if (w !== undefined && w.startsWith('-') && !(accept.dashedNumbersAreWords && /^-\d/.test(w))) {
      throw new InputError(`${tok.tool}: option "${w}" is not supported`, 'supported options in front: -4, -6, -j');
    } else break;
    tok.next();
  }
  return out;
}

/** A check for keywords that may come once: the second "metric" is an error rather than silently winning. */
export function onceEach(tool: string): (keyword: string) => void {
  const seen = new Set<string>();
  return (keyword) => {
    if (seen.has(keyword)) throw new InputError(`${tool}: "${keyword}" is given twice`, 'give each keyword once');
    seen.add(keyword);
  };
}

/** default, all and any: the words iproute2 takes for 0/0 wherever a prefix goes. */
export function isAnyPrefix(word: string): boolean {
  return word === 'default' || word === 'all' || word === 'any';
}

/**
 * ADDRESS[/LENGTH] as iproute2 reads a prefix: a bare address is a host prefix (/32, /128), and host bits
 * set are refused with the network that was probably meant. `checkFamily` sees the address before the
 * length is read, so that each command words a mix of IPv4 and IPv6 in its own terms. `hint` says what
 * to write instead when the text is no address at all.
 */
export function parseNetworkPrefix(text: string, tool: string, what: string, hint: string, checkFamily: (ip: IpAddress) => void): Cidr {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) throw new InputError(`${tool}: ${what} "${text}" is not a prefix`, hint);
  checkFamily(ip);
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new InputError(`${tool}: ${what} "${text}": prefix length "${p}" is not a number from 0 to ${max}`);
    prefix = Number(p);
  }
  const cidr: Cidr = { ...ip, prefix };
  const net = networkOf(cidr);
  if (!equalBytes(net, ip.bytes)) throw new InputError(`${tool}: ${what} ${text} has host bits set`, `did you mean ${formatIp(net)}/${prefix}?`);
  return cidr;
}

// The words `ip route` commands share: the command's address family, addresses, prefixes (with default,
// all, any), prefix match modes and route types.
import { InputError } from '../util/errors.js';
import { type Cidr, type Family, type IpAddress, parseIp } from '../util/ip.js';
import { isAnyPrefix, parseNetworkPrefix } from './common.js';
import { ROUTE_TYPES } from './names.js';
import type { PrefixMatch } from './route.js';

export const TOOL = 'ip route';

/** Tracks the address family of a command: fixed by -4/-6, else by the first address. */
export class FamilyTracker {
  readonly explicit: boolean;
  constructor(public family?: Family) {
    this.explicit = family !== undefined;
  }
  check(f: Family, text: string): void {
    if (this.family === undefined) {
      this.family = f;
      return;
    }
    if (f !== this.family) {
      const how = this.explicit ? `-${this.family}` : `an earlier IPv${this.family} address`;
      throw new InputError(`${TOOL}: ${text} is an IPv${f} address but the command is IPv${this.family} (from ${how})`, 'use addresses of one family in one command');
    }
  }
}

export function parseAddress(text: string, what: string, fam: FamilyTracker): IpAddress {
  const ip = parseIp(text);
  if (!ip) throw new InputError(`${TOOL}: ${what} "${text}" is not an IPv4 or IPv6 address`);
  fam.check(ip.family, text);
  return ip;
}

const ZERO_V4 = new Uint8Array(4);
const ZERO_V6 = new Uint8Array(16);

/**
 * A destination/source prefix: "10.0.0.0/24", a host address ("10.0.0.5" = /32), or default/all/any
 * (0/0 of the command's family, which may not be known yet: then undefined family bytes are filled later).
 */
export function parsePrefix(text: string, what: string, fam: FamilyTracker): Cidr | 'default' {
  if (isAnyPrefix(text)) return 'default';
  return parseNetworkPrefix(text, TOOL, what, 'write an address with an optional /length, e.g. 10.1.0.0/16, or default', (ip) => fam.check(ip.family, text));
}

/** A bare word that is a destination: an address or prefix (it has a dot or colon), or default/all/any. */
export function isPrefixWord(w: string): boolean {
  return (/^[0-9a-fA-F:.]+(\/\d+)?$/.test(w) && /[.:]/.test(w)) || isAnyPrefix(w);
}

export function isPrefixMatch(w: string): w is PrefixMatch {
  return w === 'root' || w === 'match' || w === 'exact';
}

export function defaultCidr(family: Family): Cidr {
  return { family, bytes: (family === 4 ? ZERO_V4 : ZERO_V6).slice(), prefix: 0 };
}

export function parseRouteType(word: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(ROUTE_TYPES, word) && word !== 'unspec' && word !== 'xresolve' && word !== 'nat' ? ROUTE_TYPES[word] : undefined;
}

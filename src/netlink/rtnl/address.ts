// RTM_*ADDR messages: struct ifaddrmsg followed by IFA_* attributes.
import { parseAttrs } from '../attributes.js';
import { IFA_ADDRESS, IFA_BROADCAST, IFA_FLAGS, IFA_LABEL, IFA_LOCAL } from '../constants.js';
import { NetlinkDecodeError } from '../errors.js';
import type { NetlinkMessage } from '../message.js';
import { MessageWriter } from '../writer.js';
import type { Family } from '../../util/ip.js';
import { AF_INET, AF_INET6 } from '../constants.js';

export const IFADDRMSG_LEN = 8;

export const familyToAf = (f: Family) => (f === 4 ? AF_INET : AF_INET6);
export const afToFamily = (af: number): Family | undefined => (af === AF_INET ? 4 : af === AF_INET6 ? 6 : undefined);

export interface IfAddr {
  af: number;
  prefix: number;
  flags?: number;
  scope?: number;
  index: number;
}

export function ifaddrmsg(a: IfAddr): MessageWriter {
  return new MessageWriter(96)
    .header()
    .u8(a.af)
    .u8(a.prefix)
    .u8((a.flags ?? 0) & 0xff)
    .u8(a.scope ?? 0)
    .u32(a.index);
}

export interface Address {
  family: Family;
  prefix: number;
  index: number;
  scope: number;
  /** IFA_F_* (from IFA_FLAGS when present: it carries the bits above 8) */
  flags: number;
  /** IFA_LOCAL for IPv4 (IFA_ADDRESS is the peer there), IFA_ADDRESS for IPv6 */
  local: Uint8Array;
  broadcast?: Uint8Array;
  label?: string;
}

export function decodeAddress(msg: NetlinkMessage): Address | undefined {
  const p = msg.payload;
  if (p.length < IFADDRMSG_LEN) throw new NetlinkDecodeError(`ifaddrmsg of ${p.length} bytes`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const family = afToFamily(v.getUint8(0));
  if (!family) return undefined;
  const attrs = parseAttrs(p, IFADDRMSG_LEN);
  const local = attrs.raw(IFA_LOCAL) ?? attrs.raw(IFA_ADDRESS);
  if (!local) return undefined;
  return {
    family,
    prefix: v.getUint8(1),
    flags: attrs.u32(IFA_FLAGS) ?? v.getUint8(2),
    scope: v.getUint8(3),
    index: v.getUint32(4, true),
    local: local.slice(),
    broadcast: attrs.raw(IFA_BROADCAST)?.slice(),
    label: attrs.str(IFA_LABEL),
  };
}

// RTM_*ROUTE messages: struct rtmsg followed by RTA_* attributes.
import { parseAttrs } from '../attributes.js';
import { RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE } from '../constants.js';
import { NetlinkDecodeError } from '../errors.js';
import type { NetlinkMessage } from '../message.js';
import { MessageWriter } from '../writer.js';
import type { Family } from '../../util/ip.js';
import { afToFamily } from './address.js';

export const RTMSG_LEN = 12;

export interface RtMsg {
  af: number;
  dstLen?: number;
  srcLen?: number;
  tos?: number;
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  flags?: number;
}

export function rtmsg(r: RtMsg): MessageWriter {
  return new MessageWriter(128)
    .header()
    .u8(r.af)
    .u8(r.dstLen ?? 0)
    .u8(r.srcLen ?? 0)
    .u8(r.tos ?? 0)
    .u8(r.table ?? 0)
    .u8(r.protocol ?? 0)
    .u8(r.scope ?? 0)
    .u8(r.type ?? 0)
    .u32(r.flags ?? 0);
}

export interface Route {
  family: Family;
  dstLen: number;
  srcLen: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  dst?: Uint8Array;
  gateway?: Uint8Array;
  oif?: number;
  priority?: number;
  prefsrc?: Uint8Array;
}

export function decodeRoute(msg: NetlinkMessage): Route | undefined {
  const p = msg.payload;
  if (p.length < RTMSG_LEN) throw new NetlinkDecodeError(`rtmsg of ${p.length} bytes`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const family = afToFamily(v.getUint8(0));
  if (!family) return undefined;
  const attrs = parseAttrs(p, RTMSG_LEN);
  return {
    family,
    dstLen: v.getUint8(1),
    srcLen: v.getUint8(2),
    tos: v.getUint8(3),
    table: attrs.u32(RTA_TABLE) ?? v.getUint8(4),
    protocol: v.getUint8(5),
    scope: v.getUint8(6),
    type: v.getUint8(7),
    flags: v.getUint32(8, true),
    dst: attrs.raw(RTA_DST)?.slice(),
    gateway: attrs.raw(RTA_GATEWAY)?.slice(),
    oif: attrs.u32(RTA_OIF),
    priority: attrs.u32(RTA_PRIORITY),
    prefsrc: attrs.raw(RTA_PREFSRC)?.slice(),
  };
}

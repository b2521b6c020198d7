// Policy routing rules: RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE. A message is a struct fib_rule_hdr
// followed by FRA_* attributes; numbers from linux/fib_rules.h (kept here, next to their only user).
import { parseAttrs } from '../netlink/attributes.js';
import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE } from '../netlink/constants.js';
import { NetlinkDecodeError } from '../netlink/errors.js';
import type { NetlinkMessage } from '../netlink/message.js';
import { afToFamily, familyToAf } from '../netlink/rtnl/address.js';
import type { NetlinkSocket, Request } from '../netlink/session.js';
import { MessageWriter } from '../netlink/writer.js';
import type { Cidr, Family } from '../util/ip.js';

// struct fib_rule_hdr { u8 family, dst_len, src_len, tos, table, res1, res2, action; u32 flags; }
export const FIB_RULE_HDR_LEN = 12;

export const FIB_RULE_PERMANENT = 0x1;
export const FIB_RULE_INVERT = 0x2;
export const FIB_RULE_UNRESOLVED = 0x4;
export const FIB_RULE_IIF_DETACHED = 0x8;
export const FIB_RULE_OIF_DETACHED = 0x10;

export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;

export const FR_ACT_UNSPEC = 0;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;

const RT_TABLE_MAIN = 254;

export interface RuleSpec {
  family: Family;
  /** source prefix; undefined means "from all" */
  src?: Cidr;
  dst?: Cidr;
  tos?: number;
  table?: number;
  /** FR_ACT_*; add defaults to FR_ACT_TO_TBL, delete to "any" (FR_ACT_UNSPEC) */
  action?: number;
  /** `not`: the selector is inverted */
  invert?: boolean;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  priority?: number;
  /** target priority of a goto rule */
  goto?: number;
  protocol?: number;
  suppressPrefixlen?: number;
}

export type RuleOp = 'add' | 'delete';

interface FibRuleHdr {
  af: number;
  dstLen?: number;
  srcLen?: number;
  tos?: number;
  /** ids above 255 go in FRA_TABLE, with 0 here */
  table?: number;
  action?: number;
  flags?: number;
}

/** A rule message up to its attributes: room for the nlmsghdr, then struct fib_rule_hdr. */
function fibRuleHdr(h: FibRuleHdr): MessageWriter {
  return new MessageWriter(96)
    .header()
    .u8(h.af)
    .u8(h.dstLen ?? 0)
    .u8(h.srcLen ?? 0)
    .u8(h.tos ?? 0)
    .u8(h.table ?? 0)
    .u8(0) // res1
    .u8(0) // res2
    .u8(h.action ?? 0)
    .u32(h.flags ?? 0);
}

/**
 * RTM_NEWRULE (add; fails with EEXIST on an identical rule) or RTM_DELRULE (delete; the kernel removes
 * the first rule that matches every attribute given).
 */
export function ruleRequest(op: RuleOp, spec: RuleSpec, what: string): Request {
  let action = spec.action ?? (op === 'add' ? FR_ACT_TO_TBL : FR_ACT_UNSPEC);
  if (spec.goto !== undefined) action = FR_ACT_GOTO;
  let table = spec.table;
  // A rule that looks up a table looks up main unless told otherwise, as with iproute2.
  if (table === undefined && op === 'add' && action === FR_ACT_TO_TBL) table = RT_TABLE_MAIN;
  const w = fibRuleHdr({
    af: familyToAf(spec.family),
    dstLen: spec.dst?.prefix,
    srcLen: spec.src?.prefix,
    tos: spec.tos,
    table: table !== undefined && table < 256 ? table : 0,
    action,
    flags: spec.invert ? FIB_RULE_INVERT : 0,
  });
  if (spec.dst) w.attr(FRA_DST, spec.dst.bytes);
  if (spec.src) w.attr(FRA_SRC, spec.src.bytes);
  if (spec.iif !== undefined) w.attrString(FRA_IIFNAME, spec.iif);
  if (spec.oif !== undefined) w.attrString(FRA_OIFNAME, spec.oif);
  if (spec.fwmark !== undefined) w.attrU32(FRA_FWMARK, spec.fwmark);
  if (spec.fwmask !== undefined) w.attrU32(FRA_FWMASK, spec.fwmask);
  if (spec.goto !== undefined) w.attrU32(FRA_GOTO, spec.goto);
  if (spec.priority !== undefined) w.attrU32(FRA_PRIORITY, spec.priority);
  if (table !== undefined && table >= 256) w.attrU32(FRA_TABLE, table);
  if (spec.suppressPrefixlen !== undefined) w.attrU32(FRA_SUPPRESS_PREFIXLEN, spec.suppressPrefixlen);
  if (spec.protocol !== undefined) w.attrU8(FRA_PROTOCOL, spec.protocol);
  return {
    type: op === 'add' ? RTM_NEWRULE : RTM_DELRULE,
    flags: op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0,
    message: w.finish(),
    what,
  };
}

/** A rule as the kernel reports it. */
export interface Rule {
  family: Family;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** FRA_TABLE when present (it carries ids above 255), else the header's table */
  table: number;
  action: number;
  flags: number;
  /** absent FRA_PRIORITY means priority 0 */
  priority: number;
  src?: Uint8Array;
  dst?: Uint8Array;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  goto?: number;
  protocol?: number;
  /** FRA_SUPPRESS_PREFIXLEN, when set (the kernel reports -1 for "not set") */
  suppressPrefixlen?: number;
  suppressIfgroup?: number;
  l3mdev?: number;
  /** the message as received: a flush sends it back as RTM_DELRULE, which matches exactly this rule */
  raw: Uint8Array;
}

export function decodeRule(msg: NetlinkMessage): Rule | undefined {
  const p = msg.payload;
  if (p.length < FIB_RULE_HDR_LEN) throw new NetlinkDecodeError(`fib_rule_hdr of ${p.length} bytes`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const family = afToFamily(v.getUint8(0));
  if (!family) return undefined;
  const a = parseAttrs(p, FIB_RULE_HDR_LEN);
  const sp = a.u32(FRA_SUPPRESS_PREFIXLEN);
  const sg = a.u32(FRA_SUPPRESS_IFGROUP);
  return {
    family,
    dstLen: v.getUint8(1),
    srcLen: v.getUint8(2),
    tos: v.getUint8(3),
    table: a.u32(FRA_TABLE) ?? v.getUint8(4),
    action: v.getUint8(7),
    flags: v.getUint32(8, true),
    priority: a.u32(FRA_PRIORITY) ?? 0,
    src: a.raw(FRA_SRC)?.slice(),
    dst: a.raw(FRA_DST)?.slice(),
    iif: a.str(FRA_IIFNAME),
    oif: a.str(FRA_OIFNAME),
    fwmark: a.u32(FRA_FWMARK),
    fwmask: a.u32(FRA_FWMASK),
    goto: a.u32(FRA_GOTO),
    protocol: a.u8(FRA_PROTOCOL),
    suppressPrefixlen: sp === undefined || sp === 0xffffffff ? undefined : sp,
    suppressIfgroup: sg === undefined || sg === 0xffffffff ? undefined : sg,
    l3mdev: a.u8(FRA_L3MDEV),
    raw: p.slice(),
  };
}

/** Every rule of one family (or both, when family is undefined), in the kernel's order (by priority). */
export function listRules(sock: NetlinkSocket, family?: Family, where = ''): Rule[] {
  const w = fibRuleHdr({ af: family ? familyToAf(family) : AF_UNSPEC });
  const what = `listing ${family ? `IPv${family} ` : ''}rules${where}`;
  const out: Rule[] = [];
  for (const m of sock.dump({ type: RTM_GETRULE, message: w.finish(), what })) {
    const r = decodeRule(m);
    if (r) out.push(r);
  }
  return out;
}

/** RTM_DELRULE for exactly a rule that was dumped: its own message sent back, as iproute2's flush does. */
export function deleteDumpedRuleRequest(rule: Rule, what: string): Request {
  const w = new MessageWriter(16 + rule.raw.length).header().bytes(rule.raw);
  return { type: RTM_DELRULE, message: w.finish(), what };
}

// struct nlmsghdr framing and the NLMSG_ERROR payload (ACKs, errors, extended ACK TLVs).
import { parseAttrs } from './attributes.js';
import { NLMSG_HDRLEN, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS } from './constants.js';
import { NetlinkDecodeError } from './errors.js';

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  port: number;
  /** everything after the 16-byte header, up to nlmsg_len */
  payload: Uint8Array;
}

/** Fills the 16-byte header at the start of msg; its length is msg.length. */
export function writeHeader(msg: Uint8Array, type: number, flags: number, seq: number, port = 0): void {
  const v = new DataView(msg.buffer, msg.byteOffset, NLMSG_HDRLEN);
  v.setUint32(0, msg.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq >>> 0, true);
  v.setUint32(12, port >>> 0, true);
}

/** Splits one datagram into its messages; each length is checked against what was received. */
export function splitMessages(buf: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN) throw new NetlinkDecodeError(`message at offset ${off} has length ${len} < ${NLMSG_HDRLEN}`);
    if (off + len > buf.length) throw new NetlinkDecodeError(`message at offset ${off} claims ${len} bytes, only ${buf.length - off} received`);
    out.push({
      type: v.getUint16(off + 4, true),
      flags: v.getUint16(off + 6, true),
      seq: v.getUint32(off + 8, true),
      port: v.getUint32(off + 12, true),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += (len + 3) & ~3;
  }
  return out;
}

export interface ErrorReply {
  /** 0 for an ACK, else a positive errno */
  errno: number;
  /** sequence number and type of the request this answers */
  requestSeq: number;
  requestType: number;
  /** the kernel's extended-ack message, if any */
  message?: string;
  /** offset in our request of the attribute the kernel objected to, if given */
  offset?: number;
}

/** Decodes an NLMSG_ERROR payload: struct nlmsgerr, then (NLM_F_ACK_TLVS) extended-ack TLVs. */
export function parseError(msg: NetlinkMessage): ErrorReply {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new NetlinkDecodeError(`NLMSG_ERROR payload of ${p.length} bytes is too short`);
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const error = v.getInt32(0, true);
  const requestLen = v.getUint32(4, true);
  const reply: ErrorReply = {
    errno: error === 0 ? 0 : -error, // not -0 for an ACK
    requestType: v.getUint16(8, true),
    requestSeq: v.getUint32(12, true),
  };
  if (msg.flags & NLM_F_ACK_TLVS) {
    // The original request follows in full unless the kernel capped it to its header.
    const echoed = msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : requestLen;
    if (echoed < NLMSG_HDRLEN) throw new NetlinkDecodeError(`NLMSG_ERROR echoes a request of ${echoed} bytes`);
    // Plain arithmetic, not `& ~3`: requestLen is a u32 and bitwise operators would wrap it negative.
    const tlvStart = 4 + echoed + ((4 - (echoed % 4)) % 4);
    if (tlvStart <= p.length) {
      const tlvs = parseAttrs(p, tlvStart);
      reply.message = tlvs.str(NLMSGERR_ATTR_MSG);
      reply.offset = tlvs.u32(NLMSGERR_ATTR_OFFS);
    }
  }
  return reply;
}

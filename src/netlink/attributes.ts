// Decoding of netlink attributes (TLVs). Every length is checked against its container,
// so a malformed or hostile message gives a NetlinkDecodeError, never an out-of-range read.
import { NLA_TYPE_MASK } from './constants.js';
import { NetlinkDecodeError } from './errors.js';

const decoder = new TextDecoder();

export interface RawAttr {
  type: number;
  data: Uint8Array;
}

/** The attributes found in buf[start, end), in order; repeated types are kept. */
export function parseAttrs(buf: Uint8Array, start = 0, end = buf.length): Attrs {
  const list: RawAttr[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = start;
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    const type = view.getUint16(off + 2, true) & NLA_TYPE_MASK;
    if (len < 4) throw new NetlinkDecodeError(`attribute ${type} at offset ${off} has length ${len} < 4`);
    if (off + len > end) throw new NetlinkDecodeError(`attribute ${type} at offset ${off} overruns its container (${len} bytes, ${end - off} left)`);
    list.push({ type, data: buf.subarray(off + 4, off + len) });
    off += (len + 3) & ~3;
  }
  return new Attrs(list);
}

/** Read access to a list of attributes with size-checked typed getters. */
export class Attrs {
  constructor(readonly list: RawAttr[]) {}

  has(type: number): boolean {
    return this.list.some((a) => a.type === type);
  }
  raw(type: number): Uint8Array | undefined {
    for (const a of this.list) if (a.type === type) return a.data;
    return undefined;
  }
  all(type: number): Uint8Array[] {
    return this.list.filter((a) => a.type === type).map((a) => a.data);
  }
  private sized(type: number, size: number): DataView | undefined {
    const d = this.raw(type);
    if (d === undefined) return undefined;
    if (d.length < size) throw new NetlinkDecodeError(`attribute ${type} has ${d.length} bytes, expected ${size}`);
    return new DataView(d.buffer, d.byteOffset, d.byteLength);
  }
  u8(type: number): number | undefined {
    return this.sized(type, 1)?.getUint8(0);
  }
  u16(type: number): number | undefined {
    return this.sized(type, 2)?.getUint16(0, true);
  }
  be16(type: number): number | undefined {
    return this.sized(type, 2)?.getUint16(0, false);
  }
  u32(type: number): number | undefined {
    return this.sized(type, 4)?.getUint32(0, true);
  }
  i32(type: number): number | undefined {
    return this.sized(type, 4)?.getInt32(0, true);
  }
  u64(type: number): bigint | undefined {
    return this.sized(type, 8)?.getBigUint64(0, true);
  }
  /** A string attribute; the kernel NUL-terminates them, we stop at the first NUL. */
  str(type: number): string | undefined {
    const d = this.raw(type);
    if (d === undefined) return undefined;
    const nul = d.indexOf(0);
    return decoder.decode(nul >= 0 ? d.subarray(0, nul) : d);
  }
  nested(type: number): Attrs | undefined {
    const d = this.raw(type);
    return d === undefined ? undefined : parseAttrs(d);
  }
}

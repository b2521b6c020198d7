// Builds netlink messages in place: a header, a fixed family struct, then attributes (TLVs),
// each padded to 4 bytes. Nested attributes are written first and their length patched after;
// they go without NLA_F_NESTED by default, as iproute2 sends them, because some older kernel
// parsers predate the flag.
import { NLA_F_NESTED, NLMSG_HDRLEN } from './constants.js';

const align4 = (n: number) => (n + 3) & ~3;
const encoder = new TextEncoder();

export class MessageWriter {
  private buf: Uint8Array;
  private view: DataView;
  private off = 0;
  private readonly nests: number[] = [];

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.off;
  }

  private reserve(n: number): number {
    const at = this.off;
    const need = at + n;
    if (need > this.buf.length) {
      let size = Math.max(this.buf.length, 8) * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.off = need;
    return at;
  }

  /** Room for a header the session fills in later (length, type, flags, seq, port). */
  header(): this {
    this.reserve(NLMSG_HDRLEN);
    return this;
  }

  // Each write calls reserve() before touching this.buf / this.view: reserve() may replace both,
  // and `this.view.setX(this.reserve(n), ...)` would write into the old, discarded buffer.
  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  i32(v: number): this {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }
  pad(): this {
    const target = align4(this.off);
    if (target > this.off) {
      const at = this.reserve(target - this.off);
      this.buf.fill(0, at, target);
    }
    return this;
  }

  attr(type: number, payload: Uint8Array): this {
    const at = this.reserve(4);
    this.view.setUint16(at, 4 + payload.length, true);
    this.view.setUint16(at + 2, type, true);
    return this.bytes(payload).pad();
  }
  attrU8(type: number, v: number): this {
    return this.attr(type, Uint8Array.of(v & 0xff));
  }
  attrU16(type: number, v: number): this {
    const at = this.attrHeader(type, 2);
    this.view.setUint16(at, v, true);
    return this.pad();
  }
  /** A u16 in network byte order (ports, VLAN protocol). */
  attrBe16(type: number, v: number): this {
    const at = this.attrHeader(type, 2);
    this.view.setUint16(at, v, false);
    return this.pad();
  }
  attrU32(type: number, v: number): this {
    const at = this.attrHeader(type, 4);
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  attrI32(type: number, v: number): this {
    const at = this.attrHeader(type, 4);
    this.view.setInt32(at, v, true);
    return this;
  }
  attrU64(type: number, v: bigint): this {
    const at = this.attrHeader(type, 8);
    this.view.setBigUint64(at, v, true);
    return this;
  }
  /** A NUL-terminated string, as the kernel expects for names and kinds. */
  attrString(type: number, s: string): this {
    const b = encoder.encode(s);
    const at = this.attrHeader(type, b.length + 1);
    this.buf.set(b, at);
    this.buf[at + b.length] = 0;
    return this.pad();
  }
  attrFlag(type: number): this {
    this.attrHeader(type, 0);
    return this;
  }

  private attrHeader(type: number, payloadLength: number): number {
    const at = this.reserve(4 + payloadLength);
    this.view.setUint16(at, 4 + payloadLength, true);
    this.view.setUint16(at + 2, type, true);
    return at + 4;
  }

  /** Opens a nested attribute; everything written until end() goes inside it. */
  begin(type: number, nestedFlag = false): this {
    const at = this.reserve(4);
    this.view.setUint16(at + 2, nestedFlag ? type | NLA_F_NESTED : type, true);
    this.nests.push(at);
    return this;
  }
  end(): this {
    const at = this.nests.pop();
    if (at === undefined) throw new Error('MessageWriter.end() without begin()');
    this.view.setUint16(at, this.off - at, true);
    return this;
  }
  nest(type: number, body: (w: this) => void, nestedFlag = false): this {
    this.begin(type, nestedFlag);
    body(this);
    return this.end();
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Uint8Array {
    if (this.nests.length) throw new Error('MessageWriter.finish() with an open nested attribute');
    return this.buf.subarray(0, this.off);
  }
}

// A minimal ICMP echo ("ping") over a raw socket opened inside a namespace, so the demo shows
// traffic without needing iputils on the machine. Not part of the product.
import * as libc from '../native/libc.js';
import { AF_INET, SOCK_CLOEXEC, SOCK_RAW } from '../src/netlink/constants.js';
import { inNetns } from '../src/netns/enter.js';
import type { Netns } from '../src/netns/netns.js';
import { parseIpv4 } from '../src/util/ip.js';

const IPPROTO_ICMP = 1;

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Sends one echo request from inside ns to dest; resolves to the round-trip time in ms, or undefined. */
export async function icmpEcho(ns: Netns, dest: string, timeoutMs = 1000): Promise<number | undefined> {
  const ip = parseIpv4(dest);
  if (!ip) throw new Error(`${dest} is not an IPv4 address`);
  const fd = inNetns(ns, () => libc.socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
  try {
    const id = process.pid & 0xffff;
    const req = new Uint8Array(16);
    const v = new DataView(req.buffer);
    req[0] = 8; // echo request
    v.setUint16(4, id);
    v.setUint16(6, 1);
    v.setUint16(2, checksum(req));
    const sin = new Uint8Array(16);
    new DataView(sin.buffer).setUint16(0, AF_INET, true);
    sin.set(ip, 4);
    const start = performance.now();
    libc.sendto(fd, req, sin);
    const buf = new Uint8Array(1500);
    while (performance.now() - start < timeoutMs) {
      if (!(await libc.waitReadable(fd, timeoutMs - (performance.now() - start)))) break;
      const { length } = libc.recvfrom(fd, buf, 0x40);
      if (length < 28) continue;
      const ihl = (buf[0] & 0x0f) * 4;
      const icmp = buf.subarray(ihl, length);
      const src = buf.subarray(12, 16);
      if (icmp[0] === 0 && ((icmp[4] << 8) | icmp[5]) === id && src.every((x, i) => x === ip[i])) return performance.now() - start;
    }
    return undefined;
  } finally {
    libc.close(fd);
  }
}

// The FFI boundary: the only module in the project that calls libc.
// Everything above it sees file descriptors as numbers, buffers as Uint8Array and
// failures as SysError; nothing above it knows about pointers or raw errno values.
import koffi from 'koffi';
import { errnoName, errnoOf, strerror } from '../src/util/errno.js';

const libc = koffi.load('libc.so.6');

const c = {
  socket: libc.func('int socket(int domain, int type, int protocol)'),
  close: libc.func('int close(int fd)'),
  bind: libc.func('int bind(int fd, const void *addr, uint32_t addrlen)'),
  send: libc.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
  sendto: libc.func('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)'),
  recv: libc.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
  recvfrom: libc.func('intptr_t recvfrom(int fd, _Out_ void *buf, size_t len, int flags, _Out_ void *addr, _Inout_ uint32_t *addrlen)'),
  setsockopt: libc.func('int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen)'),
  getsockopt: libc.func('int getsockopt(int fd, int level, int optname, _Out_ void *optval, _Inout_ uint32_t *optlen)'),
  getsockname: libc.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *addrlen)'),
  setns: libc.func('int setns(int fd, int nstype)'),
  dup2: libc.func('int dup2(int oldfd, int newfd)'),
  poll: libc.func('int poll(_Inout_ void *fds, unsigned long nfds, int timeout)'),
  gettid: libc.func('int gettid(void)'),
};

// errno names and messages are data (src/util/errno.ts), shared with the pure netlink codec.
export { errnoName, errnoOf, strerror } from '../src/util/errno.js';

/** A failed system call: errno, its symbolic name and the call that failed. */
export class SysError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  constructor(syscall: string, errno: number, what?: string) {
    super(`${what ? what + ': ' : ''}${syscall}: ${strerror(errno)} (${errnoName(errno)})`);
    this.name = 'SysError';
    this.errno = errno;
    this.code = errnoName(errno);
    this.syscall = syscall;
  }
}

function check(syscall: string, result: number | bigint): number {
  const n = Number(result);
  if (n < 0) throw new SysError(syscall, koffi.errno());
  return n;
}

export function socket(domain: number, type: number, protocol: number): number {
  return check('socket', c.socket(domain, type, protocol));
}

export function close(fd: number): void {
  check('close', c.close(fd));
}

/**
 * Close on one of koffi's worker threads. Closing an AF_PACKET socket waits for an RCU
 * grace period (~12 ms); bulk paths close many at once this way instead of one by one.
 */
export function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve) => {
    c.close.async(fd, () => resolve());
  });
}

export function bind(fd: number, addr: Uint8Array): void {
  check('bind', c.bind(fd, addr, addr.length));
}

export function send(fd: number, buf: Uint8Array, flags = 0): number {
  return check('send', c.send(fd, buf, buf.length, flags));
}

export function sendto(fd: number, buf: Uint8Array, addr: Uint8Array, flags = 0): number {
  return check('sendto', c.sendto(fd, buf, buf.length, flags, addr, addr.length));
}

/** recv(2); returns -1 instead of throwing when the call would block (EAGAIN). */
export function recv(fd: number, buf: Uint8Array, flags = 0): number {
  const n = Number(c.recv(fd, buf, buf.length, flags));
  if (n >= 0) return n;
  const errno = koffi.errno();
  if (errno === EAGAIN) return -1;
  throw new SysError('recv', errno);
}

/** recvfrom(2) with the sender's address; length -1 when the call would block. */
export function recvfrom(fd: number, buf: Uint8Array, flags = 0): { length: number; from: Uint8Array } {
  const from = new Uint8Array(128);
  const fromLen = [from.length];
  const n = Number(c.recvfrom(fd, buf, buf.length, flags, from, fromLen));
  if (n >= 0) return { length: n, from: from.subarray(0, fromLen[0]) };
  const errno = koffi.errno();
  if (errno === EAGAIN) return { length: -1, from: new Uint8Array(0) };
  throw new SysError('recvfrom', errno);
}

export function setsockopt(fd: number, level: number, name: number, value: Uint8Array): void {
  check('setsockopt', c.setsockopt(fd, level, name, value, value.length));
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  setsockopt(fd, level, name, b);
}

export function getsockopt(fd: number, level: number, name: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const len = [size];
  check('getsockopt', c.getsockopt(fd, level, name, out, len));
  return out.subarray(0, len[0]);
}

export function getsockname(fd: number): Uint8Array {
  const out = new Uint8Array(128);
  const len = [out.length];
  check('getsockname', c.getsockname(fd, out, len));
  return out.subarray(0, len[0]);
}

/** Moves the calling thread into the namespace open as fd. */
export function setns(fd: number, nstype: number): void {
  check('setns', c.setns(fd, nstype));
}

export function dup2(oldfd: number, newfd: number): number {
  return check('dup2', c.dup2(oldfd, newfd));
}

export function gettid(): number {
  return c.gettid() as number;
}

const POLLIN = 0x1;

function pollfd(fd: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setInt32(0, fd, true);
  v.setInt16(4, POLLIN, true);
  return b;
}

/** Waits until fd is readable without blocking the event loop; false on timeout. */
export function waitReadable(fd: number, timeoutMs: number): Promise<boolean> {
  const fds = pollfd(fd);
  return new Promise((resolve, reject) => {
    c.poll.async(fds, 1, Math.max(0, Math.floor(timeoutMs)), (err: unknown, n: number) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(n > 0);
    });
  });
}

/** Blocking wait for readability, for callers that must not yield to the event loop. */
export function pollReadable(fd: number, timeoutMs: number): boolean {
  const n = c.poll(pollfd(fd), 1, Math.floor(timeoutMs)) as number;
  if (n < 0) {
    const errno = koffi.errno();
    if (errno === EINTR) return false;
    throw new SysError('poll', errno);
  }
  return n > 0;
}

export const EAGAIN = errnoOf('EAGAIN');
export const EINTR = errnoOf('EINTR');

// ---- additions for raw-socket protocols (DHCP): recvmsg with ancillary data, socket filters ----
// Both need structs that hold pointers (msghdr, iovec, sock_fprog). They are laid out by hand in
// one native scratch block per call site, for the LP64 Linux ABI (x86_64, aarch64): pointers and
// size_t are 8 bytes, little-endian.

const cx = {
  recvmsg: libc.func('intptr_t recvmsg(int fd, void *msg, int flags)'),
  setsockoptPtr: libc.func('int setsockopt(int fd, int level, int optname, void *optval, uint32_t optlen)'),
};

function assertLp64(): void {
  if (koffi.sizeof('void *') !== 8 || !new Uint8Array(Uint16Array.of(1).buffer)[0]) {
    throw new Error('recvmsg/attachFilter are laid out for 64-bit little-endian Linux only');
  }
}

interface Scratch {
  ptr: unknown;
  base: bigint;
  bytes: Uint8Array;
  view: DataView;
}

function scratch(size: number): Scratch {
  assertLp64();
  const ptr = koffi.alloc('uint8_t', size);
  const bytes = new Uint8Array(koffi.view(ptr, size));
  return { ptr, base: koffi.address(ptr), bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

const RECVMSG_DATA = 65536;
const RECVMSG_NAME = 128;
const RECVMSG_CONTROL = 512;
// layout: msghdr (56) | iovec (16) | name | control | data
const MH = 0;
const IOV = 56;
const NAME = 72;
const CONTROL = NAME + RECVMSG_NAME;
const DATA = CONTROL + RECVMSG_CONTROL;
let recvScratch: Scratch | undefined;

export interface ControlMessage {
  level: number;
  type: number;
  data: Uint8Array;
}

export interface ReceivedMessage {
  /** bytes received; -1 when the call would block (EAGAIN) */
  length: number;
  /** MSG_* flags of the received message (MSG_TRUNC: it did not fit buf) */
  flags: number;
  /** the sender's address (sockaddr bytes) */
  from: Uint8Array;
  control: ControlMessage[];
}

/**
 * recvmsg(2) of one datagram into buf, with its ancillary data (e.g. PACKET_AUXDATA) parsed
 * into control messages. Datagrams longer than 64 KiB are truncated (MSG_TRUNC in flags).
 */
export function recvmsg(fd: number, buf: Uint8Array, flags = 0): ReceivedMessage {
  const s = (recvScratch ??= scratch(DATA + RECVMSG_DATA));
  const v = s.view;
  const cap = Math.min(buf.length, RECVMSG_DATA);
  v.setBigUint64(MH + 0, s.base + BigInt(NAME), true); // msg_name
  v.setUint32(MH + 8, RECVMSG_NAME, true); // msg_namelen
  v.setBigUint64(MH + 16, s.base + BigInt(IOV), true); // msg_iov
  v.setBigUint64(MH + 24, 1n, true); // msg_iovlen
  v.setBigUint64(MH + 32, s.base + BigInt(CONTROL), true); // msg_control
  v.setBigUint64(MH + 40, BigInt(RECVMSG_CONTROL), true); // msg_controllen
  v.setInt32(MH + 48, 0, true); // msg_flags
  v.setBigUint64(IOV + 0, s.base + BigInt(DATA), true);
  v.setBigUint64(IOV + 8, BigInt(cap), true);
  const n = Number(cx.recvmsg(fd, s.ptr, flags));
  if (n < 0) {
    const errno = koffi.errno();
    if (errno === EAGAIN) return { length: -1, flags: 0, from: new Uint8Array(0), control: [] };
    throw new SysError('recvmsg', errno);
  }
  const got = Math.min(n, cap);
  buf.set(s.bytes.subarray(DATA, DATA + got));
  const nameLen = Math.min(v.getUint32(MH + 8, true), RECVMSG_NAME);
  const controlLen = Math.min(Number(v.getBigUint64(MH + 40, true)), RECVMSG_CONTROL);
  const control: ControlMessage[] = [];
  // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; data, aligned to 8 }
  for (let at = 0; at + 16 <= controlLen; ) {
    const len = Number(v.getBigUint64(CONTROL + at, true));
    if (len < 16 || at + len > controlLen) break;
    control.push({
      level: v.getInt32(CONTROL + at + 8, true),
      type: v.getInt32(CONTROL + at + 12, true),
      data: s.bytes.slice(CONTROL + at + 16, CONTROL + at + len),
    });
    at += (len + 7) & ~7;
  }
  return { length: got, flags: v.getInt32(MH + 48, true), from: s.bytes.slice(NAME, NAME + nameLen), control };
}

const SOL_SOCKET_LEVEL = 1;
const SO_ATTACH_FILTER = 26;

/**
 * Attaches a classic BPF program (SO_ATTACH_FILTER): `program` is the array of struct sock_filter
 * (8 bytes each: u16 code, u8 jt, u8 jf, u32 k, host byte order). Replaces any earlier filter.
 */
export function attachFilter(fd: number, program: Uint8Array): void {
  if (program.length === 0 || program.length % 8 !== 0) throw new RangeError('a BPF program is a non-empty array of 8-byte instructions');
  const s = scratch(16 + program.length);
  try {
    s.bytes.set(program, 16);
    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    s.view.setUint16(0, program.length / 8, true);
    s.view.setBigUint64(8, s.base + 16n, true);
    check('setsockopt', cx.setsockoptPtr(fd, SOL_SOCKET_LEVEL, SO_ATTACH_FILTER, s.ptr, 16));
  } finally {
    koffi.free(s.ptr);
  }
}

/**
 * poll(2) for POLLIN over many fds at once, without blocking unless timeoutMs > 0. Returns, per
 * fd, whether it needs attention: readable, or in error / hung up / not open (POLLERR, POLLHUP,
 * POLLNVAL), so that a waiter on a closed fd is woken rather than left waiting.
 */
export function pollMany(fds: readonly number[], timeoutMs = 0): boolean[] {
  if (fds.length === 0) return [];
  const b = new Uint8Array(8 * fds.length);
  const v = new DataView(b.buffer);
  fds.forEach((fd, i) => {
    v.setInt32(i * 8, fd, true);
    v.setInt16(i * 8 + 4, POLLIN, true);
  });
  const n = c.poll(b, fds.length, Math.floor(timeoutMs)) as number;
  if (n < 0) {
    const errno = koffi.errno();
    if (errno === EINTR) return fds.map(() => false);
    throw new SysError('poll', errno);
  }
  return fds.map((_, i) => v.getInt16(i * 8 + 6, true) !== 0);
}

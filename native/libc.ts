// The FFI boundary: the only module in the project that calls libc.
// Everything above it sees file descriptors as numbers, buffers as Uint8Array and
// failures as SysError; nothing above it knows about pointers or raw errno values.
import koffi from 'koffi';

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
  strerror: libc.func('const char *strerror(int errnum)'),
  gettid: libc.func('int gettid(void)'),
};

const errnoNames = new Map<number, string>(
  Object.entries(koffi.os.errno).map(([name, value]) => [value, name]),
);

/** errno value by name, e.g. errno('EEXIST') === 17. */
export function errnoOf(name: string): number {
  const value = koffi.os.errno[name];
  if (value === undefined) throw new Error(`unknown errno name ${name}`);
  return value;
}

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

export function strerror(errno: number): string {
  return c.strerror(errno) as string;
}

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

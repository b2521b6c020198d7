// File system calls that Node's fs lacks and that safe access to untrusted trees needs: openat2()
// (path resolution confined to a root, without following symlinks or magic links), and the *at()
// calls that act relative to an open directory instead of a path re-walked from "/".
// Failures are SysError with the errno, as in libc.ts. fds returned are plain numbers that Node's
// fs functions (fstatSync, writeSync, closeSync, ...) accept.
import * as fs from 'node:fs';
import koffi from 'koffi';
import { EAGAIN, SysError } from './libc.js';

const libc = koffi.load('libc.so.6');

const c = {
  syscall: libc.func('long syscall(long number, ...)'),
  mkdirat: libc.func('int mkdirat(int dirfd, const char *path, uint32_t mode)'),
  unlinkat: libc.func('int unlinkat(int dirfd, const char *path, int flags)'),
  renameat: libc.func('int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)'),
};

// openat2 has no glibc wrapper (2.36). Its number is in the table shared by every architecture
// added after 5.1 (include/uapi/asm-generic/unistd.h and arch/x86/entry/syscalls): 437 everywhere.
const SYS_openat2 = 437;

/** RESOLVE_* flags of struct open_how (linux/openat2.h). */
export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

/** open(2) flags: the architecture-specific ones from Node, the generic ones by value. */
export const O = {
  RDONLY: fs.constants.O_RDONLY,
  WRONLY: fs.constants.O_WRONLY,
  RDWR: fs.constants.O_RDWR,
  CREAT: fs.constants.O_CREAT,
  EXCL: fs.constants.O_EXCL,
  TRUNC: fs.constants.O_TRUNC,
  NOCTTY: fs.constants.O_NOCTTY,
  NONBLOCK: fs.constants.O_NONBLOCK,
  DIRECTORY: fs.constants.O_DIRECTORY,
  NOFOLLOW: fs.constants.O_NOFOLLOW,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
};

export const AT_REMOVEDIR = 0x200;

function check(call: string, result: number | bigint, what?: string): number {
  const n = Number(result);
  if (n < 0) throw new SysError(call, koffi.errno(), what);
  return n;
}

/**
 * openat2(2): opens `path` relative to `dirfd` with the given RESOLVE_* rules. O_CLOEXEC is always
 * added. ENOSYS (kernels before 5.6) is thrown like any other failure: callers refuse, they never
 * fall back to an unconfined open.
 */
export function openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number, what?: string): number {
  const how = new Uint8Array(24);
  const v = new DataView(how.buffer);
  v.setBigUint64(0, BigInt(flags | O.CLOEXEC), true);
  v.setBigUint64(8, BigInt(flags & O.CREAT ? mode : 0), true);
  v.setBigUint64(16, BigInt(resolve), true);
  // EAGAIN: with RESOLVE_IN_ROOT/BENEATH, a rename or mount anywhere on the system during a ".."
  // step makes the kernel give up rather than risk an escape; openat2(2) says to try again.
  for (let attempt = 0; ; attempt++) {
    const fd = Number(c.syscall(SYS_openat2, 'int', dirfd, 'const char *', path, 'void *', how, 'size_t', how.length) as number | bigint);
    if (fd >= 0) return fd;
    const errno = koffi.errno();
    if (errno !== EAGAIN || attempt >= 64) throw new SysError('openat2', errno, what);
  }
}

export function mkdirat(dirfd: number, name: string, mode: number, what?: string): void {
  check('mkdirat', c.mkdirat(dirfd, name, mode) as number, what);
}

export function unlinkat(dirfd: number, name: string, flags = 0, what?: string): void {
  check('unlinkat', c.unlinkat(dirfd, name, flags) as number, what);
}

export function renameat(olddirfd: number, oldname: string, newdirfd: number, newname: string, what?: string): void {
  check('renameat', c.renameat(olddirfd, oldname, newdirfd, newname) as number, what);
}

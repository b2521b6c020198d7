// Writing one file inside a container's root, and nowhere else.
//
// A container's root user controls every name under its root: /etc/resolv.conf can be an absolute
// symlink (which the host would resolve against its own "/"), a "../../.." chain, a symlinked /etc,
// a FIFO (an open that never returns), a device node. So the path is never handed to the host's
// path walk: the container's root is opened once (/proc/PID/root, a directory fd), and the file is
// resolved from it with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): ".." and absolute symlinks
// stop at that root, /proc-style magic links are refused. RESOLVE_NO_XDEV is not used: a
// container's resolv.conf is normally a bind mount (Docker's is), i.e. another mount.
//
// The file is first opened O_PATH (no open side effect on a FIFO or a device), checked to be a
// regular file, then reopened for writing through /proc/self/fd/N: that reopens the very inode
// checked, so swapping the name in between changes nothing. O_NONBLOCK|O_NOCTTY besides.
// Without openat2 (Linux < 5.6) the write is refused; there is no fallback to a plain path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { O, openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../../native/files.js';
import { SysError } from '../../native/libc.js';
import { InputError } from '../util/errors.js';

/** What a non-regular file is, for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

interface Where {
  /** the file as named in messages: "/etc/resolv.conf in container web" */
  label: string;
  /** opens the name with extra open flags; returns an fd or throws SysError */
  open: (flags: number, mode: number) => number;
  /** opens its directory O_PATH; throws SysError */
  openDir: () => number;
}

function explain(e: unknown, label: string): Error {
  if (!(e instanceof SysError)) return e as Error;
  switch (e.code) {
    case 'ENOSYS':
      return new InputError(
        `cannot write ${label} safely: this kernel has no openat2() (Linux 5.6 or later), which confines the path to the container's root`,
        'write DNS servers to a file of your own with --resolv-conf PATH',
      );
    case 'ELOOP':
      return new InputError(`${label} is reached through a symbolic link loop or a /proc magic link; refusing to write it`);
    case 'EXDEV':
      return new InputError(`${label} leads out of the container's root; refusing to write it`);
    case 'ENOENT':
      return new InputError(`${label} cannot be created: its directory does not exist`);
    case 'ENOTDIR':
      return new InputError(`${label} cannot be reached: a component of its path is not a directory`);
    case 'EEXIST':
      return new InputError(`${label} is a dangling symbolic link; refusing to create its target`);
    default:
      return new InputError(`cannot write ${label}: ${e.message}`);
  }
}

/**
 * Opens (creating it 0644 when absent) a regular file for writing, without following it onto a
 * FIFO, socket or device. Returns the fd; throws InputError naming the file and why.
 */
function openRegularForWrite(where: Where): number {
  let pathFd: number;
  try {
    pathFd = where.open(O.PATH, 0);
  } catch (e) {
    if (!(e instanceof SysError) || e.code !== 'ENOENT') throw explain(e, where.label);
    // absent: created here; O_EXCL refuses a dangling symlink rather than creating its target
    try {
      return where.open(O.WRONLY | O.CREAT | O.EXCL | O.NONBLOCK | O.NOCTTY | O.NOFOLLOW, 0o644);
    } catch (e2) {
      throw explain(e2, where.label);
    }
  }
  try {
    const st = fs.fstatSync(pathFd);
    if (!st.isFile()) throw new InputError(`${where.label} is ${fileKind(st)}, not a regular file; refusing to write it`);
    return fs.openSync(`/proc/self/fd/${pathFd}`, O.WRONLY | O.NONBLOCK | O.NOCTTY | O.CLOEXEC);
  } finally {
    fs.closeSync(pathFd);
  }
}

function writeThrough(fd: number, label: string, text: string, refuse?: (st: fs.Stats) => string | undefined): void {
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${label} is ${fileKind(st)}, not a regular file; refusing to write it`);
    const why = refuse?.(st);
    if (why) throw new InputError(`${label}: ${why}`);
    fs.ftruncateSync(fd, 0);
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** An absent file may be created, unless its name is a symlink to nowhere (whose target would be). */
function danglingCheck(where: Where): void {
  let fd: number;
  try {
    fd = where.open(O.PATH | O.NOFOLLOW, 0);
  } catch {
    fd = -1; // nothing there
  }
  if (fd >= 0) {
    fs.closeSync(fd);
    throw new InputError(`${where.label} is a dangling symbolic link; refusing to create its target`);
  }
  try {
    fs.closeSync(where.openDir());
  } catch (e) {
    throw explain(e, where.label);
  }
}

/** Checks, without writing or creating anything, that a write would be accepted. */
function probe(where: Where, refuse?: (st: fs.Stats) => string | undefined): void {
  let fd: number;
  try {
    fd = where.open(O.PATH, 0);
  } catch (e) {
    if (!(e instanceof SysError) || e.code !== 'ENOENT') throw explain(e, where.label);
    danglingCheck(where);
    return; // absent: created when written
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${where.label} is ${fileKind(st)}, not a regular file; refusing to write it`);
    const why = refuse?.(st);
    if (why) throw new InputError(`${where.label}: ${why}`);
  } finally {
    fs.closeSync(fd);
  }
}

export interface WriteOptions {
  /** a last check on the opened file: a reason to refuse it (e.g. "it is the host's resolv.conf") */
  refuse?: (st: fs.Stats) => string | undefined;
}

/**
 * Rewrites `file` (absolute, as the container sees it) inside the root of process `pid`, in place
 * (a bind-mounted file cannot be replaced by a rename). `label` names the container in messages.
 * With text undefined, only checks that the write would be accepted. Returns the file as named
 * in messages.
 */
export function writeFileInRoot(pid: number, file: string, text: string | undefined, label: string, opts: WriteOptions = {}): string {
  const shown = `${file} in ${label}`;
  let root: number;
  try {
    root = fs.openSync(`/proc/${pid}/root`, O.PATH | O.DIRECTORY | O.CLOEXEC);
  } catch (e) {
    throw new InputError(`cannot reach the root of ${label} (process ${pid}): ${(e as Error).message}`);
  }
  try {
    const resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const where: Where = {
      label: shown,
      open: (flags, mode) => openat2(root, file, flags, mode, resolve),
      openDir: () => openat2(root, path.dirname(file), O.PATH | O.DIRECTORY, 0, resolve),
    };
    if (text === undefined) probe(where, opts.refuse);
    else writeThrough(openRegularForWrite(where), shown, text, opts.refuse);
    return shown;
  } finally {
    fs.closeSync(root);
  }
}

/**
 * Rewrites a host file the user named, in place, refusing a FIFO, socket, device or directory
 * there (symlinks the user made are followed: the path is theirs).
 */
export function writeHostFile(file: string, text: string | undefined, opts: WriteOptions = {}): void {
  const where: Where = {
    label: file,
    open: (flags, mode) => {
      try {
        return fs.openSync(file, flags | O.CLOEXEC, mode);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new SysError('open', -(err.errno ?? 0) || 5);
      }
    },
    openDir: () => fs.openSync(path.dirname(file), O.PATH | O.DIRECTORY | O.CLOEXEC),
  };
  // a host path the user chose may be a symlink to a file that exists: O_NOFOLLOW applies only
  // when creating, and there the name must not be a (dangling) link
  if (text === undefined) probe(where, opts.refuse);
  else writeThrough(openRegularForWrite(where), file, text, opts.refuse);
}

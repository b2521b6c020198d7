// Files of the DHCP run folders (/run/pipework/dhcp/...), reached without trusting names: every
// folder is opened one component at a time from "/" with openat2(RESOLVE_NO_SYMLINKS |
// RESOLVE_BENEATH), so a symlink planted anywhere on the way is refused instead of followed; each
// folder on the way must belong to root (or us) and be writable by nobody else unless sticky (as
// /tmp); folders we create are 0700; files are written to a temporary name (O_EXCL) and renamed
// into place within the same open folder, so a reader sees the old or the new file, never half.
import * as fs from 'node:fs';
import { AT_REMOVEDIR, mkdirat, O, openat2, renameat, RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, unlinkat } from '../../native/files.js';
import { SysError } from '../../native/libc.js';
import { InputError } from '../util/errors.js';

const RESOLVE = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
/** A record is small; anything larger was not written by us. */
const MAX_FILE = 64 * 1024;

function components(dir: string): string[] {
  if (!dir.startsWith('/')) throw new InputError(`run folder ${dir} is not an absolute path`);
  return dir.split('/').filter((c) => c !== '' && c !== '.');
}

function checkOwner(fd: number, shown: string): void {
  const st = fs.fstatSync(fd);
  const uid = process.geteuid?.() ?? 0;
  if (st.uid !== 0 && st.uid !== uid) throw new InputError(`${shown} belongs to user ${st.uid}, not to root; refusing to keep DHCP records there`);
  const sticky = (st.mode & 0o1000) !== 0;
  if (st.mode & 0o022 && !sticky) throw new InputError(`${shown} is writable by other users; refusing to keep DHCP records there`);
}

/**
 * Opens dir (O_PATH) without following any symlink; with create, makes the missing folders
 * (0700). Returns undefined when it does not exist and create is false.
 */
export function openFolder(dir: string, create: boolean): number | undefined {
  let fd = fs.openSync('/', O.PATH | O.DIRECTORY | O.CLOEXEC);
  let shown = '';
  try {
    for (const name of components(dir)) {
      if (name === '..') throw new InputError(`run folder ${dir} has a ".." in it`);
      shown += `/${name}`;
      let next: number;
      try {
        next = openat2(fd, name, O.PATH | O.DIRECTORY | O.NOFOLLOW, 0, RESOLVE);
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
        if (e.code === 'ENOENT') {
          if (!create) return undefined;
          try {
            mkdirat(fd, name, 0o700);
          } catch (e2) {
            if (!(e2 instanceof SysError) || e2.code !== 'EEXIST') throw e2;
          }
          next = openat2(fd, name, O.PATH | O.DIRECTORY | O.NOFOLLOW, 0, RESOLVE);
        } else if (e.code === 'ELOOP' || e.code === 'ENOTDIR' || e.code === 'EXDEV') {
          throw new InputError(`${shown} is a symbolic link or not a folder; refusing to follow it (remove it if you did not make it)`);
        } else {
          throw e;
        }
      }
      fs.closeSync(fd);
      fd = next;
      checkOwner(fd, shown);
    }
    const out = fd;
    fd = -1;
    return out;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Refuses (InputError) a folder path with a symlink or a foreign folder on the way; absent parts are fine. */
export function checkFolder(dir: string): void {
  const fd = openFolder(dir, false);
  if (fd !== undefined) fs.closeSync(fd);
}

function withFolder<T>(dir: string, create: boolean, fn: (fd: number) => T): T | undefined {
  const fd = openFolder(dir, create);
  if (fd === undefined) return undefined;
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of dir/name; undefined when either is absent, or the name is not a small regular file. */
export function readRecord(dir: string, name: string): string | undefined {
  return withFolder(dir, false, (dfd) => {
    let fd: number;
    try {
      fd = openat2(dfd, name, O.RDONLY | O.NONBLOCK | O.NOFOLLOW | O.NOCTTY, 0, RESOLVE);
    } catch {
      return undefined;
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size > MAX_FILE) return undefined;
      const buf = Buffer.alloc(st.size);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got).toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** Writes dir/name atomically (0600), creating dir as needed. */
export function writeRecord(dir: string, name: string, text: string): void {
  withFolder(dir, true, (dfd) => {
    const tmp = `.${name}.${process.pid}.tmp`;
    try {
      unlinkat(dfd, tmp);
    } catch {
      // usually absent
    }
    const fd = openat2(dfd, tmp, O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW, 0o600, RESOLVE);
    try {
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at, at);
    } finally {
      fs.closeSync(fd);
    }
    renameat(dfd, tmp, dfd, name);
  });
}

/** Removes dir/name; absent is fine. */
export function removeRecord(dir: string, name: string): void {
  withFolder(dir, false, (dfd) => {
    try {
      unlinkat(dfd, name);
    } catch (e) {
      if (!(e instanceof SysError) || e.code !== 'ENOENT') throw e;
    }
  });
}

/** Does dir/name exist (as anything)? */
export function recordExists(dir: string, name: string): boolean {
  return (
    withFolder(dir, false, (dfd) => {
      try {
        fs.closeSync(openat2(dfd, name, O.PATH | O.NOFOLLOW, 0, RESOLVE));
        return true;
      } catch {
        return false;
      }
    }) ?? false
  );
}

/** Names in dir (folders and files); [] when dir is absent. */
export function listFolder(dir: string): string[] {
  // our own fd's /proc/self/fd link names exactly the folder opened, whatever happens to its path
  return withFolder(dir, false, (dfd) => fs.readdirSync(`/proc/self/fd/${dfd}`)) ?? [];
}

/** Removes the empty folder dir (its last component); a folder with files in it is left. */
export function removeEmptyFolder(dir: string): boolean {
  const cut = dir.lastIndexOf('/');
  const parent = dir.slice(0, cut) || '/';
  const name = dir.slice(cut + 1);
  return (
    withFolder(parent, false, (dfd) => {
      try {
        unlinkat(dfd, name, AT_REMOVEDIR);
        return true;
      } catch {
        return false;
      }
    }) ?? false
  );
}

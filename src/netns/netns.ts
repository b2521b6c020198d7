// Network namespace handles. A handle holds an open fd on the namespace file, which pins the
// namespace (a PID that exits or is reused after we resolved it cannot swap it under us) and is
// what IFLA_NET_NS_FD and setns() take.
import * as fs from 'node:fs';
import { InputError, NotFoundError } from '../util/errors.js';

export const NETNS_RUN_DIR = '/var/run/netns';

export class Netns {
  private closed = false;

  private constructor(
    readonly fd: number,
    readonly inode: number,
    /** how the namespace is named in messages: "netns web", "netns of pid 4321" */
    readonly label: string,
    /** the PID it was found through, when there is one (pipework names interfaces after it) */
    readonly pid?: number,
    readonly name?: string,
  ) {}

  /** Opens a namespace file; the inode check proves it is a network namespace. */
  static open(path: string, label: string, pid?: number, name?: string): Netns {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NotFoundError(`${label} does not exist (${path} not found)`);
      throw new InputError(`cannot open ${label} (${path}): ${(e as Error).message}`);
    }
    const st = fs.fstatSync(fd);
    // nsfs files live on the nsfs pseudo-filesystem; a regular file is a mistake (e.g. a mount of
    // /var/run/netns went away and left the empty placeholder file behind).
    if (!st.isFile() || st.size !== 0) {
      fs.closeSync(fd);
      throw new InputError(`${path} is not a network namespace file`);
    }
    return new Netns(fd, st.ino, label, pid, name);
  }

  static byName(name: string): Netns {
    checkNetnsName(name);
    return Netns.open(`${NETNS_RUN_DIR}/${name}`, `netns ${name}`, undefined, name);
  }

  static byPid(pid: number): Netns {
    if (!Number.isInteger(pid) || pid <= 0) throw new InputError(`"${pid}" is not a process ID`);
    if (!fs.existsSync(`/proc/${pid}`)) throw new NotFoundError(`process ${pid} does not exist`, 'check the PID, or that the container is running');
    return Netns.open(`/proc/${pid}/ns/net`, `netns of pid ${pid}`, pid);
  }

  static byPath(path: string): Netns {
    return Netns.open(path, `netns ${path}`);
  }

  /** The namespace of the calling thread. */
  static current(): Netns {
    return Netns.open('/proc/thread-self/ns/net', 'the current netns');
  }

  /** A copy of this handle with a different label (e.g. "container web"). */
  relabel(label: string, pid = this.pid): Netns {
    const fd = fs.openSync(`/proc/self/fd/${this.fd}`, 'r');
    this.close();
    return new Netns(fd, this.inode, label, pid, this.name);
  }

  /** A second, independent handle on the same namespace (its own fd, closed separately). */
  duplicate(): Netns {
    const fd = fs.openSync(`/proc/self/fd/${this.fd}`, 'r');
    return new Netns(fd, this.inode, this.label, this.pid, this.name);
  }

  /** Same namespace as the calling thread's? */
  isCurrent(): boolean {
    return currentInode() === this.inode;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** Inode of the calling thread's network namespace. */
export function currentInode(): number {
  return fs.statSync('/proc/thread-self/ns/net').ino;
}

export function namedNetnsExists(name: string): boolean {
  return netnsNameProblem(name) === undefined && fs.existsSync(`${NETNS_RUN_DIR}/${name}`);
}

/**
 * What is wrong with a netns name, as iproute2 judges it (a file name in NETNS_RUN_DIR: not empty,
 * no "/", not "." or ".."), or undefined. Anything else would name a file outside that folder.
 */
export function netnsNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.includes('/')) return 'it contains "/"';
  if (name === '.' || name === '..') return `it is "${name}"`;
  if (name.includes('\0')) return 'it contains a NUL byte';
  if (Buffer.byteLength(name) > 255) return `it is ${Buffer.byteLength(name)} bytes long; the limit is 255`;
  return undefined;
}

/** Throws InputError for a netns name that cannot be one (see netnsNameProblem). */
export function checkNetnsName(name: string): string {
  const problem = netnsNameProblem(name);
  if (problem) throw new InputError(`invalid netns name ${JSON.stringify(name)}: ${problem}`, `give the name of a namespace in ${NETNS_RUN_DIR} (as "ip netns list" shows it), or the path of a netns file`);
  return name;
}

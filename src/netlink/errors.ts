// Typed failures of the netlink layer. A KernelError says what the kernel refused, why
// (errno and, when the kernel gives one, its extended-ack message) and what we were doing.
import { errnoName, strerror } from '../util/errno.js';

export class NetlinkDecodeError extends Error {
  constructor(message: string) {
    super(`malformed netlink message: ${message}`);
    this.name = 'NetlinkDecodeError';
  }
}

export class KernelError extends Error {
  /** positive errno, e.g. 17 for EEXIST */
  readonly errno: number;
  readonly code: string;
  /** the kernel's extended-ack text, if it sent one */
  readonly extack?: string;
  /** what we were doing, e.g. "creating veth veth1pl42 <-> eth1 in netns of pid 42" */
  readonly operation: string;

  constructor(errno: number, operation: string, extack?: string) {
    const why = extack ? `${strerror(errno)} (${errnoName(errno)}): ${extack}` : `${strerror(errno)} (${errnoName(errno)})`;
    super(`${operation}: ${why}`);
    this.name = 'KernelError';
    this.errno = errno;
    this.code = errnoName(errno);
    this.extack = extack;
    this.operation = operation;
  }
}

export function isKernelError(e: unknown, code?: string): e is KernelError {
  return e instanceof KernelError && (code === undefined || e.code === code);
}

// File descriptors in bulk: growing the fd table once, and closing many AF_PACKET sockets at once.
//
// Growing: the kernel grows a process's fd table by doubling, and in a multithreaded process (Node
// is one) each doubling waits for an RCU grace period (~10-15 ms here). fcntl(F_DUPFD) to a high
// number grows it to that size in one step; done on a worker thread, the wait overlaps other work.
//
// Closing: packet_release() waits for a grace period (synchronize_net) every time, so closing
// 1,000 packet sockets one after the other takes 12-16 s, and koffi's async calls only spread that
// over libuv's pool (4 threads by default: still ~4 s). Grace periods are shared by everyone
// waiting at the same time, so each socket is closed on a short-lived native thread of its own:
// pthread_create() with libc's close() itself as the thread's start routine and the fd as its
// argument. No JavaScript runs on those threads; the main thread only starts and reaps them.
//
// That relies on the LP64 Linux calling convention (x86_64, aarch64): the first argument travels in
// a register, so close(int) reads the fd from the low 32 bits of the void * argument, and its int
// result comes back as the thread's (ignored) return value. Elsewhere, or when a thread cannot be
// created, the fds are closed with libc.closeAsync instead.
import koffi from 'koffi';
import * as libc from './libc.js';
import { sleep } from '../src/util/sleep.js';

const lib = koffi.load('libc.so.6');
const F_DUPFD_CLOEXEC = 1030;
const fcntl = lib.func('int fcntl(int fd, int cmd, int arg)');

/**
 * Grows the fd table to hold descriptor `target`, on a worker thread: resolves when done (or at
 * once if the table is that large already). Never touches an open descriptor: F_DUPFD takes the
 * lowest free number from target up, and that duplicate is closed again.
 */
export function growFdTable(anyOpenFd: number, target: number): Promise<void> {
  return new Promise((resolve) => {
    fcntl.async(anyOpenFd, F_DUPFD_CLOEXEC, target, (err: unknown, fd: number) => {
      if (!err && fd >= 0) libc.close(fd);
      resolve(); // an optimisation only: a failure changes nothing
    });
  });
}

interface Threads {
  create: (out: bigint[], attr: null, start: bigint, arg: number) => number;
  tryJoin: (thread: bigint, ret: null) => number;
  closeAddress: bigint;
}

let api: Threads | null | undefined;

function threads(): Threads | null {
  if (api !== undefined) return api;
  try {
    if (koffi.sizeof('void *') !== 8 || process.platform !== 'linux') throw new Error('not LP64 Linux');
    const closeAddress = BigInt(lib.symbol('close') as bigint | number);
    if (!closeAddress) throw new Error('close() not found');
    api = {
      create: lib.func('int pthread_create(_Out_ uint64_t *thread, void *attr, void *start, intptr_t arg)') as never,
      tryJoin: lib.func('int pthread_tryjoin_np(uint64_t thread, void *ret)') as never,
      closeAddress,
    };
  } catch {
    api = null;
  }
  return api;
}

const EBUSY = libc.errnoOf('EBUSY');

/**
 * Closes descriptors on native threads as they are handed over, so that their grace periods pass
 * while the caller goes on; finish() resolves once every one is closed. At most maxThreads closing
 * threads exist at once; the rest wait their turn. Errors of close() itself are not reported (the
 * descriptor is gone either way).
 */
export class ParallelCloser {
  private readonly running: bigint[] = [];
  private readonly queued: number[] = [];
  private readonly fallback: number[] = [];
  private readonly t = threads();

  constructor(private readonly maxThreads = 256) {}

  add(fd: number): void {
    if (!this.t) {
      this.fallback.push(fd);
      return;
    }
    if (this.running.length >= this.maxThreads) this.reap();
    if (this.running.length >= this.maxThreads) this.queued.push(fd);
    else this.start(fd);
  }

  private start(fd: number): void {
    const out = [0n];
    if (this.t!.create(out, null, this.t!.closeAddress, fd) === 0) this.running.push(out[0]);
    else this.fallback.push(fd); // EAGAIN: out of threads; closed the slow way in finish()
  }

  private reap(): void {
    for (let i = this.running.length - 1; i >= 0; i--) {
      if (this.t!.tryJoin(this.running[i], null) !== EBUSY) this.running.splice(i, 1);
    }
  }

  async finish(): Promise<void> {
    while (this.running.length || this.queued.length) {
      this.reap();
      while (this.queued.length && this.running.length < this.maxThreads) this.start(this.queued.shift()!);
      if (this.running.length) await sleep(1);
    }
    const rest = this.fallback.splice(0);
    let next = 0;
    // koffi refuses too many queued async calls: a bounded number in flight.
    const worker = async () => {
      while (next < rest.length) await libc.closeAsync(rest[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(32, rest.length) }, worker));
  }
}

/** Closes every fd, many at a time; resolves once all are closed. */
export async function closeInParallel(fds: readonly number[], maxThreads = 256): Promise<void> {
  const closer = new ParallelCloser(maxThreads);
  for (const fd of fds) closer.add(fd);
  await closer.finish();
}

// Closing many AF_PACKET sockets at once. The kernel's packet_release() waits for an RCU grace
// period (synchronize_net, ~12-16 ms here) every time, so closing 1,000 of them one after the
// other takes 12-16 s, and koffi's async calls only spread that over libuv's pool (4 threads by
// default: still ~4 s). Grace periods are shared by everyone waiting at the same time, so this
// closes each socket on a short-lived native thread of its own: pthread_create() with libc's
// close() itself as the thread's start routine and the fd as its argument. No JavaScript runs on
// those threads; the main thread only creates and reaps them, and 1,000 sockets close in about
// the time of a few grace periods.
//
// The trick relies on the LP64 Linux calling convention (x86_64, aarch64): the first argument
// travels in a register, so close(int) reads the fd from the low 32 bits of the void * argument
// and its int result comes back as the thread's (ignored) return value. Elsewhere, or when a
// thread cannot be created, the fds are closed with libc.closeAsync instead.
import koffi from 'koffi';
import * as libc from './libc.js';

const lib = koffi.load('libc.so.6');

let api:
  | {
      create: (out: bigint[], attr: null, start: bigint, arg: number) => number;
      tryJoin: (thread: bigint, ret: null) => number;
      closeAddress: bigint;
    }
  | null
  | undefined;

function threads() {
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Closes every fd, many at a time, and resolves once all are closed. At most `maxThreads`
 * closing threads exist at once. Errors of close() itself are not reported (the fds are gone
 * either way).
 */
export async function closeInParallel(fds: readonly number[], maxThreads = 256): Promise<void> {
  const t = threads();
  if (!t) {
    await closeAsyncBounded(fds);
    return;
  }
  const running: bigint[] = [];
  const fallback: number[] = [];
  let next = 0;
  while (next < fds.length || running.length) {
    while (next < fds.length && running.length < maxThreads) {
      const fd = fds[next++];
      const out = [0n];
      if (t.create(out, null, t.closeAddress, fd) === 0) running.push(out[0]);
      else fallback.push(fd); // EAGAIN: out of threads; close it the slow way below
    }
    // Reap what has finished; wait a little (without blocking the event loop) for the rest.
    for (let i = running.length - 1; i >= 0; i--) {
      const rc = t.tryJoin(running[i], null);
      if (rc !== EBUSY) running.splice(i, 1);
    }
    if (running.length && (next >= fds.length || running.length >= maxThreads)) await sleep(1);
  }
  if (fallback.length) await closeAsyncBounded(fallback);
}

/** koffi's async close on libuv's pool, a bounded number in flight (koffi refuses too many queued calls). */
async function closeAsyncBounded(fds: readonly number[], inFlight = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < fds.length) await libc.closeAsync(fds[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, fds.length) }, worker));
}

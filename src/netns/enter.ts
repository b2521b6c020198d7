// Running a few synchronous system calls inside another network namespace. Sockets keep the
// namespace they were created in, so the pattern is: setns in, socket(), setns back. Nothing
// between the two setns calls may await: the event loop would run other code in the wrong
// namespace. Both switches are verified by inode; if switching back fails the thread is in an
// unknown namespace and every later call would act on the wrong network, so the process aborts.
import * as fs from 'node:fs';
import * as libc from '../../native/libc.js';
import type { Netns } from './netns.js';

/** setns(2)'s nstype for a network namespace (sched.h). */
const CLONE_NEWNET = 0x40000000;

let home: { fd: number; inode: number } | undefined;

function homeNetns(): { fd: number; inode: number } {
  if (!home) {
    const fd = fs.openSync('/proc/thread-self/ns/net', 'r');
    home = { fd, inode: fs.fstatSync(fd).ino };
  }
  return home;
}

function threadInode(): number {
  return fs.statSync('/proc/thread-self/ns/net').ino;
}

/** Runs fn (synchronous) with the calling thread inside ns, then returns home. */
export function inNetns<T>(ns: Netns, fn: () => T): T {
  const h = homeNetns();
  if (ns.inode === h.inode) return fn();
  libc.setns(ns.fd, CLONE_NEWNET);
  try {
    const now = threadInode();
    if (now !== ns.inode) throw new Error(`setns into ${ns.label} landed in netns inode ${now}, expected ${ns.inode}`);
    return fn();
  } finally {
    goHome(h);
  }
}

function goHome(h: { fd: number; inode: number }): void {
  try {
    libc.setns(h.fd, CLONE_NEWNET);
    if (threadInode() === h.inode) return;
  } catch {
    // fall through to the abort below
  }
  process.stderr.write('pipework: fatal: could not return to the original network namespace; aborting\n');
  process.abort();
}

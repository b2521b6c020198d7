// A netlink socket and the request/response discipline on it: sequence numbers, many requests
// per send with their ACKs matched by sequence, dumps (retried when the kernel says the dump was
// interrupted), and kernel errors turned into KernelError with errno, extended-ack text and the
// operation the request belonged to.
//
// I/O here is synchronous on purpose: rtnetlink handles a request inside sendmsg(), so by the time
// send returns the answers are queued; waiting on them costs no more than a function call and keeps
// setns() windows free of awaits. SO_RCVTIMEO bounds every wait all the same.
import * as libc from '../../native/libc.js';
import {
  AF_NETLINK, MSG_DONTWAIT, MSG_TRUNC, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, NETLINK_ROUTE, NETLINK_ADD_MEMBERSHIP,
  NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
  SOCK_CLOEXEC, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE, SO_RCVTIMEO, SO_SNDBUF, SO_SNDBUFFORCE,
} from './constants.js';
import { KernelError, NetlinkDecodeError } from './errors.js';
import { type NetlinkMessage, parseError, splitMessages, writeHeader } from './message.js';

/** One request: a message built with MessageWriter (header space first) and what it is for. */
export interface Request {
  type: number;
  /** NLM_F_* flags besides REQUEST and ACK, which the session adds */
  flags?: number;
  /** the whole message, the first 16 bytes reserved for the header */
  message: Uint8Array;
  /** the operation in words, for errors: "adding 10.0.0.5/24 to eth1 in netns web" */
  what: string;
}

export interface Outcome {
  replies: NetlinkMessage[];
  error?: KernelError;
}

export interface SocketOptions {
  protocol?: number;
  /** multicast groups to join (RTNLGRP_*), for event listeners; such a socket is bound (see adopt) */
  groups?: number[];
  /** bound on any single wait for the kernel, in ms */
  timeoutMs?: number;
}

const BUFFER_BYTES = 4 << 20;
/** Requests per sendmsg: keeps the queued ACKs far below the receive buffer. */
const MAX_BATCH_MESSAGES = 512;
const MAX_BATCH_BYTES = 256 << 10;
const DUMP_RETRIES = 8;

let sharedRecvBuffer: Uint8Array | undefined;
function recvBuffer(): Uint8Array {
  // One process-wide buffer: every message we keep is copied out of it before the next recv.
  return (sharedRecvBuffer ??= new Uint8Array(1 << 20));
}

export class NetlinkSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private closed = false;

  private constructor(readonly fd: number) {}

  /** Opens a socket in the calling thread's current network namespace. */
  static open(options: SocketOptions = {}): NetlinkSocket {
    const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, options.protocol ?? NETLINK_ROUTE);
    try {
      return NetlinkSocket.adopt(fd, options);
    } catch (e) {
      libc.close(fd);
      throw e;
    }
  }

  /** Takes over an already-created netlink socket (e.g. one opened inside another namespace). */
  static adopt(fd: number, options: SocketOptions = {}): NetlinkSocket {
    libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
    libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    forceBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
    forceBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const tv = new Uint8Array(16);
    const v = new DataView(tv.buffer);
    v.setBigInt64(0, BigInt(Math.floor(timeoutMs / 1000)), true);
    v.setBigInt64(8, BigInt((timeoutMs % 1000) * 1000), true);
    libc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv);
    if (options.groups?.length) {
      // The kernel skips a listener whose port id equals the sender's (do_one_broadcast), and its own
      // notifications are sent from port id 0: an unbound socket (port id 0 until its first send)
      // would hear nothing. bind() with nl_pid 0 has the kernel assign a unique port id.
      libc.bind(fd, sockaddrNl());
      for (const g of options.groups) libc.setsockoptInt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g);
    }
    return new NetlinkSocket(fd);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0x7fffffff || 1;
    return this.seq;
  }

  /** One request, answered by an ACK (and replies, for a get). Throws KernelError on refusal. */
  request(req: Request): NetlinkMessage[] {
    const [outcome] = this.batch([req]);
    if (outcome.error) throw outcome.error;
    return outcome.replies;
  }

  /**
   * Many requests sent together (one sendmsg per chunk), each answered separately. The kernel
   * handles them in order and keeps going after a failure, so every request gets its own outcome.
   */
  batch(reqs: readonly Request[]): Outcome[] {
    this.assertOpen();
    const outcomes: Outcome[] = new Array(reqs.length);
    let i = 0;
    while (i < reqs.length) {
      let bytes = 0;
      let j = i;
      while (j < reqs.length && j - i < MAX_BATCH_MESSAGES && (j === i || bytes + reqs[j].message.length <= MAX_BATCH_BYTES)) {
        bytes += (reqs[j].message.length + 3) & ~3;
        j++;
      }
      this.sendChunk(reqs, i, j, bytes, outcomes);
      i = j;
    }
    return outcomes;
  }

  /** Like batch(), but throws the first failure (in request order) after all were answered. */
  batchOrThrow(reqs: readonly Request[]): Outcome[] {
    const outcomes = this.batch(reqs);
    for (const o of outcomes) if (o.error) throw o.error;
    return outcomes;
  }

  private sendChunk(reqs: readonly Request[], from: number, to: number, bytes: number, outcomes: Outcome[]): void {
    const out = new Uint8Array(bytes);
    const pending = new Map<number, number>();
    let off = 0;
    for (let k = from; k < to; k++) {
      const req = reqs[k];
      const seq = this.nextSeq();
      const msg = req.message;
      writeHeader(msg, req.type, NLM_F_REQUEST | NLM_F_ACK | (req.flags ?? 0), seq);
      out.set(msg, off);
      off += (msg.length + 3) & ~3;
      pending.set(seq, k);
      outcomes[k] = { replies: [] };
    }
    libc.send(this.fd, out);
    while (pending.size > 0) {
      for (const m of this.receive()) {
        const k = pending.get(m.seq);
        if (k === undefined) continue; // a stale answer to an earlier, abandoned request
        if (m.type === NLMSG_ERROR) {
          const e = parseError(m);
          if (e.errno !== 0) outcomes[k].error = new KernelError(e.errno, reqs[k].what, e.message);
          pending.delete(m.seq);
        } else if (m.type !== NLMSG_NOOP) {
          outcomes[k].replies.push(copyMessage(m));
        }
      }
    }
  }

  /**
   * A dump (NLM_F_DUMP). Retried from scratch when the kernel flags it as interrupted by a
   * concurrent change (NLM_F_DUMP_INTR), a bounded number of times.
   */
  dump(req: Request): NetlinkMessage[] {
    this.assertOpen();
    for (let attempt = 0; ; attempt++) {
      const seq = this.nextSeq();
      writeHeader(req.message, req.type, NLM_F_REQUEST | NLM_F_DUMP | (req.flags ?? 0), seq);
      libc.send(this.fd, req.message);
      const result: NetlinkMessage[] = [];
      let interrupted = false;
      let done = false;
      while (!done) {
        for (const m of this.receive()) {
          if (m.seq !== seq) continue;
          if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
          if (m.type === NLMSG_DONE) {
            done = true;
            const err = m.payload.length >= 4 ? -new DataView(m.payload.buffer, m.payload.byteOffset, 4).getInt32(0, true) : 0;
            if (err > 0) throw new KernelError(err, req.what);
          } else if (m.type === NLMSG_ERROR) {
            const e = parseError(m);
            if (e.errno !== 0) throw new KernelError(e.errno, req.what, e.message);
            done = true;
          } else if (m.type !== NLMSG_NOOP && m.type !== NLMSG_OVERRUN) {
            result.push(copyMessage(m));
          }
        }
      }
      if (!interrupted) return result;
      if (attempt >= DUMP_RETRIES) throw new KernelError(libc.errnoOf('EINTR'), `${req.what} (dump still inconsistent after ${DUMP_RETRIES} retries)`);
    }
  }

  /** Reads one datagram; throws if the kernel does not answer within the socket's timeout. */
  receive(flags = 0): NetlinkMessage[] {
    const buf = recvBuffer();
    const n = libc.recv(this.fd, buf, flags | MSG_TRUNC);
    if (n < 0) throw new KernelError(libc.errnoOf('ETIMEDOUT'), 'waiting for the kernel to answer on netlink');
    if (n > buf.length) throw new NetlinkDecodeError(`datagram of ${n} bytes truncated to ${buf.length}`);
    return splitMessages(buf.subarray(0, n));
  }

  /** Reads without blocking; an empty list when nothing is queued. */
  receiveNow(): NetlinkMessage[] {
    const buf = recvBuffer();
    const n = libc.recv(this.fd, buf, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) return [];
    if (n > buf.length) throw new NetlinkDecodeError(`datagram of ${n} bytes truncated to ${buf.length}`);
    return splitMessages(buf.subarray(0, n));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libc.close(this.fd);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('netlink socket used after close()');
  }
}

/** struct sockaddr_nl { nl_family, nl_pad, nl_pid, nl_groups } with pid 0 (the kernel picks) and no groups. */
function sockaddrNl(): Uint8Array {
  const a = new Uint8Array(12);
  new DataView(a.buffer).setUint16(0, AF_NETLINK, true);
  return a;
}

function copyMessage(m: NetlinkMessage): NetlinkMessage {
  return { ...m, payload: m.payload.slice() };
}

function forceBuffer(fd: number, force: number, plain: number): void {
  try {
    libc.setsockoptInt(fd, SOL_SOCKET, force, BUFFER_BYTES);
  } catch {
    libc.setsockoptInt(fd, SOL_SOCKET, plain, BUFFER_BYTES); // without CAP_NET_ADMIN: capped by rmem_max
  }
}


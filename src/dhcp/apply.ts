// Carrying out a lease plan through rtnetlink on a socket opened inside the guest namespace, and
// writing resolv.conf where (and only where) the caller asked.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isKernelError } from '../netlink/errors.js';
import { writeFileInRoot, writeHostFile } from '../netns/rootfs.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { addAddressRequest, deleteAddressRequest } from '../ops/address.js';
import { setLinkRequest } from '../ops/link.js';
import { routeRequest, type RouteSpec } from '../ops/route.js';
import { InputError } from '../util/errors.js';
import { parseIpv4 } from '../util/ip.js';
import { describeStep, type Lease, type LeaseStep, resolvConfText } from './lease.js';

/** Routes from DHCP carry this protocol number, so `ip route` shows "proto dhcp". */
export const RTPROT_DHCP = 16;

export interface ApplyContext {
  sock: NetlinkSocket;
  ifindex: number;
  ifname: string;
  /** "in netns web", for messages */
  where: string;
  /** route metric (default 0) */
  metric?: number;
  log?: (msg: string) => void;
}

function v4(text: string): Uint8Array {
  const b = parseIpv4(text);
  if (!b) throw new Error(`not an IPv4 address: ${text}`);
  return b;
}

function routeSpec(ctx: ApplyContext, s: Extract<LeaseStep, { kind: 'route' }>, forDelete: boolean): RouteSpec {
  return {
    family: 4,
    dst: s.prefix > 0 ? { family: 4, bytes: v4(s.dst), prefix: s.prefix } : undefined,
    gateway: s.gateway ? v4(s.gateway) : undefined,
    oif: ctx.ifindex,
    metric: ctx.metric,
    onlink: s.onlink,
    protocol: forDelete ? undefined : RTPROT_DHCP,
  };
}

/**
 * Applies the steps in order. Returns the steps actually applied (a route that already exists,
 * e.g. another interface's default route, is skipped with a log line and not taken as ours). On a
 * failure, the steps applied so far are undone in reverse and the error is thrown.
 */
export function applySteps(ctx: ApplyContext, steps: readonly LeaseStep[]): LeaseStep[] {
  const done: LeaseStep[] = [];
  try {
    for (const s of steps) {
      const what = `${describeStep(s)} on ${ctx.ifname} ${ctx.where}`;
      switch (s.kind) {
        case 'mtu':
          try {
            ctx.sock.request(setLinkRequest(ctx.ifindex, { mtu: s.mtu }, what));
          } catch (e) {
            // above the link's maximum (or below its minimum): the server's MTU is not applied
            if (!isKernelError(e, 'EINVAL')) throw e;
            ctx.log?.(`the server's MTU ${s.mtu} is out of the range ${ctx.ifname} allows; its MTU was left at ${s.previous}`);
            continue;
          }
          break;
        case 'address':
          // replace: a re-run that got the same lease finds its address already there
          ctx.sock.request(addAddressRequest({ index: ctx.ifindex, cidr: { family: 4, bytes: v4(s.address), prefix: s.prefix } }, what, true));
          break;
        case 'route':
          try {
            ctx.sock.request(routeRequest('add', routeSpec(ctx, s, false), what));
          } catch (e) {
            if (!isKernelError(e, 'EEXIST')) throw e;
            ctx.log?.(`${what}: such a route already exists; left as it is`);
            continue;
          }
          break;
      }
      done.push(s);
    }
  } catch (e) {
    undoSteps(ctx, done);
    throw e;
  }
  return done;
}

/** Undoes applied steps in reverse order; what is already gone is fine. Never throws. */
export function undoSteps(ctx: ApplyContext, steps: readonly LeaseStep[]): string[] {
  const problems: string[] = [];
  for (const s of [...steps].reverse()) {
    try {
      switch (s.kind) {
        case 'mtu':
          ctx.sock.request(setLinkRequest(ctx.ifindex, { mtu: s.previous }, `restoring MTU ${s.previous} on ${ctx.ifname} ${ctx.where}`));
          break;
        case 'address':
          ctx.sock.request(
            deleteAddressRequest(
              { index: ctx.ifindex, cidr: { family: 4, bytes: v4(s.address), prefix: s.prefix } },
              `removing address ${s.address}/${s.prefix} from ${ctx.ifname} ${ctx.where}`,
            ),
          );
          break;
        case 'route':
          ctx.sock.request(routeRequest('delete', routeSpec(ctx, s, true), `removing ${describeStep(s).replace(/^adding /, '')} ${ctx.where}`));
          break;
      }
    } catch (e) {
      // ESRCH: the route went with the address; EADDRNOTAVAIL: address already gone; ENODEV: link gone
      if (isKernelError(e, 'ESRCH') || isKernelError(e, 'EADDRNOTAVAIL') || isKernelError(e, 'ENODEV')) continue;
      problems.push((e as Error).message);
      ctx.log?.((e as Error).message);
    }
  }
  return problems;
}

// ---- resolv.conf ----

/** Where DNS servers from a lease go: a file path, or the container's own /etc/resolv.conf. */
export type ResolvConfTarget = string | { containerPid: number; label?: string };

/** The refusal of the host's own /etc/resolv.conf, whatever name reaches it (a bind mount too). */
function notHostResolvConf(st: fs.Stats): string | undefined {
  try {
    const host = fs.statSync('/etc/resolv.conf');
    if (host.dev === st.dev && host.ino === st.ino) return "it is the host's /etc/resolv.conf, which pipework never rewrites";
  } catch {
    // no host resolv.conf: nothing to protect
  }
  return undefined;
}

function containerPid(target: { containerPid: number }): number {
  const pid = target.containerPid;
  if (!Number.isInteger(pid) || pid <= 0) throw new InputError(`"${pid}" is not a process ID`);
  // A process in our own mount namespace sees our files: its /etc/resolv.conf is the host's.
  const mine = fs.statSync('/proc/self/ns/mnt').ino;
  let theirs: number;
  try {
    theirs = fs.statSync(`/proc/${pid}/ns/mnt`).ino;
  } catch {
    throw new InputError(`cannot write the container's resolv.conf: process ${pid} does not exist`);
  }
  if (theirs === mine) {
    throw new InputError(
      `process ${pid} shares the host's filesystem, so its /etc/resolv.conf is the host's`,
      'name a file with --resolv-conf PATH instead',
    );
  }
  return pid;
}

/**
 * Writes text to the target, or (text undefined) only checks that it would be accepted. A
 * container's file is resolved inside its root only (see netns/rootfs.ts); a host path is the
 * user's choice, but must be a regular file. Returns the file as named in messages.
 */
function writeTarget(target: ResolvConfTarget, text: string | undefined): string {
  if (typeof target === 'string') {
    const file = path.resolve(target);
    writeHostFile(file, text, { refuse: notHostResolvConf });
    return file;
  }
  const pid = containerPid(target);
  return writeFileInRoot(pid, '/etc/resolv.conf', text, target.label ?? `the container of process ${pid}`, { refuse: notHostResolvConf });
}

/**
 * Checks a target before any packet goes out: refuses the host's /etc/resolv.conf, a FIFO, device
 * or socket, a path that leaves the container's root. Returns the file as named in messages.
 */
export function resolvConfPath(target: ResolvConfTarget): string {
  return writeTarget(target, undefined);
}

/**
 * Writes the lease's DNS servers to the target. The file is rewritten in place (not replaced by a
 * rename): a container's resolv.conf is usually a bind mount, which a rename cannot replace.
 * Returns the file written (as named in messages), or undefined when the lease has no DNS servers.
 */
export function writeResolvConf(target: ResolvConfTarget, lease: Lease): string | undefined {
  const text = resolvConfText(lease);
  if (text === undefined) return undefined;
  return writeTarget(target, text);
}

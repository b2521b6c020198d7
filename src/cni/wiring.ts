// The plugin's one door into the wiring library: the public session (Pipework.wire / unwire /
// list / passthrough) and the kernel reads CNI needs on top (the host end's alias, which marks an
// attachment as ours so that DEL without a netns and GC find it in the kernel, not in a file).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { NetlinkSocket } from '../netlink/session.js';
import { inNetns } from '../netns/enter.js';
import { Netns } from '../netns/netns.js';
import { deleteLinkRequest, getLink, type Link, listLinks, setLinkRequest } from '../ops/link.js';
import { DEFAULT_OVSDB_SOCKET, parseOvsdbRemote } from '../ovs/remote.js';
import { Pipework, type WireResult } from '../wire/pipework.js';
import type { WiringSpec } from '../wire/spec.js';
import { ConflictError, InputError } from '../util/errors.js';
import type { CniInterface } from './result.js';

export { Pipework };
export type { WireResult, WiringSpec };

const ALIAS_PREFIX = 'pipework-cni:';

export interface Attachment {
  containerId: string;
  ifname: string;
}

/** The host end's name: stable for a (container, ifname), so DEL and CHECK find it again. */
export function hostEndFor(a: Attachment): string {
  return `vpc${createHash('sha256').update(`${a.containerId}/${a.ifname}`).digest('hex').slice(0, 12)}`;
}

const aliasOf = (a: Attachment) => `${ALIAS_PREFIX}${a.containerId}:${a.ifname}`;

function parseAlias(alias: string | undefined): Attachment | undefined {
  if (!alias?.startsWith(ALIAS_PREFIX)) return undefined;
  const rest = alias.slice(ALIAS_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  return colon > 0 ? { containerId: rest.slice(0, colon), ifname: rest.slice(colon + 1) } : undefined;
}

export interface Added {
  wired: WireResult;
  /** the interfaces for the result: bridge and host end (veth), then the container's */
  interfaces: CniInterface[];
}

export interface ExtraRoute {
  dst: string;
  gw?: string;
}

/**
 * ADD: the wiring, then the routes other than the default ones, then the alias on the host end.
 * Anything failing after the wiring undoes it: the container and the host are left as they were.
 */
export async function add(pw: Pipework, spec: WiringSpec, a: Attachment, routes: ExtraRoute[]): Promise<Added> {
  const sock = pw.hostSide.sock;
  const hostExisted = spec.host.startsWith('mac:') || getLink(sock, { name: spec.host }) !== undefined;
  const wired = await pw.wire(spec);
  try {
    for (const r of routes) await pw.passthrough('route', spec.guest, ['add', r.dst, ...(r.gw ? ['via', r.gw] : []), 'dev', a.ifname]);
    const hostEnd = wired.hostIfname ? getLink(sock, { name: wired.hostIfname }) : undefined;
    if (hostEnd && hostEnd.kind === 'veth') sock.request(setLinkRequest(hostEnd.index, { alias: aliasOf(a) }, `marking ${hostEnd.name} as CNI attachment ${a.containerId}/${a.ifname}`));
    const interfaces: CniInterface[] = [];
    if (hostEnd && hostEnd.kind === 'veth') {
      // a Linux bridge is the host end's master; an OVS bridge is known by name (its device, if any, is in the kernel)
      const bridge = hostEnd.master ? getLink(sock, { index: hostEnd.master }) : wired.kind === 'ovs' ? (getLink(sock, { name: wired.host }) ?? { name: wired.host, mac: undefined }) : undefined;
      if (bridge) interfaces.push({ name: bridge.name, mac: bridge.mac });
      interfaces.push({ name: hostEnd.name, mac: hostEnd.mac });
    }
    const inside = guestLink(spec.guest, a.ifname);
    interfaces.push({ name: a.ifname, mac: inside?.mac, sandbox: spec.guest });
    return { wired, interfaces };
  } catch (e) {
    await pw.unwire(spec.guest, { ifname: a.ifname }).catch(() => undefined);
    // the bridge this ADD created goes too, if nothing else joined it meanwhile
    const bridge = hostExisted ? undefined : getLink(sock, { name: spec.host });
    if (bridge?.kind === 'bridge' && !listLinks(sock).some((l) => l.master === bridge.index)) {
      sock.request(deleteLinkRequest(bridge.index, `removing bridge ${bridge.name}, made by the failed ADD`));
    }
    throw e;
  }
}

function guestLink(netnsPath: string, ifname: string): Link | undefined {
  const ns = Netns.byPath(netnsPath);
  try {
    const sock = inNetns(ns, () => NetlinkSocket.open());
    try {
      return getLink(sock, { name: ifname });
    } finally {
      sock.close();
    }
  } finally {
    ns.close();
  }
}

/**
 * CHECK: the wiring's own idempotency comparison, run as a dry run. Returns what is missing or
 * different, in words; empty when the container's interface is as the config asks.
 */
export async function check(pw: Pipework, spec: WiringSpec): Promise<string[]> {
  try {
    const plan = await pw.wire(spec, { dryRun: true });
    return plan.steps;
  } catch (e) {
    if (e instanceof ConflictError) return [e.message];
    throw e;
  }
}

/**
 * DEL: the interface in the container's namespace if there is one; else (no netns, or a netns
 * already empty) the host end this attachment left, found by its name and alias. Gone is success.
 */
export async function remove(pw: Pipework, netns: string, a: Attachment, ovsdb?: string): Promise<string[]> {
  const notes: string[] = [];
  if (netns) {
    try {
      notes.push(...(await pw.unwire(netns, { ifname: a.ifname })).notes);
    } catch (e) {
      // a netns file left behind after its namespace went away (an empty file) has nothing to remove
      if (!(e instanceof InputError && /is not a network namespace file/.test(e.message))) throw e;
    }
  }
  const end = getLink(pw.hostSide.sock, { name: hostEndFor(a) });
  if (end && sameAttachment(parseAlias(end.alias), a)) notes.push(...(await dropHostEnd(pw, end, a, ovsdb)));
  return notes;
}

const sameAttachment = (x: Attachment | undefined, y: Attachment) => x !== undefined && x.containerId === y.containerId && x.ifname === y.ifname;

/** Deletes a host end of ours, and its OVSDB port when it is on an Open vSwitch bridge. */
async function dropHostEnd(pw: Pipework, end: Link, a: Attachment, ovsdb?: string): Promise<string[]> {
  pw.hostSide.sock.request(deleteLinkRequest(end.index, `removing ${end.name} (CNI attachment ${a.containerId}/${a.ifname})`));
  const notes = [`removed host end ${end.name}`];
  // A port of a Linux bridge has a master in the kernel; an OVS port is known to OVSDB only.
  if (end.master === undefined) {
    const bridge = await dropOvsPort(ovsdb, end.name);
    if (bridge) notes.push(`removed OVS port ${end.name} from ${bridge}`);
  }
  return notes;
}

async function dropOvsPort(ovsdb: string | undefined, name: string): Promise<string | undefined> {
  const socket = ovsdb === undefined ? DEFAULT_OVSDB_SOCKET : parseOvsdbRemote(ovsdb);
  if (!existsSync(socket)) return undefined;
  const { OvsdbClient } = await import('../ovs/ovsdb.js');
  const db = await OvsdbClient.connect({ socket });
  try {
    const port = await db.getPort(name);
    if (!port?.bridge) return undefined;
    await db.deletePort(port.bridge, name);
    return port.bridge;
  } finally {
    db.close();
  }
}

/** GC: removes the host ends of attachments the runtime no longer lists; returns those removed. */
export async function collect(pw: Pipework, valid: Attachment[], ovsdb?: string): Promise<Attachment[]> {
  const stale: Attachment[] = [];
  for (const link of listLinks(pw.hostSide.sock)) {
    const a = parseAlias(link.alias);
    if (!a || link.kind !== 'veth' || valid.some((v) => sameAttachment(a, v))) continue;
    await dropHostEnd(pw, link, a, ovsdb);
    stale.push(a);
  }
  return stale;
}

/** STATUS: is the host interface there? (A bridge named br* would be created by ADD.) */
export function hostInterfaceExists(pw: Pipework, host: string): boolean {
  if (host.startsWith('mac:')) return listLinks(pw.hostSide.sock).some((l) => l.mac === host.slice(4).toLowerCase());
  return getLink(pw.hostSide.sock, { name: host }) !== undefined;
}

// `pipework ls`: what is wired, read from the kernel alone (no state file). An interface of a guest
// counts as wired when the host is on its other side: a veth whose peer is in the host namespace,
// a macvlan/ipvlan whose lower device is there, or a NIC moved in by --direct-phys.
import * as fs from 'node:fs';
import { inspectContainer } from '../guest/docker.js';
import type { Guest } from '../guest/resolve.js';
import { IFF_LOWER_UP, IFF_UP } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/session.js';
import { inNetns } from '../netns/enter.js';
import { Netns, NETNS_RUN_DIR } from '../netns/netns.js';
import { listAddresses } from '../ops/address.js';
import { getLink, type Link, listLinks } from '../ops/link.js';
import { vlanIdOf } from '../ops/links/vlan.js';
import { nsidOf } from '../ops/nsid.js';
import { formatCidr, isLinkLocal6 } from '../util/ip.js';
import type { HostSide } from './driver.js';
import { homeNameOf } from './drivers/direct.js';

export interface WiredInterface {
  guest: string;
  ifname: string;
  kind: string;
  /** the host-side end (veth), or the lower device (macvlan, ipvlan), or the NIC's home name */
  hostIfname?: string;
  /** the bridge the host end is a port of */
  bridge?: string;
  vlan?: number;
  mac?: string;
  mtu?: number;
  up: boolean;
  carrier: boolean;
  addresses: string[];
}

/** The wired interfaces of one guest namespace. */
export function inventoryOf(host: HostSide, ns: Netns, label: string): WiredInterface[] {
  const gsock = inNetns(ns, () => NetlinkSocket.open());
  try {
    const hostId = nsidOf(gsock, host.netns.fd);
    const addrs = listAddresses(gsock);
    const out: WiredInterface[] = [];
    for (const link of listLinks(gsock)) {
      const side = hostSideOf(host, link, hostId);
      if (!side) continue;
      out.push({
        guest: label,
        ifname: link.name,
        kind: side.kind,
        hostIfname: side.hostIfname,
        bridge: side.bridge,
        vlan: side.vlan,
        mac: link.mac,
        mtu: link.mtu,
        up: (link.flags & IFF_UP) !== 0,
        carrier: (link.flags & IFF_LOWER_UP) !== 0,
        addresses: addrs
          .filter((a) => a.index === link.index && !(a.family === 6 && isLinkLocal6(a.local)))
          .map((a) => formatCidr({ family: a.family, bytes: a.local, prefix: a.prefix })),
      });
    }
    return out;
  } finally {
    gsock.close();
  }
}

function hostSideOf(host: HostSide, link: Link, hostId: number | undefined): { kind: string; hostIfname?: string; bridge?: string; vlan?: number } | undefined {
  const home = homeNameOf(link);
  if (home) return { kind: 'direct', hostIfname: home };
  if (link.link === undefined || hostId === undefined || link.linkNetnsId !== hostId) return undefined;
  const other = getLink(host.sock, { index: link.link });
  if (!other) return undefined;
  if (link.kind === 'veth') {
    const master = other.master ? getLink(host.sock, { index: other.master }) : undefined;
    // A port of an OVS kernel datapath has the datapath device (ovs-system) as master, not its
    // bridge; that one is in OVSDB, as for the userspace datapath, whose ports have no master.
    return { kind: 'veth', hostIfname: other.name, bridge: master?.kind === 'openvswitch' ? undefined : master?.name };
  }
  if (link.kind === 'macvlan' || link.kind === 'ipvlan' || link.kind === 'ipoib') {
    return { kind: link.kind, hostIfname: other.name, vlan: vlanIdOf(other) };
  }
  return undefined;
}

/** Every namespace on the machine that could be a guest: named ones and those of processes. */
export async function candidateGuests(hostInode: number): Promise<{ ns: Netns; label: string }[]> {
  const seen = new Set<number>([hostInode]);
  const out: { ns: Netns; label: string }[] = [];
  const add = (open: () => Netns, label: string) => {
    try {
      const ns = open();
      if (seen.has(ns.inode)) return ns.close();
      seen.add(ns.inode);
      out.push({ ns, label });
    } catch {
      // gone meanwhile, or not a namespace: not a guest
    }
  };
  let named: string[] = [];
  try {
    named = fs.readdirSync(NETNS_RUN_DIR);
  } catch {
    // no named namespaces
  }
  for (const name of named.sort()) add(() => Netns.byName(name), `netns ${name}`);
  const pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    let inode: number;
    try {
      inode = fs.statSync(`/proc/${pid}/ns/net`).ino;
    } catch {
      continue;
    }
    if (seen.has(inode)) continue;
    add(() => Netns.byPid(pid), await labelForPid(pid));
  }
  return out;
}

/** "container web" when the PID is a container's first process, else "pid N". */
async function labelForPid(pid: number): Promise<string> {
  try {
    const cgroup = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const id = /([0-9a-f]{64})/.exec(cgroup)?.[1];
    if (id) {
      const info = await inspectContainer(id);
      if (info && info.pid === pid) return `container ${info.name}`;
    }
  } catch {
    // no Docker, or not a container
  }
  return `pid ${pid}`;
}

export function inventoryOfGuest(host: HostSide, guest: Guest): WiredInterface[] {
  return inventoryOf(host, guest.netns, guest.netns.label);
}

// The library's front door: a session bound to a host network namespace (the caller's, or one
// given by name) that plans, applies and undoes wirings. The CLI is a thin client of this class.
import { type Guest, resolveGuest } from '../guest/resolve.js';
import { NetlinkSocket } from '../netlink/session.js';
import { inNetns } from '../netns/enter.js';
import { Netns } from '../netns/netns.js';
import { deleteLinkRequest, getLink, type Link, setLinkRequest } from '../ops/link.js';
import { isBridge } from '../ops/links/bridge.js';
import { netnsIdOf } from '../ops/netns-id.js';
import { isKernelError } from '../netlink/errors.js';
import type { OvsdbClient } from '../ovs/ovsdb.js';
import { DEFAULT_OVSDB_SOCKET, parseOvsdbRemote } from '../ovs/remote.js';
import { existsSync } from 'node:fs';
import { InputError } from '../util/errors.js';
import { type IpAddress, parseIp } from '../util/ip.js';
import type { DhcpOutcome } from './dhcp.js';
import { DHCP_RUN_BASE } from '../dhcp/rundir.js';
import { hasDhcpRecord, recordedLease } from './lease-record.js';
import type { HostSide } from './driver.js';
import { homeNameOf } from './drivers/direct.js';
import { linkByMac, selectDriver } from './drivers/index.js';
import { ipoibDriver } from './drivers/ipoib.js';
import { stalePorts, unconfirmed } from './drivers/ovs.js';
import { candidateGuests, inventoryOf, type WiredInterface } from './inventory.js';
import { announceStep } from './announce-step.js';
import { applySteps, StepFailedError, type StepHooks } from './plan.js';
import { result, type UnwireResult, type WireResult } from './result.js';
import type { BulkOptions, UnwireManyResult, UnwireTarget, WireManyOptions, WireManyResult } from './bulk.js';
// The engine every wiring goes through, one guest or many (loaded with this module: the CLI needs it).
import { wireMany } from './engine/wire-many.js';
import { unwireMany } from './engine/unwire-many.js';
import { checkIfname, DEFAULT_IFNAME, normalize, type NormalizedSpec, type WiringSpec } from './spec.js';

export { normalize };
export type { UnwireResult, WireResult };

export interface PipeworkOptions {
  /** the host side: a named netns or a handle; default the caller's own namespace */
  hostNetns?: string | Netns;
  /** Docker Engine socket path; default from DOCKER_HOST, else /var/run/docker.sock */
  dockerSocket?: string;
  /** Open vSwitch database socket (`unix:PATH` or a path); default /var/run/openvswitch/db.sock */
  ovsdb?: string;
  /** datapath of OVS bridges this session creates: '' (kernel) or 'netdev' (userspace); default: as the existing ones */
  ovsDatapath?: string;
}

export interface WireOptions extends StepHooks {
  /** plan only: inspect the kernel, change nothing */
  dryRun?: boolean;
  /** the engine's progress, stage by stage (see wire/bulk.ts) */
  onProgress?: BulkOptions['onProgress'];
}

export class Pipework {
  private readonly host: HostSide;
  private readonly dockerSocket?: string;
  private readonly ovsSocket: string;
  private readonly ovsDatapath?: string;
  private ovsClient?: Promise<OvsdbClient>;

  constructor(options: PipeworkOptions = {}) {
    this.ovsSocket = options.ovsdb === undefined ? DEFAULT_OVSDB_SOCKET : parseOvsdbRemote(options.ovsdb);
    const ns = typeof options.hostNetns === 'string' ? Netns.byName(options.hostNetns) : (options.hostNetns ?? Netns.current());
    this.host = { netns: ns, sock: inNetns(ns, () => NetlinkSocket.open()) };
    this.dockerSocket = options.dockerSocket;
    this.ovsDatapath = options.ovsDatapath;
  }

  /** The OVS database, connected once per session on first use. */
  private ovsdb = (): Promise<OvsdbClient> => {
    if (!existsSync(this.ovsSocket)) {
      return Promise.reject(new InputError('Need OVS installed on the system to create an ovs bridge', `no Open vSwitch database at ${this.ovsSocket} (start ovsdb-server, or give --ovsdb unix:PATH)`));
    }
    this.ovsClient ??= import('../ovs/ovsdb.js').then(({ OvsdbClient }) => OvsdbClient.connect({ socket: this.ovsSocket }));
    return this.ovsClient;
  };

  /** Is this existing host interface an OVS bridge? Only asked when an OVS database is there. */
  private async isOvsBridge(name: string): Promise<boolean> {
    if (!existsSync(this.ovsSocket)) return false;
    return (await this.ovsdb()).bridgeExists(name);
  }

  /** The host side this session works in (its namespace and netlink socket), for bulk work. */
  get hostSide(): HostSide {
    return this.host;
  }

  /** Many wirings at once, batched across guests; per-guest results (see wire/bulk.ts). */
  wireMany(specs: readonly WiringSpec[], options?: WireManyOptions): Promise<WireManyResult> {
    return wireMany(this, specs, options);
  }

  /** Many interfaces removed at once; per-guest results (see wire/bulk.ts). */
  unwireMany(targets: readonly UnwireTarget[], options?: BulkOptions): Promise<UnwireManyResult> {
    return unwireMany(this, targets, options);
  }

  close(): void {
    void this.ovsClient?.then((c) => c.close(), () => undefined);
    this.host.sock.close();
    this.host.netns.close();
  }

  /** Resolves a guest word to a namespace handle (the caller closes guest.netns). */
  async guest(ref: string): Promise<Guest> {
    const guest = await resolveGuest(ref, { dockerSocket: this.dockerSocket });
    if (guest.netns.inode === this.host.netns.inode) {
      guest.netns.close();
      throw new InputError(`${guest.netns.label} is the host side's own network namespace`, 'pipework wires guests that have a netns of their own (not --net=host)');
    }
    return guest;
  }

  /**
   * One wiring: the engine's N=1 (the same phases as wireMany, for one guest). Failures throw, typed
   * as wire() always threw them; the kernel is left as it was.
   */
  async wire(spec: WiringSpec, options: WireOptions = {}): Promise<WireResult> {
    normalize(spec); // a bad spec throws its own InputError (problem and fix) before anything is looked up
    const { dryRun, beforeStep, onProgress } = options;
    const [item] = (await wireMany(this, [spec], { dryRun, beforeStep, onProgress })).items;
    if (item.status !== 'failed') return item.result!;
    const e = item.error!;
    // A batched phase's rollback that failed too is said, as a failed plan's StepFailedError says it.
    if (item.undoFailures?.length && !(e instanceof StepFailedError)) e.message += `; rolling back also failed: ${item.undoFailures.join('; ')}`;
    throw e;
  }

  /**
   * One wiring of a guest already resolved (wire() and the bulk engine's planned guests): the
   * driver plans from what the kernel holds, the plan is applied. The caller closes guest.netns;
   * `known.hostLink` is the host interface when the caller has just looked it up.
   */
  async wireResolved(guest: Guest, req: NormalizedSpec, options: WireOptions = {}, known: { hostLink?: Link } = {}): Promise<WireResult> {
    const gsock = inNetns(guest.netns, () => NetlinkSocket.open());
    try {
      const hostLink = known.hostLink ?? (req.host.startsWith('mac:') ? linkByMac(this.host.sock, req.host.slice(4)) : getLink(this.host.sock, { name: req.host }));
      const hostIf = hostLink?.name ?? req.host;
      const ovs = hostLink && !isBridge(hostLink) && !req.directPhys ? await this.isOvsBridge(hostIf) : false;
      const driver = selectDriver(hostIf, hostLink, { directPhys: req.directPhys, ovs });
      const ifname = req.ifname ?? driver.defaultIfname ?? DEFAULT_IFNAME;
      if (req.pkey !== undefined && req.vlan === undefined && driver !== ipoibDriver) {
        throw new InputError(`VLAN "${req.pkey}" is not a number`, 'write [MAC]@VLAN with a VLAN ID from 1 to 4094, e.g. @10');
      }
      const recorded = () => recordedLease(guest, ifname);
      const plan = await driver.plan({ ...req, host: this.host, guest, gsock, hostIf, hostLink, ifname, ovsdb: this.ovsdb, ovsDatapath: this.ovsDatapath, recordedLease: recorded });
      const steps = [...plan.steps];
      const notes = [...plan.notes];
      const dhcp: DhcpOutcome = {};
      if (req.dhcp) {
        const { dhcpStep, keepsLease } = await import('./dhcp.js');
        const held = plan.heldLease;
        // The interface holds the lease pipework obtained: nothing to ask again, unless keep mode
        // finds no keeper renewing it (then one starts, renewing the lease).
        if (held && (held.kept || !keepsLease(req.dhcp))) {
          dhcp.lease = held.lease;
          notes.push(`${ifname} in ${guest.netns.label} already holds the DHCP lease of ${held.lease.address}/${held.lease.prefix}${held.kept ? ', kept by a running keeper' : ''}`);
        } else {
          steps.push(dhcpStep(guest, ifname, req.dhcp, dhcp));
          plan.alreadyWired = false;
        }
      }
      const announced = () =>
        dhcp.lease ? [{ family: 4 as const, bytes: parseIp(dhcp.lease.address)!.bytes }] : req.addresses.flatMap((a) => (a.cidr ? [a.cidr as IpAddress] : []));
      const hostEnd = () => {
        const link = plan.hostIfname ? getLink(this.host.sock, { name: plan.hostIfname }) : undefined;
        return link && { sock: this.host.sock, index: link.index };
      };
      if (!plan.alreadyWired && (announced().length || req.dhcp)) steps.push(announceStep(guest, gsock, ifname, announced, notes, hostEnd));
      if (!options.dryRun) await applySteps(steps, options);
      const r = result(guest, { ...req, host: hostIf, ifname }, plan, steps, notes, options.dryRun ?? false);
      // The MAC the interface has, as the bulk engine reports it, when none was asked for.
      if (!r.mac && !r.dryRun) r.mac = plan.guestMac ?? getLink(gsock, { name: ifname })?.mac;
      if (dhcp.lease) {
        r.addresses = [`${dhcp.lease.address}/${dhcp.lease.prefix}`];
        r.gateways = dhcp.lease.routers.slice(0, 1);
        r.lease = dhcp.lease;
        notes.push(...(dhcp.lease.notes ?? []).map((n) => `DHCP: ${n}`));
        if (!dhcp.keeper && !plan.heldLease) notes.push(`DHCP lease of ${r.addresses[0]} applied; it will not be renewed (use dhcp-f or --keep to keep it)`);
      }
      r.keeper = dhcp.keeper;
      return r;
    } finally {
      gsock.close();
    }
  }

  /**
   * The reverse of wire(), the engine's N=1: removes the guest's interface (a veth takes its host
   * end with it). Removing what is already gone succeeds, as CNI's DEL does.
   */
  async unwire(guestRef: string, options: { ifname?: string; onProgress?: BulkOptions['onProgress'] } = {}): Promise<UnwireResult> {
    const ifname = checkIfname(options.ifname ?? DEFAULT_IFNAME, 'guest interface name (-i)');
    const { items } = await unwireMany(this, [{ guest: guestRef, ifname }], { onProgress: options.onProgress });
    if (items[0].status === 'failed') throw items[0].error;
    return items[0].result!;
  }

  /**
   * The reverse of a wiring on a guest already resolved (unwire() and the bulk engine): the lease
   * released, a moved-in NIC sent home, the interface removed with its host end and OVS port.
   * The caller closes guest.netns.
   */
  async unwireResolved(guest: Guest, ifname: string): Promise<UnwireResult> {
    const gsock = inNetns(guest.netns, () => NetlinkSocket.open());
    try {
      const link = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
      if (!link) {
        if (existsSync(DHCP_RUN_BASE)) (await import('./dhcp.js')).dropStaleDhcpRecords(guest, ifname);
        return { guest: guest.netns.label, ifname, removed: false, notes: [`${ifname} is not in ${guest.netns.label}: nothing to remove`] };
      }
      const notes: string[] = [];
      const released = hasDhcpRecord(guest, ifname) ? await (await import('./dhcp.js')).releaseDhcp(guest, ifname) : undefined;
      if (released) notes.push(released);
      const home = homeNameOf(link);
      if (home) {
        // A NIC moved in by --direct-phys goes back to the host under its own name.
        gsock.request(setLinkRequest(link.index, { up: false }, `setting ${ifname} in ${guest.netns.label} down`));
        gsock.request(setLinkRequest(link.index, { netnsFd: this.host.netns.fd, name: home, alias: '' }, `moving ${ifname} back to the host as ${home}`));
        return { guest: guest.netns.label, ifname, removed: true, kind: 'direct', hostIfname: home, notes: [...notes, `${home} is back on the host`] };
      }
      const hostEnd = link.kind === 'veth' && link.link ? this.hostPeerOf(link) : undefined;
      gsock.request(deleteLinkRequest(link.index, `removing ${ifname} from ${guest.netns.label}`));
      if (hostEnd) {
        const removed = await this.removeOvsPort(hostEnd.name);
        if (removed) notes.push(removed);
      }
      return { guest: guest.netns.label, ifname, removed: true, kind: link.kind, hostIfname: hostEnd?.name, notes };
    } finally {
      gsock.close();
    }
  }

  /**
   * Frees a host-side name held by the veth of the wiring being replaced (watch, after a restart): a
   * veth of that name whose peer lives in another namespace than the guest's new one. True if removed.
   */
  async freeReplacedHostEnd(guestRef: string, name: string): Promise<boolean> {
    const guest = await this.guest(guestRef);
    try {
      const link = getLink(this.host.sock, { name });
      if (link?.kind !== 'veth' || link.linkNetnsId === undefined || link.linkNetnsId < 0) return false;
      if (netnsIdOf(this.host.sock, guest.netns.fd, `asking the id of ${guest.netns.label}`) === link.linkNetnsId) return false;
      try {
        this.host.sock.request(deleteLinkRequest(link.index, `removing ${name}, left by the wiring ${guest.netns.label} replaces`));
      } catch (e) {
        if (!isKernelError(e, 'ENODEV')) throw e;
      }
      return true;
    } finally {
      guest.netns.close();
    }
  }

  /** Does removing this guest interface take more than deleting it (a lease to release, a NIC to send home, an OVS port)? */
  needsFullUnwire(guest: Guest, ifname: string, link: Link, hostEnd: Link | undefined): boolean {
    if (homeNameOf(link)) return true;
    if (hasDhcpRecord(guest, ifname)) return true;
    // A veth host end may be an OVS port: with no master (userspace datapath), or with the kernel
    // datapath's device (kind openvswitch, ovs-system) as its master.
    if (hostEnd === undefined || !existsSync(this.ovsSocket)) return false;
    return hostEnd.master === undefined || getLink(this.host.sock, { index: hostEnd.master })?.kind === 'openvswitch';
  }

  /**
   * pipework's route, rule and tc subcommands: the iproute2 grammar users type, executed natively
   * inside the guest's namespace. Returns what ip/tc would print ('' for changes).
   */
  async passthrough(tool: 'route' | 'rule' | 'tc', guestRef: string, argv: readonly string[], options: { json?: boolean } = {}): Promise<string> {
    const guest = await this.guest(guestRef);
    const gsock = inNetns(guest.netns, () => NetlinkSocket.open());
    try {
      const { runPassthrough } = await import('../passthrough/run.js');
      return runPassthrough(tool, gsock, argv, { json: options.json, where: ` in ${guest.netns.label}` });
    } finally {
      gsock.close();
      guest.netns.close();
    }
  }

  /**
   * What is wired: for one guest, or for every namespace on the machine that has an interface
   * whose other side is in this session's host namespace.
   */
  async list(guestRef?: string): Promise<WiredInterface[]> {
    const out: WiredInterface[] = [];
    if (guestRef !== undefined) {
      const guest = await this.guest(guestRef);
      try {
        out.push(...inventoryOf(this.host, guest.netns, guest.netns.label));
      } finally {
        guest.netns.close();
      }
    } else {
      for (const { ns, label } of await candidateGuests(this.host.netns.inode)) {
        try {
          out.push(...inventoryOf(this.host, ns, label));
        } catch {
          // a namespace that vanished while we looked has nothing wired any more
        } finally {
          ns.close();
        }
      }
    }
    return this.withOvsBridges(out);
  }

  /** A veth host end that is an OVS port has no master in the kernel: its bridge is in OVSDB. */
  private async withOvsBridges(rows: WiredInterface[]): Promise<WiredInterface[]> {
    const loose = rows.filter((r) => r.kind === 'veth' && !r.bridge && r.hostIfname);
    if (!loose.length || !existsSync(this.ovsSocket)) return rows;
    const db = await this.ovsdb();
    for (const row of loose) {
      const port = await db.getPort(row.hostIfname!);
      if (port?.bridge) {
        row.bridge = port.bridge;
        if (port.tag !== undefined) row.vlan = port.tag;
      }
    }
    return rows;
  }

  /** A guest that is gone leaves OVS ports behind in OVSDB: remove those pipework made for it (unwire and the bulk engine). */
  async removeStaleOvsPorts(guestRef: string, ifname: string): Promise<string[]> {
    if (!existsSync(this.ovsSocket)) return [];
    const name = guestRef.replace(/^(netns|docker):/, '');
    const db = await this.ovsdb();
    const notes: string[] = [];
    for (const p of await stalePorts(db, this.host.sock, { name, id: /^[0-9a-f]{64}$/.test(name) ? name : undefined }, ifname)) {
      notes.push(`removed stale OVS port ${p.name} from ${p.bridge}${await unconfirmed(db.deletePort(p.bridge, p.name))}`);
    }
    return notes;
  }

  /** Removes the OVS port of a host end, if it is one; returns a note saying so. */
  private async removeOvsPort(name: string): Promise<string | undefined> {
    if (!existsSync(this.ovsSocket)) return undefined;
    const db = await this.ovsdb();
    const port = await db.getPort(name);
    if (!port?.bridge) return undefined;
    return `removed OVS port ${name} from ${port.bridge}${await unconfirmed(db.deletePort(port.bridge, name))}`;
  }

  /** The host end of a guest's veth, if it lives in this session's host namespace. */
  private hostPeerOf(guestLink: Link): Link | undefined {
    const candidate = getLink(this.host.sock, { index: guestLink.link! });
    return candidate?.kind === 'veth' && candidate.link === guestLink.index ? candidate : undefined;
  }
}

// The DHCP client (RFC 2131 section 4.4): DISCOVER -> OFFER -> REQUEST -> ACK from inside the
// guest's network namespace, the lease applied through rtnetlink, and, in keep mode, the rest of a
// lease's life: RENEW at T1 (unicast to the server), REBIND at T2 (broadcast), a NAK restarts,
// expiry removes the address and routes, stop() sends a DHCPRELEASE and removes them. The
// DHCPRELEASE goes straight to the server's hardware address over the packet socket, and the
// client waits until the kernel has let go of it, so that removing the address, deleting the link
// or exiting right afterwards cannot lose it.
//
// All waiting is async (poll on koffi's worker threads, timers), so signals and stop() are handled
// while a client waits; nothing awaits between the two setns() calls that open a socket inside the
// guest. Every wait is bounded.
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import type { Netns } from '../netns/netns.js';
import { inNetns } from '../netns/enter.js';
import { IFF_RUNNING, IFF_UP } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/session.js';
import { listAddresses } from '../ops/address.js';
import { getLink, setLinkRequest } from '../ops/link.js';
import { equalBytes, formatIp, parseIpv4, parseMac } from '../util/ip.js';
import { ConflictError, InputError } from '../util/errors.js';
import { applySteps, type ApplyContext, type ResolvConfTarget, resolvConfPath, undoSteps, writeResolvConf } from './apply.js';
import { diffPlans, type Lease, leaseFromAck, leasePlan, type LeaseStep, leaseTimes } from './lease.js';
import { BOOTREQUEST, chaddrOf, type DhcpMessage, messageTypeName, MessageType, newMessage, Option } from './message.js';
import { DhcpPacketSocket, DhcpUdpSocket, type ReceivedReply } from './packet.js';
import { forget, ownerOf, pruneLeaseRecords } from './record.js';
import { checkFolder } from './safedir.js';
import {
  keeperAlive, type LeaseOwner, processStartTime, readKeeper, readLeaseRecord, registerLocalKeeper, removeEmptyDirs, removeKeeperFiles, removeLeaseFile,
  sameOwner, writeKeeperFiles, writeLeaseFile,
} from './rundir.js';

export interface DhcpClientOptions {
  /** the guest's network namespace */
  netns: Netns;
  /** the interface inside it */
  ifname: string;
  /** option 12; pipework's default is the container's name */
  hostname?: string;
  /** option 61; default: type 1 (Ethernet) followed by the interface's MAC */
  clientId?: Uint8Array;
  /** option 60 */
  vendorClassId?: string;
  /** bound on obtaining a lease (each acquisition, in keep mode), ms; default 30 s */
  timeoutMs?: number;
  /** first retransmission interval, ms; default timeoutMs/16 within 0.25-4 s (RFC 2131 says 4 s) */
  retransmitMs?: number;
  /** ask for this address (option 50 in DHCPDISCOVER); default: the address of the run directory's last lease */
  requestedAddress?: string;
  /** where the lease's DNS servers go; nowhere when not given */
  resolvConf?: ResolvConfTarget;
  /** metric of the routes installed (default 0) */
  routeMetric?: number;
  /** apply option 26 (default true) */
  applyMtu?: boolean;
  /** install routes from options 121/3 (default true) */
  applyRoutes?: boolean;
  /** run directory for lease.json (and pid, in keep mode); see rundir.ts */
  runDir?: string;
  /** how the guest is named in messages, e.g. "container web" (default: the netns label) */
  guestLabel?: string;
  log?: (msg: string) => void;
}

/** No lease within the time allowed. The interface was left as it was found. */
export class DhcpTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(message: string) {
    super(message);
    this.name = 'DhcpTimeoutError';
  }
}

/** stop() was called while a lease was being obtained. */
export class DhcpStoppedError extends Error {
  constructor(message = 'the DHCP client was stopped') {
    super(message);
    this.name = 'DhcpStoppedError';
  }
}

/** The parameter request list (option 55): what this client can use. */
export const PARAMETER_LIST = [
  Option.SUBNET_MASK,
  Option.CLASSLESS_ROUTES,
  Option.ROUTER,
  Option.DNS_SERVERS,
  Option.HOSTNAME,
  Option.DOMAIN_NAME,
  Option.INTERFACE_MTU,
  Option.BROADCAST_ADDRESS,
  Option.LEASE_TIME,
  Option.SERVER_ID,
  Option.RENEWAL_TIME,
  Option.REBINDING_TIME,
];

/**
 * The retransmission schedule: RFC 2131 section 4.1 doubles 4 s up to 64 s, each randomized by
 * +-1 s; here the first interval is `base` (scaled to the time allowed) and the jitter +-base/4.
 */
export function retransmitDelay(base: number, attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(base * 2 ** attempt, base * 16);
  return Math.max(50, Math.round(nominal + (random() * 2 - 1) * (base / 4)));
}

/** Retransmission base for a time budget: timeout/16, within 250 ms..4 s. */
export function retransmitBase(timeoutMs: number): number {
  return Math.min(4000, Math.max(250, Math.round(timeoutMs / 16)));
}

/** During RENEWING/REBINDING: half the time left until the next deadline (RFC 2131 4.4.5), 1 s..60 s. */
export function boundRetransmitDelay(msLeft: number): number {
  return Math.min(60_000, Math.max(1000, Math.floor(msLeft / 2)));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * How long release() waits for the kernel to let go of a DHCPRELEASE: over the packet socket it
 * is normally gone before sendto returns; through the UDP socket it may first wait for ARP.
 */
export const RELEASE_FLUSH_MS = 500;

/**
 * The DHCPRELEASE for a lease (RFC 2131 section 4.4.6 and table 5): ciaddr is the leased address,
 * option 54 names the server, option 61 the client (default: type 1 and the MAC), secs 0, no
 * parameters asked for.
 */
export function releaseMessage(lease: Lease, from: { mac: Uint8Array; xid: number; clientId?: Uint8Array }): DhcpMessage {
  return newMessage({
    op: BOOTREQUEST,
    xid: from.xid,
    chaddr: chaddrOf(from.mac),
    ciaddr: parseIpv4(lease.address)!,
    options: {
      messageType: MessageType.RELEASE,
      clientId: from.clientId ?? Uint8Array.of(1, ...from.mac),
      serverId: parseIpv4(lease.serverId)!,
    },
  });
}

/** A lease file's serverMac as bytes; undefined when absent or not a usable unicast address. */
function serverMacOf(lease: Lease): Uint8Array | undefined {
  const text = lease.serverMac;
  if (text === undefined || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text)) return undefined;
  const mac = Uint8Array.from(text.split(':'), (h) => parseInt(h, 16));
  return mac[0] & 1 || mac.every((x) => x === 0) ? undefined : mac;
}

type Reply = { kind: 'ack'; lease: Lease } | { kind: 'nak'; message?: string };

/**
 * One client on one interface: the sockets, the exchanges and the applied lease. obtainLease()
 * and DhcpKeeper are both built on it.
 */
class ClientCore {
  readonly ns: Netns;
  readonly ifname: string;
  readonly where: string;
  ifindex = 0;
  mac: Uint8Array = new Uint8Array(6);
  private macText = '';
  /** who a lease record written here is for (see record.ts) */
  owner: LeaseOwner | undefined;
  private linkMtu = 1500;
  private nl: NetlinkSocket | undefined;
  private pkt: DhcpPacketSocket | undefined;
  /** the link was down and we brought it up */
  broughtUp = false;
  /** steps of the lease in force, as applied */
  applied: LeaseStep[] = [];
  lease: Lease | undefined;
  stopped = false;
  private readonly timeoutMs: number;
  private readonly base: number;
  private readonly log: (msg: string) => void;
  stats = { discovers: 0, offers: 0, requests: 0, naks: 0, lastNak: undefined as string | undefined };

  constructor(readonly opts: DhcpClientOptions) {
    this.ns = opts.netns;
    this.ifname = opts.ifname;
    this.where = `in ${opts.guestLabel ?? opts.netns.label}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    if (!(this.timeoutMs > 0)) throw new InputError(`DHCP timeout ${this.timeoutMs} ms is not a positive duration`);
    this.base = opts.retransmitMs ?? retransmitBase(this.timeoutMs);
    this.log = opts.log ?? (() => {});
    if (opts.resolvConf !== undefined) resolvConfPath(opts.resolvConf); // refuse a bad target before any packet goes out
    if (opts.runDir !== undefined) checkFolder(opts.runDir); // and a run folder reached through a planted link
    if (opts.hostname !== undefined && (opts.hostname.length === 0 || opts.hostname.length > 255)) throw new InputError(`hostname "${opts.hostname}" must be 1 to 255 characters`);
  }

  get timeout(): number {
    return this.timeoutMs;
  }

  /** Opens the netlink socket inside the guest, finds the interface, brings it up if it is down. */
  prepare(): void {
    this.nl = inNetns(this.ns, () => NetlinkSocket.open({ timeoutMs: 5000 }));
    const link = getLink(this.nl, { name: this.ifname }, ` ${this.where}`);
    if (!link) throw new InputError(`interface ${this.ifname} does not exist ${this.where}`);
    if (!link.mac) throw new InputError(`interface ${this.ifname} ${this.where} has no Ethernet address; DHCP needs one`);
    this.ifindex = link.index;
    this.macText = link.mac;
    this.mac = parseMac(link.mac);
    this.linkMtu = link.mtu ?? 1500;
    this.owner = ownerOf(this.nl, this.ns, link);
    if (!(link.flags & IFF_UP)) {
      this.nl.request(setLinkRequest(link.index, { up: true }, `bringing ${this.ifname} up ${this.where}`));
      this.broughtUp = true;
    }
  }

  /**
   * After bringing the link up: waits (bounded) until it is running. Until the kernel's link
   * watcher has attached the qdisc, frames sent are dropped, and the first DISCOVER with them.
   */
  async waitRunning(deadline: number): Promise<void> {
    if (!this.broughtUp) return;
    const until = Math.min(deadline, Date.now() + 1000);
    while (Date.now() < until && !this.stopped) {
      const link = getLink(this.sock, { index: this.ifindex }, ` ${this.where}`);
      if (!link || link.flags & IFF_RUNNING) return;
      await sleep(5);
    }
  }

  private get sock(): NetlinkSocket {
    if (!this.nl) throw new Error('DHCP client used before prepare()');
    return this.nl;
  }

  private applyContext(): ApplyContext {
    return { sock: this.sock, ifindex: this.ifindex, ifname: this.ifname, where: this.where, metric: this.opts.routeMetric, log: this.log };
  }

  private openPacket(): DhcpPacketSocket {
    this.pkt ??= DhcpPacketSocket.open(this.ns, this.ifindex);
    return this.pkt;
  }

  async closePacket(): Promise<void> {
    const p = this.pkt;
    this.pkt = undefined;
    await p?.close();
  }

  /**
   * Closes every socket; restores the link's admin state if no lease is applied and we raised it.
   * The packet socket's close (an RCU grace period) finishes in the background: a caller waiting
   * for an answer or an error is not kept waiting for it.
   */
  async close(): Promise<void> {
    void this.closePacket();
    if (this.nl) {
      if (this.broughtUp && this.applied.length === 0) {
        try {
          this.nl.request(setLinkRequest(this.ifindex, { up: false }, `bringing ${this.ifname} back down ${this.where}`));
        } catch {
          // the link may be gone with its namespace: nothing to restore
        }
        this.broughtUp = false;
      }
      this.nl.close();
      this.nl = undefined;
    }
  }

  private clientId(): Uint8Array {
    return this.opts.clientId ?? Uint8Array.of(1, ...this.mac);
  }

  private request(type: number, xid: number, secs: number, extra: Partial<DhcpMessage['options']> = {}, ciaddr?: Uint8Array): DhcpMessage {
    const withParams = type === MessageType.DISCOVER || type === MessageType.REQUEST;
    return newMessage({
      op: BOOTREQUEST,
      xid,
      secs: Math.min(0xffff, secs),
      chaddr: chaddrOf(this.mac),
      ciaddr: ciaddr ?? new Uint8Array(4),
      options: {
        messageType: type,
        clientId: this.clientId(),
        ...(withParams
          ? {
              hostname: this.opts.hostname,
              parameterList: PARAMETER_LIST,
              maxMessageSize: Math.max(576, Math.min(this.linkMtu, 1500)),
              vendorClassId: this.opts.vendorClassId !== undefined ? new TextEncoder().encode(this.opts.vendorClassId) : undefined,
            }
          : {}),
        ...extra,
      },
    });
  }

  private ours(m: DhcpMessage, xid: number): boolean {
    return m.xid === xid && m.hlen === 6 && equalBytes(m.chaddr.subarray(0, 6), this.mac);
  }

  private newXid(): number {
    return randomInt(0, 0x100000000);
  }

  /**
   * Sends `build()` and waits for an accepted reply, retransmitting on the schedule until the
   * deadline, maxTries transmissions, or stop().
   */
  private async transact(
    send: (attempt: number) => void,
    accept: (m: DhcpMessage) => boolean,
    deadline: number,
    delay: (attempt: number) => number,
    maxTries = Infinity,
  ): Promise<ReceivedReply | undefined> {
    const pkt = this.openPacket();
    for (let attempt = 0; attempt < maxTries; attempt++) {
      if (this.stopped || Date.now() >= deadline) return undefined;
      send(attempt);
      const until = Math.min(deadline, Date.now() + delay(attempt));
      const r = await pkt.receive(until, accept, () => this.stopped);
      if (r) return r;
    }
    return undefined;
  }

  /** INIT -> SELECTING -> REQUESTING -> a lease (not yet applied). Throws DhcpTimeoutError at the deadline. */
  async acquire(deadline: number, requested?: string): Promise<Lease> {
    let hint = requested !== undefined ? parseIpv4(requested) : undefined;
    for (;;) {
      if (this.stopped) throw new DhcpStoppedError();
      if (Date.now() >= deadline) throw new DhcpTimeoutError(this.timeoutText());
      const xid = this.newXid();
      const pkt = this.openPacket();
      pkt.setXid(xid);
      const started = Date.now();
      const secs = () => Math.floor((Date.now() - started) / 1000);
      const offered = await this.transact(
        () => {
          this.stats.discovers++;
          pkt.sendBroadcast(this.request(MessageType.DISCOVER, xid, secs(), hint ? { requestedIp: hint } : {}));
        },
        (m) => this.ours(m, xid) && m.options.messageType === MessageType.OFFER && !!m.options.serverId && !m.yiaddr.every((x) => x === 0),
        deadline,
        (a) => retransmitDelay(this.base, a),
      );
      if (!offered) continue; // deadline or stop: reported at the top of the loop
      const offer = offered.message;
      this.stats.offers++;
      const serverId = offer.options.serverId!;
      this.log(`${messageTypeName(MessageType.OFFER)} of ${formatIp(offer.yiaddr)} from ${formatIp(serverId)} for ${this.ifname}`);
      let requestSentAt = Date.now();
      // REQUESTING: a few retransmissions, then back to DISCOVER (RFC 2131 section 3.1 step 5)
      const replied = await this.transact(
        () => {
          this.stats.requests++;
          requestSentAt = Date.now();
          pkt.sendBroadcast(this.request(MessageType.REQUEST, xid, secs(), { requestedIp: offer.yiaddr, serverId }));
        },
        (m) =>
          this.ours(m, xid) &&
          (m.options.messageType === MessageType.ACK || m.options.messageType === MessageType.NAK) &&
          (!m.options.serverId || equalBytes(m.options.serverId, serverId)),
        deadline,
        (a) => retransmitDelay(this.base, a),
        4,
      );
      if (!replied) continue;
      const reply = replied.message;
      if (reply.options.messageType === MessageType.NAK) {
        this.noteNak(reply);
        hint = undefined;
        await sleep(Math.min(this.base, Math.max(0, deadline - Date.now())));
        continue;
      }
      try {
        const lease = leaseFromAck(reply, { ifname: this.ifname, mac: this.macText, requestSentAt, serverId, serverMac: replied.serverMac });
        this.log(`${messageTypeName(MessageType.ACK)}: ${lease.address}/${lease.prefix} from ${lease.serverId} for ${this.ifname}, lease ${lease.leaseTime ?? 'infinite'} s`);
        for (const n of lease.notes ?? []) this.log(n);
        return lease;
      } catch (e) {
        this.log(`ignoring an unusable DHCPACK: ${(e as Error).message}`);
        continue;
      }
    }
  }

  private noteNak(m: DhcpMessage): void {
    this.stats.naks++;
    this.stats.lastNak = m.options.message;
    this.log(`DHCPNAK from ${m.options.serverId ? formatIp(m.options.serverId) : 'the server'}${m.options.message ? `: ${m.options.message}` : ''}; starting over`);
  }

  timeoutText(): string {
    const s = this.stats;
    const secs = Math.round(this.timeoutMs / 100) / 10;
    let why: string;
    if (s.offers === 0) why = `${s.discovers} DHCPDISCOVER sent, no DHCPOFFER received: is a DHCP server reachable from ${this.ifname}?`;
    else if (s.naks > 0) why = `the server refused every request (${s.naks} DHCPNAK${s.lastNak ? `, last: "${s.lastNak}"` : ''})`;
    else why = `${s.offers} DHCPOFFER received but no DHCPACK to ${s.requests} DHCPREQUEST`;
    return `no DHCP lease for ${this.ifname} ${this.where} within ${secs} s: ${why}; the interface was left without an address`;
  }

  /**
   * RENEWING (unicast to the server) or REBINDING (broadcast) until `until`: an ACK, a NAK or
   * nothing (undefined).
   */
  async extend(mode: 'renew' | 'rebind', until: number): Promise<Reply | undefined> {
    const lease = this.lease;
    if (!lease) return undefined;
    const ciaddr = parseIpv4(lease.address)!;
    const server = parseIpv4(lease.serverId)!;
    const xid = this.newXid();
    const pkt = this.openPacket();
    pkt.setXid(xid);
    let udp: DhcpUdpSocket | undefined;
    try {
      udp = DhcpUdpSocket.open(this.ns, this.ifname, ciaddr);
    } catch (e) {
      this.log(`cannot bind ${lease.address}:68 on ${this.ifname} (${(e as Error).message}); sending broadcasts instead`);
    }
    const started = Date.now();
    let sentAt = started;
    try {
      const replied = await this.transact(
        () => {
          sentAt = Date.now();
          const msg = this.request(MessageType.REQUEST, xid, Math.floor((sentAt - started) / 1000), {}, ciaddr);
          if (mode === 'renew' && udp) udp.send(msg, server);
          else pkt.sendBroadcast(msg, ciaddr);
        },
        (m) => this.ours(m, xid) && (m.options.messageType === MessageType.ACK || m.options.messageType === MessageType.NAK),
        until,
        () => boundRetransmitDelay(until - Date.now()),
      );
      if (!replied) return undefined;
      const reply = replied.message;
      if (reply.options.messageType === MessageType.NAK) {
        this.noteNak(reply);
        return { kind: 'nak', message: reply.options.message };
      }
      try {
        const lease = leaseFromAck(reply, { ifname: this.ifname, mac: this.macText, requestSentAt: sentAt, serverId: server, serverMac: replied.serverMac });
        return { kind: 'ack', lease };
      } catch (e) {
        this.log(`ignoring an unusable DHCPACK: ${(e as Error).message}`);
        return undefined;
      }
    } finally {
      udp?.close();
    }
  }

  /** Applies a lease (or moves from the one in force to it), writes resolv.conf and lease.json. */
  install(lease: Lease): void {
    const link = getLink(this.sock, { index: this.ifindex }, ` ${this.where}`);
    if (!link) throw new InputError(`interface ${this.ifname} disappeared ${this.where}`);
    // MTU is planned against the interface's MTU from before any lease, so a renewal that keeps
    // the leased MTU finds the same step and changes nothing
    const applied = this.applied.find((s) => s.kind === 'mtu');
    const originalMtu = applied?.kind === 'mtu' ? applied.previous : link.mtu;
    const plan = leasePlan(lease, { currentMtu: originalMtu, applyMtu: this.opts.applyMtu, applyRoutes: this.opts.applyRoutes });
    const { remove, add } = diffPlans(this.applied, plan);
    const ctx = this.applyContext();
    if (remove.length) undoSteps(ctx, remove);
    const added = applySteps(ctx, add);
    // an MTU step replaced by a new one is not undone separately: the new one restores the original
    const kept = this.applied.filter((s) => !remove.includes(s) && !(s.kind === 'mtu' && added.some((a) => a.kind === 'mtu')));
    this.applied = [...kept, ...added];
    this.lease = lease;
    if (this.opts.resolvConf !== undefined) {
      const written = writeResolvConf(this.opts.resolvConf, lease);
      this.log(written ? `DNS servers ${lease.dnsServers.join(', ')} written to ${written}` : 'the lease names no DNS server; resolv.conf left alone');
    }
    if (this.opts.runDir) writeLeaseFile(this.opts.runDir, lease, this.owner);
  }

  /** Is the interface still there (a deleted veth or a torn-down guest takes it away)? */
  linkExists(): boolean {
    if (!this.nl) return false;
    try {
      return getLink(this.nl, { index: this.ifindex }, ` ${this.where}`) !== undefined;
    } catch {
      return true; // a netlink hiccup is no reason to give up a lease
    }
  }

  /** Does the interface carry this address now? */
  hasAddress(address: string, prefix: number): boolean {
    return listAddresses(this.sock, { index: this.ifindex, family: 4 }, ` ${this.where}`).some(
      (a) => formatIp(a.local) === address && a.prefix === prefix,
    );
  }

  /** Takes a recorded lease as the one in force (its address and routes as applied by us). */
  adopt(lease: Lease): void {
    this.lease = lease;
    this.applied = leasePlan(lease, { applyMtu: false, applyRoutes: this.opts.applyRoutes });
  }

  /** Removes the applied lease from the interface. */
  uninstall(): void {
    if (this.applied.length && this.nl) undoSteps(this.applyContext(), this.applied);
    this.applied = [];
    this.lease = undefined;
    if (this.opts.runDir) removeLeaseFile(this.opts.runDir);
  }

  /**
   * Sends a DHCPRELEASE for the lease in force, unicast to its server; no reply is expected.
   *
   * It goes over the packet socket as a complete IPv4/UDP packet (from the leased address:68 to the
   * server id:67) to the hardware address the DHCPACK came from: no ARP exchange stands between it
   * and the wire. Through the kernel's UDP socket instead, the packet would wait in the neighbour
   * queue for the server's ARP answer, and removing the address or deleting the link meanwhile
   * (what follows a release) throws it away. A lease recorded without the server's hardware address
   * (a lease file from an older version) still goes through the UDP socket.
   *
   * Either way this resolves only once the kernel has let go of the packet (taken by the receiving
   * host, or dropped), at most RELEASE_FLUSH_MS later: callers may remove the address, delete the
   * link or exit as soon as it returns.
   */
  async release(): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    const ciaddr = parseIpv4(lease.address)!;
    const server = parseIpv4(lease.serverId)!;
    const msg = releaseMessage(lease, { mac: this.mac, xid: this.newXid(), clientId: this.clientId() });
    const mac = serverMacOf(lease);
    if (mac) {
      try {
        const pkt = this.openPacket();
        pkt.sendUnicast(msg, ciaddr, server, mac);
        const gone = await pkt.whenSent(RELEASE_FLUSH_MS);
        this.log(`DHCPRELEASE of ${lease.address} sent to ${lease.serverId} at ${lease.serverMac}${gone ? '' : ' (still queued after ' + RELEASE_FLUSH_MS + ' ms)'}`);
        return;
      } catch (e) {
        this.log(`sending DHCPRELEASE to ${lease.serverMac} over the packet socket failed (${(e as Error).message}); trying the UDP socket`);
      }
    }
    const udp = DhcpUdpSocket.open(this.ns, this.ifname, ciaddr);
    try {
      udp.send(msg, server);
      const gone = await udp.whenSent(RELEASE_FLUSH_MS);
      this.log(`DHCPRELEASE of ${lease.address} sent to ${lease.serverId}${gone ? '' : ` (waiting for ARP after ${RELEASE_FLUSH_MS} ms; it may be lost)`}`);
    } finally {
      udp.close();
    }
  }

  /** The address to ask for: explicit, else the last lease recorded in the run directory. */
  requestHint(): string | undefined {
    if (this.opts.requestedAddress !== undefined) {
      if (!parseIpv4(this.opts.requestedAddress)) throw new InputError(`requested address "${this.opts.requestedAddress}" is not an IPv4 address`);
      return this.opts.requestedAddress;
    }
    if (this.opts.runDir) {
      const last = readLeaseRecord(this.opts.runDir);
      if (last && sameOwner(last.owner, this.owner)) return last.lease.address;
    }
    return undefined;
  }
}

/**
 * One-shot mode: obtains a lease on the interface and applies it (address with prefix and
 * broadcast, routes, MTU, resolv.conf where asked), then returns it. Nothing will renew it: the
 * caller says so. On failure or timeout the interface is left as it was found (no address, link
 * state restored) and the error says why. With `runDir`, lease.json is written there.
 */
export async function obtainLease(opts: DhcpClientOptions): Promise<Lease> {
  const core = new ClientCore(opts);
  if (opts.runDir) pruneLeaseRecords(baseOf(opts.runDir));
  try {
    core.prepare();
    const deadline = Date.now() + core.timeout;
    await core.waitRunning(deadline);
    const lease = await core.acquire(deadline, core.requestHint());
    // closing a packet socket waits for an RCU grace period (~12 ms): it finishes on a worker
    // thread while the lease is applied and returned
    void core.closePacket();
    core.install(lease);
    return lease;
  } catch (e) {
    core.uninstall();
    throw e;
  } finally {
    await core.close();
  }
}

/**
 * For `pipework del` after a one-shot lease: sends a DHCPRELEASE for the lease recorded in
 * runDir (if the interface still has that address), removes the address and the lease's routes,
 * and removes lease.json. Returns the released lease, or undefined when there was none to release.
 * Stop a keeper first (stopDhcpClient): a keeper releases its own lease.
 */
export async function releaseRecordedLease(opts: Pick<DhcpClientOptions, 'netns' | 'ifname' | 'runDir' | 'guestLabel' | 'log'> & { runDir: string }): Promise<Lease | undefined> {
  pruneLeaseRecords(baseOf(opts.runDir));
  const record = readLeaseRecord(opts.runDir);
  const recorded = record?.lease;
  if (!recorded || recorded.ifname !== opts.ifname) return undefined;
  const core = new ClientCore({ ...opts, timeoutMs: 1000 });
  try {
    core.prepare();
    if (!sameOwner(record.owner, core.owner)) {
      // a record of an earlier namespace or interface under the same name: nothing of ours here
      opts.log?.(`the DHCP lease record for ${opts.ifname} was for an earlier interface or namespace; removed, nothing released`);
      forget(opts.runDir);
      return undefined;
    }
    if (!core.hasAddress(recorded.address, recorded.prefix)) {
      removeLeaseFile(opts.runDir);
      return undefined;
    }
    core.adopt(recorded);
    await core.release();
    core.uninstall();
    return recorded;
  } finally {
    await core.close();
    removeEmptyDirs(opts.runDir);
  }
}

/** The base folder of a run folder (<base>/<guest-key>/<ifname>). */
function baseOf(runDir: string): string {
  return path.dirname(path.dirname(runDir));
}

export type KeeperState = 'idle' | 'init' | 'bound' | 'renewing' | 'rebinding' | 'stopping' | 'stopped';

export interface DhcpKeeperOptions extends DhcpClientOptions {
  /** stop (and release) when this process is gone: the container's PID, for instance */
  watchPid?: number;
  /** how often watchPid and the interface are checked, ms (default 5 s) */
  checkIntervalMs?: number;
  /** after failing to get a new lease (NAK, expiry), wait this long before trying again, ms (default 10 s) */
  retryDelayMs?: number;
}

/**
 * Keep mode: obtains a lease, then keeps it for as long as it runs. Events:
 *  - 'bound' (lease): a lease was obtained and applied (first time, after a NAK or an expiry)
 *  - 'renewed' (lease): a renewal or rebinding was acknowledged (applied if anything changed)
 *  - 'rebinding' (lease): T2 passed without an answer from the leasing server
 *  - 'nak' (text | undefined): the server refused a renewal; the address was removed, restarting
 *  - 'expired' (lease): the lease ran out; the address and routes were removed, restarting
 *  - 'released' (lease): stop() released the lease and removed the address
 *  - 'warning' (Error): something failed and the keeper goes on (e.g. no new lease yet)
 *  - 'log' (text): progress, for a verbose CLI
 *  - 'stopped': the keeper is finished; its sockets are closed and its run files removed
 */
export class DhcpKeeper extends EventEmitter {
  private readonly core: ClientCore;
  private readonly opts: DhcpKeeperOptions;
  private _state: KeeperState = 'idle';
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private starting: Promise<Lease> | undefined;
  private unregister: (() => void) | undefined;
  private readonly pidStart: string | undefined;
  private readonly done: Promise<void>;
  private markDone: () => void = () => {};

  constructor(opts: DhcpKeeperOptions) {
    super();
    this.opts = opts;
    const userLog = opts.log;
    this.core = new ClientCore({
      ...opts,
      log: (m) => {
        userLog?.(m);
        this.emit('log', m);
      },
    });
    this.pidStart = opts.watchPid !== undefined ? processStartTime(opts.watchPid) : undefined;
    this.done = new Promise<void>((resolve) => (this.markDone = resolve));
  }

  /** The one way into 'stopped': finished() resolves with it. */
  private setStopped(): void {
    this._state = 'stopped';
    this.markDone();
  }

  get state(): KeeperState {
    return this._state;
  }

  get lease(): Lease | undefined {
    return this.core.lease;
  }

  /**
   * Obtains and applies the first lease (bounded by timeoutMs; throws DhcpTimeoutError with the
   * interface left clean), records the run directory, then keeps the lease in the background.
   */
  start(): Promise<Lease> {
    if (this._state !== 'idle') return Promise.reject(new Error(`DhcpKeeper.start() called in state ${this._state}`));
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<Lease> {
    this._state = 'init';
    const core = this.core;
    if (this.opts.runDir) {
      pruneLeaseRecords(baseOf(this.opts.runDir));
      const other = readKeeper(this.opts.runDir);
      if (other && other.pid !== process.pid && keeperAlive(other)) {
        this.setStopped();
        throw new ConflictError(
          `a DHCP client (pid ${other.pid}) already keeps the lease of ${this.opts.ifname} ${this.core.where}`,
          `stop it first (pipework del, or kill ${other.pid})`,
        );
      }
    }
    try {
      core.prepare();
      if (this.opts.runDir) {
        writeKeeperFiles(this.opts.runDir, { ifname: this.opts.ifname, guest: this.opts.guestLabel ?? this.opts.netns.label });
        this.unregister = registerLocalKeeper(this.opts.runDir, () => this.stop());
      }
      const deadline = Date.now() + core.timeout;
      await core.waitRunning(deadline);
      const lease = await core.acquire(deadline, core.requestHint());
      void core.closePacket();
      core.install(lease);
    } catch (e) {
      core.uninstall();
      await core.close();
      if (this.opts.runDir) {
        removeKeeperFiles(this.opts.runDir);
        removeEmptyDirs(this.opts.runDir);
      }
      this.unregister?.();
      this.setStopped();
      throw e;
    }
    this._state = 'bound';
    this.emit('bound', core.lease);
    this.loopDone = this.loop().catch((e) => {
      this.emit('warning', e instanceof Error ? e : new Error(String(e)));
      // a keeper that can no longer keep its lease gives it back rather than linger
      void this.stop();
    });
    return core.lease!;
  }

  /**
   * Resolves when the keeper has stopped: after stop() (its release done), when the guest went
   * away, or when start() failed. It may be called before start(): it still waits for the end
   * (a caller that closes the keeper's namespace handle then relies on it).
   */
  finished(): Promise<void> {
    return this.done;
  }

  /** Sleeps until `at` (wall clock), stop(), or a failed guest check; false when woken early. */
  private async sleepUntil(at: number): Promise<boolean> {
    const check = this.opts.checkIntervalMs ?? 5000;
    while (!this.core.stopped) {
      const left = at - Date.now();
      if (left <= 0) return true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, check, 2 ** 31 - 1));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
      if (!this.core.stopped && !this.guestAlive()) {
        this.emit('log', `the guest or its interface ${this.opts.ifname} is gone; stopping`);
        void this.stop();
        return false;
      }
    }
    return false;
  }

  private guestAlive(): boolean {
    if (this.opts.watchPid !== undefined) {
      const now = processStartTime(this.opts.watchPid);
      if (now === undefined || (this.pidStart !== undefined && now !== this.pidStart)) return false;
    }
    return this.core.linkExists();
  }

  private async loop(): Promise<void> {
    const core = this.core;
    while (!core.stopped) {
      if (!core.lease) {
        this._state = 'init';
        try {
          const lease = await core.acquire(Date.now() + core.timeout);
          void core.closePacket();
          core.install(lease);
          this._state = 'bound';
          this.emit('bound', lease);
        } catch (e) {
          void core.closePacket();
          if (core.stopped) break;
          this.emit('warning', e instanceof Error ? e : new Error(String(e)));
          if (!(await this.sleepUntil(Date.now() + (this.opts.retryDelayMs ?? 10_000)))) break;
        }
        continue;
      }
      const times = leaseTimes(core.lease);
      if (!times) {
        // an infinite lease: nothing to renew, only a stop to wait for
        await this.sleepUntil(Infinity);
        break;
      }
      if (!(await this.sleepUntil(times.renewAt))) break;
      let reply: Reply | undefined;
      if (Date.now() < times.rebindAt) {
        this._state = 'renewing';
        this.emit('log', `renewing ${core.lease.address} with ${core.lease.serverId}`);
        reply = await core.extend('renew', times.rebindAt);
      }
      if (!reply && !core.stopped && Date.now() < times.expiresAt) {
        this._state = 'rebinding';
        this.emit('rebinding', core.lease);
        reply = await core.extend('rebind', times.expiresAt);
      }
      void core.closePacket();
      if (core.stopped) break;
      if (reply?.kind === 'ack') {
        try {
          core.install(reply.lease);
          this._state = 'bound';
          this.emit('renewed', reply.lease);
        } catch (e) {
          this.emit('warning', e instanceof Error ? e : new Error(String(e)));
          core.uninstall();
        }
      } else if (reply?.kind === 'nak') {
        core.uninstall();
        this.emit('nak', reply.message);
      } else if (Date.now() >= times.expiresAt) {
        const old = core.lease;
        core.uninstall();
        this.emit('expired', old);
      }
    }
  }

  /**
   * Stops keeping the lease: sends a DHCPRELEASE to the server, removes the address and routes,
   * removes the run files and closes every socket. Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const core = this.core;
    core.stopped = true;
    this._state = 'stopping';
    this.wake?.();
    await this.starting?.catch(() => undefined);
    await this.loopDone;
    const lease = core.lease;
    if (lease) {
      try {
        await core.release();
      } catch (e) {
        this.emit('warning', new Error(`sending DHCPRELEASE for ${lease.address}: ${(e as Error).message}`, { cause: e }));
      }
      core.uninstall();
      this.emit('released', lease);
    }
    await core.close();
    if (this.opts.runDir) {
      removeLeaseFile(this.opts.runDir);
      removeKeeperFiles(this.opts.runDir);
      removeEmptyDirs(this.opts.runDir);
    }
    this.unregister?.();
    this.setStopped();
    this.emit('stopped');
  }
}

/**
 * Keep mode for a foreground process (what `pipework ... dhcp --keep` runs): starts a keeper,
 * releases on SIGTERM, SIGINT and SIGHUP, and resolves once released. `onStarted` gets the first
 * lease. Signal handlers are removed when it returns.
 */
export async function runDhcpKeeper(opts: DhcpKeeperOptions, onStarted?: (lease: Lease, keeper: DhcpKeeper) => void): Promise<void> {
  const keeper = new DhcpKeeper(opts);
  const onSignal = () => void keeper.stop();
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    const lease = await keeper.start();
    onStarted?.(lease, keeper);
    await keeper.finished();
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

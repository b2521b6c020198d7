// One DHCP client on one interface (RFC 2131 section 4.4): its sockets inside the guest, the
// exchanges (DISCOVER -> OFFER -> REQUEST -> ACK; RENEW/REBIND), and the lease applied through
// rtnetlink. One-shot mode (oneshot.ts) and keep mode (keeper.ts) are built on it. All waiting is
// async and bounded; nothing awaits between the two setns() calls that open a socket inside.
import { randomInt } from 'node:crypto';
import type { Netns } from '../netns/netns.js';
import { inNetns } from '../netns/enter.js';
import { IFF_RUNNING, IFF_UP } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/session.js';
import { listAddresses } from '../ops/address.js';
import { getLink, setLinkRequest } from '../ops/link.js';
import { equalBytes, formatIp, parseIpv4, parseMac } from '../util/ip.js';
import { InputError } from '../util/errors.js';
import { applySteps, type ApplyContext, resolvConfPath, undoSteps, writeResolvConf } from './apply.js';
import { diffPlans, type Lease, leaseFromAck, leasePlan, type LeaseStep } from './lease.js';
import { BOOTREQUEST, chaddrOf, type DhcpMessage, messageTypeName, MessageType, newMessage } from './message.js';
import { DhcpPacketSocket, DhcpUdpSocket, type ReceivedReply } from './packet.js';
import { ownerOf } from './record.js';
import { checkFolder } from './safedir.js';
import { type LeaseOwner, readLeaseRecord, removeLeaseFile, sameOwner, writeLeaseFile } from './rundir.js';
import {
  boundRetransmitDelay, type DhcpClientOptions, DhcpStoppedError, DhcpTimeoutError, PARAMETER_LIST, retransmitBase, retransmitDelay, sleep,
} from './schedule.js';

export type Reply = { kind: 'ack'; lease: Lease } | { kind: 'nak'; message?: string };

/**
 * One client on one interface: the sockets, the exchanges and the applied lease. obtainLease()
 * and DhcpKeeper are both built on it.
 */
export class ClientCore {
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
  readonly log: (msg: string) => void;
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

  openPacket(): DhcpPacketSocket {
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

  clientId(): Uint8Array {
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

  newXid(): number {
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

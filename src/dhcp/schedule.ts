// The DHCP client's options, errors and timing: what to ask for, how often to retransmit (RFC 2131
// section 4.1, scaled to the time allowed), how long to wait in the bound states (4.4.5).
import type { Netns } from '../netns/netns.js';
import type { ResolvConfTarget } from './apply.js';
import { Option } from './message.js';

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

export { sleep } from '../util/sleep.js';

/**
 * How long release() waits for the kernel to let go of a DHCPRELEASE: over the packet socket it
 * is normally gone before sendto returns; through the UDP socket it may first wait for ARP.
 */
export const RELEASE_FLUSH_MS = 500;

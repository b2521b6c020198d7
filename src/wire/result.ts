// What a wiring and an unwiring report, whichever path executed them.
import type { DhcpKeeper } from '../dhcp/index.js';
import type { Lease } from '../dhcp/lease.js';
import type { Guest } from '../guest/resolve.js';
import { formatCidr, formatIp } from '../util/ip.js';
import type { DriverPlan } from './driver.js';
import type { Step } from './plan.js';
import type { NormalizedSpec } from './spec.js';

export interface WireResult {
  guest: string;
  ifname: string;
  host: string;
  kind: string;
  hostIfname?: string;
  addresses: string[];
  gateways: string[];
  mac?: string;
  /** false when the guest was already wired as asked */
  changed: boolean;
  /** the DHCP lease, when the addresses came from DHCP */
  lease?: Lease;
  /** keep mode: the running client that renews the lease; await keeper.finished(), stop() releases */
  keeper?: DhcpKeeper;
  dryRun: boolean;
  steps: string[];
  notes: string[];
}

export interface UnwireResult {
  guest: string;
  ifname: string;
  removed: boolean;
  kind?: string;
  hostIfname?: string;
  notes: string[];
}

export function result(guest: Guest, req: NormalizedSpec & { ifname: string }, plan: DriverPlan, steps: Step[], notes: string[], dryRun: boolean): WireResult {
  return {
    guest: guest.netns.label,
    ifname: req.ifname,
    host: req.host,
    kind: plan.kind,
    hostIfname: plan.hostIfname,
    addresses: req.addresses.flatMap((a) => (a.cidr ? [formatCidr(a.cidr)] : [])),
    gateways: req.addresses.flatMap((a) => (a.gateway ? [formatIp(a.gateway.bytes)] : [])),
    mac: req.mac,
    changed: !plan.alreadyWired && !dryRun,
    dryRun,
    steps: steps.map((s) => `[${s.where}] ${s.what}`),
    notes,
  };
}


// The contract between the wiring engine and one kind of host interface (bridge, macvlan on a
// physical NIC, Open vSwitch, ...). A driver looks at the kernel (read-only) and returns the plan:
// the steps, each with its undo. It never changes anything itself.
import type { Guest } from '../guest/resolve.js';
import type { NetlinkSocket } from '../netlink/session.js';
import type { Netns } from '../netns/netns.js';
import type { Link } from '../ops/link.js';
import type { OvsdbClient } from '../ovs/ovsdb.js';
import type { Lease } from '../dhcp/lease.js';
import type { DhcpSpec } from './dhcp-form.js';
import type { Step } from './plan.js';
import type { AddressWithGateway, LinkChoices } from './spec.js';

export interface HostSide {
  sock: NetlinkSocket;
  netns: Netns;
}

export interface DriverContext extends LinkChoices {
  host: HostSide;
  guest: Guest;
  /** a netlink socket inside the guest's namespace */
  gsock: NetlinkSocket;
  /** the host interface as named by the user (or found by mac:), and the link if it exists */
  hostIf: string;
  hostLink?: Link;
  ifname: string;
  local?: string;
  addresses: AddressWithGateway[];
  /** the Open vSwitch database, connected on first use (OVS bridges only) */
  ovsdb(): Promise<OvsdbClient>;
  /** datapath type for an OVS bridge that has to be created ('' = the kernel's, 'netdev' = userspace) */
  ovsDatapath?: string;
  /** the addresses come from DHCP */
  dhcp?: DhcpSpec;
  /** the DHCP lease pipework recorded for this guest interface, if any */
  recordedLease?(): { lease: Lease; kept: boolean } | undefined;
}

export interface DriverPlan {
  kind: string;
  steps: Step[];
  notes: string[];
  /** the host-side end, for drivers that make one (veth) */
  hostIfname?: string;
  /** true when the guest is already wired exactly as asked: nothing to do */
  alreadyWired: boolean;
  /** the guest interface's MAC, when the plan read the interface (it exists) */
  guestMac?: string;
  /** a DHCP wiring whose interface already holds the lease pipework obtained for it */
  heldLease?: { lease: Lease; kept: boolean };
}

export interface Driver {
  readonly kind: string;
  /** the guest interface name when -i is not given (eth1; ib0 for IPoIB, as pipework) */
  readonly defaultIfname?: string;
  plan(ctx: DriverContext): DriverPlan | Promise<DriverPlan>;
}

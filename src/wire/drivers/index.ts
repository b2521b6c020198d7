// Which driver serves a host interface. The order of the checks is pipework's: an existing
// interface is classified by what it is; a missing one by its name's prefix.
import { IFF_LOOPBACK } from '../../netlink/constants.js';
import type { NetlinkSocket } from '../../netlink/session.js';
import { type Link, listLinks } from '../../ops/link.js';
import { isBridge } from '../../ops/links/bridge.js';
import { ARPHRD_INFINIBAND } from '../../ops/links/ipoib.js';
import { InputError } from '../../util/errors.js';
import { formatMac, parseMac } from '../../util/ip.js';
import type { Driver } from '../driver.js';
import { bridgeDriver } from './bridge.js';
import { directDriver } from './direct.js';
import { dummyDriver } from './dummy.js';
import { ipoibDriver } from './ipoib.js';
import { ovsDriver } from './ovs.js';
import { physDriver } from './phys.js';

export interface DriverChoice {
  directPhys?: boolean;
  /** the existing host interface is an Open vSwitch bridge (asked of the OVS database) */
  ovs?: boolean;
}

export function selectDriver(hostIf: string, hostLink: Link | undefined, choice: DriverChoice = {}): Driver {
  if (hostLink) {
    // The kernel would refuse a macvlan on it with an unrelated complaint (MTU, or a bare EINVAL).
    if (hostLink.flags & IFF_LOOPBACK) {
      throw new InputError(`${hostIf} is a loopback interface: it leads to no network a guest could join`, 'give a bridge (e.g. br1, created if missing) or a NIC');
    }
    if (isBridge(hostLink)) {
      if (choice.directPhys) throw new InputError(`--direct-phys moves a NIC into the guest; ${hostIf} is a bridge`);
      return bridgeDriver;
    }
    if (choice.ovs) return ovsDriver;
    if (hostLink.type === ARPHRD_INFINIBAND) return ipoibDriver;
    return choice.directPhys ? directDriver : physDriver;
  }
  // A NIC already moved in by --direct-phys is no longer on the host: the driver finds it in the guest.
  if (choice.directPhys) return directDriver;
  if (hostIf.startsWith('br')) return bridgeDriver;
  if (hostIf.startsWith('dummy')) return dummyDriver;
  if (hostIf.startsWith('ovs')) return ovsDriver;
  throw new InputError(`I do not know how to setup interface ${hostIf}.`, 'name an existing interface, or a bridge to create (a name starting with "br")');
}

/**
 * pipework's mac:<address> host interface. Bridges, bonds, VLANs and macvlans share their lower
 * NIC's MAC; the NIC itself (a device without a link kind, or a veth) wins, then the lowest index.
 */
export function linkByMac(sock: NetlinkSocket, text: string): Link {
  const wanted = formatMac(parseMac(text));
  const matches = listLinks(sock).filter((l) => l.mac === wanted);
  if (!matches.length) throw new InputError(`Mac address ${text} specified for interface but no host interface matched.`);
  const physical = (l: Link) => (l.kind === undefined || l.kind === 'veth' ? 0 : 1);
  matches.sort((a, b) => physical(a) - physical(b) || a.index - b.index);
  return matches[0];
}

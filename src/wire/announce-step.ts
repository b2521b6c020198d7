// The announcement step of a wiring: gratuitous ARP / unsolicited NA, sent once the frame's whole
// path carries traffic.
import { announce } from '../announce/announce.js';
import { type LinkEnd, untilCarriesTraffic } from '../announce/ready.js';
import type { Guest } from '../guest/resolve.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { getLink } from '../ops/link.js';
import { formatIp, type IpAddress, parseMac } from '../util/ip.js';
import type { Step } from './plan.js';

/**
 * The announcement, once the frame's whole path is up for traffic: the guest's link and, for a veth,
 * its host end (a bridge port forwards only once that is operationally up).
 */
export function announceStep(guest: Guest, gsock: NetlinkSocket, ifname: string, which: () => IpAddress[], notes: string[], hostEnd?: () => LinkEnd | undefined): Step {
  const list = which().map((a) => formatIp(a.bytes)).join(', ') || 'the leased address';
  return {
    what: `announce ${list} on ${ifname} (gratuitous ARP / unsolicited NA)`,
    where: 'guest',
    apply: async () => {
      const addresses = which();
      // Best effort, like pipework's arping: the wiring stands even if the announcement fails.
      try {
        const link = getLink(gsock, { name: ifname });
        if (!link?.mac) return;
        const path: LinkEnd[] = [{ sock: gsock, index: link.index }];
        const far = hostEnd?.();
        if (far) path.push(far);
        if (!(await untilCarriesTraffic(path))) {
          notes.push(`${ifname} did not come up for traffic within 3 s: ${list} not announced`);
          return;
        }
        announce(guest.netns, link.index, parseMac(link.mac), addresses);
      } catch (e) {
        notes.push(`announcing ${list} failed: ${(e as Error).message}`);
      }
    },
  };
}

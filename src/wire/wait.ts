// pipework --wait, run inside the container: returns once the interface is up, has carrier and has
// an address, watching the kernel's link and address events (no polling loop). pipework waited
// forever and returned as soon as the interface merely existed; here a timeout can bound the wait.
import { waitReadable } from '../../native/libc.js';
import { IFF_LOWER_UP, IFF_UP, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK } from '../netlink/constants.js';
import { NetlinkSocket } from '../netlink/session.js';
import { listAddresses } from '../ops/address.js';
import { getLink } from '../ops/link.js';
import { isLinkLocal6 } from '../util/ip.js';

export type WaitState = 'absent' | 'down' | 'no carrier' | 'no address' | 'ready';

function stateOf(sock: NetlinkSocket, ifname: string): WaitState {
  const link = getLink(sock, { name: ifname });
  if (!link) return 'absent';
  if (!(link.flags & IFF_UP)) return 'down';
  if (!(link.flags & IFF_LOWER_UP)) return 'no carrier';
  const addrs = listAddresses(sock, { index: link.index }).filter((a) => !(a.family === 6 && isLinkLocal6(a.local)));
  return addrs.length ? 'ready' : 'no address';
}

export class WaitTimeoutError extends Error {
  constructor(ifname: string, seconds: number, last: WaitState) {
    super(`${ifname} was not ready after ${seconds} s (it is ${last === 'absent' ? 'not there' : last})`);
    this.name = 'WaitTimeoutError';
  }
}

/** Resolves when ifname (in the caller's namespace) is ready; rejects after timeoutSeconds. */
export async function waitForInterface(ifname: string, timeoutSeconds?: number): Promise<void> {
  // Subscribe before the first look, so that no change between the look and the wait is missed.
  const events = NetlinkSocket.open({ groups: [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR] });
  const query = NetlinkSocket.open();
  const deadline = timeoutSeconds === undefined ? Infinity : Date.now() + timeoutSeconds * 1000;
  try {
    let state = stateOf(query, ifname);
    while (state !== 'ready') {
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(ifname, timeoutSeconds!, state);
      // Wake at least once a minute even with no deadline, to stay responsive to signals.
      if (await waitReadable(events.fd, Math.min(left, 60_000))) while (events.receiveNow().length);
      state = stateOf(query, ifname);
    }
  } finally {
    events.close();
    query.close();
  }
}

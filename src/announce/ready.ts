// When a link can carry an announcement. Right after a link comes up its queue discipline is still
// the no-op one that drops every frame, until the kernel's linkwatch work attaches the real one and
// marks the link operationally up; a bridge port likewise forwards only once its device is
// operationally up. On a loaded machine that work can lag. Announcing before then loses the frame,
// so announcements wait (bounded) until both ends of the path are operationally up.
import { IFF_LOWER_UP, IFLA_OPERSTATE } from '../netlink/constants.js';
import type { NetlinkSocket } from '../netlink/session.js';
import { getLink } from '../ops/link.js';

const IF_OPER_UNKNOWN = 0;
const IF_OPER_UP = 6;

/** Up for traffic: operstate up, or unknown with carrier (drivers without operstate, e.g. dummy). */
export function carriesTraffic(sock: NetlinkSocket, index: number): boolean {
  const link = getLink(sock, { index });
  if (!link) return false;
  const oper = link.attrs.u8(IFLA_OPERSTATE);
  return oper === IF_OPER_UP || (oper === IF_OPER_UNKNOWN && (link.flags & IFF_LOWER_UP) !== 0);
}

/** One end of the path a frame takes: a link, through a socket in its namespace. */
export interface LinkEnd {
  sock: NetlinkSocket;
  index: number;
}

export function allCarryTraffic(ends: readonly LinkEnd[]): boolean {
  return ends.every((e) => carriesTraffic(e.sock, e.index));
}

/** Waits until every end carries traffic; false if one still does not after timeoutMs. */
export async function untilCarriesTraffic(ends: readonly LinkEnd[], timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    if (allCarryTraffic(ends)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pause));
  }
}

// IP over InfiniBand child interfaces (kind "ipoib"): a partition key on a parent HCA port.
// IFLA_IPOIB_* from linux/if_link.h. ARPHRD_INFINIBAND (32) marks an IPoIB device.
import type { Request } from '../../netlink/session.js';
import { type LinkAttrs, newLinkRequest } from '../link.js';

const IFLA_IPOIB_PKEY = 1;
export const ARPHRD_INFINIBAND = 32;

export interface IpoibSpec extends LinkAttrs {
  name: string;
  parent: number;
  /** partition key, e.g. 0x8001 (full membership bit set); undefined: the parent's default */
  pkey?: number;
}

export function createIpoibRequest(spec: IpoibSpec, what: string): Request {
  return newLinkRequest(
    {
      ...spec,
      kind: 'ipoib',
      data: (w) => {
        if (spec.pkey !== undefined) w.attrU16(IFLA_IPOIB_PKEY, spec.pkey);
      },
    },
    what,
  );
}

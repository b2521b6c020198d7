// The veth pair shared by the bridge and Open vSwitch drivers: one RTM_NEWLINK makes the host end
// (up, on its master when there is one) and the peer inside the guest under its final name, MTU
// and MAC. The guest end's index is learnt once it exists; the undo removes the pair.
import { isKernelError } from '../../netlink/errors.js';
import { deleteLinkRequest, getLink } from '../../ops/link.js';
import { createVethRequest } from '../../ops/links/veth.js';
import type { Request } from '../../netlink/session.js';
import type { DriverContext } from '../driver.js';
import type { Step } from '../plan.js';

export interface VethPair {
  step: Step;
  /** the guest end's ifindex, known after the step ran */
  guestIndex(): number;
}

/** A veth pair as the one-guest plan and the bulk engine both create it: the host end up, the peer born in the guest. */
export interface VethPairSpec {
  lif: string;
  ifname: string;
  /** "eth1 in netns g", for messages */
  label: string;
  netnsFd: number;
  master?: number;
  mtu?: number;
  mac?: string;
}

export function vethPairRequest(p: VethPairSpec): Request {
  return createVethRequest(
    { name: p.lif, master: p.master, mtu: p.mtu, up: true, peer: { name: p.ifname, netnsFd: p.netnsFd, mtu: p.mtu, mac: p.mac } },
    `creating veth ${p.lif} <-> ${p.label}`,
  );
}

export function vethPairStep(ctx: DriverContext, lif: string, attach: { what: string; master?: () => number; mtu: () => number | undefined }): VethPair {
  const { host, guest, gsock, ifname } = ctx;
  const label = `${ifname} in ${guest.netns.label}`;
  let guestIndex = 0;
  const step: Step = {
    what: `create veth ${lif}${attach.what} <-> ${label}`,
    where: 'host',
    apply: () => {
      host.sock.request(vethPairRequest({ lif, ifname, label, netnsFd: guest.netns.fd, master: attach.master?.(), mtu: attach.mtu(), mac: ctx.mac }));
      const created = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
      if (!created) throw new Error(`${label} vanished right after it was created`);
      guestIndex = created.index;
    },
    undo: () => {
      try {
        host.sock.request(deleteLinkRequest(getLink(host.sock, { name: lif })?.index ?? 0, `removing ${lif}`));
      } catch (e) {
        if (!isKernelError(e, 'ENODEV')) throw e;
      }
    },
  };
  return { step, guestIndex: () => guestIndex };
}

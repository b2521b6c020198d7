// The veth pair shared by the bridge and Open vSwitch drivers: one RTM_NEWLINK makes the host end
// (up, on its master when there is one) and the peer inside the guest under its final name, MTU
// and MAC. The guest end's index is learnt once it exists; the undo removes the pair.
import { isKernelError } from '../../netlink/errors.js';
import { deleteLinkRequest, getLink } from '../../ops/link.js';
import { createVethRequest } from '../../ops/links/veth.js';
import type { DriverContext } from '../driver.js';
import type { Step } from '../plan.js';

export interface VethPair {
  step: Step;
  /** the guest end's ifindex, known after the step ran */
  guestIndex(): number;
}

export function vethPairStep(ctx: DriverContext, lif: string, attach: { what: string; master?: () => number; mtu: () => number | undefined }): VethPair {
  const { host, guest, gsock, ifname } = ctx;
  const label = `${ifname} in ${guest.netns.label}`;
  let guestIndex = 0;
  const step: Step = {
    what: `create veth ${lif}${attach.what} <-> ${label}`,
    where: 'host',
    apply: () => {
      const mtu = attach.mtu();
      host.sock.request(
        createVethRequest(
          { name: lif, master: attach.master?.(), mtu, up: true, peer: { name: ifname, netnsFd: guest.netns.fd, mtu, mac: ctx.mac } },
          `creating veth ${lif} <-> ${label}`,
        ),
      );
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

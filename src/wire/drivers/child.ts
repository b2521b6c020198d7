// Interfaces born directly inside the guest on top of a host device (macvlan, ipvlan, IPoIB
// child) or on nothing (dummy): one RTM_NEWLINK with IFLA_NET_NS_FD creates it in the guest under
// its final name, so it never appears on the host and its name cannot collide with a host name.
import { isKernelError } from '../../netlink/errors.js';
import type { Request } from '../../netlink/session.js';
import { deleteLinkRequest, explainMissingKind, getLink, type Link } from '../../ops/link.js';
import type { DriverContext, DriverPlan } from '../driver.js';
import { planForExisting } from '../existing.js';
import { guestConfigSteps } from '../guest-config.js';
import type { Step } from '../plan.js';

export interface ChildKind {
  kind: string;
  /** the kernel feature to name when the kernel lacks this kind */
  feature: string;
  /** words for the plan: "macvlan (mode bridge) on eth0" */
  describe: string;
  /** the creation request, for a lower device known only when this runs */
  request(ctx: DriverContext, what: string): Request;
  /** is an existing guest interface of the same name one this kind of wiring made? */
  isOurs(existing: Link): boolean;
}

export function planChild(ctx: DriverContext, child: ChildKind, before: Step[], notes: string[] = []): DriverPlan {
  const { gsock, guest, ifname } = ctx;
  const label = `${ifname} in ${guest.netns.label}`;
  const existing = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
  if (existing) return planForExisting(ctx, existing, child.isOurs(existing), { kind: child.kind, via: ctx.hostIf, notes });

  let index = 0;
  const steps: Step[] = [...before];
  steps.push({
    what: `create ${child.describe} as ${label}`,
    where: 'host',
    apply: () => {
      try {
        ctx.host.sock.request(child.request(ctx, `creating ${child.kind} ${label}`));
      } catch (e) {
        throw explainMissingKind(e, child.kind, child.feature);
      }
      const made = getLink(gsock, { name: ifname });
      if (!made) throw new Error(`${label} vanished right after it was created`);
      index = made.index;
    },
    undo: () => {
      try {
        gsock.request(deleteLinkRequest(index, `removing ${label}`));
      } catch (e) {
        if (!isKernelError(e, 'ENODEV')) throw e;
      }
    },
  });
  steps.push(...guestConfigSteps({ sock: gsock, label, index: () => index }, ctx.addresses));
  return { kind: child.kind, steps, notes, alreadyWired: false };
}

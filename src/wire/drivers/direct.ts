// pipework's --direct-phys: the NIC itself (or its VLAN sub-interface) moves into the guest, for
// SR-IOV virtual functions and the like. Its host name is kept in its alias, so that `del` (which
// pipework lacks) and a rollback can move it back home under its own name.
import { existsSync } from 'node:fs';
import { getLink, type Link, setLinkRequest } from '../../ops/link.js';
import { InputError } from '../../util/errors.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { planForExisting } from '../existing.js';
import { guestConfigSteps } from '../guest-config.js';
import type { Step } from '../plan.js';
import { lowerDevice } from './lower.js';

export const HOME_ALIAS_PREFIX = 'pipework-home:';

/** The host name a moved NIC came from, if pipework moved it. */
export function homeNameOf(link: Link): string | undefined {
  return link.alias?.startsWith(HOME_ALIAS_PREFIX) ? link.alias.slice(HOME_ALIAS_PREFIX.length) : undefined;
}

export const directDriver: Driver = {
  kind: 'direct',
  plan(ctx: DriverContext): DriverPlan {
    const { host, gsock, guest, ifname } = ctx;
    const nic = ctx.hostLink;
    const label = `${ifname} in ${guest.netns.label}`;
    const existing = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
    const homeName = ctx.vlan === undefined ? ctx.hostIf : `${ctx.hostIf}.${ctx.vlan}`;
    if (existing) return planForExisting(ctx, existing, homeNameOf(existing) === homeName, { kind: 'direct', via: `${homeName} (moved in)` });
    if (!nic) throw new InputError(`${ctx.hostIf} does not exist on the host`, 'name the NIC to move into the guest');
    if (existsSync(`/sys/class/net/${nic.name}/phy80211`)) {
      throw new InputError(`${nic.name} is a wireless interface: it moves with its whole phy, which needs nl80211`, 'not supported; use macvlan instead of --direct-phys');
    }
    const lower = lowerDevice(ctx, nic);
    let index = 0;
    const move: Step = {
      what: `move ${lower.name} into ${guest.netns.label} as ${ifname}`,
      where: 'host',
      apply: () => {
        const l = lower.link();
        host.sock.request(
          setLinkRequest(l.index, { netnsFd: guest.netns.fd, name: ifname, alias: `${HOME_ALIAS_PREFIX}${l.name}`, mac: ctx.mac, mtu: ctx.mtu }, `moving ${l.name} into ${guest.netns.label} as ${ifname}`),
        );
        const moved = getLink(gsock, { name: ifname });
        if (!moved) throw new Error(`${label} is not there after the move`);
        index = moved.index;
      },
      undo: () => {
        gsock.request(setLinkRequest(index, { up: false }, `setting ${label} down`));
        gsock.request(setLinkRequest(index, { netnsFd: host.netns.fd, name: lower.name, alias: '' }, `moving ${label} back to the host as ${lower.name}`));
      },
    };
    const steps = [...lower.steps, move, ...guestConfigSteps({ sock: gsock, label, index: () => index }, ctx.addresses)];
    return { kind: 'direct', steps, notes: [], alreadyWired: false };
  },
};

// A physical (any non-bridge) host interface: a macvlan (pipework's way, mode bridge unless told
// otherwise) or an ipvlan (a CNI feature pipework lacks) on the NIC or on its VLAN sub-interface.
import { getLink } from '../../ops/link.js';
import { createIpvlanRequest, ipvlanModeOf, parseIpvlanMode } from '../../ops/links/ipvlan.js';
import { createMacvlanRequest, macvlanModeOf, parseMacvlanMode } from '../../ops/links/macvlan.js';
import { InputError } from '../../util/errors.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { planChild } from './child.js';
import { lowerDevice } from './lower.js';

export const physDriver: Driver = {
  kind: 'macvlan',
  plan(ctx: DriverContext): DriverPlan {
    const nic = ctx.hostLink;
    if (!nic) throw new Error(`${ctx.hostIf} does not exist`);
    const lower = lowerDevice(ctx, nic);
    const mtuOf = () => ctx.mtu ?? lower.link().mtu;
    if (ctx.kind === 'ipvlan') {
      const mode = parseIpvlanMode(ctx.mode ?? 'l2');
      if (ctx.mac) throw new InputError('an ipvlan interface shares its parent\'s MAC address: it cannot have its own', 'drop the MAC, or use macvlan');
      return planChild(ctx, {
        kind: 'ipvlan',
        feature: 'ipvlan support (the ipvlan module)',
        describe: `ipvlan (mode ${mode}) on ${lower.name}`,
        request: (c, what) =>
          createIpvlanRequest({ name: c.ifname, parent: lower.link().index, mode, mtu: mtuOf(), netnsFd: c.guest.netns.fd }, what),
        isOurs: (l) => l.kind === 'ipvlan' && l.link === lowerIndexIfKnown(ctx, lower.name) && ipvlanModeOf(l) === mode,
      }, lower.steps);
    }
    const mode = parseMacvlanMode(ctx.mode ?? 'bridge');
    return planChild(ctx, {
      kind: 'macvlan',
      feature: 'macvlan support (the macvlan module)',
      describe: `macvlan (mode ${mode}) on ${lower.name}`,
      request: (c, what) =>
        createMacvlanRequest({ name: c.ifname, parent: lower.link().index, mode, mtu: mtuOf(), mac: c.mac, netnsFd: c.guest.netns.fd }, what),
      isOurs: (l) => l.kind === 'macvlan' && l.link === lowerIndexIfKnown(ctx, lower.name) && macvlanModeOf(l) === mode,
    }, lower.steps);
  },
};

/** The lower device's index if it exists now (a guest interface can only be ours if it does). */
function lowerIndexIfKnown(ctx: DriverContext, name: string): number | undefined {
  return getLink(ctx.host.sock, { name })?.index;
}

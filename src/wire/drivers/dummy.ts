// pipework's dummy* host interface: no host device at all, a dummy interface inside the guest.
import { createDummyRequest } from '../../ops/links/dummy.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { planChild } from './child.js';

export const dummyDriver: Driver = {
  kind: 'dummy',
  plan(ctx: DriverContext): DriverPlan {
    const notes = ctx.vlan === undefined ? [] : [`VLAN ${ctx.vlan} ignored: a dummy interface has no link to tag`];
    return planChild(ctx, {
      kind: 'dummy',
      feature: 'dummy interfaces (the dummy module)',
      describe: 'dummy interface',
      request: (c, what) => createDummyRequest({ name: c.ifname, mtu: c.mtu, mac: c.mac, netnsFd: c.guest.netns.fd }, what),
      isOurs: (l) => l.kind === 'dummy',
    }, [], notes);
  },
};

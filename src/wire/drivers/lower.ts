// The lower device of a physical-interface wiring: the NIC itself, or its 802.1Q sub-interface
// <nic>.<vlan> when a VLAN is asked for (created if missing, reused if it is that VLAN, and
// anything else of that name is an error). As in pipework the sub-interface stays after `del`: other
// guests may use it. A failed wiring removes it again if it made it.
import { isKernelError } from '../../netlink/errors.js';
import { deleteLinkRequest, explainMissingKind, getLink, isUp, type Link, setLinkRequest } from '../../ops/link.js';
import { createVlanRequest, vlanIdOf } from '../../ops/links/vlan.js';
import { ConflictError, InputError } from '../../util/errors.js';
import type { DriverContext } from '../driver.js';
import type { Step } from '../plan.js';
import { checkVlan, validIfname } from '../spec.js';

export interface Lower {
  steps: Step[];
  /** the lower link; for a VLAN still to be made, known once its step ran */
  link(): Link;
  name: string;
}

export function lowerDevice(ctx: DriverContext, nic: Link): Lower {
  const { host } = ctx;
  const steps: Step[] = [];
  if (!isUp(nic)) {
    steps.push({
      what: `set ${nic.name} up`,
      where: 'host',
      apply: () => void host.sock.request(setLinkRequest(nic.index, { up: true }, `setting ${nic.name} up`)),
      undo: () => void host.sock.request(setLinkRequest(nic.index, { up: false }, `setting ${nic.name} down again`)),
    });
  }
  if (ctx.vlan === undefined) return { steps, link: () => nic, name: nic.name };

  const vid = checkVlan(ctx.vlan);
  const name = `${nic.name}.${vid}`;
  const tooLong = validIfname(name);
  if (tooLong) throw new InputError(`the VLAN interface name ${name} ${tooLong}`, `rename ${nic.name} to something shorter`);
  const existing = getLink(host.sock, { name });
  if (existing) {
    if (vlanIdOf(existing) !== vid || existing.link !== nic.index) {
      throw new ConflictError(`${name} already exists but is not a VLAN device for tag ${vid}`, `remove or rename ${name}`);
    }
    if (!isUp(existing)) {
      steps.push({
        what: `set ${name} up`,
        where: 'host',
        apply: () => void host.sock.request(setLinkRequest(existing.index, { up: true }, `setting ${name} up`)),
        undo: () => void host.sock.request(setLinkRequest(existing.index, { up: false }, `setting ${name} down again`)),
      });
    }
    return { steps, link: () => existing, name };
  }
  let made: Link | undefined;
  steps.push({
    what: `create VLAN interface ${name} (802.1Q tag ${vid} on ${nic.name}, up)`,
    where: 'host',
    apply: () => {
      try {
        host.sock.request(createVlanRequest({ name, parent: nic.index, id: vid, mtu: nic.mtu, up: true }, `creating VLAN interface ${name}`));
      } catch (e) {
        throw explainMissingKind(e, 'vlan', '802.1Q VLAN support (the 8021q module)');
      }
      made = getLink(host.sock, { name });
      if (!made) throw new Error(`${name} vanished right after it was created`);
    },
    undo: () => {
      try {
        if (made) host.sock.request(deleteLinkRequest(made.index, `removing ${name}`));
      } catch (e) {
        if (!isKernelError(e, 'ENODEV')) throw e;
      }
    },
  });
  return {
    steps,
    name,
    link: () => {
      if (!made) throw new Error(`${name} is not made yet`);
      return made;
    },
  };
}

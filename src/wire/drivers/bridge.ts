// Linux bridge: a veth pair whose host end is a port of the bridge and whose peer is born in the
// guest's namespace under its final name, with MTU and MAC, in one RTM_NEWLINK.
import { isKernelError, KernelError } from '../../netlink/errors.js';
import { deleteLinkRequest, getLink, isUp, type Link, listLinks } from '../../ops/link.js';
import { createBridgeRequest, isBridge, portVlanRequest, setVlanFilteringRequest, vlanFilteringOf } from '../../ops/links/bridge.js';
import { ConflictError } from '../../util/errors.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { planForExisting } from '../existing.js';
import { guestConfigSteps } from '../guest-config.js';
import { hostEndName, HostNameTakenError } from '../names.js';
import type { Step } from '../plan.js';
import { checkVlan } from '../spec.js';
import { vethPairStep } from './veth-pair.js';

export const bridgeDriver: Driver = {
  kind: 'bridge',
  plan(ctx: DriverContext): DriverPlan {
    const { host, guest, gsock, hostIf, ifname } = ctx;
    const vid = ctx.vlan === undefined ? undefined : checkVlan(ctx.vlan);
    if (ctx.hostLink && !isBridge(ctx.hostLink)) throw new Error(`${hostIf} is not a bridge`);
    const names = hostEndName(ifname, guest.key, String(guest.pid ?? guest.key), ctx.local);
    const lif = names.name;
    const notes: string[] = [];
    if (names.shortened) notes.push(`host interface named ${lif} (pipework's ${names.shortened} is longer than 15 characters)`);
    const guestLabel = `${ifname} in ${guest.netns.label}`;
    const steps: Step[] = [];
    let bridge: Link | undefined = ctx.hostLink;

    const existingGuest = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
    const existingHost = getLink(host.sock, { name: lif });
    if (existingGuest) {
      const ours =
        existingGuest.kind === 'veth' &&
        existingHost?.kind === 'veth' &&
        existingHost.link === existingGuest.index &&
        bridge !== undefined &&
        existingHost.master === bridge.index;
      return planForExisting(ctx, existingGuest, ours, { kind: 'bridge', via: `${hostIf} through ${lif}`, hostIfname: lif, notes });
    }

    if (existingHost) {
      const hint = `it belongs to another wiring: choose another host-side name with -l, or remove ${lif}`;
      if (existingHost.kind !== 'veth') throw new ConflictError(`${lif} exists and is a ${existingHost.kind ?? 'device'}, not a veth`, hint);
      if (isUp(existingHost)) throw new HostNameTakenError(lif, `Link ${lif} exists and is up`, hint);
      // pipework's rule: a down veth of that name is a leftover, replaced.
      steps.push({
        what: `remove leftover ${lif} (down)`,
        where: 'host',
        apply: () => void host.sock.request(deleteLinkRequest(existingHost.index, `removing leftover ${lif}`)),
      });
    }

    if (!bridge) steps.push(createBridgeStep(ctx, (b) => (bridge = b), vid !== undefined));
    else if (vid !== undefined && !vlanFilteringOf(bridge)) steps.push(vlanFilteringStep(ctx, bridge));

    const pair = vethPairStep(ctx, lif, { what: ` (port of ${hostIf})`, master: () => bridge!.index, mtu: () => ctx.mtu ?? bridge!.mtu });
    steps.push(pair.step);
    if (vid !== undefined) steps.push(accessPortStep(ctx, lif, vid));
    steps.push(...guestConfigSteps({ sock: gsock, label: guestLabel, index: pair.guestIndex }, ctx.addresses));
    return { kind: 'bridge', steps, notes, hostIfname: lif, alreadyWired: false };
  },
};

/**
 * Creates the bridge, up. Another process may create it at the same moment: EEXIST with a bridge
 * of that name is success, and then the bridge is not ours to remove on rollback.
 */
function createBridgeStep(ctx: DriverContext, found: (b: Link) => void, vlanFiltering: boolean): Step {
  const { host, hostIf } = ctx;
  let created = false;
  let index = 0;
  return {
    what: `create bridge ${hostIf} (up${vlanFiltering ? ', VLAN filtering' : ''})`,
    where: 'host',
    apply: () => {
      try {
        host.sock.request(createBridgeRequest({ name: hostIf, up: true, mtu: ctx.mtu, vlanFiltering: vlanFiltering || undefined }, `creating bridge ${hostIf}`));
        created = true;
      } catch (e) {
        if (!isKernelError(e, 'EEXIST')) throw explainNoVlanFiltering(e);
      }
      const b = getLink(host.sock, { name: hostIf });
      if (!b) throw new Error(`bridge ${hostIf} vanished right after it was created`);
      if (!isBridge(b)) throw new ConflictError(`${hostIf} appeared meanwhile and is a ${b.kind ?? 'device'}, not a bridge`);
      index = b.index;
      found(b);
    },
    undo: () => {
      if (!created) return;
      // Someone else may have attached to the bridge since we made it: leave it to them.
      if (listLinks(host.sock).some((l) => l.master === index)) return;
      host.sock.request(deleteLinkRequest(index, `removing bridge ${hostIf}`));
    },
  };
}

const explainNoVlanFiltering = (e: unknown) =>
  isKernelError(e, 'EOPNOTSUPP') ? new KernelError(e.errno, `${e.operation}: this kernel's bridge lacks VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)`, e.extack) : e;

/** VLANs on a Linux bridge (which pipework refuses) need VLAN filtering on the bridge. */
function vlanFilteringStep(ctx: DriverContext, bridge: Link): Step {
  const { host, hostIf } = ctx;
  return {
    what: `turn on VLAN filtering on ${hostIf} (its other ports stay untagged members of VLAN 1)`,
    where: 'host',
    apply: () => {
      try {
        host.sock.request(setVlanFilteringRequest(bridge.index, true, `turning on VLAN filtering on ${hostIf}`));
      } catch (e) {
        throw explainNoVlanFiltering(e);
      }
    },
    undo: () => void host.sock.request(setVlanFilteringRequest(bridge.index, false, `turning VLAN filtering off again on ${hostIf}`)),
  };
}

/** The guest's port becomes an untagged access port of one VLAN, leaving the default VLAN 1. */
function accessPortStep(ctx: DriverContext, lif: string, vid: number): Step {
  const { host } = ctx;
  return {
    what: `make ${lif} an untagged access port of VLAN ${vid}`,
    where: 'host',
    apply: () => {
      const port = getLink(host.sock, { name: lif });
      if (!port) throw new Error(`${lif} is gone`);
      host.sock.batchOrThrow([
        portVlanRequest('add', port.index, vid, true, `adding VLAN ${vid} (PVID, untagged) to ${lif}`),
        ...(vid === 1 ? [] : [portVlanRequest('delete', port.index, 1, false, `removing the default VLAN 1 from ${lif}`)]),
      ]);
    },
  };
}

// Linux bridge: a veth pair whose host end is a port of the bridge and whose peer is born in the
// guest's namespace under its final name, with MTU and MAC, in one RTM_NEWLINK.
import { isKernelError } from '../../netlink/errors.js';
import { deleteLinkRequest, getLink, isUp, type Link, listLinks } from '../../ops/link.js';
import { createBridgeRequest, isBridge } from '../../ops/links/bridge.js';
import { createVethRequest } from '../../ops/links/veth.js';
import { ConflictError, InputError } from '../../util/errors.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { describeDifferences, inspectGuestInterface } from '../existing.js';
import { guestConfigSteps } from '../guest-config.js';
import { hostEndName } from '../names.js';
import type { Step } from '../plan.js';

export const bridgeDriver: Driver = {
  kind: 'bridge',
  plan(ctx: DriverContext): DriverPlan {
    const { host, guest, gsock, hostIf, ifname } = ctx;
    if (ctx.vlan !== undefined) {
      throw new InputError(
        `VLAN configuration currently unsupported for Linux bridge.`,
        `${hostIf} would need bridge VLAN filtering; wire it without @${ctx.vlan}`,
      );
    }
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
      if (!ours) {
        const what = existingGuest.kind ? `a ${existingGuest.kind} interface` : 'an interface';
        throw new ConflictError(
          `${guestLabel} already exists (${what} not connected to ${hostIf} through ${lif})`,
          `choose another name with -i, or remove it first with: pipework del ${guest.ref} -i ${ifname}`,
        );
      }
      const state = inspectGuestInterface(gsock, existingGuest);
      const diffs = describeDifferences(existingGuest, state, ctx);
      if (diffs.length) {
        throw new ConflictError(
          `${guestLabel} is already wired to ${hostIf} but differs: ${diffs.join('; ')}`,
          `remove it first with: pipework del ${guest.ref} -i ${ifname}`,
        );
      }
      const rest = guestConfigSteps({ sock: gsock, label: guestLabel, index: () => existingGuest.index }, ctx.addresses, state);
      return { kind: 'bridge', steps: rest, notes, hostIfname: lif, alreadyWired: rest.length === 0 };
    }

    if (existingHost) {
      if (isUp(existingHost) || existingHost.kind !== 'veth') {
        const problem = isUp(existingHost) ? `Link ${lif} exists and is up` : `${lif} exists and is a ${existingHost.kind ?? 'device'}, not a veth`;
        throw new ConflictError(problem, `it belongs to another wiring: choose another host-side name with -l, or remove ${lif}`);
      }
      // pipework's rule: a down veth of that name is a leftover, replaced.
      steps.push({
        what: `remove leftover ${lif} (down)`,
        where: 'host',
        apply: () => void host.sock.request(deleteLinkRequest(existingHost.index, `removing leftover ${lif}`)),
      });
    }

    if (!bridge) steps.push(createBridgeStep(ctx, (b) => (bridge = b)));

    let guestIndex = 0;
    steps.push({
      what: `create veth ${lif} (port of ${hostIf}) <-> ${guestLabel}`,
      where: 'host',
      apply: () => {
        const mtu = ctx.mtu ?? bridge!.mtu;
        host.sock.request(
          createVethRequest(
            { name: lif, master: bridge!.index, mtu, up: true, peer: { name: ifname, netnsFd: guest.netns.fd, mtu, mac: ctx.mac } },
            `creating veth ${lif} <-> ${guestLabel}`,
          ),
        );
        const created = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
        if (!created) throw new Error(`${guestLabel} vanished right after it was created`);
        guestIndex = created.index;
      },
      undo: () => {
        try {
          host.sock.request(deleteLinkRequest(getLink(host.sock, { name: lif })?.index ?? 0, `removing ${lif}`));
        } catch (e) {
          if (!isKernelError(e, 'ENODEV')) throw e;
        }
      },
    });
    steps.push(...guestConfigSteps({ sock: gsock, label: guestLabel, index: () => guestIndex }, ctx.addresses));
    return { kind: 'bridge', steps, notes, hostIfname: lif, alreadyWired: false };
  },
};

/**
 * Creates the bridge, up. Another process may create it at the same moment: EEXIST with a bridge
 * of that name is success, and then the bridge is not ours to remove on rollback.
 */
function createBridgeStep(ctx: DriverContext, found: (b: Link) => void): Step {
  const { host, hostIf } = ctx;
  let created = false;
  let index = 0;
  return {
    what: `create bridge ${hostIf} (up)`,
    where: 'host',
    apply: () => {
      try {
        host.sock.request(createBridgeRequest({ name: hostIf, up: true, mtu: ctx.mtu }, `creating bridge ${hostIf}`));
        created = true;
      } catch (e) {
        if (!isKernelError(e, 'EEXIST')) throw e;
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

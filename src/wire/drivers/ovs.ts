// Open vSwitch bridges, through the OVS database (RFC 7047 JSON-RPC on its unix socket) instead of
// ovs-vsctl: a veth as for a Linux bridge, whose host end becomes an OVS port, with the VLAN as the
// port's access tag and pipework's external_ids, in one transaction that also creates a missing
// bridge. `del` removes the port again (pipework left stale ports behind, its issue #143).
import { getLink } from '../../ops/link.js';
import type { Guest } from '../../guest/resolve.js';
import type { NetlinkSocket } from '../../netlink/session.js';
import type { OvsdbClient } from '../../ovs/vswitch.js';
import { NotAppliedError } from '../../ovs/protocol.js';
import { ConflictError } from '../../util/errors.js';
import type { Driver, DriverContext, DriverPlan } from '../driver.js';
import { planForExisting } from '../existing.js';
import { guestConfigSteps } from '../guest-config.js';
import { hostEndName, HostNameTakenError } from '../names.js';
import type { Step } from '../plan.js';
import { checkVlan } from '../spec.js';
import { vethPairStep } from './veth-pair.js';

export const ovsDriver: Driver = {
  kind: 'ovs',
  async plan(ctx: DriverContext): Promise<DriverPlan> {
    const { host, guest, gsock, hostIf, ifname } = ctx;
    const tag = ctx.vlan === undefined ? undefined : checkVlan(ctx.vlan);
    const db = await ctx.ovsdb();
    const names = hostEndName(ifname, guest.key, String(guest.pid ?? guest.key), ctx.local);
    const lif = names.name;
    const notes = names.shortened ? [`host interface named ${lif} (pipework's ${names.shortened} is longer than 15 characters)`] : [];
    const label = `${ifname} in ${guest.netns.label}`;

    const existingGuest = getLink(gsock, { name: ifname }, ` in ${guest.netns.label}`);
    const existingHost = getLink(host.sock, { name: lif });
    const port = await db.getPort(lif);
    if (existingGuest) {
      const paired = existingGuest.kind === 'veth' && existingHost?.kind === 'veth' && existingHost.link === existingGuest.index && port?.bridge === hostIf;
      if (paired && port.tag !== tag) {
        const has = port.tag === undefined ? 'has no tag' : `has tag ${port.tag}`;
        throw new ConflictError(`${label} is already wired to OVS bridge ${hostIf} but differs: its port ${lif} ${has}, asked for ${tag === undefined ? 'no tag' : `tag ${tag}`}`, `remove it first with: pipework del ${guest.ref} -i ${ifname}`);
      }
      return planForExisting(ctx, existingGuest, paired, { kind: 'ovs', via: `OVS bridge ${hostIf} through ${lif}${tag === undefined ? '' : ` (tag ${tag})`}`, hostIfname: lif, notes });
    }
    if (existingHost) {
      const hint = `it belongs to another wiring: choose another host-side name with -l, or remove ${lif}`;
      throw existingHost.kind === 'veth' ? new HostNameTakenError(lif, `Link ${lif} exists`, hint) : new ConflictError(`Link ${lif} exists`, hint);
    }
    const stale = await stalePorts(db, host.sock, { name: guestName(guest), id: guest.container?.id }, ifname);
    if (port && !stale.some((p) => p.name === lif)) {
      throw new ConflictError(`OVS port ${lif} already exists on ${port.bridge ? `bridge ${port.bridge}` : 'no bridge'}`, `remove it with: pipework del, or ovs-vsctl del-port ${lif}`);
    }
    // Without it the port would carry no traffic, and the wait for it to apply the change would time out.
    if (!(await db.vswitchdRunning())) {
      throw new ConflictError(`ovs-vswitchd is not running for the OVS database at ${db.socket}: a port on ${hostIf} would carry no traffic`, 'start ovs-vswitchd, then wire again');
    }
    const bridge = await db.getBridge(hostIf);
    const datapathType = ctx.ovsDatapath ?? (await inheritedDatapath(db));
    const mtu = ctx.mtu ?? ctx.hostLink?.mtu;
    const pair = vethPairStep(ctx, lif, { what: '', mtu: () => mtu });
    /** The undo of the OVSDB step: the port, and the bridge if the step created it and it is empty. */
    const removeAdded = async (waitApplied?: boolean) => {
      await unconfirmed(db.deletePort(hostIf, lif, { waitApplied }));
      if (!bridge && (await db.listPorts(hostIf)).length === 0) await unconfirmed(db.deleteBridge(hostIf, { waitApplied }));
    };
    const steps: Step[] = [
      ...stale.map(
        (p): Step => ({
          what: `remove stale OVS port ${p.name} from ${p.bridge} (an earlier wiring of this guest; its device is gone)`,
          where: 'host',
          apply: async () => void (await db.deletePort(p.bridge, p.name)),
        }),
      ),
      pair.step,
      {
        what: `${bridge ? `add ${lif} to OVS bridge ${hostIf}` : `create OVS bridge ${hostIf}${datapathType ? ` (datapath ${datapathType})` : ''} and add ${lif} to it`} as a port${tag === undefined ? '' : ` with tag ${tag}`} (one OVSDB transaction)`,
        where: 'host',
        apply: async () => {
          try {
            await db.addPort(hostIf, lif, {
              tag,
              externalIds: externalIds(ctx, hostIf, tag),
              createBridge: bridge ? false : { datapathType },
            });
          } catch (e) {
            // Committed, but ovs-vswitchd did not confirm: the step failed, and what it added is
            // removed here, since a failed step is not undone with the others.
            if (e instanceof NotAppliedError) await removeAdded(false).catch(() => undefined);
            throw e;
          }
        },
        undo: () => removeAdded(),
      },
      ...guestConfigSteps({ sock: gsock, label, index: pair.guestIndex }, ctx.addresses),
    ];
    return { kind: 'ovs', steps, notes, hostIfname: lif, alreadyWired: false };
  },
};

/**
 * '' once ovs-vswitchd has applied a removal; a note when it did not confirm it. The row is gone
 * from the database all the same, and the database decides what the switch will have: the removal
 * stands (a rollback is complete, `del` succeeds).
 */
export async function unconfirmed(removal: Promise<unknown>): Promise<string> {
  try {
    await removal;
    return '';
  } catch (e) {
    if (!(e instanceof NotAppliedError)) throw e;
    return ` (from the database: ${e.details})`;
  }
}

/** The guest's name in pipework's external_ids. */
const guestName = (g: Guest) => g.container?.name ?? g.netns.name ?? g.ref;

/** pipework's external_ids on the port, so that OVS tooling (and we) can tell whose port it is. */
function externalIds(ctx: DriverContext, bridge: string, tag: number | undefined): Record<string, string> {
  const g = ctx.guest;
  return {
    'pipework.interface': ctx.ifname,
    'pipework.bridge': bridge,
    'pipework.containerid': g.container?.id ?? '',
    'pipework.containername': guestName(g),
    'pipework.nspid': g.pid === undefined ? '' : String(g.pid),
    'pipework.vlan': tag === undefined ? '' : String(tag),
  };
}

/** A new bridge gets the datapath of the bridges already there (userspace or kernel), if any. */
async function inheritedDatapath(db: OvsdbClient): Promise<string> {
  for (const name of await db.listBridges()) {
    const b = await db.getBridge(name);
    if (b?.datapathType) return b.datapathType;
  }
  return '';
}

/**
 * Ports pipework made for a guest whose device no longer exists: the guest's namespace went away
 * (a stopped or restarted container) and took the veth with it, but OVSDB keeps the row (pipework's
 * issue #143). Matched by pipework.containername or pipework.containerid, and interface if given.
 */
export async function stalePorts(db: OvsdbClient, hostSock: NetlinkSocket, who: { name?: string; id?: string }, ifname?: string): Promise<{ bridge: string; name: string }[]> {
  const out: { bridge: string; name: string }[] = [];
  for (const bridge of await db.listBridges()) {
    for (const port of await db.listPorts(bridge)) {
      const ids = port.externalIds;
      const same = (who.id && ids['pipework.containerid'] === who.id) || (who.name && ids['pipework.containername'] === who.name);
      if (!same || (ifname && ids['pipework.interface'] !== ifname)) continue;
      if (!getLink(hostSock, { name: port.name })) out.push({ bridge, name: port.name });
    }
  }
  return out;
}

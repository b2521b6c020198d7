// The host-side phase: bridges looked up (made when missing), then every veth pair created in as few
// sendmsg() calls as the kernel allows; NLM_F_ECHO answers with both ends' indexes.
import { NLM_F_ECHO, RTM_NEWLINK } from '../../netlink/constants.js';
import { isKernelError } from '../../netlink/errors.js';
import { type Request } from '../../netlink/session.js';
import { createBridgeRequest, isBridge } from '../../ops/links/bridge.js';
import { ConflictError } from '../../util/errors.js';
import type { HostSide } from '../driver.js';
import { bridgeDriver } from '../drivers/bridge.js';
import { selectDriver } from '../drivers/index.js';
import { vethPairRequest } from '../drivers/veth-pair.js';
import { hostEndName } from '../names.js';
import { getLinkByNameRequest, indexAndPeer, linkOf } from './machinery.js';
import type { BridgeState, Fail, WireJob, WireManyOptions } from './types.js';

/** Looks up (and creates, when missing and named br*) every bridge the wave's fast guests need. */
export function prepareBridges(host: HostSide, wave: WireJob[], bridges: Map<string, BridgeState>): void {
  const fast = wave.filter((j) => !j.item && !j.slow);
  const unknown = [...new Set(fast.map((j) => j.req!.host))].filter((name) => !bridges.has(name));
  if (unknown.length) {
    const found = host.sock.batch(unknown.map((name) => getLinkByNameRequest(name, `looking up ${name}`)));
    const toCreate: string[] = [];
    unknown.forEach((name, i) => {
      const state: BridgeState = {};
      bridges.set(name, state);
      const o = found[i];
      if (o.error && !isKernelError(o.error, 'ENODEV')) {
        state.error = o.error;
        return;
      }
      const link = o.error ? undefined : linkOf(o);
      let driver;
      try {
        driver = selectDriver(name, link);
      } catch {
        state.slow = true; // its driver, in the planned phase, says why in its own words
        return;
      }
      if (driver !== bridgeDriver) state.slow = true;
      else if (link) state.link = link;
      else toCreate.push(name);
    });
    if (toCreate.length) {
      const firstMtu = (name: string) => fast.find((j) => j.req!.host === name)?.req!.mtu;
      const made = host.sock.batch(toCreate.map((name) => createBridgeRequest({ name, up: true, mtu: firstMtu(name) }, `creating bridge ${name}`)));
      const again = host.sock.batch(toCreate.map((name) => getLinkByNameRequest(name, `looking up bridge ${name}`)));
      toCreate.forEach((name, i) => {
        const state = bridges.get(name)!;
        if (made[i].error && !isKernelError(made[i].error, 'EEXIST')) {
          state.error = made[i].error;
          return;
        }
        state.created = !made[i].error;
        const link = again[i].error ? undefined : linkOf(again[i]);
        if (!link) state.error = again[i].error ?? new Error(`bridge ${name} vanished right after it was created`);
        else if (!isBridge(link)) state.error = new ConflictError(`${name} appeared meanwhile and is a ${link.kind ?? 'device'}, not a bridge`);
        else state.link = link;
      });
    }
  }
  for (const job of fast) {
    const state = bridges.get(job.req!.host)!;
    if (state.slow) job.slow = true;
    else job.bridge = state;
  }
}

export function createLinks(host: HostSide, wave: WireJob[], options: WireManyOptions, fail: Fail<WireJob>): void {
  const jobs: WireJob[] = [];
  const reqs: Request[] = [];
  for (const job of wave) {
    if (job.item || job.slow) continue;
    const bridge = job.bridge!;
    if (bridge.error) {
      fail(job, 'links', bridge.error);
      continue;
    }
    try {
      options.beforePhase?.(job.index, 'link');
      const guest = job.guest!;
      const names = hostEndName(job.ifname, guest.key, String(guest.pid ?? guest.key), job.req!.local);
      job.lif = names.name;
      if (names.shortened) job.notes.push(`host interface named ${names.name} (pipework's ${names.shortened} is longer than 15 characters)`);
      job.label = `${job.ifname} in ${guest.netns.label}`;
      const mtu = job.req!.mtu ?? bridge.link!.mtu;
      const req = vethPairRequest({ lif: job.lif, ifname: job.ifname, label: job.label, netnsFd: guest.netns.fd, master: bridge.link!.index, mtu, mac: job.req!.mac });
      req.flags = (req.flags ?? 0) | NLM_F_ECHO; // answer with the new link: both ifindexes, no lookups
      jobs.push(job);
      reqs.push(req);
    } catch (e) {
      fail(job, 'links', e);
    }
  }
  const outcomes = reqs.length ? host.sock.batch(reqs) : [];
  outcomes.forEach((o, i) => {
    const job = jobs[i];
    if (o.error) {
      // A name already taken: a re-run, a half-made wiring, a leftover or a conflict (existing.ts).
      if (isKernelError(o.error, 'EEXIST')) job.existing = true;
      else fail(job, 'links', o.error);
      return;
    }
    job.created = true;
    job.bridge!.used = true;
    // The bridge this call made shows in the steps of the first guest on it, as in a plan.
    if (job.bridge!.created && !job.bridge!.shown) {
      job.bridge!.shown = true;
      job.steps.push(`[host] create bridge ${job.req!.host} (up)`);
    }
    job.steps.push(`[host] create veth ${job.lif} (port of ${job.req!.host}) <-> ${job.label}`);
    const echo = o.replies.find((r) => r.type === RTM_NEWLINK);
    const got = echo ? indexAndPeer(echo) : undefined;
    if (got?.peer) {
      job.hostIndex = got.index;
      job.guestIndex = got.peer;
    }
    // else: a kernel without NLM_F_ECHO for new links; looked up once the guest's socket is open
  });
}

/** Both ends' indexes, for links whose creation did not echo them. */
export function findMissingIndexes(host: HostSide, wave: WireJob[], fail: Fail<WireJob>): void {
  for (const job of wave) {
    if (job.item || !job.created || job.guestIndex) continue;
    try {
      const [g] = job.sock!.batchOrThrow([getLinkByNameRequest(job.ifname, `looking up ${job.label}`)]);
      const [h] = host.sock.batchOrThrow([getLinkByNameRequest(job.lif!, `looking up ${job.lif}`)]);
      job.guestIndex = linkOf(g)!.index;
      job.hostIndex = linkOf(h)!.index;
    } catch (e) {
      fail(job, 'links', e);
    }
  }
}
